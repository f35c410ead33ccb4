import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArgumentError } from '../../src/util/errors.ts';
import { Rng, conv1d, depthwiseConv1d, pointwiseConv1d, linear, matmul, tensor, zeros, convGeometry } from '../../src/core/index.ts';
import { checkOp, randomInput } from './gradcheck.ts';
import { refConv1d, refConvLout, refDepthwise, refMatmul, type RefConv } from './reference.ts';

const RUNS = 25;

// shapes include length 1, a single channel, stride > kernel and padding > kernel
const convCase = fc.record({
  N: fc.integer({ min: 1, max: 2 }),
  L: fc.integer({ min: 1, max: 9 }),
  cg: fc.integer({ min: 1, max: 3 }),
  og: fc.integer({ min: 1, max: 3 }),
  groups: fc.integer({ min: 1, max: 2 }),
  K: fc.integer({ min: 1, max: 4 }),
  stride: fc.integer({ min: 1, max: 4 }),
  dil: fc.integer({ min: 1, max: 3 }),
  padL: fc.integer({ min: 0, max: 5 }),
  padR: fc.integer({ min: 0, max: 5 }),
  bias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1e9 }),
}).filter((c) => c.L + c.padL + c.padR >= c.dil * (c.K - 1) + 1);

describe('conv1d', () => {
  it('forward and gradients match a float64 naive loop (stride, padding, dilation, groups)', () => {
    fc.assert(fc.property(convCase, (c) => {
      const rng = new Rng(c.seed);
      const p: RefConv = { N: c.N, L: c.L, Cin: c.cg * c.groups, Cout: c.og * c.groups, K: c.K, stride: c.stride, dil: c.dil, groups: c.groups, padL: c.padL, padR: c.padR };
      const inputs = [randomInput([p.N, p.L, p.Cin], rng), randomInput([p.Cout, p.K, c.cg], rng), randomInput([p.Cout], rng)];
      const opts = { stride: p.stride, dilation: p.dil, groups: p.groups, padding: [p.padL, p.padR] as [number, number] };
      checkOp(
        (ts) => conv1d(ts[0], ts[1], c.bias ? ts[2] : null, opts),
        (xs) => refConv1d(p, xs[0], xs[1], c.bias ? xs[2] : null),
        c.bias ? inputs : inputs.slice(0, 2), rng);
    }), { numRuns: RUNS });
  });

  it("'same' padding keeps ceil(L / stride) positions (TensorFlow rule)", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), (L, K, s, d) => {
      const g = convGeometry('t', L, K, s, d, 'same');
      expect(g.Lout).toBe(Math.ceil(L / s));
      expect(g.padR - g.padL === 0 || g.padR - g.padL === 1).toBe(true);
    }), { numRuns: 50 });
  });

  it('forward matches the naive loop on a larger shape (GEMM blocking, both code paths)', () => {
    const rng = new Rng(7);
    for (const [groups, dil] of [[1, 1], [2, 2]]) {
      const p: RefConv = { N: 2, L: 70, Cin: 40, Cout: 68, K: 7, stride: 1, dil, groups, padL: 3, padR: 3 };
      const x = randomInput([p.N, p.L, p.Cin], rng).values;
      const w = randomInput([p.Cout, p.K, p.Cin / groups], rng).values;
      const b = randomInput([p.Cout], rng).values;
      const got = conv1d(tensor(x, [p.N, p.L, p.Cin]), tensor(w, [p.Cout, p.K, p.Cin / groups]), tensor(b, [p.Cout]), { padding: 3, groups, dilation: dil }).toFloat32Array();
      const want = refConv1d(p, x, w, b);
      expect(got.length).toBe(p.N * refConvLout(p) * p.Cout);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-3 * (1 + Math.abs(want[i])));
    }
  });

  it('rejects bad shapes with an ArgumentError naming the op and the shapes', () => {
    const x = zeros([2, 8, 4]);
    expect(() => conv1d(x, zeros([3, 3, 5]))).toThrow(ArgumentError);
    expect(() => conv1d(x, zeros([3, 3, 5]))).toThrow(/conv1d: x \[2, 8, 4\], weight \[3, 3, 5\]/);
    expect(() => conv1d(x, zeros([3, 3, 2]), null, { groups: 2 })).toThrow(/conv1d.*groups 2/);
    expect(() => conv1d(x, zeros([3, 20, 4]))).toThrow(/conv1d: padded length 8 is shorter than the kernel span 20/);
    expect(() => conv1d(zeros([8, 4]), zeros([3, 3, 4]))).toThrow(/conv1d: x \[8, 4\]/);
  });
});

