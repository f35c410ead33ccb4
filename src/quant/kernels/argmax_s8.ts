import { check, type Dims } from './types.ts';

/**
 * Argmax over the channels of each row [N, L, C] -> [N * L] indices (TFLite ARG_MAX on the last
 * axis): the first index holding the largest int8 value (strict '>' keeps the earliest on ties).
 */
export function argmaxS8(inputDims: Dims, input: Int8Array, output: Int32Array): void {
  const rows = inputDims.n * inputDims.l;
  const ch = inputDims.c;
  check(ch > 0 && input.length >= rows * ch && output.length >= rows, 'argmaxS8', 'buffer size');
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestVal = input[r * ch];
    for (let c = 1; c < ch; c++) {
      const v = input[r * ch + c];
      if (v > bestVal) {
        bestVal = v;
        best = c;
      }
    }
    output[r] = best;
  }
}
