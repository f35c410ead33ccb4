import { check, checkClamp, outputLength, type Dims, type PoolParams } from './types.ts';

/**
 * Max pooling over positions, per channel, int8 (TFLite Micro reference_integer_ops::MaxPool with
 * H = 1; input and output share scale and zero point).
 *
 *   output[n, o, c] = clamp(max over valid taps i = o * stride - padBefore + t, 0 <= i < L,
 *                     of input[n, i, c], actMin, actMax)      (padding never wins)
 */
export function maxpool1dS8(params: PoolParams, inputDims: Dims, input: Int8Array, outputDims: Dims, output: Int8Array): void {
  const { poolSize, stride, padBefore, padAfter, actMin, actMax } = params;
  const batches = inputDims.n;
  const inLen = inputDims.l;
  const ch = inputDims.c;
  const outLen = outputDims.l;
  check(outputDims.n === batches && outputDims.c === ch, 'maxpool1dS8', 'dims do not agree');
  check(outLen === outputLength(inLen, poolSize, stride, 1, padBefore, padAfter), 'maxpool1dS8', `output length ${outLen} does not match the geometry`);
  check(input.length >= batches * inLen * ch && output.length >= batches * outLen * ch, 'maxpool1dS8', 'buffer size');
  checkClamp('maxpool1dS8', actMin, actMax);

  for (let b = 0; b < batches; b++) {
    for (let o = 0; o < outLen; o++) {
      const start = o * stride - padBefore;
      const tStart = Math.max(0, -start);
      const tEnd = Math.min(poolSize, inLen - start);
      check(tEnd > tStart, 'maxpool1dS8', `window ${o} covers only padding`);
      for (let c = 0; c < ch; c++) {
        let max = -128;
        for (let t = tStart; t < tEnd; t++) max = Math.max(max, input[(b * inLen + start + t) * ch + c]);
        max = Math.max(actMin, Math.min(actMax, max));
        output[(b * outLen + o) * ch + c] = max;
      }
    }
  }
}
