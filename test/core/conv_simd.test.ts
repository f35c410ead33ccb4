import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/core/rng.ts';
import { convGeometry, type Padding } from '../../src/core/ops/conv.ts';
import { conv1dBackward, conv1dForward, type Conv1dDims } from '../../src/core/kernels/conv1d.ts';
import { depthwiseBackward, depthwiseForward, type DepthwiseDims } from '../../src/core/kernels/depthwise.ts';
import { depthwiseBackwardSimd, depthwiseForwardSimd } from '../../src/core/kernels/depthwise_simd.ts';
import { conv1dForwardSimd } from '../../src/core/kernels/conv1d_simd.ts';
import { conv1dBackwardSimd } from '../../src/core/kernels/conv1d_backward_simd.ts';
import { conv1dInputGradSimd } from '../../src/core/kernels/conv1d_input_grad_simd.ts';
import { gemmSimd } from '../../src/core/kernels/gemm_simd.ts';
import { kernels } from '../../src/core/kernels/kernel_table.ts';
import { setKernelSet } from '../../src/core/wasm/index.ts';

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

/**
 * The direct SIMD conv1d forward (conv1d_simd.ts) against conv1d.ts with the typed-array GEMM.
 * Shapes: length 1, odd channel counts, output channels across several 8-wide panels and not a
 * multiple of 8, output lengths not a multiple of the 4-row tile, stride > kernel, dilation,
 * groups, and every padding form the op takes ('same', 'valid', a number, [left, right], also
 * wider than the kernel). Tolerance: each output sums T = K*Cg products and the bias in f32
 * where the reference sums in f64, so |got - want| <= (T + 3) * 2^-24 * (T * max|x| * max|w| + max|b|).
 */
const paddingArb: fc.Arbitrary<Padding> = fc.oneof(
  fc.constant('same' as const), fc.constant('valid' as const), fc.integer({ min: 0, max: 7 }),
  fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 })),
);
const directArb = fc.record({
  N: fc.integer({ min: 1, max: 3 }), L: fc.integer({ min: 1, max: 23 }), cg: fc.integer({ min: 1, max: 13 }), og: fc.integer({ min: 1, max: 21 }),
  groups: fc.integer({ min: 1, max: 3 }), K: fc.integer({ min: 1, max: 7 }), stride: fc.integer({ min: 1, max: 9 }),
  dilation: fc.integer({ min: 1, max: 3 }), padding: paddingArb, bias: fc.boolean(), seed: fc.integer({ min: 0, max: 1e6 }),
});

function checkDirect(s: { N: number; L: number; cg: number; og: number; groups: number; K: number; stride: number; dilation: number; padding: Padding; bias: boolean; seed: number }): void {
  const [padL, padR] = s.padding === 'same' || s.padding === 'valid' ? [0, 0] : typeof s.padding === 'number' ? [s.padding, s.padding] : s.padding;
  if (s.padding !== 'same' && s.L + padL + padR < s.dilation * (s.K - 1) + 1) return; // no output position
  const geo = convGeometry('t', s.L, s.K, s.stride, s.dilation, s.padding);
  const Cin = s.cg * s.groups, Cout = s.og * s.groups;
  const d: Conv1dDims = { N: s.N, L: s.L, Cin, Cout, K: s.K, stride: s.stride, dilation: s.dilation, groups: s.groups, ...geo };
  const rng = new Rng(s.seed);
  const x = rand(s.N * s.L * Cin, rng), w = rand(Cout * s.K * s.cg, rng), b = s.bias ? rand(Cout, rng) : null;
  const want = new Float32Array(s.N * geo.Lout * Cout), got = new Float32Array(want.length).fill(NaN);
  conv1dForward(d, x, w, b, want);
  conv1dForwardSimd(d, x, w, b, got);
  const T = s.K * s.cg;
  const tol = (T + 3) * U * (T * maxAbs(x) * maxAbs(w) + (b ? maxAbs(b) : 0));
  let worst = 0; // largest |got - want| in units of the tolerance (NaN: an output never written)
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Number.isNaN(got[i]) ? Infinity : Math.abs(got[i] - want[i]) / tol);
  expect(worst, `out (${JSON.stringify(s)})`).toBeLessThanOrEqual(1);
}

