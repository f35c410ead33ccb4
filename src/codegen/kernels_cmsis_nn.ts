/**
 * The CMSIS-NN kernel backend of the generated C: one layer function body per IntOp calling Arm's
 * s8 functions (arm_nnfunctions.h), a 1-D layer being an H = 1 image ([1, 1, L, C], NHWC):
 *
 *   conv1d           arm_convolve_wrapper_s8           filter [Cout, 1, K, Cin] (our OHWI)
 *   dwconv1d         arm_depthwise_conv_wrapper_s8     filter [1, 1, K, C], ch_mult 1
 *   pwconv1d         arm_convolve_wrapper_s8           filter [Cout, 1, 1, Cin] (1x1 paths)
 *   fully_connected  arm_fully_connected_per_channel_s8
 *   avgpool1d        arm_avgpool_s8 (global: the filter covers L)
 *   maxpool1d        arm_max_pool_s8
 *   add              arm_elementwise_add_s8
 *
 * CMSIS-NN takes TFLite's own parameters: the bias as stored (it adds input_offset * sum(w)
 * itself), per-channel int32 multipliers and int32 shifts (TFLM keeps the shifts as int32 in RAM
 * too; the flash keeps int8 and init widens them), input_offset = -input zero point and
 * output_offset = the output zero point (CMSIS-NN adds it after requantization, as TFLM passes it).
 * The right padding is implied by the output length, as in TFLite.
 *
 * Scratch: one static buffer (the context `buf`) sized by cmsisScratchBytes, the largest need of
 * any layer on any CMSIS-NN path (DSP, MVE, portable). <prefix>_init() checks it against
 * CMSIS-NN's own *_get_buffer_size for the compiled target and fails with -4 if it is short.
 */

import type { ActivationTensor, AddOp, Conv1dOp, DwConv1dOp, FullyConnectedOp, GlobalAvgPoolOp, IntOp, Pool1dOp, PwConv1dOp } from '../quant/int_model.ts';
import type { OpKind, OpOfKind } from '../quant/op_kinds.ts';

/** What a layer body refers to: C expressions for the tensors and parameter arrays. */
export interface CmsisLayerRefs {
  x: string;
  x2?: string;
  y: string;
  /** filter (weights), bias, int32 multiplier, int32 shift (the widened RAM table) */
  filter?: string;
  bias?: string;
  multiplier?: string;
  s32?: string;
  /** add: the symbol of its flash requantization (htpw_add_requant_t) */
  addRequant?: string;
  /** context buffer expression and its size macro */
  scratch: string;
  scratchSize: string;
  /** status variable a failed call sets */
  status: string;
}

function lengthAndChannels(t: ActivationTensor): { l: number; c: number } {
  const c = t.shape[t.shape.length - 1];
  return { l: t.shape.reduce((a, b) => a * b, 1) / c, c };
}

const pad4 = (n: number) => Math.ceil(n / 4) * 4;
const pad16 = (n: number) => Math.ceil(n / 16) * 16;
/** CMSIS-NN's CH_IN_BLOCK_MVE (arm_nnsupportfunctions.h): channels per MVE depthwise block. */
const CH_IN_BLOCK_MVE = 124;

const dims = (n: number, h: number, w: number, c: number) => `{ ${n}, ${h}, ${w}, ${c} }`;

/** One op kind on the CMSIS-NN backend. */
interface CmsisOp<O extends IntOp> {
  /** bytes of context buffer the op needs on the most demanding CMSIS-NN path */
  scratch(op: O, x: ActivationTensor): number;
  /** the check, in <prefix>_init(), that the scratch covers CMSIS-NN's own buffer size (null: none needed) */
  check(op: O, x: ActivationTensor, y: ActivationTensor, scratchSize: string): string | null;
  /** the statements of the layer function (indented two spaces) */
  body(op: O, x: ActivationTensor, y: ActivationTensor, r: CmsisLayerRefs, x2?: ActivationTensor): string;
}

const act = (op: IntOp) => `{ ${op.actMin}, ${op.actMax} }`;
const ctx = (r: CmsisLayerRefs) => `  const cmsis_nn_context ctx = { ${r.scratch}, ${r.scratchSize} };`;
const quant = (r: CmsisLayerRefs) => `  const cmsis_nn_per_channel_quant_params quant = { (int32_t *)${r.multiplier}, ${r.s32} };`;
const checked = (r: CmsisLayerRefs, call: string) => `  if (${call} != ARM_CMSIS_NN_SUCCESS) ${r.status} = -2;`;

