import { requantizer } from '../fixed_point.ts';
import { check, checkClamp, outputLength, type ConvParams, type Dims, type FilterDims, type PerChannelQuantParams } from './types.ts';

/**
 * Depthwise 1-D convolution, depth multiplier 1, int8, per-channel requantization
 * (TFLite Micro reference_integer_ops::DepthwiseConvPerChannel with H = 1). filter is [K, C].
 *
 *   acc[n, o, c] = bias[c] + sum_{k : 0 <= i < L} filter[k, c] * (input[n, i, c] + inputOffset),
 *                  i = o * stride - padBefore + k * dilation
 *   output[n, o, c] = clamp(MBQM(acc, multiplier[c], shift[c]) + outputOffset, actMin, actMax)
 *
 * Accumulator bound: |acc| <= K * 127 * 255 + |bias| (validate.ts requires < 2^31).
 */
export function dwconv1dS8(
  params: ConvParams, quant: PerChannelQuantParams,
  inputDims: Dims, input: Int8Array,
  filterDims: FilterDims, filter: Int8Array, bias: Int32Array,
  outputDims: Dims, output: Int8Array,
): void {
  const { stride, dilation, padBefore, inputOffset, outputOffset, actMin, actMax } = params;
  checkDwconv1d('dwconv1dS8', params, inputDims, input, filterDims, filter, bias, outputDims, output);
  const batches = inputDims.n;
  const inLen = inputDims.l;
  const ch = inputDims.c;
  const kSize = filterDims.k;
  const outLen = outputDims.l;
  const mbqm = requantizer(quant.rounding);
  const { multiplier, shift } = quant;

  for (let b = 0; b < batches; b++) {
    for (let o = 0; o < outLen; o++) {
      const inStart = o * stride - padBefore;
      for (let c = 0; c < ch; c++) {
        let acc = 0;
        for (let k = 0; k < kSize; k++) {
          const i = inStart + k * dilation;
          if (i < 0 || i >= inLen) continue;
          acc += filter[k * ch + c] * (input[(b * inLen + i) * ch + c] + inputOffset);
        }
        acc += bias[c];
        acc = mbqm(acc, multiplier[c], shift[c]);
        acc += outputOffset;
        acc = Math.max(actMin, Math.min(actMax, acc));
        output[(b * outLen + o) * ch + c] = acc;
      }
    }
  }
}

/** The argument checks of dwconv1dS8 (shared with its SIMD twin). */
export function checkDwconv1d(kernel: string, params: ConvParams, inputDims: Dims, input: Int8Array, filterDims: FilterDims, filter: Int8Array, bias: Int32Array, outputDims: Dims, output: Int8Array): void {
  const { n: batches, l: inLen, c: ch } = inputDims;
  const kSize = filterDims.k;
  const outLen = outputDims.l;
  check(filterDims.in === ch && filterDims.out === ch && outputDims.c === ch && outputDims.n === batches, kernel, 'dims do not agree (depth multiplier must be 1)');
  check(outLen === outputLength(inLen, kSize, params.stride, params.dilation, params.padBefore, params.padAfter), kernel, `output length ${outLen} does not match the geometry`);
  check(filter.length === kSize * ch && bias.length === ch, kernel, 'filter / bias size');
  check(input.length >= batches * inLen * ch && output.length >= batches * outLen * ch, kernel, 'buffer size');
  checkClamp(kernel, params.actMin, params.actMax);
}
