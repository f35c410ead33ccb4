/**
 * Pooling over L on raw Float32Arrays, channels last. x [N, L, C], out [N, Lout, C], window
 * positions t = l*stride + k - padL for k < K; positions outside [0, L) are padding.
 *   max: out[n, l, c] = max over valid t of x[n, t, c]; arg[n, l, c] = flat index of the winner
 *        (first maximal element); -Infinity and arg -1 when the window holds only padding.
 *   avg: out[n, l, c] = (1 / count) * sum over valid t of x[n, t, c], count = number of valid t
 *        (padding excluded, as TFLite does).
 */
export interface PoolDims {
  N: number; L: number; C: number; K: number; stride: number; padL: number; Lout: number;
}

export function maxPoolForward(d: PoolDims, x: Float32Array, out: Float32Array, arg: Int32Array): void {
  const { N, L, C, K, stride, padL, Lout } = d;
  out.fill(-Infinity);
  arg.fill(-1);
  for (let n = 0; n < N; n++) {
    for (let l = 0; l < Lout; l++) {
      const o = (n * Lout + l) * C;
      for (let k = 0; k < K; k++) {
        const t = l * stride + k - padL;
        if (t < 0 || t >= L) continue;
        const xi = (n * L + t) * C;
        for (let c = 0; c < C; c++) {
          if (x[xi + c] > out[o + c] || arg[o + c] < 0) {
            out[o + c] = x[xi + c];
            arg[o + c] = xi + c;
          }
        }
      }
    }
  }
}

/** gx[arg[i]] += g[i] */
export function maxPoolBackward(arg: Int32Array, g: Float32Array, gx: Float32Array): void {
  for (let i = 0; i < arg.length; i++) if (arg[i] >= 0) gx[arg[i]] += g[i];
}

/** count[l] = number of valid window positions of output l (same for every n and c). */
export function avgPoolCounts(d: PoolDims): Float64Array {
  const cnt = new Float64Array(d.Lout);
  for (let l = 0; l < d.Lout; l++) {
    for (let k = 0; k < d.K; k++) {
      const t = l * d.stride + k - d.padL;
      if (t >= 0 && t < d.L) cnt[l]++;
    }
  }
  return cnt;
}

export function avgPoolForward(d: PoolDims, x: Float32Array, out: Float32Array): void {
  const { N, L, C, K, stride, padL, Lout } = d;
  const cnt = avgPoolCounts(d);
  const acc = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    for (let l = 0; l < Lout; l++) {
      acc.fill(0);
      for (let k = 0; k < K; k++) {
        const t = l * stride + k - padL;
        if (t < 0 || t >= L) continue;
        const xi = (n * L + t) * C;
        for (let c = 0; c < C; c++) acc[c] += x[xi + c];
      }
      const o = (n * Lout + l) * C;
      const inv = cnt[l] > 0 ? 1 / cnt[l] : 0;
      for (let c = 0; c < C; c++) out[o + c] = acc[c] * inv;
    }
  }
}

/** gx[n, t, c] += g[n, l, c] / count[l] for every valid t of window l */
export function avgPoolBackward(d: PoolDims, g: Float32Array, gx: Float32Array): void {
  const { N, L, C, K, stride, padL, Lout } = d;
  const cnt = avgPoolCounts(d);
  for (let n = 0; n < N; n++) {
    for (let l = 0; l < Lout; l++) {
      const o = (n * Lout + l) * C;
      const inv = cnt[l] > 0 ? 1 / cnt[l] : 0;
      for (let k = 0; k < K; k++) {
        const t = l * stride + k - padL;
        if (t < 0 || t >= L) continue;
        const xi = (n * L + t) * C;
        for (let c = 0; c < C; c++) gx[xi + c] += g[o + c] * inv;
      }
    }
  }
}
