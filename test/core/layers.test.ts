import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArgumentError } from '../../src/util/errors.ts';
import { Rng, batchNorm, maxPool1d, avgPool1d, globalAvgPool1d, crossEntropy, focalLoss, bceWithLogits, zeros, ones, tensor, type Tensor } from '../../src/core/index.ts';
import { checkOp, randomInput } from './gradcheck.ts';
import { refBatchNormTrain, refBce, refCrossEntropy, refFocal } from './reference.ts';

const RUNS = 20;
const seed = fc.integer({ min: 0, max: 1e9 });

describe('batchNorm', () => {
  it('training mode: values and gradients (x, gamma, beta) through the batch statistics', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), seed, (N, L, C, sd) => {
      const rng = new Rng(sd);
      if (N * L < 2) L = 2;
      const inputs = [randomInput([N, L, C], rng), randomInput([C], rng), randomInput([C], rng)];
      const rm = zeros([C]), rv = ones([C]);
      checkOp((ts) => batchNorm(ts[0], ts[1], ts[2], { training: true, runningMean: rm, runningVar: rv, eps: 1e-3 }),
        (xs) => refBatchNormTrain(xs[0], N * L, C, xs[1], xs[2], 1e-3), inputs, rng, { rtol: 1e-3, atol: 1e-4 });
    }), { numRuns: RUNS });
  });

  it('eval mode uses the running statistics as constants; training updates them (unbiased variance)', () => {
    const rng = new Rng(4);
    const N = 3, L = 2, C = 2;
    const x = randomInput([N, L, C], rng);
    const rm = tensor([0.5, -1]), rv = tensor([2, 0.25]);
    const mom = 0.3;
    const M = N * L;
    const bm = [0, 1].map((c) => Array.from({ length: M }, (_, i) => x.values[i * C + c]).reduce((a, b) => a + b) / M);
    const bv = [0, 1].map((c) => Array.from({ length: M }, (_, i) => (x.values[i * C + c] - bm[c]) ** 2).reduce((a, b) => a + b) / (M - 1));
    batchNorm(tensor(Float32Array.from(x.values), [N, L, C]), ones([C]), zeros([C]), { training: true, runningMean: rm, runningVar: rv, momentum: mom });
    for (const c of [0, 1]) {
      expect(rm.get(c)).toBeCloseTo((1 - mom) * [0.5, -1][c] + mom * bm[c], 5);
      expect(rv.get(c)).toBeCloseTo((1 - mom) * [2, 0.25][c] + mom * bv[c], 5);
    }
    const gamma = randomInput([C], rng), beta = randomInput([C], rng);
    const m = [rm.get(0), rm.get(1)], v = [rv.get(0), rv.get(1)];
    checkOp((ts) => batchNorm(ts[0], ts[1], ts[2], { training: false, runningMean: rm, runningVar: rv, eps: 1e-5 }),
      (xs) => xs[0].map((xv, i) => (xs[1][i % C] * (xv - m[i % C])) / Math.sqrt(v[i % C] + 1e-5) + xs[2][i % C]),
      [x, gamma, beta], rng);
  });

  it('rejects mismatched channel vectors', () => {
    expect(() => batchNorm(zeros([2, 3, 4]), ones([3]), zeros([4]), { training: true, runningMean: zeros([4]), runningVar: ones([4]) }))
      .toThrow(/batchNorm: x \[2, 3, 4\], gamma \[3\]/);
  });
});