/** conv1d and pwconv1d: arm_convolve_wrapper_s8, filter [Cout, 1, K, Cin] (K = 1 takes the 1x1 paths) */
function convolution<O extends Conv1dOp | PwConv1dOp>(): CmsisOp<O> {
  const kernel = (op: O) => (op.kind === 'conv1d' ? op.kernelSize : 1);
  const geometry = (op: O) => (op.kind === 'conv1d' ? `{ ${op.stride}, 1 }, { ${op.padBefore}, 0 }, { ${op.dilation}, 1 }` : '{ 1, 1 }, { 0, 0 }, { 1, 1 }');
  return {
    scratch: (op) =>
      op.kind === 'conv1d'
        ? Math.max(4 * pad4(op.kernelSize * op.inChannels), 4 * pad16(op.kernelSize * op.inChannels))
        : Math.max(4 * op.inChannels, 4 * pad4(op.inChannels), 4 * pad16(op.inChannels)),
    check: (op, x, y, scratchSize) => {
      const xi = lengthAndChannels(x);
      const yi = lengthAndChannels(y);
      return `  { const cmsis_nn_conv_params p = { 0, 0, ${geometry(op)}, { -128, 127 } }; const cmsis_nn_dims di = ${dims(1, 1, xi.l, xi.c)}, df = ${dims(op.outChannels, 1, kernel(op), op.inChannels)}, dout = ${dims(1, 1, yi.l, yi.c)};\n    if (arm_convolve_wrapper_s8_get_buffer_size(&p, &di, &df, &dout) > ${scratchSize}) return -4; }`;
    },
    body: (op, x, y, r) => {
      const xi = lengthAndChannels(x);
      const yi = lengthAndChannels(y);
      return [
        ctx(r),
        `  const cmsis_nn_conv_params params = { ${-x.zeroPoint}, ${y.zeroPoint}, ${geometry(op)}, ${act(op)} };`,
        quant(r),
        `  const cmsis_nn_dims in = ${dims(1, 1, xi.l, xi.c)}, filter = ${dims(op.outChannels, 1, kernel(op), op.inChannels)}, bias = ${dims(1, 1, 1, op.outChannels)}, out = ${dims(1, 1, yi.l, yi.c)};`,
        checked(r, `arm_convolve_wrapper_s8(&ctx, &params, &quant, &in, ${r.x}, &filter, ${r.filter}, &bias, ${r.bias}, &out, ${r.y})`),
      ].join('\n');
    },
  };
}

/** dwconv1d: arm_depthwise_conv_wrapper_s8, filter [1, 1, K, C], ch_mult 1 */
const depthwise: CmsisOp<DwConv1dOp> = {
  scratch: (op, x) => Math.max(2 * op.kernelSize * lengthAndChannels(x).c, 4 * CH_IN_BLOCK_MVE * op.kernelSize),
  check: (op, x, y, scratchSize) => {
    const xi = lengthAndChannels(x);
    const yi = lengthAndChannels(y);
    return `  { const cmsis_nn_dw_conv_params p = { 0, 0, 1, { ${op.stride}, 1 }, { ${op.padBefore}, 0 }, { ${op.dilation}, 1 }, { -128, 127 } }; const cmsis_nn_dims di = ${dims(1, 1, xi.l, xi.c)}, df = ${dims(1, 1, op.kernelSize, xi.c)}, dout = ${dims(1, 1, yi.l, yi.c)};\n    if (arm_depthwise_conv_wrapper_s8_get_buffer_size(&p, &di, &df, &dout) > ${scratchSize}) return -4; }`;
  },
  body: (op, x, y, r) => {
    const xi = lengthAndChannels(x);
    const yi = lengthAndChannels(y);
    return [
      ctx(r),
      `  const cmsis_nn_dw_conv_params params = { ${-x.zeroPoint}, ${y.zeroPoint}, 1, { ${op.stride}, 1 }, { ${op.padBefore}, 0 }, { ${op.dilation}, 1 }, ${act(op)} };`,
      quant(r),
      `  const cmsis_nn_dims in = ${dims(1, 1, xi.l, xi.c)}, filter = ${dims(1, 1, op.kernelSize, xi.c)}, bias = ${dims(1, 1, 1, op.outChannels)}, out = ${dims(1, 1, yi.l, yi.c)};`,
      checked(r, `arm_depthwise_conv_wrapper_s8(&ctx, &params, &quant, &in, ${r.x}, &filter, ${r.filter}, &bias, ${r.bias}, &out, ${r.y})`),
    ].join('\n');
  },
};

/** fully_connected: arm_fully_connected_per_channel_s8 */
const fullyConnected: CmsisOp<FullyConnectedOp> = {
  scratch: (op) => 4 * op.outChannels,
  check: (op, _x, _y, scratchSize) => `  { const cmsis_nn_dims df = ${dims(op.inChannels, 1, 1, op.outChannels)};\n    if (arm_fully_connected_s8_get_buffer_size(&df) > ${scratchSize}) return -4; }`,
  body: (op, x, y, r) =>
    [
      `  const cmsis_nn_fc_params params = { ${-x.zeroPoint}, 0, ${y.zeroPoint}, ${act(op)} };`,
      quant(r),
      `  const cmsis_nn_dims in = ${dims(1, 1, 1, op.inChannels)}, filter = ${dims(op.inChannels, 1, 1, op.outChannels)}, bias = ${dims(1, 1, 1, op.outChannels)}, out = ${dims(1, 1, 1, op.outChannels)};`,
      `  cmsis_nn_context ctx = { ${r.scratch}, ${r.scratchSize} };`,
      `  /* the MVE path reads precomputed kernel sums (+ bias) from the context; the others need none */`,
      `  if (arm_fully_connected_s8_get_buffer_size(&filter) > 0) (void)arm_vector_sum_s8((int32_t *)ctx.buf, ${op.inChannels}, ${op.outChannels}, ${r.filter}, ${-x.zeroPoint}, 0, ${r.bias});`,
      `  else ctx.buf = 0;`,
      checked(r, `arm_fully_connected_per_channel_s8(&ctx, &params, &quant, &in, ${r.x}, &filter, ${r.filter}, &bias, ${r.bias}, &out, ${r.y})`),
    ].join('\n'),
};

