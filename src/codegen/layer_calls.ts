/**
 * The body of each layer function for the native kernels (htpw_kernels.h) and the
 * TFLite-Micro-style reference loops (tflm_reference_loops.h): one C emitter per op kind, in a
 * table the compiler checks covers every kind (`satisfies OpTable`), so a new op cannot be
 * forgotten here. The CMSIS-NN backend's bodies are in kernels_cmsis_nn.ts.
 *
 * Arguments follow the C kernels: input, output, shapes, op hyper-parameters, weights, bias,
 * multiplier, shift, input offset (reference loops only: the native kernels read the folded
 * bias), output zero point, clamp range, scratch.
 */

import type { ActivationTensor, PwConv1dOp, FullyConnectedOp, Pool1dOp } from '../quant/int_model.ts';
import { dispatch, isOpKind, type OpTable } from '../quant/op_kinds.ts';
import type { IntOp } from '../quant/int_model.ts';
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
  /** weights, bias, multiplier, shift of a weighted op ('' for the others) */
  params: ParamRefs;
  /** add: the htpw_add_params_t symbol */
  addParams: string;
  /** the TFLite-Micro-style reference loops instead of htpw_kernels.h (conv, depthwise, pointwise) */
  reference: boolean;
  /** --pw-cache none: the generated layer index of a pointwise op run row by row, else -1 */
  rowLayer: number;
}

const clamp = (op: IntOp) => `${op.actMin}, ${op.actMax}`;

/** pointwise and fully connected: positions x Cin -> positions x Cout */
function pointwiseCall(op: PwConv1dOp | FullyConnectedOp, c: LayerCallContext): string {
  const { x, y, ptr } = c;
  const { w, b, m, s } = c.params;
  const positions = tensorDims(x).n / op.inChannels;
  if (!Number.isInteger(positions) || tensorDims(y).n !== positions * op.outChannels) fail(`op ${op.name}: shapes ${x.shape} -> ${y.shape} do not match ${op.inChannels} -> ${op.outChannels}`);
  if (c.rowLayer >= 0) return rowByRowCall(op, c, positions);
  return c.reference
    ? `ref_pw_s8(${ptr(op.input)}, ${ptr(op.output)}, ${positions}, ${op.inChannels}, ${op.outChannels}, ${w}, ${b}, ${m}, ${s}, ${-x.zeroPoint}, ${y.zeroPoint}, ${clamp(op)});`
    : `htpw_pw_s8(${ptr(op.input)}, ${ptr(op.output)}, ${positions}, ${op.inChannels}, ${op.outChannels}, ${w}, ${b}, ${m}, ${s}, ${y.zeroPoint}, ${clamp(op)}, HTPW_SCRATCH);`;
}

/** --pw-cache none: per output channel, synthesize its row, fold its bias, run it over every position */
function rowByRowCall(op: PwConv1dOp | FullyConnectedOp, c: LayerCallContext, positions: number): string {
  const { prefix, ptr } = c;
  return [
    `  htpw_syn_scratch_t sc;`,
    `  htpw_syn_state_t st;`,
    `  int32_t o, e;`,
    `  ${prefix}_syn_scratch(&sc);`,
    `  e = htpw_syn_begin(&${prefix}_glayers[${c.rowLayer}], &sc, &st);`,
    `  for (o = 0; e == HTPW_SYN_OK && o < ${op.outChannels}; o++) {`,
    `    int32_t b, m, sum;`,
    `    int8_t s;`,
    `    e = htpw_syn_row(&st, o, HTPW_ROW, &b, &m, &s, &sum);`,
    `    if (e == HTPW_SYN_OK) e = htpw_fold_bias_one(&b, sum, ${-c.x.zeroPoint});`,
    `    if (e == HTPW_SYN_OK) htpw_pw_row_s8(${ptr(op.input)}, ${ptr(op.output)} + o, ${positions}, ${op.inChannels}, ${op.outChannels}, HTPW_ROW, b, m, s, ${c.y.zeroPoint}, ${clamp(op)}, HTPW_SCRATCH);`,
    `  }`,
    `  if (e != HTPW_SYN_OK) ${prefix}_status = -3;`,
  ].join('\n');
}

