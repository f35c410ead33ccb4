import { check, checkClamp, outputLength, type Dims, type PoolParams } from './types.ts';

/**
 * Average pooling over positions, per channel, int8 (TFLite Micro reference_integer_ops::AveragePool
 * with H = 1). Input and output share scale and zero point, so the raw int8 values are averaged.
 *
 *   acc = sum of input[n, i, c] over the valid taps i = o * stride - padBefore + t, 0 <= i < L;
 *   count = number of valid taps (>= 1, padding is not counted)
 *   avg = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count   (C integer division:
 *         truncation, so ties round away from zero; count / 2 is integer division too)
 *   output[n, o, c] = clamp(avg, actMin, actMax)
 *
 * Accumulator bound: |acc| <= poolSize * 128, far below 2^31.
 */
export function avgpool1dS8(params: PoolParams, inputDims: Dims, input: Int8Array, outputDims: Dims, output: Int8Array): void {
  const { poolSize, stride, padBefore, padAfter, actMin, actMax } = params;
  const batches = inputDims.n;
  const inLen = inputDims.l;
  const ch = inputDims.c;
  const outLen = outputDims.l;
  check(outputDims.n === batches && outputDims.c === ch, 'avgpool1dS8', 'dims do not agree');
  check(outLen === outputLength(inLen, poolSize, stride, 1, padBefore, padAfter), 'avgpool1dS8', `output length ${outLen} does not match the geometry`);
  check(input.length >= batches * inLen * ch && output.length >= batches * outLen * ch, 'avgpool1dS8', 'buffer size');
  checkClamp('avgpool1dS8', actMin, actMax);

  for (let b = 0; b < batches; b++) {
    for (let o = 0; o < outLen; o++) {
      const start = o * stride - padBefore;
      const tStart = Math.max(0, -start);
      const tEnd = Math.min(poolSize, inLen - start);
      const count = tEnd - tStart;
      check(count > 0, 'avgpool1dS8', `window ${o} covers only padding`);
      for (let c = 0; c < ch; c++) {
        let acc = 0;
        for (let t = tStart; t < tEnd; t++) acc += input[(b * inLen + start + t) * ch + c];
        acc = acc > 0 ? Math.trunc((acc + (count >> 1)) / count) : Math.trunc((acc - (count >> 1)) / count);
        acc = Math.max(actMin, Math.min(actMax, acc));
        output[(b * outLen + o) * ch + c] = acc;
      }
    }
  }
}
