/**
 * The folded bias of the native C kernels: a stored op's `.bias` array (and a generated layer's
 * cache slot) holds bias[o] + inputOffset * sum(w[o]), inputOffset = -input zero point, so the
 * inner loops multiply raw int8 values (htpw_kernels.h). Same int32 size as TFLite's bias.
 */

import type { WeightedOp } from '../quant/op_kinds.ts';

/** Kernel sum per output channel over all taps and inputs (the folded-bias term). */
export function kernelSums(op: WeightedOp): number[] {
  const cout = op.outChannels;
  const sums = new Array<number>(cout).fill(0);
  if (op.kind === 'dwconv1d') {
    for (let i = 0; i < op.weights.length; i++) sums[i % cout] += op.weights[i];
  } else {
    const per = op.weights.length / cout;
    for (let o = 0; o < cout; o++) for (let i = 0; i < per; i++) sums[o] += op.weights[o * per + i];
  }
  return sums;
}

/** The folded bias the C stores / caches: bias[o] + inputOffset * sum(w[o]), inputOffset = -input zero point. */
export function foldedBias(op: WeightedOp, inputZeroPoint: number): Int32Array {
  const sums = kernelSums(op);
  return Int32Array.from(op.bias, (v, o) => v - inputZeroPoint * sums[o]);
}
