import { requantizer } from '../fixed_point.ts';
import { check, checkClamp, type ConvParams, type Dims, type FilterDims, type PerChannelQuantParams } from './types.ts';

/**
 * Pointwise (1x1) 1-D convolution = INT8 GEMM over positions, per-channel requantization
 * (TFLite Micro reference_integer_ops::ConvPerChannel with a 1x1 filter). filter is [Cout, Cin];
 * only params.inputOffset / outputOffset / actMin / actMax are used (stride 1, no padding).
 *
 *   acc[p, co] = bias[co] + sum_ci filter[co, ci] * (input[p, ci] + inputOffset),  p over N * L
 *   output[p, co] = clamp(MBQM(acc, multiplier[co], shift[co]) + outputOffset, actMin, actMax)
 *
 * Accumulator bound: |acc| <= Cin * 127 * 255 + |bias| (validate.ts requires < 2^31).
 *
 * This is the reference loop nest (what the C generator prints). The simulator runs the faster
 * twins with identical integers: pwconv1dS8Fast (pwconv1d_s8_fast.ts, the js kernel set) and
 * pwconv1dS8Simd (pwconv1d_s8_simd.ts); test/quant/kernels.test.ts and kernels_simd.test.ts
 * compare each with this one byte for byte.
 */
export function pwconv1dS8(
  params: ConvParams, quant: PerChannelQuantParams,
  inputDims: Dims, input: Int8Array,
  filterDims: FilterDims, filter: Int8Array, bias: Int32Array,
  outputDims: Dims, output: Int8Array,
): void {
  const { inputOffset, outputOffset, actMin, actMax } = params;
  const positions = checkPw('pwconv1dS8', params, inputDims, input, filterDims, filter, bias, outputDims, output);
  const inCh = inputDims.c;
  const outCh = filterDims.out;
  const mbqm = requantizer(quant.rounding);
  const { multiplier, shift } = quant;

  for (let p = 0; p < positions; p++) {
    const inBase = p * inCh;
    for (let co = 0; co < outCh; co++) {
      let acc = 0;
      const fBase = co * inCh;
      for (let ci = 0; ci < inCh; ci++) acc += filter[fBase + ci] * (input[inBase + ci] + inputOffset);
      acc += bias[co];
      acc = mbqm(acc, multiplier[co], shift[co]);
      acc += outputOffset;
      acc = Math.max(actMin, Math.min(actMax, acc));
      output[p * outCh + co] = acc;
    }
  }
}

/** The argument checks of pwconv1dS8 (shared with its fast and SIMD twins); returns N * L. */
export function checkPw(kernel: string, params: ConvParams, inputDims: Dims, input: Int8Array, filterDims: FilterDims, filter: Int8Array, bias: Int32Array, outputDims: Dims, output: Int8Array): number {
  const positions = inputDims.n * inputDims.l;
  check(filterDims.in === inputDims.c && filterDims.k === 1, kernel, `filter [${filterDims.out}, ${filterDims.k}, ${filterDims.in}] does not take ${inputDims.c} channels`);
  check(outputDims.n === inputDims.n && outputDims.l === inputDims.l && outputDims.c === filterDims.out, kernel, 'output dims');
  check(filter.length === filterDims.out * filterDims.in && bias.length === filterDims.out, kernel, 'filter / bias size');
  check(input.length >= positions * inputDims.c && output.length >= positions * filterDims.out, kernel, 'buffer size');
  checkClamp(kernel, params.actMin, params.actMax);
  return positions;
}
