import { requantizer } from '../fixed_point.ts';
import { check, checkClamp, type ConvParams, type Dims, type FilterDims, type PerChannelQuantParams } from './types.ts';

/**
 * Fully connected, int8, per-channel requantization (TFLite Micro
 * reference_integer_ops::FullyConnectedPerChannel). Each of the N rows of the input is a vector of
 * Cin = inputDims.l * inputDims.c values (an [L, C] input is flattened, as TFLite does); filter is
 * [Cout, Cin]; the output is [N, 1, Cout]. Only params.inputOffset / outputOffset / actMin / actMax
 * are used.
 *
 *   acc[n, co] = bias[co] + sum_ci filter[co, ci] * (input[n, ci] + inputOffset)
 *   output[n, co] = clamp(MBQM(acc, multiplier[co], shift[co]) + outputOffset, actMin, actMax)
 *
 * Accumulator bound: |acc| <= Cin * 127 * 255 + |bias| (validate.ts requires < 2^31).
 */
export function fullyConnectedS8(
  params: ConvParams, quant: PerChannelQuantParams,
  inputDims: Dims, input: Int8Array,
  filterDims: FilterDims, filter: Int8Array, bias: Int32Array,
  outputDims: Dims, output: Int8Array,
): void {
  const { inputOffset, outputOffset, actMin, actMax } = params;
  checkFullyConnected('fullyConnectedS8', params, inputDims, input, filterDims, filter, bias, outputDims, output);
  const batches = inputDims.n;
  const inCh = inputDims.l * inputDims.c;
  const outCh = filterDims.out;
  const mbqm = requantizer(quant.rounding);
  const { multiplier, shift } = quant;

  for (let b = 0; b < batches; b++) {
    const inBase = b * inCh;
    for (let co = 0; co < outCh; co++) {
      let acc = 0;
      const fBase = co * inCh;
      for (let ci = 0; ci < inCh; ci++) acc += filter[fBase + ci] * (input[inBase + ci] + inputOffset);
      acc += bias[co];
      acc = mbqm(acc, multiplier[co], shift[co]);
      acc += outputOffset;
      acc = Math.max(actMin, Math.min(actMax, acc));
      output[b * outCh + co] = acc;
    }
  }
}

/** The argument checks of fullyConnectedS8 (shared with its SIMD twin). */
export function checkFullyConnected(kernel: string, params: ConvParams, inputDims: Dims, input: Int8Array, filterDims: FilterDims, filter: Int8Array, bias: Int32Array, outputDims: Dims, output: Int8Array): void {
  const batches = inputDims.n;
  const inCh = inputDims.l * inputDims.c;
  const outCh = filterDims.out;
  check(filterDims.in === inCh && filterDims.k === 1, kernel, `filter [${filterDims.out}, ${filterDims.k}, ${filterDims.in}] does not take ${inCh} inputs`);
  check(outputDims.n === batches && outputDims.l === 1 && outputDims.c === outCh, kernel, 'output dims');
  check(filter.length === outCh * inCh && bias.length === outCh, kernel, 'filter / bias size');
  check(input.length >= batches * inCh && output.length >= batches * outCh, kernel, 'buffer size');
  checkClamp(kernel, params.actMin, params.actMax);
}
