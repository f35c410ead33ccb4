/**
 * Depthwise conv1d on raw Float32Arrays, channels last, direct loops (one filter per channel):
 *
 *   x [N, L, C], w [K, C] (TFLite order: taps outer, channels inner), out [N, Lout, C]
 *   out[n, l, c] = bias[c] + sum_k x[n, l*stride + k*dil - padL, c] * w[k, c]
 *   (terms with an input position outside [0, L) are zero padding and skipped)
 *
 * The innermost loop runs over the contiguous channel axis of one input row and one weight row.
 */
export interface DepthwiseDims {
  N: number; L: number; C: number; K: number;
  stride: number; dilation: number; padL: number; Lout: number;
}

export function depthwiseForward(d: DepthwiseDims, x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array): void {
  const { N, L, C, K, stride, dilation, padL, Lout } = d;
  for (let n = 0; n < N; n++) {
    for (let l = 0; l < Lout; l++) {
      const o = (n * Lout + l) * C;
      if (bias !== null) for (let c = 0; c < C; c++) out[o + c] = bias[c];
      else out.fill(0, o, o + C);
      for (let k = 0; k < K; k++) {
        const t = l * stride + k * dilation - padL;
        if (t < 0 || t >= L) continue;
        const xi = (n * L + t) * C;
        const wi = k * C;
        // out[n, l, c] += x[n, t, c] * w[k, c]
        for (let c = 0; c < C; c++) out[o + c] += x[xi + c] * w[wi + c];
      }
    }
  }
}

/**
 * Accumulates (+=) the gradients given gOut = dLoss/dout, with t = l*stride + k*dil - padL:
 *   gx[n, t, c] += gOut[n, l, c] * w[k, c]
 *   gw[k, c]    += gOut[n, l, c] * x[n, t, c]
 *   gb[c]       += gOut[n, l, c]
 */
export function depthwiseBackward(
  d: DepthwiseDims, x: Float32Array, w: Float32Array, gOut: Float32Array,
  gx: Float32Array | null, gw: Float32Array | null, gb: Float32Array | null,
): void {
  const { N, L, C, K, stride, dilation, padL, Lout } = d;
  for (let n = 0; n < N; n++) {
    for (let l = 0; l < Lout; l++) {
      const o = (n * Lout + l) * C;
      if (gb !== null) for (let c = 0; c < C; c++) gb[c] += gOut[o + c];
      for (let k = 0; k < K; k++) {
        const t = l * stride + k * dilation - padL;
        if (t < 0 || t >= L) continue;
        const xi = (n * L + t) * C;
        const wi = k * C;
        if (gx !== null && gw !== null) {
          for (let c = 0; c < C; c++) {
            const go = gOut[o + c];
            gx[xi + c] += go * w[wi + c];
            gw[wi + c] += go * x[xi + c];
          }
        } else if (gx !== null) {
          for (let c = 0; c < C; c++) gx[xi + c] += gOut[o + c] * w[wi + c];
        } else if (gw !== null) {
          for (let c = 0; c < C; c++) gw[wi + c] += gOut[o + c] * x[xi + c];
        }
      }
    }
  }
}
