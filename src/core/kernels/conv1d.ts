import { gemm as gemmReference, type Gemm } from './gemm.ts';

/**
 * conv1d on raw Float32Arrays, channels last, by im2col + GEMM, one sample at a time.
 *
 *   x [N, L, Cin], w [Cout, K, Cg] (Cg = Cin / groups, Og = Cout / groups), out [N, Lout, Cout]
 *   out[n, l, g*Og + o] = bias[g*Og + o]
 *       + sum_{k, ci} xp[n, l*stride + k*dil, g*Cg + ci] * w[g*Og + o, k, ci]
 *   with xp the input padded by padL / padR zero rows.
 *
 * im2col row l of group g is col[l, k*Cg + ci] = xp[l*stride + k*dil, g*Cg + ci]. With one group
 * and dilation 1 that row is the contiguous run xp[(l*stride)*Cin ...+ K*Cin), so the GEMM reads
 * col straight from xp with row stride stride*Cin (no copy); otherwise col is materialized.
 * Scratch buffers are module-level and reused across calls. The GEMM is a parameter: the
 * typed-array one by default, the SIMD one in the SIMD kernel set (kernel_table.ts).
 */
export interface Conv1dDims {
  N: number; L: number; Cin: number; Cout: number; K: number;
  stride: number; dilation: number; groups: number; padL: number; padR: number; Lout: number;
}

let xpBuf: Float32Array = new Float32Array(0);
let colBuf: Float32Array = new Float32Array(0);
let dxpBuf: Float32Array = new Float32Array(0);

function grow(buf: Float32Array, n: number): Float32Array {
  return buf.length >= n ? buf : new Float32Array(Math.max(n, buf.length * 2));
}

/** Padded copy of sample n: xp[(padL + t)*Cin + c] = x[(n*L + t)*Cin + c], zero elsewhere. Returns [array, offset]. */
function paddedSample(d: Conv1dDims, x: Float32Array, n: number): [Float32Array, number] {
  const { L, Cin, padL, padR } = d;
  if (padL === 0 && padR === 0) return [x, n * L * Cin];
  const Lp = L + padL + padR;
  xpBuf = grow(xpBuf, Lp * Cin);
  const xp = xpBuf;
  xp.fill(0, 0, padL * Cin);
  xp.set(x.subarray(n * L * Cin, (n + 1) * L * Cin), padL * Cin);
  xp.fill(0, (padL + L) * Cin, Lp * Cin);
  return [xp, 0];
}

function fastPath(d: Conv1dDims): boolean {
  return d.groups === 1 && (d.dilation === 1 || d.K === 1);
}

/** col[l*K*Cg + k*Cg + ci] = src[off + (l*stride + k*dil)*Cin + g*Cg + ci] */
function im2col(d: Conv1dDims, src: Float32Array, off: number, g: number): Float32Array {
  const { Lout, K, Cin, stride, dilation, groups } = d;
  const Cg = Cin / groups;
  const KCg = K * Cg;
  colBuf = grow(colBuf, Lout * KCg);
  const col = colBuf;
  for (let l = 0; l < Lout; l++) {
    for (let k = 0; k < K; k++) {
      const s = off + (l * stride + k * dilation) * Cin + g * Cg;
      const t = l * KCg + k * Cg;
      for (let ci = 0; ci < Cg; ci++) col[t + ci] = src[s + ci];
    }
  }
  return col;
}

export function conv1dForward(d: Conv1dDims, x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array, gemm: Gemm = gemmReference): void {
  const { N, Cin, Cout, K, Lout, stride, groups } = d;
  const Cg = Cin / groups;
  const Og = Cout / groups;
  const KCg = K * Cg;
  if (bias !== null) for (let r = 0; r < N * Lout; r++) out.set(bias, r * Cout);
  for (let n = 0; n < N; n++) {
    const [src, off] = paddedSample(d, x, n);
    const oOff = n * Lout * Cout;
    if (fastPath(d)) {
      // out[l, o] (+)= sum_kk col[l, kk] * w[o, kk], col[l, kk] = src[off + l*stride*Cin + kk]
      gemm(Lout, Cout, KCg, src, off, stride * Cin, 1, w, 0, 1, KCg, out, oOff, Cout, bias !== null);
      continue;
    }
    for (let g = 0; g < groups; g++) {
      const col = im2col(d, src, off, g);
      // out[l, g*Og + o] (+)= sum_kk col[l, kk] * w[g*Og + o, kk]
      gemm(Lout, Og, KCg, col, 0, KCg, 1, w, g * Og * KCg, 1, KCg, out, oOff + g * Og, Cout, bias !== null);
    }
  }
}

