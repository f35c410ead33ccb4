import { describe, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/core/rng.ts';
import { convGeometry } from '../../src/core/ops/conv.ts';
import { conv1dBackward, conv1dForward, type Conv1dDims } from '../../src/core/kernels/conv1d.ts';
import { depthwiseBackward, depthwiseForward, type DepthwiseDims } from '../../src/core/kernels/depthwise.ts';
import { depthwiseBackwardSimd, depthwiseForwardSimd } from '../../src/core/kernels/depthwise_simd.ts';
import { gemmSimd } from '../../src/core/kernels/gemm_simd.ts';

/**
 * SIMD conv1d (im2col over the SIMD GEMM) and depthwise forward / backward against their
 * typed-array twins, on shapes with length 1, odd channel counts, stride > kernel and padding >
 * kernel. Tolerance: f32 summation of T terms (T = taps, or positions for weight / bias
 * gradients) may differ from the reference by (T + 2) * 2^-24 * sum |terms| per entry; we check
 * |got - want| <= (T + 2) * 2^-24 * scale with scale = sum of |terms| bounded by T * max|a| * max|b|.
 */
const U = 2 ** -24;

function rand(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}
const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

function expectClose(what: string, got: Float32Array, want: Float32Array, tol: number): void {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol)) throw new Error(`${what}[${i}] = ${got[i]}, want ${want[i]} (tolerance ${tol})`);
  }
}

const shapeArb = fc.record({
  N: fc.integer({ min: 1, max: 3 }), L: fc.integer({ min: 1, max: 19 }), C: fc.integer({ min: 1, max: 13 }),
  K: fc.integer({ min: 1, max: 5 }), stride: fc.integer({ min: 1, max: 7 }), dilation: fc.integer({ min: 1, max: 3 }),
  padL: fc.integer({ min: 0, max: 7 }), padR: fc.integer({ min: 0, max: 7 }), bias: fc.boolean(), seed: fc.integer({ min: 0, max: 1e6 }),
});

describe('depthwise SIMD', () => {
  it('forward and backward match depthwise.ts', () => {
    fc.assert(fc.property(shapeArb, (s) => {
      const span = s.dilation * (s.K - 1) + 1;
      if (s.L + s.padL + s.padR < span) return; // no output position
      const { Lout } = convGeometry('t', s.L, s.K, s.stride, s.dilation, [s.padL, s.padR]);
      const d: DepthwiseDims = { N: s.N, L: s.L, C: s.C, K: s.K, stride: s.stride, dilation: s.dilation, padL: s.padL, Lout };
      const rng = new Rng(s.seed);
      const x = rand(s.N * s.L * s.C, rng), w = rand(s.K * s.C, rng), b = s.bias ? rand(s.C, rng) : null;
      const want = new Float32Array(s.N * Lout * s.C), got = new Float32Array(s.N * Lout * s.C).fill(NaN);
      depthwiseForward(d, x, w, b, want);
      depthwiseForwardSimd(d, x, w, b, got);
      const mx = maxAbs(x), mw = maxAbs(w);
      expectClose('out', got, want, (s.K + 3) * U * (s.K * mx * mw + (b ? maxAbs(b) : 0)));
      const g = rand(want.length, rng);
      const init = () => [rand(x.length, rng), rand(w.length, rng), rand(s.C, rng)];
      const [gx0, gw0, gb0] = init();
      const [gxW, gwW, gbW] = [gx0.slice(), gw0.slice(), gb0.slice()];
      const [gxG, gwG, gbG] = [gx0.slice(), gw0.slice(), gb0.slice()];
      depthwiseBackward(d, x, w, g, gxW, gwW, gbW);
      depthwiseBackwardSimd(d, x, w, g, gxG, gwG, gbG);
      const T = s.N * Lout + 2, mg = maxAbs(g);
      expectClose('gx', gxG, gxW, (s.K + 3) * U * (s.K * mg * mw + maxAbs(gx0)) * 2);
      expectClose('gw', gwG, gwW, (T + 3) * U * (T * mg * mx + maxAbs(gw0)) * 2);
      expectClose('gb', gbG, gbW, (T + 3) * U * (T * mg + maxAbs(gb0)) * 2);
      // one gradient at a time (the others null)
      const gxOnly = gx0.slice(), gwOnly = gw0.slice();
      depthwiseBackwardSimd(d, x, w, g, gxOnly, null, null);
      depthwiseBackwardSimd(d, x, w, g, null, gwOnly, null);
      expectClose('gx alone', gxOnly, gxG, 0);
      expectClose('gw alone', gwOnly, gwG, 0);
    }), { numRuns: 120, seed: 12 });
  });
});

describe('conv1d over the SIMD GEMM', () => {
  it('forward and backward match conv1d.ts with the typed-array GEMM', () => {
    fc.assert(fc.property(shapeArb, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), (s, groups, og) => {
      const span = s.dilation * (s.K - 1) + 1;
      if (s.L + s.padL + s.padR < span) return;
      const { Lout } = convGeometry('t', s.L, s.K, s.stride, s.dilation, [s.padL, s.padR]);
      const Cin = groups * Math.max(1, Math.ceil(s.C / groups)), Cout = groups * og, Cg = Cin / groups;
      const d: Conv1dDims = { N: s.N, L: s.L, Cin, Cout, K: s.K, stride: s.stride, dilation: s.dilation, groups, padL: s.padL, padR: s.padR, Lout };
      const rng = new Rng(s.seed);
      const x = rand(s.N * s.L * Cin, rng), w = rand(Cout * s.K * Cg, rng), b = s.bias ? rand(Cout, rng) : null;
      const want = new Float32Array(s.N * Lout * Cout), got = new Float32Array(want.length).fill(NaN);
      conv1dForward(d, x, w, b, want);
      conv1dForward(d, x, w, b, got, gemmSimd);
      const T = s.K * Cg + 2, mx = maxAbs(x), mw = maxAbs(w);
      expectClose('out', got, want, (T + 3) * U * (T * mx * mw + (b ? maxAbs(b) : 0)) * 2);
      const g = rand(want.length, rng);
      const gxW = new Float32Array(x.length), gwW = new Float32Array(w.length), gbW = new Float32Array(Cout);
      const gxG = new Float32Array(x.length), gwG = new Float32Array(w.length), gbG = new Float32Array(Cout);
      conv1dBackward(d, x, w, g, gxW, gwW, gbW);
      conv1dBackward(d, x, w, g, gxG, gwG, gbG, gemmSimd);
      const P = s.N * Lout + 2, mg = maxAbs(g);
      expectClose('gx', gxG, gxW, (s.K * og + 3) * U * (s.K * og * mg * mw) * 4);
      expectClose('gw', gwG, gwW, (P + 3) * U * (P * mg * mx) * 2);
      expectClose('gb', gbG, gbW, 0); // bias gradient does not use the GEMM
    }), { numRuns: 120, seed: 13 });
  });
});
