/**
 * Independent float64 oracles: naive loops written straight from each op's definition, sharing
 * no code with src/core. Gradient tests differentiate these numerically (central differences).
 */

export type F64 = Float64Array;

/** out[i, j] = sum_p a[i, p] b[p, j] */
export function refMatmul(a: F64, b: F64, M: number, K: number, N: number): F64 {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let p = 0; p < K; p++) s += a[i * K + p] * b[p * N + j];
    out[i * N + j] = s;
  }
  return out;
}

export interface RefConv { N: number; L: number; Cin: number; Cout: number; K: number; stride: number; dil: number; groups: number; padL: number; padR: number }

export function refConvLout(p: RefConv): number {
  return Math.floor((p.L + p.padL + p.padR - p.dil * (p.K - 1) - 1) / p.stride) + 1;
}

/** out[n, l, o] = b[o] + sum_{k, ci} x[n, l*s + k*d - padL, g*Cg + ci] w[o, k, ci], g = floor(o / Og) */
export function refConv1d(p: RefConv, x: F64, w: F64, b: F64 | null): F64 {
  const Lout = refConvLout(p);
  const Cg = p.Cin / p.groups;
  const Og = p.Cout / p.groups;
  const out = new Float64Array(p.N * Lout * p.Cout);
  for (let n = 0; n < p.N; n++) for (let l = 0; l < Lout; l++) for (let o = 0; o < p.Cout; o++) {
    const g = Math.floor(o / Og);
    let s = b ? b[o] : 0;
    for (let k = 0; k < p.K; k++) {
      const t = l * p.stride + k * p.dil - p.padL;
      if (t < 0 || t >= p.L) continue;
      for (let ci = 0; ci < Cg; ci++) s += x[(n * p.L + t) * p.Cin + g * Cg + ci] * w[(o * p.K + k) * Cg + ci];
    }
    out[(n * Lout + l) * p.Cout + o] = s;
  }
  return out;
}

/** depthwise: w [K, C]; out[n, l, c] = b[c] + sum_k x[n, l*s + k*d - padL, c] w[k, c] */
export function refDepthwise(p: RefConv, x: F64, w: F64, b: F64 | null): F64 {
  const C = p.Cin;
  const Lout = refConvLout(p);
  const out = new Float64Array(p.N * Lout * C);
  for (let n = 0; n < p.N; n++) for (let l = 0; l < Lout; l++) for (let c = 0; c < C; c++) {
    let s = b ? b[c] : 0;
    for (let k = 0; k < p.K; k++) {
      const t = l * p.stride + k * p.dil - p.padL;
      if (t >= 0 && t < p.L) s += x[(n * p.L + t) * C + c] * w[k * C + c];
    }
    out[(n * Lout + l) * C + c] = s;
  }
  return out;
}

/** batch norm over rows of x [M, C] with batch statistics (biased variance) */
export function refBatchNormTrain(x: F64, M: number, C: number, gamma: F64, beta: F64, eps: number): F64 {
  const out = new Float64Array(M * C);
  for (let c = 0; c < C; c++) {
    let m = 0;
    for (let i = 0; i < M; i++) m += x[i * C + c];
    m /= M;
    let v = 0;
    for (let i = 0; i < M; i++) v += (x[i * C + c] - m) ** 2;
    v /= M;
    for (let i = 0; i < M; i++) out[i * C + c] = (gamma[c] * (x[i * C + c] - m)) / Math.sqrt(v + eps) + beta[c];
  }
  return out;
}

export function refLogSoftmax(x: F64, R: number, C: number): F64 {
  const out = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[r * C + c]);
    for (let c = 0; c < C; c++) out[r * C + c] = x[r * C + c] - Math.log(s);
  }
  return out;
}

/** weighted, smoothed cross-entropy, PyTorch's mean reduction */
export function refCrossEntropy(z: F64, N: number, C: number, y: number[], w: number[] | null, eps: number): number {
  const lp = refLogSoftmax(z, N, C);
  let num = 0;
  let den = 0;
  for (let i = 0; i < N; i++) {
    const wy = w ? w[y[i]] : 1;
    den += wy;
    let li = 0;
    for (let c = 0; c < C; c++) {
      const q = (c === y[i] ? 1 - eps : 0) + eps / C;
      li -= (w ? w[c] : 1) * q * lp[i * C + c];
    }
    num += li;
  }
  return num / den;
}

export function refFocal(z: F64, N: number, C: number, y: number[], gamma: number, alpha: number[] | null): number {
  const lp = refLogSoftmax(z, N, C);
  let s = 0;
  for (let i = 0; i < N; i++) {
    const l = lp[i * C + y[i]];
    s += -(alpha ? alpha[y[i]] : 1) * (1 - Math.exp(l)) ** gamma * l;
  }
  return s / N;
}

export function refBce(z: F64, y: F64, pw: number): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) {
    const p = 1 / (1 + Math.exp(-z[i]));
    s += -(pw * y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p));
  }
  return s / z.length;
}

/** row-major multi-index of flat position i */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
  return f;
}
