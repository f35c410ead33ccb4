import { requantizer } from '../fixed_point.ts';
import { check, checkClamp, outputLength, type ConvParams, type Dims, type FilterDims, type PerChannelQuantParams } from './types.ts';

/**
 * Full 1-D convolution, int8 in / int8 out, per-channel requantization
 * (TFLite Micro reference_integer_ops::ConvPerChannel with H = 1).
 *
 *   acc[n, o, co] = bias[co] + sum_{k, ci : 0 <= i < L} filter[co, k, ci] * (input[n, i, ci] + inputOffset),
 *                   i = o * stride - padBefore + k * dilation      (padded taps contribute 0)
 *   output[n, o, co] = clamp(MBQM(acc, multiplier[co], shift[co]) + outputOffset, actMin, actMax)
 *
 * Accumulator bound: |filter| <= 127 and |input + inputOffset| <= 255, so
 * |acc| <= Cin * K * 127 * 255 + |bias|, which validate.ts requires to be < 2^31.
 */
export function conv1dS8(
  params: ConvParams, quant: PerChannelQuantParams,
  inputDims: Dims, input: Int8Array,
  filterDims: FilterDims, filter: Int8Array, bias: Int32Array,
  outputDims: Dims, output: Int8Array,
): void {
  const { stride, dilation, padBefore, inputOffset, outputOffset, actMin, actMax } = params;
  checkConv1d('conv1dS8', params, inputDims, input, filterDims, filter, bias, outputDims, output);
  const batches = inputDims.n;
  const inLen = inputDims.l;
  const inCh = inputDims.c;
  const outCh = filterDims.out;
  const kSize = filterDims.k;
  const outLen = outputDims.l;
  const mbqm = requantizer(quant.rounding);
  const { multiplier, shift } = quant;

  for (let b = 0; b < batches; b++) {
    for (let o = 0; o < outLen; o++) {
      const inStart = o * stride - padBefore;
      for (let co = 0; co < outCh; co++) {
        let acc = 0;
        for (let k = 0; k < kSize; k++) {
          const i = inStart + k * dilation;
          if (i < 0 || i >= inLen) continue;
          const inBase = (b * inLen + i) * inCh;
          const fBase = (co * kSize + k) * inCh;
          for (let ci = 0; ci < inCh; ci++) acc += filter[fBase + ci] * (input[inBase + ci] + inputOffset);
        }
        acc += bias[co];
        acc = mbqm(acc, multiplier[co], shift[co]);
        acc += outputOffset;
        acc = Math.max(actMin, Math.min(actMax, acc));
        output[(b * outLen + o) * outCh + co] = acc;
      }
    }
  }
}

/** The argument checks of conv1dS8 (shared with its SIMD twin). */
export function checkConv1d(kernel: string, params: ConvParams, inputDims: Dims, input: Int8Array, filterDims: FilterDims, filter: Int8Array, bias: Int32Array, outputDims: Dims, output: Int8Array): void {
  const { n: batches, l: inLen, c: inCh } = inputDims;
  const { out: outCh, k: kSize } = filterDims;
  const outLen = outputDims.l;
  check(filterDims.in === inCh && outputDims.c === outCh && outputDims.n === batches, kernel, 'dims do not agree');
  check(outLen === outputLength(inLen, kSize, params.stride, params.dilation, params.padBefore, params.padAfter), kernel, `output length ${outLen} does not match the geometry`);
  check(filter.length === outCh * kSize * inCh && bias.length === outCh, kernel, 'filter / bias size');
  check(input.length >= batches * inLen * inCh && output.length >= batches * outLen * outCh, kernel, 'buffer size');
  checkClamp(kernel, params.actMin, params.actMax);
}
