/**
 * Batch norm over the rows of x [M, C] (M = N*L positions, channels last), per channel c:
 *   mean[c] = (1/M) sum_i x[i, c]
 *   var[c]  = (1/M) sum_i (x[i, c] - mean[c])^2          (biased, used to normalize)
 *   xhat    = (x - mean) * invStd,  invStd = 1 / sqrt(var + eps)
 *   y       = gamma * xhat + beta
 * Statistics accumulate in float64 (two passes, no cancellation from E[x^2] - E[x]^2).
 */

/** Per-channel mean and biased variance of x [M, C]. */
export function channelStats(x: Float32Array, M: number, C: number, mean: Float64Array, variance: Float64Array): void {
  mean.fill(0);
  variance.fill(0);
  for (let i = 0; i < M; i++) {
    const r = i * C;
    for (let c = 0; c < C; c++) mean[c] += x[r + c];
  }
  for (let c = 0; c < C; c++) mean[c] /= Math.max(1, M);
  for (let i = 0; i < M; i++) {
    const r = i * C;
    for (let c = 0; c < C; c++) {
      const d = x[r + c] - mean[c];
      variance[c] += d * d;
    }
  }
  for (let c = 0; c < C; c++) variance[c] /= Math.max(1, M);
}

/** y[i, c] = x[i, c] * scale[c] + shift[c] (the normalize-and-affine step in folded form). */
export function affineChannels(x: Float32Array, M: number, C: number, scale: Float64Array, shift: Float64Array, y: Float32Array): void {
  for (let i = 0; i < M; i++) {
    const r = i * C;
    for (let c = 0; c < C; c++) y[r + c] = x[r + c] * scale[c] + shift[c];
  }
}

/**
 * Backward of the training-mode transform, accumulating (+=), xhat recomputed from x:
 *   gbeta[c]  += sum_i g[i, c]
 *   ggamma[c] += sum_i g[i, c] * xhat[i, c]
 *   gx[i, c]  += gamma[c] * invStd[c] * (g[i, c] - sum_i g / M - xhat[i, c] * sum_i (g * xhat) / M)
 * When `batchStats` is false (eval mode: mean / invStd are constants) the last line is
 *   gx[i, c]  += gamma[c] * invStd[c] * g[i, c].
 */
export function batchNormBackward(
  x: Float32Array, g: Float32Array, M: number, C: number, mean: Float64Array, invStd: Float64Array, gamma: Float32Array,
  batchStats: boolean, gx: Float32Array | null, ggamma: Float32Array | null, gbeta: Float32Array | null,
): void {
  const sg = new Float64Array(C);
  const sgx = new Float64Array(C);
  for (let i = 0; i < M; i++) {
    const r = i * C;
    for (let c = 0; c < C; c++) {
      const gi = g[r + c];
      sg[c] += gi;
      sgx[c] += gi * (x[r + c] - mean[c]) * invStd[c];
    }
  }
  if (gbeta !== null) for (let c = 0; c < C; c++) gbeta[c] += sg[c];
  if (ggamma !== null) for (let c = 0; c < C; c++) ggamma[c] += sgx[c];
  if (gx === null) return;
  const k = new Float64Array(C);
  for (let c = 0; c < C; c++) k[c] = gamma[c] * invStd[c];
  if (!batchStats) {
    for (let i = 0; i < M; i++) {
      const r = i * C;
      for (let c = 0; c < C; c++) gx[r + c] += k[c] * g[r + c];
    }
    return;
  }
  const mg = new Float64Array(C);
  const mgx = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    mg[c] = sg[c] / M;
    mgx[c] = sgx[c] / M;
  }
  for (let i = 0; i < M; i++) {
    const r = i * C;
    for (let c = 0; c < C; c++) {
      const xhat = (x[r + c] - mean[c]) * invStd[c];
      gx[r + c] += k[c] * (g[r + c] - mg[c] - xhat * mgx[c]);
    }
  }
}
