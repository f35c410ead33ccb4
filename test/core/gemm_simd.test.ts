import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/core/rng.ts';
import { gemm } from '../../src/core/kernels/gemm.ts';
import { gemmSimd } from '../../src/core/kernels/gemm_simd.ts';
import { kernels } from '../../src/core/kernels/kernel_table.ts';
import { setKernelSet } from '../../src/core/wasm/index.ts';

/**
 * The SIMD GEMM against its typed-array twin gemm.ts (itself tested against a naive float64 loop
 * in gemm.test.ts). Tolerance: the SIMD kernel sums in f32, so each entry may differ by the f32
 * recursive-summation bound (K + 2) * 2^-24 * (|C0| + sum_p |A[i, p] B[p, j]|).
 */
const U = 2 ** -24;

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
  const c0 = rand(cOff + M * ldc, rng);
  const [aRs, aCs] = transA ? [1, M] : [K, 1];
  const [bRs, bCs] = transB ? [1, K] : [N, 1];
  const want = c0.slice(), got = c0.slice();
  gemm(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, want, cOff, ldc, acc);
  gemmSimd(M, N, K, a, aOff, aRs, aCs, b, bOff, bRs, bCs, got, cOff, ldc, acc);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let scale = acc ? Math.abs(c0[cOff + i * ldc + j]) : 0;
    for (let p = 0; p < K; p++) scale += Math.abs(a[aOff + i * aRs + p * aCs] * b[bOff + p * bRs + j * bCs]);
    const o = cOff + i * ldc + j;
    if (!(Math.abs(got[o] - want[o]) <= (K + 2) * U * scale)) {
      throw new Error(`C[${i}, ${j}] = ${got[o]}, want ${want[o]} (M ${M} N ${N} K ${K} transA ${transA} transB ${transB} acc ${acc})`);
    }
  }
  // outside the M x N window (offset prefix, padding column) nothing is written
  for (let o = 0; o < cOff; o++) expect(got[o]).toBe(c0[o]);
  for (let i = 0; i < M; i++) expect(got[cOff + i * ldc + N]).toBe(c0[cOff + i * ldc + N]);
}

describe('gemmSimd', () => {
  it('matches the typed-array GEMM on random shapes (incl. 1 and odd sizes), strides and accumulate', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }),
      fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 1e6 }),
      (M, N, K, tA, tB, acc, seed) => { check(M, N, K, tA, tB, acc, seed); },
    ), { numRuns: 150, seed: 12 });
  });

  it('crosses every blocking boundary (MC 128, KC 256, NC 512)', () => {
    check(131, 17, 9, false, false, false, 1);
    check(5, 9, 600, true, false, true, 2);
    check(7, 521, 3, false, true, false, 3);
    check(130, 515, 260, false, false, true, 4);
  });

  it('K = 0 clears or keeps C, M or N = 0 writes nothing', () => {
    const c = new Float32Array([1, 2, 3, 4]);
    gemmSimd(2, 2, 0, new Float32Array(0), 0, 0, 1, new Float32Array(0), 0, 2, 1, c, 0, 2, true);
    expect(Array.from(c)).toEqual([1, 2, 3, 4]);
    gemmSimd(2, 2, 0, new Float32Array(0), 0, 0, 1, new Float32Array(0), 0, 2, 1, c, 0, 2, false);
    expect(Array.from(c)).toEqual([0, 0, 0, 0]);
    c.fill(7);
    gemmSimd(0, 2, 3, new Float32Array(6), 0, 3, 1, new Float32Array(6), 0, 2, 1, c, 0, 2, false);
    expect(Array.from(c)).toEqual([7, 7, 7, 7]);
  });

  it('is the kernel table\'s GEMM in the simd set, the typed-array one in the js set', () => {
    try {
      setKernelSet('simd'); expect(kernels().gemm).toBe(gemmSimd);
      setKernelSet('js'); expect(kernels().gemm).toBe(gemm);
    } finally { setKernelSet(null); }
  });
});
