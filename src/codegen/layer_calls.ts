/**
 * The body of each layer function for the native kernels (htpw_kernels.h) and the
 * TFLite-Micro-style reference loops (tflm_reference_loops.h): one C emitter per op kind, in a
 * table the compiler checks covers every kind (`satisfies OpTable`), so a new op cannot be
 * forgotten here. The CMSIS-NN backend's bodies are in kernels_cmsis_nn.ts.
 *
 * Each body defines the op's params struct as `static const` data and calls the kernel of its
 * kind, htpw_<kind>_s8(&params, input..., output...): the struct holds the TypeScript kernel's
 * arguments other than the tensors (src/quant/kernels/<kind>_s8.ts), in their order and with
 * their names, filled as the simulator fills them (src/quant/simulator.ts RUN_OP).
 */

import type { ActivationTensor, AddOp, FullyConnectedOp, GlobalAvgPoolOp, IntOp, Pool1dOp, PwConv1dOp } from '../quant/int_model.ts';
import { dispatch, isOpKind, type OpTable, type WeightedOp } from '../quant/op_kinds.ts';
import { fail } from './c_checks.ts';
import { tensorDims } from './c_text.ts';
import type { ParamRefs } from './layer_params.ts';

/** Who computes the layers: our kernels (htpw_kernels.h), Arm CMSIS-NN (kernels_cmsis_nn.ts), or
 * plain TFLite-Micro-style reference loops (tflm_reference_loops.h: the baseline the mcu bench
 * measures whole models against; pooling and add use htpw_kernels.h's loops, which are plain). */
export type KernelBackend = 'native' | 'cmsis-nn' | 'reference';
export const KERNEL_BACKENDS: readonly KernelBackend[] = ['native', 'cmsis-nn', 'reference'];

/** What a layer body refers to. */
export interface LayerCallContext {
  prefix: string;
  x: ActivationTensor;
  y: ActivationTensor;
  /** add: the second input */
  x2?: ActivationTensor;
  /** arena pointer expression of tensor id */
  ptr: (id: number) => string;
  /** filter, bias, multiplier, shift of a weighted op ('' for the others) */
  params: ParamRefs;
  /** the TFLite-Micro-style reference loops instead of htpw_kernels.h (conv, depthwise, pointwise, fully connected) */
  reference: boolean;
  /** --pw-cache none: the generated layer index of a pointwise op run row by row, else -1 */
  rowLayer: number;
}

/** One struct field and its C initializer. */
type Field = readonly [name: string, value: string | number];

/** `static const <type> params = { .name = value, ... };`, one line per group of fields, indented for a function body. */
function paramsStruct(type: string, groups: Field[][]): string[] {
  return [`  static const ${type} params = {`, ...groups.map((g) => `    ${g.map(([name, v]) => `.${name} = ${v}`).join(', ')},`), `  };`];
}

/** A tensor's Dims [n, l, c] (one sample: n = 1). */
const dims = (t: ActivationTensor) => `{ 1, ${tensorDims(t).l}, ${tensorDims(t).c} }`;

const clamp = (op: IntOp): Field[] => [['actMin', op.actMin], ['actMax', op.actMax]];

/** The ConvParams, PerChannelQuantParams, dims, filter and bias of a weighted op (simulator.ts convArgs:
 * stride / dilation / padding 1 / 1 / 0 where the op has none). */
function convParams(op: WeightedOp, c: LayerCallContext, kernelSize: number): string[] {
  const g = 'stride' in op ? op : { stride: 1, dilation: 1, padBefore: 0, padAfter: 0 };
  const r = c.params;
  return paramsStruct('htpw_conv_params_t', [
    [['stride', g.stride], ['dilation', g.dilation], ['padBefore', g.padBefore], ['padAfter', g.padAfter], ['inputOffset', -c.x.zeroPoint], ['outputOffset', c.y.zeroPoint], ...clamp(op)],
    [['multiplier', r.multiplier || 0], ['shift', r.shift || 0]],
    [['inputDims', dims(c.x)], ['filterDims', `{ ${op.outChannels}, ${kernelSize}, ${op.inChannels} }`], ['filter', r.filter || 0], ['bias', r.bias || 0], ['outputDims', dims(c.y)]],
  ]);
}

/** The kernel function of op's kind on this backend. */
const kernel = (op: IntOp, c: LayerCallContext) => `${c.reference ? 'ref' : 'htpw'}_${op.kind}_s8`;

/** pointwise and fully connected: positions x Cin -> positions x Cout */
function pointwiseCall(op: PwConv1dOp | FullyConnectedOp, c: LayerCallContext): string[] {
  const { x, y, ptr } = c;
  const positions = tensorDims(x).n / op.inChannels;
  if (!Number.isInteger(positions) || tensorDims(y).n !== positions * op.outChannels) fail(`op ${op.name}: shapes ${x.shape} -> ${y.shape} do not match ${op.inChannels} -> ${op.outChannels}`);
  if (c.rowLayer >= 0) return rowByRowCall(op, c);
  const scratch = c.reference ? '' : ', HTPW_SCRATCH';
  return [...convParams(op, c, 1), `  ${kernel(op, c)}(&params, ${ptr(op.input)}, ${ptr(op.output)}${scratch});`];
}