describe('conv1d direct SIMD forward', () => {
  it('matches conv1d.ts on random shapes, strides, dilations, groups and padding modes', () => {
    fc.assert(fc.property(directArb, checkDirect), { numRuns: 300, seed: 14 });
  });

  it('covers the edges: length 1, one channel, stride > kernel, padding wider than the kernel, K*Cin past one tile row', () => {
    const base = { N: 2, groups: 1, dilation: 1, bias: true, seed: 5 };
    checkDirect({ ...base, L: 1, cg: 1, og: 1, K: 1, stride: 1, padding: 'valid' });
    checkDirect({ ...base, L: 1, cg: 3, og: 9, K: 5, stride: 1, padding: 'same' });
    checkDirect({ ...base, L: 17, cg: 5, og: 13, K: 2, stride: 7, padding: [0, 3] });
    checkDirect({ ...base, L: 9, cg: 1, og: 16, K: 3, stride: 1, padding: 6 });
    checkDirect({ ...base, L: 40, cg: 70, og: 24, K: 9, stride: 2, dilation: 2, padding: 'same' });
    checkDirect({ ...base, L: 30, cg: 33, og: 17, K: 3, stride: 1, groups: 2, padding: [2, 0], bias: false });
  });

  it('is the kernel table\'s conv1d forward in the simd set, the typed-array one in the js set', () => {
    try {
      setKernelSet('simd'); expect(kernels().conv1dForward).toBe(conv1dForwardSimd);
      setKernelSet('js'); expect(kernels().conv1dForward).toBe(conv1dForward);
    } finally { setKernelSet(null); }
  });
});

/**
 * The SIMD conv1d backward (conv1d_backward_simd.ts: direct weight gradient, direct input
 * gradient of conv1d_input_grad_simd.ts) against conv1d.ts with the typed-array GEMM, on the
 * shapes above, accumulating into random initial gradients. Tolerance per entry: the weight
 * gradient sums P = N*Lout products (plus the initial value) in f32, so
 * (P + 3) * 2^-24 * (P * max|gOut| * max|x| + max|gw0|); the input gradient sums at most K*Og
 * products per entry, (K*Og + 3) * 2^-24 * (K*Og * max|gOut| * max|w| + max|gx0|) doubled for
 * the reference's own col2im roundings; the bias gradient is conv1d.ts's own loop (exact).
 */
function checkBackward(s: { N: number; L: number; cg: number; og: number; groups: number; K: number; stride: number; dilation: number; padding: Padding; seed: number }): void {
  const [padL, padR] = s.padding === 'same' || s.padding === 'valid' ? [0, 0] : typeof s.padding === 'number' ? [s.padding, s.padding] : s.padding;
  if (s.padding !== 'same' && s.L + padL + padR < s.dilation * (s.K - 1) + 1) return;
  const geo = convGeometry('t', s.L, s.K, s.stride, s.dilation, s.padding);
  const Cin = s.cg * s.groups, Cout = s.og * s.groups;
  const d: Conv1dDims = { N: s.N, L: s.L, Cin, Cout, K: s.K, stride: s.stride, dilation: s.dilation, groups: s.groups, ...geo };
  const rng = new Rng(s.seed);
  const x = rand(s.N * s.L * Cin, rng), w = rand(Cout * s.K * s.cg, rng), g = rand(s.N * geo.Lout * Cout, rng);
  const gx0 = rand(x.length, rng), gw0 = rand(w.length, rng), gb0 = rand(Cout, rng);
  const [gxW, gwW, gbW] = [gx0.slice(), gw0.slice(), gb0.slice()];
  const [gxG, gwG, gbG] = [gx0.slice(), gw0.slice(), gb0.slice()];
  conv1dBackward(d, x, w, g, gxW, gwW, gbW);
  conv1dBackwardSimd(d, x, w, g, gxG, gwG, gbG);
  const P = s.N * geo.Lout, KO = s.K * s.og, mg = maxAbs(g);
  const worst = (got: Float32Array, want: Float32Array, tol: number) => {
    let m = 0;
    for (let i = 0; i < want.length; i++) m = Math.max(m, Number.isNaN(got[i]) ? Infinity : Math.abs(got[i] - want[i]) / tol);
    return m;
  };
  const what = JSON.stringify(s);
  expect(worst(gwG, gwW, (P + 3) * U * (P * mg * maxAbs(x) + maxAbs(gw0))), `gw ${what}`).toBeLessThanOrEqual(1);
  expect(worst(gxG, gxW, (KO + 3) * U * (KO * mg * maxAbs(w) + maxAbs(gx0)) * 2), `gx ${what}`).toBeLessThanOrEqual(1);
  expect(Array.from(gbG), `gb ${what}`).toEqual(Array.from(gbW));
  // the weight gradient alone, the others null
  const gwOnly = gw0.slice();
  conv1dBackwardSimd(d, x, w, g, null, gwOnly, null);
  expect(Array.from(gwOnly), `gw alone ${what}`).toEqual(Array.from(gwG));
}

describe('conv1d SIMD backward (direct weight and input gradients)', () => {
  it('matches conv1d.ts on random shapes, strides, dilations, groups and padding modes', () => {
    fc.assert(fc.property(directArb, checkBackward), { numRuns: 200, seed: 15 });
  });

  it('covers the edges: length 1, stride > kernel, K*Cg not a multiple of 4, more than one 64-row block', () => {
    const base = { N: 2, groups: 1, dilation: 1, seed: 6 };
    checkBackward({ ...base, L: 1, cg: 1, og: 1, K: 1, stride: 1, padding: 'valid' });
    checkBackward({ ...base, L: 17, cg: 5, og: 13, K: 2, stride: 7, padding: [0, 3] });
    checkBackward({ ...base, L: 150, cg: 7, og: 9, K: 5, stride: 1, padding: 'same' });
    checkBackward({ ...base, L: 140, cg: 6, og: 17, K: 3, stride: 1, groups: 2, dilation: 2, padding: [4, 1] });
  });

  it('is the kernel table\'s conv1d backward in the simd set, the typed-array one in the js set', () => {
    try {
      setKernelSet('simd'); expect(kernels().conv1dBackward).toBe(conv1dBackwardSimd);
      setKernelSet('js'); expect(kernels().conv1dBackward).toBe(conv1dBackward);
    } finally { setKernelSet(null); }
  });
});

