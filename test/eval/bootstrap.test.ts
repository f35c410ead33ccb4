import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { bootstrapCI, pairedBootstrap, quantileSorted, resampleIndices } from '../../src/eval/bootstrap.ts';
import { macroF1, take } from '../../src/eval/metrics.ts';
import { ArgumentError } from '../../src/util/errors.ts';

const meanOf = (x: ArrayLike<number>) => (idx: Int32Array) => {
  let s = 0;
  for (let i = 0; i < idx.length; i++) s += x[idx[i]];
  return s / idx.length;
};

describe('bootstrap CI', () => {
  it('quantiles interpolate linearly (numpy default)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([5], 0.975)).toBe(5);
  });
  it('is deterministic per seed and differs across seeds', () => {
    const x = Array.from({ length: 50 }, (_, i) => (i * 37) % 11);
    const a = bootstrapCI(50, meanOf(x), { seed: 9 });
    expect(bootstrapCI(50, meanOf(x), { seed: 9 })).toEqual(a);
    const c = bootstrapCI(50, meanOf(x), { seed: 10 });
    expect([c.lo, c.hi]).not.toEqual([a.lo, a.hi]);
    expect(a.resamples).toBe(1000);
    expect(a.value).toBeCloseTo(x.reduce((p, q) => p + q, 0) / 50, 12);
    expect(a.lo).toBeLessThan(a.value);
    expect(a.hi).toBeGreaterThan(a.value);
  });
  it('resamples draw with replacement from 0..n-1', () => {
    const seen = new Set<number>();
    let dup = false;
    for (const idx of resampleIndices(20, { seed: 1, resamples: 5 })) {
      const s = new Set(idx);
      if (s.size < 20) dup = true;
      idx.forEach((i) => seen.add(i));
      expect(Math.min(...idx)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...idx)).toBeLessThan(20);
    }
    expect(dup).toBe(true);
    expect(seen.size).toBeGreaterThan(15);
  });
  it('covers the true mean of a normal population about 95% of the time', () => {
    const rng = new Rng(2024);
    const trials = 200;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const x = Array.from({ length: 60 }, () => 3 + 2 * rng.normal());
      const ci = bootstrapCI(60, meanOf(x), { seed: t });
      if (ci.lo <= 3 && 3 <= ci.hi) covered++;
    }
    // percentile bootstrap of a mean at n = 60 undercovers slightly (~93-94%)
    expect(covered / trials).toBeGreaterThan(0.87);
    expect(covered / trials).toBeLessThan(0.99);
  });
  it('works with a metric built from take(), and drops NaN resamples', () => {
    const yTrue = [0, 0, 0, 1, 1, 2, 2, 2, 2, 1], yPred = [0, 0, 1, 1, 1, 2, 2, 0, 2, 1];
    const ci = bootstrapCI(10, (idx) => macroF1(take(yTrue, idx), take(yPred, idx), 3), { seed: 3, resamples: 1000 });
    expect(ci.value).toBeCloseTo(macroF1(yTrue, yPred, 3), 12);
    expect(ci.lo).toBeGreaterThanOrEqual(0);
    expect(ci.hi).toBeLessThanOrEqual(1);
    const withNaN = bootstrapCI(10, (idx) => (idx[0] % 2 === 0 ? NaN : 1), { seed: 3 });
    expect(withNaN.dropped).toBeGreaterThan(300);
    expect(withNaN.lo).toBe(1);
  });
  it('rejects bad options', () => {
    expect(() => bootstrapCI(0, () => 1, { seed: 1 })).toThrow(ArgumentError);
    expect(() => bootstrapCI(5, () => 1, { seed: 1.5 })).toThrow(ArgumentError);
    expect(() => bootstrapCI(5, () => 1, { seed: 1, level: 1 })).toThrow(ArgumentError);
  });
});

describe('paired bootstrap', () => {
  it('identical models: difference exactly 0 in every resample', () => {
    const x = Array.from({ length: 40 }, (_, i) => i % 3);
    const r = pairedBootstrap(40, meanOf(x), meanOf(x), { seed: 4 });
    expect([r.diff.value, r.diff.lo, r.diff.hi]).toEqual([0, 0, 0]);
    expect(r.fractionAGreater).toBe(0);
    expect(r.fractionTied).toBe(1);
  });
  it('uses the same resamples for both models (A = B + 0.1 gives a constant difference)', () => {
    const rng = new Rng(8);
    const b = Array.from({ length: 80 }, () => rng.next());
    const a = b.map((v) => v + 0.1);
    const r = pairedBootstrap(80, meanOf(a), meanOf(b), { seed: 5 });
    expect(r.diff.lo).toBeCloseTo(0.1, 12);
    expect(r.diff.hi).toBeCloseTo(0.1, 12);
    expect(r.fractionAGreater).toBe(1);
    // the unpaired intervals overlap although every paired resample has A > B
    expect(r.a.lo).toBeLessThan(r.b.hi);
    expect(r.a).toEqual(bootstrapCI(80, meanOf(a), { seed: 5 }));
  });
  it('a model with more correct predictions wins in most resamples', () => {
    const rng = new Rng(13);
    const n = 300;
    const y = Array.from({ length: n }, () => rng.int(3));
    const good = y.map((v) => (rng.next() < 0.85 ? v : (v + 1) % 3));
    const bad = y.map((v) => (rng.next() < 0.6 ? v : (v + 2) % 3));
    const f = (p: number[]) => (idx: Int32Array) => macroF1(take(y, idx), take(p, idx), 3);
    const r = pairedBootstrap(n, f(good), f(bad), { seed: 6 });
    expect(r.fractionAGreater).toBeGreaterThan(0.99);
    expect(r.diff.lo).toBeGreaterThan(0);
  });
});