function poolCall(op: Pool1dOp, c: LayerCallContext): string {
  const xd = tensorDims(c.x);
  const fn = op.kind === 'avgpool1d' ? 'htpw_avgpool_s8' : 'htpw_maxpool_s8';
  return `${fn}(${c.ptr(op.input)}, ${c.ptr(op.output)}, ${xd.l}, ${xd.c}, ${tensorDims(c.y).l}, ${op.poolSize}, ${op.stride}, ${op.padBefore}, ${clamp(op)});`;
}

/** One C statement (or block) per op kind. */
const LAYER_CALLS = {
  conv1d: (op, c) => {
    const xd = tensorDims(c.x);
    const yd = tensorDims(c.y);
    const { w, b, m, s } = c.params;
    if (xd.c !== op.inChannels || yd.c !== op.outChannels) fail(`op ${op.name}: conv channels`);
    return `${c.reference ? 'ref' : 'htpw'}_conv_s8(${c.ptr(op.input)}, ${c.ptr(op.output)}, ${xd.l}, ${xd.c}, ${yd.l}, ${yd.c}, ${op.kernelSize}, ${op.stride}, ${op.dilation}, ${op.padBefore}, ${w}, ${b}, ${m}, ${s}, ${-c.x.zeroPoint}, ${c.y.zeroPoint}, ${clamp(op)});`;
  },
  dwconv1d: (op, c) => {
    const xd = tensorDims(c.x);
    const yd = tensorDims(c.y);
    const { w, b, m, s } = c.params;
    if (xd.c !== op.inChannels || yd.c !== op.outChannels || op.inChannels !== op.outChannels) fail(`op ${op.name}: depthwise channels`);
    return `${c.reference ? 'ref' : 'htpw'}_dw_s8(${c.ptr(op.input)}, ${c.ptr(op.output)}, ${xd.l}, ${xd.c}, ${yd.l}, ${op.kernelSize}, ${op.stride}, ${op.dilation}, ${op.padBefore}, ${w}, ${b}, ${m}, ${s}, ${-c.x.zeroPoint}, ${c.y.zeroPoint}, ${clamp(op)});`;
  },
  pwconv1d: pointwiseCall,
  fully_connected: pointwiseCall,
  avgpool1d: poolCall,
  maxpool1d: poolCall,
  // the average over all positions: one window of L positions
  global_avgpool: (op, c) => {
    const xd = tensorDims(c.x);
    return `htpw_avgpool_s8(${c.ptr(op.input)}, ${c.ptr(op.output)}, ${xd.l}, ${xd.c}, 1, ${xd.l}, 1, 0, ${clamp(op)});`;
  },
  // input offsets, then (shift, multiplier) of the left shift / input1 / input2 / output
  add: (op, c) => {
    const q = c.addParams;
    return `htpw_add_s8(${c.ptr(op.input)}, ${c.ptr(op.input2)}, ${c.ptr(op.output)}, ${tensorDims(c.y).n}, ${-c.x.zeroPoint}, ${-c.x2!.zeroPoint}, ${q}.shift[0], ${q}.mult[0], ${q}.shift[1], ${q}.mult[1], ${q}.shift[2], ${q}.mult[2], ${q}.shift[3], ${c.y.zeroPoint}, ${clamp(op)});`;
  },
} satisfies OpTable<[LayerCallContext], string>;

/** The body of op's layer function (native or reference kernels). */
export function layerCall(op: IntOp, c: LayerCallContext): string {
  if (!isOpKind(op.kind)) fail(`op kind ${(op as IntOp).kind} is not supported`);
  return dispatch(LAYER_CALLS, op, c);
}

/** Bytes of the DSP pointwise path's int16 row scratch op needs (native kernels only). */
export function dspScratchBytes(op: IntOp): number {
  return op.kind === 'pwconv1d' || op.kind === 'fully_connected' ? 4 * op.inChannels : 0;
}