/** --pw-cache none: per output channel, synthesize its row, fold its bias, run it over every position */
function rowByRowCall(op: PwConv1dOp | FullyConnectedOp, c: LayerCallContext): string[] {
  const { prefix, ptr } = c;
  return [
    `  /* the shapes, offsets and clamp; filter, bias, multiplier and shift are synthesized one row at a time */`,
    ...convParams(op, c, 1),
    `  htpw_syn_scratch_t sc;`,
    `  htpw_syn_state_t st;`,
    `  int32_t o, e;`,
    `  ${prefix}_syn_scratch(&sc);`,
    `  e = htpw_syn_begin(&${prefix}_glayers[${c.rowLayer}], &sc, &st);`,
    `  for (o = 0; e == HTPW_SYN_OK && o < ${op.outChannels}; o++) {`,
    `    int32_t bias, multiplier, sum;`,
    `    int8_t shift;`,
    `    e = htpw_syn_row(&st, o, HTPW_ROW, &bias, &multiplier, &shift, &sum);`,
    `    if (e == HTPW_SYN_OK) e = htpw_fold_bias_one(&bias, sum, ${-c.x.zeroPoint});`,
    `    if (e == HTPW_SYN_OK) htpw_pwconv1d_row_s8(&params, HTPW_ROW, bias, multiplier, shift, ${ptr(op.input)}, ${ptr(op.output)} + o, HTPW_SCRATCH);`,
    `  }`,
    `  if (e != HTPW_SYN_OK) ${prefix}_status = -3;`,
  ];
}

/** avgpool1d / maxpool1d: PoolParams, inputDims, outputDims */
function poolCall(op: Pool1dOp, c: LayerCallContext): string[] {
  return [
    ...paramsStruct('htpw_pool_params_t', [
      [['poolSize', op.poolSize], ['stride', op.stride], ['padBefore', op.padBefore], ['padAfter', op.padAfter], ...clamp(op)],
      [['inputDims', dims(c.x)], ['outputDims', dims(c.y)]],
    ]),
    `  htpw_${op.kind}_s8(&params, ${c.ptr(op.input)}, ${c.ptr(op.output)});`,
  ];
}

function globalAvgpoolCall(op: GlobalAvgPoolOp, c: LayerCallContext): string[] {
  if (tensorDims(c.y).n !== tensorDims(c.x).c) fail(`op ${op.name}: shapes ${c.x.shape} -> ${c.y.shape}`);
  return [
    ...paramsStruct('htpw_global_avgpool_params_t', [clamp(op), [['inputDims', dims(c.x)], ['outputDims', dims(c.y)]]]),
    `  htpw_global_avgpool_s8(&params, ${c.ptr(op.input)}, ${c.ptr(op.output)});`,
  ];
}

/** add: AddParams (the values of the op's 16-byte flash section `requant`), input1Dims, input2Dims, outputDims */
function addCall(op: AddOp, c: LayerCallContext): string[] {
  return [
    ...paramsStruct('htpw_add_params_t', [
      [['input1Offset', -c.x.zeroPoint], ['input2Offset', -c.x2!.zeroPoint], ['outputOffset', c.y.zeroPoint], ['leftShift', op.leftShift]],
      [['input1Multiplier', op.input1Multiplier], ['input1Shift', op.input1Shift], ['input2Multiplier', op.input2Multiplier], ['input2Shift', op.input2Shift], ['outputMultiplier', op.outputMultiplier], ['outputShift', op.outputShift]],
      clamp(op),
      [['input1Dims', dims(c.x)], ['input2Dims', dims(c.x2!)], ['outputDims', dims(c.y)]],
    ]),
    `  htpw_add_s8(&params, ${c.ptr(op.input)}, ${c.ptr(op.input2)}, ${c.ptr(op.output)});`,
  ];
}

/** The statements of the layer function, per op kind. */
const LAYER_CALLS = {
  conv1d: (op, c) => {
    if (tensorDims(c.x).c !== op.inChannels || tensorDims(c.y).c !== op.outChannels) fail(`op ${op.name}: conv channels`);
    return [...convParams(op, c, op.kernelSize), `  ${kernel(op, c)}(&params, ${c.ptr(op.input)}, ${c.ptr(op.output)});`];
  },
  dwconv1d: (op, c) => {
    if (tensorDims(c.x).c !== op.inChannels || tensorDims(c.y).c !== op.outChannels || op.inChannels !== op.outChannels) fail(`op ${op.name}: depthwise channels`);
    return [...convParams(op, c, op.kernelSize), `  ${kernel(op, c)}(&params, ${c.ptr(op.input)}, ${c.ptr(op.output)});`];
  },
  pwconv1d: pointwiseCall,
  fully_connected: pointwiseCall,
  avgpool1d: poolCall,
  maxpool1d: poolCall,
  global_avgpool: globalAvgpoolCall,
  add: addCall,
} satisfies OpTable<[LayerCallContext], string[]>;

/** The body of op's layer function (native or reference kernels), each line indented two spaces. */
export function layerCall(op: IntOp, c: LayerCallContext): string {
  if (!isOpKind(op.kind)) fail(`op kind ${(op as IntOp).kind} is not supported`);
  return dispatch(LAYER_CALLS, op, c).join('\n');
}

/** Bytes of the DSP pointwise path's int16 row scratch op needs (native kernels only). */
export function dspScratchBytes(op: IntOp): number {
  return op.kind === 'pwconv1d' || op.kind === 'fully_connected' ? 4 * op.inChannels : 0;
}