/**
 * The direct input gradient (conv1d_input_grad_simd.ts: a transposed convolution, one stride-1
 * convolution per output phase) alone, against conv1d.ts's im2col + GEMM + col2im with the
 * typed-array GEMM, accumulating into random initial values. Shapes stress the phase split:
 * stride > kernel (phases without taps), stride and dilation with a common factor (taps of a
 * phase several rows apart), padding wider than the kernel span (the first outputs reach no
 * input), lengths of several 4-row tiles per phase, input channels over several 8-wide panels
 * and not a multiple of 8, groups. Tolerance as for the backward above.
 */
const inputGradArb = fc.record({
  N: fc.integer({ min: 1, max: 3 }), L: fc.integer({ min: 1, max: 41 }), cg: fc.integer({ min: 1, max: 19 }), og: fc.integer({ min: 1, max: 13 }),
  groups: fc.integer({ min: 1, max: 3 }), K: fc.integer({ min: 1, max: 7 }), stride: fc.integer({ min: 1, max: 8 }),
  dilation: fc.integer({ min: 1, max: 4 }), padding: fc.oneof(paddingArb, fc.tuple(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 14 }))),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

function checkInputGrad(s: { N: number; L: number; cg: number; og: number; groups: number; K: number; stride: number; dilation: number; padding: Padding; seed: number }): void {
  const [padL, padR] = s.padding === 'same' || s.padding === 'valid' ? [0, 0] : typeof s.padding === 'number' ? [s.padding, s.padding] : s.padding;
  if (s.padding !== 'same' && s.L + padL + padR < s.dilation * (s.K - 1) + 1) return;
  const geo = convGeometry('t', s.L, s.K, s.stride, s.dilation, s.padding);
  const Cin = s.cg * s.groups, Cout = s.og * s.groups;
  const d: Conv1dDims = { N: s.N, L: s.L, Cin, Cout, K: s.K, stride: s.stride, dilation: s.dilation, groups: s.groups, ...geo };
  const rng = new Rng(s.seed);
  const x = rand(s.N * s.L * Cin, rng), w = rand(Cout * s.K * s.cg, rng), g = rand(s.N * geo.Lout * Cout, rng);
  const gx0 = rand(x.length, rng);
  const want = gx0.slice(), got = gx0.slice();
  conv1dBackward(d, x, w, g, want, null, null);
  conv1dInputGradSimd(d, w, g, got);
  const KO = s.K * s.og;
  const tol = (KO + 3) * U * (KO * maxAbs(g) * maxAbs(w) + maxAbs(gx0)) * 2;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Number.isNaN(got[i]) ? Infinity : Math.abs(got[i] - want[i]) / tol);
  expect(worst, `gx ${JSON.stringify(s)}`).toBeLessThanOrEqual(1);
}

describe('conv1d direct SIMD input gradient', () => {
  it('matches conv1d.ts on random shapes, strides, dilations, groups and padding modes', () => {
    fc.assert(fc.property(inputGradArb, checkInputGrad), { numRuns: 300, seed: 16 });
  });

  it('covers the edges: length 1, stride > kernel, stride and dilation sharing a factor, padding past the span, one contiguous run of K*Cout', () => {
    const base = { N: 2, groups: 1, dilation: 1, seed: 7 };
    checkInputGrad({ ...base, L: 1, cg: 1, og: 1, K: 1, stride: 1, padding: 'valid' });
    checkInputGrad({ ...base, L: 1, cg: 5, og: 3, K: 5, stride: 3, padding: 'same' });
    checkInputGrad({ ...base, L: 23, cg: 9, og: 7, K: 2, stride: 7, padding: [0, 3] });
    checkInputGrad({ ...base, L: 37, cg: 11, og: 5, K: 5, stride: 4, dilation: 2, padding: 'same' });
    checkInputGrad({ ...base, L: 30, cg: 3, og: 6, K: 4, stride: 2, dilation: 2, padding: [5, 0] });
    checkInputGrad({ ...base, L: 12, cg: 8, og: 4, K: 3, stride: 1, padding: [9, 9] });
    checkInputGrad({ ...base, L: 50, cg: 17, og: 33, K: 7, stride: 1, padding: 'same' });
    checkInputGrad({ ...base, L: 29, cg: 6, og: 5, K: 3, stride: 2, groups: 3, dilation: 3, padding: [1, 2] });
  });
});