/** avgpool1d / maxpool1d / global_avgpool: arm_avgpool_s8 or arm_max_pool_s8 (global: the filter covers L) */
function pooling<O extends Pool1dOp | GlobalAvgPoolOp>(): CmsisOp<O> {
  const isAvg = (op: O) => op.kind !== 'maxpool1d';
  return {
    scratch: (op, x) => (isAvg(op) ? 4 * lengthAndChannels(x).c : 0),
    check: (op, x, y, scratchSize) => (isAvg(op) ? `  if (arm_avgpool_s8_get_buffer_size(${lengthAndChannels(y).l}, ${lengthAndChannels(x).c}) > ${scratchSize}) return -4;` : null),
    body: (op, x, y, r) => {
      const xi = lengthAndChannels(x);
      const yi = lengthAndChannels(y);
      const size = op.kind === 'global_avgpool' ? xi.l : op.poolSize;
      const stride = op.kind === 'global_avgpool' ? 1 : op.stride;
      const pad = op.kind === 'global_avgpool' ? 0 : op.padBefore;
      const fn = op.kind === 'maxpool1d' ? 'arm_max_pool_s8' : 'arm_avgpool_s8';
      return [
        ctx(r),
        `  const cmsis_nn_pool_params params = { { ${stride}, 1 }, { ${pad}, 0 }, ${act(op)} };`,
        `  const cmsis_nn_dims in = ${dims(1, 1, xi.l, xi.c)}, filter = ${dims(1, 1, size, 1)}, out = ${dims(1, 1, yi.l, yi.c)};`,
        checked(r, `${fn}(&ctx, &params, &in, ${r.x}, &filter, &out, ${r.y})`),
      ].join('\n');
    },
  };
}

/** add: arm_elementwise_add_s8 */
const add: CmsisOp<AddOp> = {
  scratch: () => 0,
  check: () => null,
  body: (op, x, y, r, x2) => {
    const q = r.addRequant;
    const n = lengthAndChannels(x).l * lengthAndChannels(x).c;
    return checked(r, `arm_elementwise_add_s8(${r.x}, ${r.x2}, ${-x.zeroPoint}, ${q}.multiplier[0], ${q}.shift[1], ${-(x2?.zeroPoint ?? 0)}, ${q}.multiplier[1], ${q}.shift[2], ${q}.shift[0], ${r.y}, ${y.zeroPoint}, ${q}.multiplier[2], ${q}.shift[3], ${op.actMin}, ${op.actMax}, ${n})`);
  },
};

/** Every op kind on the CMSIS-NN backend (the compiler names a kind missing here). */
const CMSIS_OPS = {
  conv1d: convolution<Conv1dOp>(),
  dwconv1d: depthwise,
  pwconv1d: convolution<PwConv1dOp>(),
  fully_connected: fullyConnected,
  avgpool1d: pooling<Pool1dOp>(),
  maxpool1d: pooling<Pool1dOp>(),
  global_avgpool: pooling<GlobalAvgPoolOp>(),
  add,
} satisfies { [K in OpKind]: CmsisOp<OpOfKind<K>> };

const cmsisOp = (op: IntOp) => CMSIS_OPS[op.kind] as CmsisOp<IntOp>;

/**
 * Bytes of context buffer op needs on the most demanding CMSIS-NN path (a bound: the DSP im2col
 * 2 * 2 * pad4(K * Cin), the MVE im2col 4 * pad16(K * Cin), the depthwise 2 * K * C (DSP) or
 * 4 * 124 * K (MVE), the 1x1 fast path 4 * Cin, the average pool 4 * C, the MVE FC kernel sums 4 * Cout).
 */
export function cmsisScratchBytes(op: IntOp, x: ActivationTensor): number {
  return cmsisOp(op).scratch(op, x);
}

/** The check, in <prefix>_init(), that the scratch covers CMSIS-NN's own buffer size for op. */
export function cmsisBufferCheck(op: IntOp, x: ActivationTensor, y: ActivationTensor, scratchSize: string): string | null {
  return cmsisOp(op).check(op, x, y, scratchSize);
}

/** The statements of one layer function calling CMSIS-NN (indented two spaces). */
export function cmsisLayerBody(op: IntOp, x: ActivationTensor, y: ActivationTensor, r: CmsisLayerRefs, x2?: ActivationTensor): string {
  return cmsisOp(op).body(op, x, y, r, x2);
}
