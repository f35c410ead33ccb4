/**
 * Small dense float64 linear algebra for the generator fit (fit.ts): row-major matrices as
 * Float64Array with explicit shapes. Symmetric eigendecomposition by cyclic Jacobi rotations,
 * SPD solves by Cholesky with a relative ridge. Sizes here are at most C_max (256) square, so the
 * O(n^3) algorithms run in about a second.
 */

import { ArgumentError } from '../util/errors.ts';

/** C = op(A) op(B): A [m, k] (or [k, m] when ta), B [k, n] (or [n, k] when tb). */
export function gemm(A: Float64Array, B: Float64Array, m: number, k: number, n: number, ta = false, tb = false): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const a = ta ? A[p * m + i] : A[i * k + p];
      if (a === 0) continue;
      const row = i * n;
      if (tb) for (let j = 0; j < n; j++) C[row + j] += a * B[j * k + p];
      else {
        const bRow = p * n;
        for (let j = 0; j < n; j++) C[row + j] += a * B[bRow + j];
      }
    }
  }
  return C;
}

/**
 * Eigendecomposition of a symmetric n x n matrix (cyclic Jacobi until the off-diagonal mass is
 * below 1e-22 of the total, or 50 sweeps): eigenvalues descending, eigenvectors as the columns
 * of `vectors` [n, n] in the same order.
 */
export function symmetricEigen(S: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  if (S.length !== n * n) throw new ArgumentError('symmetricEigen', `${S.length} values for ${n} x ${n}`);
  const A = Float64Array.from(S);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let total = 0;
  for (const v of A) total += v * v;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * A[p * n + q] ** 2;
    if (off <= 1e-22 * total || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        // rotation that zeroes A[p, q]: tan(2 theta) = 2 apq / (aqq - app)
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => A[b * n + b] - A[a * n + a]);
  const values = Float64Array.from(order, (i) => A[i * n + i]);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) vectors[k * n + j] = V[k * n + order[j]];
  return { values, vectors };
}

/** Lower Cholesky factor of A + ridge * (trace(A) / n + 1e-300) * I (A symmetric PSD, n x n). */
export function cholesky(A: Float64Array, n: number, ridge = 1e-10): Float64Array {
  let tr = 0;
  for (let i = 0; i < n; i++) tr += A[i * n + i];
  const lam = ridge * (tr / n) + 1e-300;
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j] + (i === j ? lam : 0);
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) L[i * n + i] = Math.sqrt(Math.max(s, 1e-300));
      else L[i * n + j] = s / L[j * n + j];
    }
  }
  return L;
}

/** Solve (L L^T) x = b in place for one right-hand side b [n]. */
export function choleskySolve(L: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * b[k];
    b[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * b[k];
    b[i] = s / L[i * n + i];
  }
  return b;
}

/** X = A^-1 B for A [n, n] symmetric PSD (ridge as in cholesky) and B [n, k]. */
export function solveSpd(A: Float64Array, n: number, B: Float64Array, k: number, ridge = 1e-10): Float64Array {
  const L = cholesky(A, n, ridge);
  const X = new Float64Array(n * k);
  const col = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < n; i++) col[i] = B[i * k + j];
    choleskySolve(L, n, col);
    for (let i = 0; i < n; i++) X[i * k + j] = col[i];
  }
  return X;
}