/**
 * Accumulates (+=) the gradients of conv1dForward given gOut = dLoss/dout:
 *   gw[g*Og + o, kk] += sum_{n, l} gOut[n, l, g*Og + o] * col_n[l, kk]
 *   gxp[n, l*stride + k*dil, g*Cg + ci] += sum_o gOut[n, l, g*Og + o] * w[g*Og + o, k, ci]  (col2im)
 *   gb[o] += sum_{n, l} gOut[n, l, o]
 */
export function conv1dBackward(
  d: Conv1dDims, x: Float32Array, w: Float32Array, gOut: Float32Array,
  gx: Float32Array | null, gw: Float32Array | null, gb: Float32Array | null, gemm: Gemm = gemmReference,
): void {
  const { N, L, Cin, Cout, K, Lout, stride, dilation, groups, padL, padR } = d;
  const Cg = Cin / groups;
  const Og = Cout / groups;
  const KCg = K * Cg;
  const Lp = L + padL + padR;
  const padded = padL !== 0 || padR !== 0;
  for (let n = 0; n < N; n++) {
    const gOff = n * Lout * Cout;
    if (gw !== null) {
      const [src, off] = paddedSample(d, x, n);
      if (fastPath(d)) {
        gemm(Cout, KCg, Lout, gOut, gOff, 1, Cout, src, off, stride * Cin, 1, gw, 0, KCg, true);
      } else {
        for (let g = 0; g < groups; g++) {
          const col = im2col(d, src, off, g);
          gemm(Og, KCg, Lout, gOut, gOff + g * Og, 1, Cout, col, 0, KCg, 1, gw, g * Og * KCg, KCg, true);
        }
      }
    }
    if (gx !== null) {
      // the padded gradient goes to scratch when padded, else straight into gx
      let dxp: Float32Array;
      let dOff: number;
      if (padded) {
        dxpBuf = grow(dxpBuf, Lp * Cin);
        dxp = dxpBuf;
        dxp.fill(0, 0, Lp * Cin);
        dOff = 0;
      } else {
        dxp = gx;
        dOff = n * L * Cin;
      }
      for (let g = 0; g < groups; g++) {
        // dcol[l, kk] = sum_o gOut[l, g*Og + o] * w[g*Og + o, kk]
        colBuf = grow(colBuf, Lout * KCg);
        const dcol = colBuf;
        gemm(Lout, KCg, Og, gOut, gOff + g * Og, Cout, 1, w, g * Og * KCg, KCg, 1, dcol, 0, KCg, false);
        // col2im: dxp[(l*stride + k*dil)*Cin + g*Cg + ci] += dcol[l*KCg + k*Cg + ci]
        for (let l = 0; l < Lout; l++) {
          for (let k = 0; k < K; k++) {
            const t = dOff + (l * stride + k * dilation) * Cin + g * Cg;
            const s = l * KCg + k * Cg;
            for (let ci = 0; ci < Cg; ci++) dxp[t + ci] += dcol[s + ci];
          }
        }
      }
      if (padded) {
        // gx[n, t, c] += dxp[padL + t, c]
        const base = n * L * Cin;
        const from = padL * Cin;
        for (let i = 0; i < L * Cin; i++) gx[base + i] += dxp[from + i];
      }
    }
    if (gb !== null) {
      for (let l = 0; l < Lout; l++) {
        const r = gOff + l * Cout;
        for (let o = 0; o < Cout; o++) gb[o] += gOut[r + o];
      }
    }
  }
}