describe('pooling over L', () => {
  const poolCase = fc.record({ N: fc.integer({ min: 1, max: 2 }), L: fc.integer({ min: 1, max: 9 }), C: fc.integer({ min: 1, max: 3 }), K: fc.integer({ min: 1, max: 4 }), stride: fc.integer({ min: 1, max: 5 }), pad: fc.integer({ min: 0, max: 3 }), seed })
    .filter((c) => c.pad < c.K && c.L + 2 * c.pad >= c.K);

  /** out[n, l, c] = reduce over valid t = l*s + k - pad of x[n, t, c] */
  function refPool(kind: 'max' | 'avg', c: { N: number; L: number; C: number; K: number; stride: number; pad: number }) {
    const Lout = Math.floor((c.L + 2 * c.pad - c.K) / c.stride) + 1;
    return (xs: Float64Array[]) => {
      const out = new Float64Array(c.N * Lout * c.C);
      for (let n = 0; n < c.N; n++) for (let l = 0; l < Lout; l++) for (let ch = 0; ch < c.C; ch++) {
        const vals: number[] = [];
        for (let k = 0; k < c.K; k++) {
          const t = l * c.stride + k - c.pad;
          if (t >= 0 && t < c.L) vals.push(xs[0][(n * c.L + t) * c.C + ch]);
        }
        out[(n * Lout + l) * c.C + ch] = kind === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / vals.length;
      }
      return out;
    };
  }

  for (const kind of ['max', 'avg'] as const) {
    it(`${kind}Pool1d: values and gradient (stride > kernel, padding)`, () => {
      fc.assert(fc.property(poolCase, (c) => {
        const rng = new Rng(c.seed);
        const op = kind === 'max' ? maxPool1d : avgPool1d;
        checkOp((ts) => op(ts[0], c.K, { stride: c.stride, padding: c.pad }), refPool(kind, c), [randomInput([c.N, c.L, c.C], rng)], rng, undefined, 1e-6);
      }), { numRuns: RUNS });
    });
  }

  it('globalAvgPool1d is the mean over L', () => {
    const rng = new Rng(9);
    checkOp((ts) => globalAvgPool1d(ts[0]), (xs) => {
      const out = new Float64Array(2 * 3);
      for (let n = 0; n < 2; n++) for (let l = 0; l < 5; l++) for (let c = 0; c < 3; c++) out[n * 3 + c] += xs[0][(n * 5 + l) * 3 + c] / 5;
      return out;
    }, [randomInput([2, 5, 3], rng)], rng);
    expect(() => maxPool1d(zeros([2, 5]), 2)).toThrow(/maxPool1d: x \[2, 5\]/);
  });
});

describe('losses', () => {
  const clsCase = fc.record({ N: fc.integer({ min: 1, max: 4 }), C: fc.integer({ min: 1, max: 5 }), weighted: fc.boolean(), eps: fc.constantFrom(0, 0.1, 0.3), seed });

  it('crossEntropy (class weights, label smoothing) matches the PyTorch formula, with gradient', () => {
    fc.assert(fc.property(clsCase, (c) => {
      const rng = new Rng(c.seed);
      const y = Array.from({ length: c.N }, () => rng.int(c.C));
      const w = c.weighted ? Array.from({ length: c.C }, () => 0.2 + rng.next()) : null;
      checkOp((ts) => crossEntropy(ts[0], y, { weights: w ?? undefined, labelSmoothing: c.eps }),
        (xs) => new Float64Array([refCrossEntropy(xs[0], c.N, c.C, y, w, c.eps)]), [randomInput([c.N, c.C], rng, 2)], rng);
    }), { numRuns: RUNS });
  });

  it('focalLoss matches -alpha (1 - p)^gamma log p, with gradient', () => {
    // C >= 2: with one class p = 1 and (1 - p)^gamma has an infinite slope for gamma < 1
    fc.assert(fc.property(clsCase.filter((c) => c.C >= 2), fc.constantFrom(0, 0.5, 2), (c, gamma) => {
      const rng = new Rng(c.seed);
      const y = Array.from({ length: c.N }, () => rng.int(c.C));
      const alpha = c.weighted ? Array.from({ length: c.C }, () => 0.2 + rng.next()) : null;
      // logits bounded so that p < 1 - 1e-3 stays away from the (1-p)^0.5 singularity
      checkOp((ts) => focalLoss(ts[0], y, { gamma, alpha: alpha ?? undefined }),
        (xs) => new Float64Array([refFocal(xs[0], c.N, c.C, y, gamma, alpha)]), [randomInput([c.N, c.C], rng, 0.5)], rng);
    }), { numRuns: RUNS });
  });

  it('bceWithLogits (positive weight) matches the float64 formula, with gradient, stable at large logits', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.constantFrom(1, 3), seed, (n, pw, sd) => {
      const rng = new Rng(sd);
      const y = randomInput([n], rng, 1, false);
      for (let i = 0; i < n; i++) y.values[i] = rng.int(2);
      checkOp((ts) => bceWithLogits(ts[0], ts[1], { posWeight: pw }), (xs) => new Float64Array([refBce(xs[0], xs[1], pw)]), [randomInput([n], rng, 2), y], rng);
    }), { numRuns: RUNS });
    const big = bceWithLogits(tensor([200, -200]), tensor([0, 1])).item();
    expect(big).toBeCloseTo(200, 3);
  });

  it('reject bad targets naming the op and shapes', () => {
    const z: Tensor = zeros([2, 3]);
    expect(() => crossEntropy(z, [0, 3])).toThrow(ArgumentError);
    expect(() => crossEntropy(z, [0, 3])).toThrow(/crossEntropy: target 3 at 1 is not a class of logits \[2, 3\]/);
    expect(() => focalLoss(z, [0])).toThrow(/focalLoss: logits \[2, 3\] but 1 targets/);
    expect(() => bceWithLogits(z, zeros([3, 2]))).toThrow(/bceWithLogits: logits \[2, 3\] and targets \[3, 2\]/);
  });
});