describe('depthwiseConv1d', () => {
  it('forward and gradients match a float64 naive loop', () => {
    fc.assert(fc.property(convCase, (c) => {
      const rng = new Rng(c.seed);
      const C = c.cg * c.groups;
      const p: RefConv = { N: c.N, L: c.L, Cin: C, Cout: C, K: c.K, stride: c.stride, dil: c.dil, groups: C, padL: c.padL, padR: c.padR };
      const inputs = [randomInput([p.N, p.L, C], rng), randomInput([p.K, C], rng), randomInput([C], rng)];
      const opts = { stride: p.stride, dilation: p.dil, padding: [p.padL, p.padR] as [number, number] };
      checkOp(
        (ts) => depthwiseConv1d(ts[0], ts[1], c.bias ? ts[2] : null, opts),
        (xs) => refDepthwise(p, xs[0], xs[1], c.bias ? xs[2] : null),
        c.bias ? inputs : inputs.slice(0, 2), rng);
    }), { numRuns: RUNS });
  });

  it('rejects a weight that is not [K, C]', () => {
    expect(() => depthwiseConv1d(zeros([1, 5, 3]), zeros([3, 4]))).toThrow(/depthwiseConv1d: x \[1, 5, 3\], weight \[3, 4\]/);
  });
});

describe('pointwiseConv1d / linear / matmul', () => {
  const pwCase = fc.record({ N: fc.integer({ min: 1, max: 3 }), L: fc.integer({ min: 1, max: 5 }), Cin: fc.integer({ min: 1, max: 6 }), Cout: fc.integer({ min: 1, max: 6 }), bias: fc.boolean(), seed: fc.integer({ min: 0, max: 1e9 }) });

  it('pointwise conv equals a per-position matrix product, gradients into x, w, b', () => {
    fc.assert(fc.property(pwCase, (c) => {
      const rng = new Rng(c.seed);
      const inputs = [randomInput([c.N, c.L, c.Cin], rng), randomInput([c.Cout, c.Cin], rng), randomInput([c.Cout], rng)];
      // ref: out[n, l, o] = b[o] + sum_i x[n, l, i] w[o, i]
      const ref = (xs: Float64Array[]) => {
        const out = new Float64Array(c.N * c.L * c.Cout);
        for (let r = 0; r < c.N * c.L; r++) for (let o = 0; o < c.Cout; o++) {
          let s = c.bias ? xs[2][o] : 0;
          for (let i = 0; i < c.Cin; i++) s += xs[0][r * c.Cin + i] * xs[1][o * c.Cin + i];
          out[r * c.Cout + o] = s;
        }
        return out;
      };
      checkOp((ts) => pointwiseConv1d(ts[0], ts[1], c.bias ? ts[2] : null), ref, c.bias ? inputs : inputs.slice(0, 2), rng);
    }), { numRuns: RUNS });
  });

  it('batched matmul with a shared or a batched right operand', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.integer({ min: 0, max: 1e9 }), (B, M, K, N, shared, seed) => {
      const rng = new Rng(seed);
      const inputs = [randomInput([B, M, K], rng), randomInput(shared ? [K, N] : [B, K, N], rng)];
      checkOp((ts) => matmul(ts[0], ts[1]), (xs) => {
        const out = new Float64Array(B * M * N);
        for (let t = 0; t < B; t++) out.set(refMatmul(xs[0].subarray(t * M * K), shared ? xs[1] : xs[1].subarray(t * K * N), M, K, N), t * M * N);
        return out;
      }, inputs, rng);
    }), { numRuns: RUNS });
  });

  it('rejects mismatched shapes', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(/matmul: cannot multiply \[2, 3\] by \[4, 5\]/);
    expect(() => linear(zeros([2, 3]), zeros([4, 5]))).toThrow(/linear: x \[2, 3\], weight \[4, 5\]/);
    expect(() => pointwiseConv1d(zeros([1, 2, 3]), zeros([4, 5]))).toThrow(/pointwiseConv1d: x \[1, 2, 3\], weight \[4, 5\]/);
  });
});
