import { check, checkClamp, type Dims } from './types.ts';

/**
 * Global average pooling [N, L, C] -> [N, 1, C], int8: TFLite AVERAGE_POOL_2D with the filter
 * covering all L positions, no padding (input and output share scale and zero point).
 *
 *   acc = sum_i input[n, i, c]; avg = acc > 0 ? (acc + L / 2) / L : (acc - L / 2) / L
 *   (C integer division, truncation: ties round away from zero)
 *   output[n, 0, c] = clamp(avg, actMin, actMax)
 *
 * Accumulator bound: |acc| <= L * 128 < 2^31 for any L below 2^24.
 */
export function globalAvgpoolS8(params: { actMin: number; actMax: number }, inputDims: Dims, input: Int8Array, outputDims: Dims, output: Int8Array): void {
  const { actMin, actMax } = params;
  const batches = inputDims.n;
  const len = inputDims.l;
  const ch = inputDims.c;
  check(len > 0 && outputDims.n === batches && outputDims.l === 1 && outputDims.c === ch, 'globalAvgpoolS8', 'dims do not agree');
  check(input.length >= batches * len * ch && output.length >= batches * ch, 'globalAvgpoolS8', 'buffer size');
  checkClamp('globalAvgpoolS8', actMin, actMax);
  const half = len >> 1;

  for (let b = 0; b < batches; b++) {
    for (let c = 0; c < ch; c++) {
      let acc = 0;
      for (let i = 0; i < len; i++) acc += input[(b * len + i) * ch + c];
      acc = acc > 0 ? Math.trunc((acc + half) / len) : Math.trunc((acc - half) / len);
      acc = Math.max(actMin, Math.min(actMax, acc));
      output[b * ch + c] = acc;
    }
  }
}
