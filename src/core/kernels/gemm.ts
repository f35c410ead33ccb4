/**
 * GEMM on raw Float32Arrays: C[M, N] (+)= A[M, K] · B[K, N].
 *
 * A and B are read through (offset, row stride, column stride), so a transposed operand, an
 * im2col matrix that is a strided window of a padded input, or a slice costs nothing extra.
 * C is row-major with leading dimension ldc (column stride 1).
 *
 * Scheme (Goto / BLIS): B is packed per (KC x NC) block into column panels of NR = 4, A per
 * (MC x KC) block into row panels of MR = 4, both as Float64Array so the micro-kernel reads
 * doubles without conversions; the 4x4 micro-kernel keeps 16 accumulators in locals.
 * Packed buffers are module-level and grow on demand (no allocation per call in steady state).
 */

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 512;

let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);

/**
 * Pack A[i0 : i0 + mc, p0 : p0 + kc] into row panels of MR rows:
 * packA[panel * kc * MR + p * MR + r] = A[i0 + panel * MR + r, p0 + p] (0 beyond row mc).
 */
function packPanelsA(a: Float32Array, aOff: number, aRs: number, aCs: number, i0: number, mc: number, p0: number, kc: number): void {
  const panels = Math.ceil(mc / MR);
  const need = panels * MR * kc;
  if (packA.length < need) packA = new Float64Array(need);
  const pa = packA;
  for (let panel = 0; panel < panels; panel++) {
    const base = panel * kc * MR;
    for (let r = 0; r < MR; r++) {
      const i = panel * MR + r;
      if (i < mc) {
        let src = aOff + (i0 + i) * aRs + p0 * aCs;
        for (let p = 0; p < kc; p++, src += aCs) pa[base + p * MR + r] = a[src];
      } else {
        for (let p = 0; p < kc; p++) pa[base + p * MR + r] = 0;
      }
    }
  }
}

/**
 * Pack B[p0 : p0 + kc, j0 : j0 + nc] into column panels of NR columns:
 * packB[panel * kc * NR + p * NR + q] = B[p0 + p, j0 + panel * NR + q] (0 beyond column nc).
 */
function packPanelsB(b: Float32Array, bOff: number, bRs: number, bCs: number, p0: number, kc: number, j0: number, nc: number): void {
  const panels = Math.ceil(nc / NR);
  const need = panels * NR * kc;
  if (packB.length < need) packB = new Float64Array(need);
  const pb = packB;
  for (let panel = 0; panel < panels; panel++) {
    const base = panel * kc * NR;
    for (let p = 0; p < kc; p++) {
      const src = bOff + (p0 + p) * bRs + (j0 + panel * NR) * bCs;
      const dst = base + p * NR;
      for (let q = 0; q < NR; q++) pb[dst + q] = panel * NR + q < nc ? b[src + q * bCs] : 0;
    }
  }
}

/**
 * Micro-kernel: acc[r][q] = sum_p packA[aBase + p*MR + r] * packB[bBase + p*NR + q], then
 * C[ci + r, cj + q] (+)= acc[r][q] for r < mr, q < nr.
 */
function micro(kc: number, aBase: number, bBase: number, c: Float32Array, cOff: number, ldc: number, mr: number, nr: number, add: boolean): void {
  const pa = packA;
  const pb = packB;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let ia = aBase;
  let ib = bBase;
  for (let p = 0; p < kc; p++, ia += MR, ib += NR) {
    const a0 = pa[ia], a1 = pa[ia + 1], a2 = pa[ia + 2], a3 = pa[ia + 3];
    const b0 = pb[ib], b1 = pb[ib + 1], b2 = pb[ib + 2], b3 = pb[ib + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (mr === MR && nr === NR) {
    let o = cOff;
    if (add) {
      c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03; o += ldc;
      c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13; o += ldc;
      c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23; o += ldc;
      c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
    } else {
      c[o] = c00; c[o + 1] = c01; c[o + 2] = c02; c[o + 3] = c03; o += ldc;
      c[o] = c10; c[o + 1] = c11; c[o + 2] = c12; c[o + 3] = c13; o += ldc;
      c[o] = c20; c[o + 1] = c21; c[o + 2] = c22; c[o + 3] = c23; o += ldc;
      c[o] = c30; c[o + 1] = c31; c[o + 2] = c32; c[o + 3] = c33;
    }
    return;
  }
  // edge tile: write only the valid mr x nr corner
  const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < mr; r++) {
    for (let q = 0; q < nr; q++) {
      const o = cOff + r * ldc + q;
      c[o] = add ? c[o] + acc[r * NR + q] : acc[r * NR + q];
    }
  }
}

/**
 * The shapes with nothing to multiply: M or N is 0 (no output), or K is 0 (C = 0 unless accumulating).
 * Returns true when it handled the call; shared by gemm and its SIMD twin.
 */
export function emptyGemm(M: number, N: number, K: number, c: Float32Array, cOff: number, ldc: number, accumulate: boolean): boolean {
  if (M === 0 || N === 0) return true;
  if (K !== 0) return false;
  if (!accumulate) for (let i = 0; i < M; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + N);
  return true;
}

/**
 * C[i, j] = (accumulate ? C[i, j] : 0) + sum_p A[i, p] * B[p, j], with
 * A[i, p] = a[aOff + i*aRs + p*aCs], B[p, j] = b[bOff + p*bRs + j*bCs], C[i, j] = c[cOff + i*ldc + j].
 */
export function gemm(
  M: number, N: number, K: number,
  a: Float32Array, aOff: number, aRs: number, aCs: number,
  b: Float32Array, bOff: number, bRs: number, bCs: number,
  c: Float32Array, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  if (emptyGemm(M, N, K, c, cOff, ldc, accumulate)) return;
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = Math.min(NC, N - j0);
    for (let p0 = 0; p0 < K; p0 += KC) {
      const kc = Math.min(KC, K - p0);
      const add = accumulate || p0 > 0;
      packPanelsB(b, bOff, bRs, bCs, p0, kc, j0, nc);
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = Math.min(MC, M - i0);
        packPanelsA(a, aOff, aRs, aCs, i0, mc, p0, kc);
        // macro-kernel: tile (ir, jr) of the block covers C[i0+ir : +MR, j0+jr : +NR]
        for (let jr = 0; jr < nc; jr += NR) {
          const bBase = (jr / NR) * kc * NR;
          const nr = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const aBase = (ir / MR) * kc * MR;
            const mr = Math.min(MR, mc - ir);
            micro(kc, aBase, bBase, c, cOff + (i0 + ir) * ldc + j0 + jr, ldc, mr, nr, add);
          }
        }
      }
    }
  }
}

/** The GEMM signature (gemm here, gemmSimd in gemm_simd.ts). */
export type Gemm = typeof gemm;
