import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/core/rng.ts';
import { gemm } from '../../src/core/kernels/gemm.ts';

/** naive oracle: C[i, j] = (acc ? C0[i, j] : 0) + sum_p A[i, p] B[p, j] in float64 */
function naive(M: number, N: number, K: number, A: (i: number, p: number) => number, B: (p: number, j: number) => number, c0: Float32Array, ldc: number, acc: boolean): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = acc ? c0[i * ldc + j] : 0;
    for (let p = 0; p < K; p++) s += A(i, p) * B(p, j);
    out[i * N + j] = s;
  }
  return out;
}

function rand(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

function check(M: number, N: number, K: number, transA: boolean, transB: boolean, acc: boolean, seed: number): void {
  const rng = new Rng(seed);
  const aOff = 3, bOff = 5, cOff = 2, ldc = N + 1;
  const a = rand(aOff + M * K, rng);
  const b = rand(bOff + K * N, rng);
  const c = rand(cOff + M * ldc, rng);
  const c0 = c.slice(cOff);
  // A stored [M, K] or [K, M] (transposed view), B stored [K, N] or [N, K]
  const [aRs, aCs] = transA ? [1, M] : [K, 1];
  const [bRs, bCs] = transB ? [1, K] : [N, 1];
  gemm(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, acc);
  const want = naive(M, N, K, (i, p) => a[aOff + i * aRs + p * aCs], (p, j) => b[bOff + p * bRs + j * bCs], c0, ldc, acc);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    const got = c[cOff + i * ldc + j];
    const w = want[i * N + j];
    if (Math.abs(got - w) > 1e-4 * (Math.sqrt(K) + Math.abs(w))) throw new Error(`C[${i}, ${j}] = ${got}, want ${w} (M ${M} N ${N} K ${K})`);
  }
  // the padding column of C (j = N) is untouched
  for (let i = 0; i < M; i++) expect(c[cOff + i * ldc + N]).toBe(c0[i * ldc + N]);
}

describe('gemm kernel', () => {
  it('matches a naive loop on random shapes, strides, transposes and accumulation', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 0, max: 13 }),
      fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 1e9 }),
      (M, N, K, ta, tb, acc, seed) => check(M, N, K, ta, tb, acc, seed),
    ), { numRuns: 100 });
  });

  it('crosses every cache-block boundary (MC 64, KC 256, NC 512)', () => {
    check(70, 517, 300, false, false, false, 1);
    check(67, 9, 513, true, true, true, 2);
  });
});
