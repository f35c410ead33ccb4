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

import type { ActivationTensor, IntOp } from '../quant/int_model.ts';

/** What a layer body refers to: C expressions for the tensors and parameter arrays. */
export interface CmsisLayerRefs {
  x: string;
  x2?: string;
  y: string;
  /** weights, bias, int32 multiplier, int32 shift (the widened RAM table) */
  w?: string;
  b?: string;
  m?: string;
  s32?: string;
  /** add requantization struct symbol (htpw_add_params_t) */
  addParams?: string;
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

/**
 * Bytes of context buffer op needs on the most demanding CMSIS-NN path (a bound: the DSP im2col
 * 2 * 2 * pad4(K * Cin), the MVE im2col 4 * pad16(K * Cin), the depthwise 2 * K * C (DSP) or
 * 4 * 124 * K (MVE), the 1x1 fast path 4 * Cin, the average pool 4 * C, the MVE FC kernel sums 4 * Cout).
 */
export function cmsisScratchBytes(op: IntOp, x: ActivationTensor): number {
  const { c } = lengthAndChannels(x);
  switch (op.kind) {
    case 'conv1d':
      return Math.max(4 * pad4(op.kernelSize * op.inChannels), 4 * pad16(op.kernelSize * op.inChannels));
    case 'dwconv1d':
      return Math.max(2 * op.kernelSize * c, 4 * CH_IN_BLOCK_MVE * op.kernelSize);
    case 'pwconv1d':
      return Math.max(4 * op.inChannels, 4 * pad4(op.inChannels), 4 * pad16(op.inChannels));
    case 'fully_connected':
      return 4 * op.outChannels;
    case 'avgpool1d':
    case 'global_avgpool':
      return 4 * c;
    default:
      return 0;
  }
}

const dims = (n: number, h: number, w: number, c: number) => `{ ${n}, ${h}, ${w}, ${c} }`;

/** The check, in <prefix>_init(), that the scratch covers CMSIS-NN's own buffer size for op. */
export function cmsisBufferCheck(op: IntOp, x: ActivationTensor, y: ActivationTensor, scratchSize: string): string | null {
  const xi = lengthAndChannels(x);
  const yi = lengthAndChannels(y);
  const inD = dims(1, 1, xi.l, xi.c);
  const outD = dims(1, 1, yi.l, yi.c);
  switch (op.kind) {
    case 'conv1d':
    case 'pwconv1d': {
      const k = op.kind === 'conv1d' ? op.kernelSize : 1;
      const p = op.kind === 'conv1d' ? `{ ${op.stride}, 1 }, { ${op.padBefore}, 0 }, { ${op.dilation}, 1 }` : '{ 1, 1 }, { 0, 0 }, { 1, 1 }';
      return `  { const cmsis_nn_conv_params p = { 0, 0, ${p}, { -128, 127 } }; const cmsis_nn_dims di = ${inD}, df = ${dims(op.outChannels, 1, k, op.inChannels)}, dout = ${outD};\n    if (arm_convolve_wrapper_s8_get_buffer_size(&p, &di, &df, &dout) > ${scratchSize}) return -4; }`;
    }
    case 'dwconv1d':
      return `  { const cmsis_nn_dw_conv_params p = { 0, 0, 1, { ${op.stride}, 1 }, { ${op.padBefore}, 0 }, { ${op.dilation}, 1 }, { -128, 127 } }; const cmsis_nn_dims di = ${inD}, df = ${dims(1, 1, op.kernelSize, xi.c)}, dout = ${outD};\n    if (arm_depthwise_conv_wrapper_s8_get_buffer_size(&p, &di, &df, &dout) > ${scratchSize}) return -4; }`;
    case 'fully_connected':
      return `  { const cmsis_nn_dims df = ${dims(op.inChannels, 1, 1, op.outChannels)};\n    if (arm_fully_connected_s8_get_buffer_size(&df) > ${scratchSize}) return -4; }`;
    case 'avgpool1d':
    case 'global_avgpool':
      return `  if (arm_avgpool_s8_get_buffer_size(${yi.l}, ${xi.c}) > ${scratchSize}) return -4;`;
    default:
      return null;
  }
}

/** The statements of one layer function calling CMSIS-NN (indented two spaces). */
export function cmsisLayerBody(op: IntOp, x: ActivationTensor, y: ActivationTensor, r: CmsisLayerRefs, x2?: ActivationTensor): string {
  const xi = lengthAndChannels(x);
  const yi = lengthAndChannels(y);
  const inOffset = -x.zeroPoint;
  const act = `{ ${op.actMin}, ${op.actMax} }`;
  const ctx = `  const cmsis_nn_context ctx = { ${r.scratch}, ${r.scratchSize} };`;
  const quant = () => `  const cmsis_nn_per_channel_quant_params quant = { (int32_t *)${r.m}, ${r.s32} };`;
  const inD = dims(1, 1, xi.l, xi.c);
  const outD = dims(1, 1, yi.l, yi.c);
  const check = (call: string) => `  if (${call} != ARM_CMSIS_NN_SUCCESS) ${r.status} = -2;`;
  switch (op.kind) {
    case 'conv1d':
    case 'pwconv1d': {
      const k = op.kind === 'conv1d' ? op.kernelSize : 1;
      const geo = op.kind === 'conv1d' ? `{ ${op.stride}, 1 }, { ${op.padBefore}, 0 }, { ${op.dilation}, 1 }` : '{ 1, 1 }, { 0, 0 }, { 1, 1 }';
      return [
        ctx,
        `  const cmsis_nn_conv_params params = { ${inOffset}, ${y.zeroPoint}, ${geo}, ${act} };`,
        quant(),
        `  const cmsis_nn_dims in = ${inD}, filter = ${dims(op.outChannels, 1, k, op.inChannels)}, bias = ${dims(1, 1, 1, op.outChannels)}, out = ${outD};`,
        check(`arm_convolve_wrapper_s8(&ctx, &params, &quant, &in, ${r.x}, &filter, ${r.w}, &bias, ${r.b}, &out, ${r.y})`),
      ].join('\n');
    }
    case 'dwconv1d':
      return [
        ctx,
        `  const cmsis_nn_dw_conv_params params = { ${inOffset}, ${y.zeroPoint}, 1, { ${op.stride}, 1 }, { ${op.padBefore}, 0 }, { ${op.dilation}, 1 }, ${act} };`,
        quant(),
        `  const cmsis_nn_dims in = ${inD}, filter = ${dims(1, 1, op.kernelSize, xi.c)}, bias = ${dims(1, 1, 1, op.outChannels)}, out = ${outD};`,
        check(`arm_depthwise_conv_wrapper_s8(&ctx, &params, &quant, &in, ${r.x}, &filter, ${r.w}, &bias, ${r.b}, &out, ${r.y})`),
      ].join('\n');
    case 'fully_connected':
      return [
        `  const cmsis_nn_fc_params params = { ${inOffset}, 0, ${y.zeroPoint}, ${act} };`,
        quant(),
        `  const cmsis_nn_dims in = ${dims(1, 1, 1, op.inChannels)}, filter = ${dims(op.inChannels, 1, 1, op.outChannels)}, bias = ${dims(1, 1, 1, op.outChannels)}, out = ${dims(1, 1, 1, op.outChannels)};`,
        `  cmsis_nn_context ctx = { ${r.scratch}, ${r.scratchSize} };`,
        `  /* the MVE path reads precomputed kernel sums (+ bias) from the context; the others need none */`,
        `  if (arm_fully_connected_s8_get_buffer_size(&filter) > 0) (void)arm_vector_sum_s8((int32_t *)ctx.buf, ${op.inChannels}, ${op.outChannels}, ${r.w}, ${inOffset}, 0, ${r.b});`,
        `  else ctx.buf = 0;`,
        check(`arm_fully_connected_per_channel_s8(&ctx, &params, &quant, &in, ${r.x}, &filter, ${r.w}, &bias, ${r.b}, &out, ${r.y})`),
      ].join('\n');
    case 'avgpool1d':
    case 'maxpool1d':
    case 'global_avgpool': {
      const size = op.kind === 'global_avgpool' ? xi.l : op.poolSize;
      const stride = op.kind === 'global_avgpool' ? 1 : op.stride;
      const pad = op.kind === 'global_avgpool' ? 0 : op.padBefore;
      const fn = op.kind === 'maxpool1d' ? 'arm_max_pool_s8' : 'arm_avgpool_s8';
      return [
        ctx,
        `  const cmsis_nn_pool_params params = { { ${stride}, 1 }, { ${pad}, 0 }, ${act} };`,
        `  const cmsis_nn_dims in = ${inD}, filter = ${dims(1, 1, size, 1)}, out = ${outD};`,
        check(`${fn}(&ctx, &params, &in, ${r.x}, &filter, &out, ${r.y})`),
      ].join('\n');
    }
    case 'add': {
      const q = r.addParams;
      const n = xi.l * xi.c;
      return check(`arm_elementwise_add_s8(${r.x}, ${r.x2}, ${inOffset}, ${q}.mult[0], ${q}.shift[1], ${-(x2?.zeroPoint ?? 0)}, ${q}.mult[1], ${q}.shift[2], ${q}.shift[0], ${r.y}, ${y.zeroPoint}, ${q}.mult[2], ${q}.shift[3], ${op.actMin}, ${op.actMax}, ${n})`);
    }
  }
}
