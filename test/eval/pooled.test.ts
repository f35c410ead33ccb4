import { describe, expect, it } from 'vitest';
import { quantileSorted, resampleGroups } from '../../src/eval/bootstrap.ts';
import { meanMacroF1, pooledPairedBootstrap, type SeedDecisions } from '../../src/eval/pooled.ts';
import { macroF1 } from '../../src/eval/metrics.ts';
import { Rng } from '../../src/core/rng.ts';
import { taskVerdicts, type Family } from '../../src/pipeline/verdicts.ts';
import type { ResultRecord } from '../../src/eval/results.ts';

// 20 records of 50 beats, 3 classes
const N = 1000;
const group = Array.from({ length: N }, (_, i) => Math.floor(i / 50));
const yTrue = Array.from({ length: N }, (_, i) => (i % 7 === 0 ? 1 : i % 11 === 0 ? 2 : 0));

/** decisions that are wrong on a seeded fraction of the examples (a wrong one predicts (y + 1) % 3) */
function noisy(rate: number, seed: number, onlyGroups?: (g: number) => boolean): SeedDecisions {
  const rng = new Rng(seed);
  const yPred = yTrue.map((y, i) => ((!onlyGroups || onlyGroups(group[i])) && rng.next() < rate ? (y + 1) % 3 : y));
  return { yTrue, yPred, group };
}

describe('record-level resampling', () => {
  it('draws whole records with replacement, seeded', () => {
    const a = [...resampleGroups(group, { seed: 3, resamples: 5 })].map((x) => Array.from(x));
    const b = [...resampleGroups(group, { seed: 3, resamples: 5 })].map((x) => Array.from(x));
    expect(a).toEqual(b);
    for (const idx of a) {
      expect(idx.length).toBe(N); // equal-size records
      const counts = new Map<number, number>();
      for (const i of idx) counts.set(group[i], (counts.get(group[i]) ?? 0) + 1);
      for (const c of counts.values()) expect(c % 50).toBe(0);
    }
  });
});

describe('pooled paired bootstrap over seeds', () => {
  it('record-level: summed per-record counts give exactly the numbers of recounting every drawn beat', () => {
    // uneven records (sizes 1..40, shuffled ids) so a wrong record-to-count mapping cannot pass
    const rng = new Rng(9);
    const g: number[] = [];
    for (let r = 0; r < 23; r++) for (let j = 0; j <= (r * 7) % 40; j++) g.push((r * 5) % 23);
    const yt = g.map(() => Math.floor(rng.next() * 4));
    const fam = (s: number) => { const q = new Rng(s); return { yTrue: yt, yPred: yt.map((y) => (q.next() < 0.3 ? Math.floor(q.next() * 4) : y)), group: g }; };
    const a = [fam(1), fam(2), fam(3)], b = [fam(4), fam(5)];
    const fast = pooledPairedBootstrap(a, b, 4, { seed: 11, resamples: 200 });
    const sa: number[] = [], sb: number[] = [];
    for (const idx of resampleGroups(g, { seed: 11, resamples: 200 })) {
      sa.push(meanMacroF1(a, 4, idx));
      sb.push(meanMacroF1(b, 4, idx));
    }
    const alpha = (1 - 0.95) / 2;
    const q = (v: number[], p: number) => quantileSorted([...v].sort((x, y) => x - y), p);
    expect([fast.a.lo, fast.a.hi, fast.b.lo, fast.b.hi]).toEqual([q(sa, alpha), q(sa, 1 - alpha), q(sb, alpha), q(sb, 1 - alpha)]);
    const d = sa.map((x, i) => x - sb[i]);
    expect([fast.diff.lo, fast.diff.hi]).toEqual([q(d, alpha), q(d, 1 - alpha)]);
    expect(fast.fractionAGreater).toBe(sa.filter((x, i) => x > sb[i]).length / 200);
  });

  it('a family against itself: difference 0 and ratio 1 in every resample', () => {
    const f = [noisy(0.2, 1), noisy(0.2, 2)];
    const c = pooledPairedBootstrap(f, f, 3, { resamples: 200 });
    expect([c.diff.value, c.diff.lo, c.diff.hi]).toEqual([0, 0, 0]);
    expect([c.ratio.lo, c.ratio.hi]).toEqual([1, 1]);
  });
  it('point values are the seed means; a clearly better family has its interval above 0', () => {
    const good = [noisy(0.02, 1), noisy(0.03, 2), noisy(0.02, 3)];
    const bad = [noisy(0.3, 4), noisy(0.3, 5)];
    const c = pooledPairedBootstrap(good, bad, 3, { resamples: 300 });
    const mean = (f: SeedDecisions[]) => f.reduce((a, d) => a + macroF1(d.yTrue, d.yPred, 3), 0) / f.length;
    expect(c.a.value).toBeCloseTo(mean(good), 12);
    expect(c.b.value).toBeCloseTo(mean(bad), 12);
    expect(meanMacroF1(good, 3, null)).toBeCloseTo(mean(good), 12);
    expect(c.diff.lo).toBeGreaterThan(0);
    expect(c.fractionAGreater).toBe(1);
  });
  it('record-level intervals are wider than beat-level ones when errors cluster in records', () => {
    // B errs on half the records only: the per-record dependence widens the honest interval
    const a = [noisy(0, 1)];
    const b = [noisy(0.5, 2, (g) => g % 2 === 0)];
    const rec = pooledPairedBootstrap(a, b, 3, { resamples: 400, resampling: 'record' });
    const beat = pooledPairedBootstrap(a, b, 3, { resamples: 400, resampling: 'beat' });
    expect(rec.diff.value).toBe(beat.diff.value);
    expect(rec.diff.hi - rec.diff.lo).toBeGreaterThan(1.5 * (beat.diff.hi - beat.diff.lo));
  });
});

function family(variant: string, label: string, flash: number, decisions: SeedDecisions[]): Family {
  return { variant, label, records: [] as ResultRecord[], seeds: decisions.map((_, i) => i), flash, ram: 1000, tuned: decisions, argmax: decisions, decisionSeeds: decisions.map((_, i) => i) };
}

describe('verdicts', () => {
  const ref = family('float-large', 'float32', 1_350_000, [noisy(0.05, 1), noisy(0.05, 2)]);
  it('the claim needs the share (CI) and the flash ratio; the bar also low-rank at matched bytes', () => {
    const close = family('hypertinypw', 'small-close', 120_000, [noisy(0.05, 3), noisy(0.05, 4)]);
    const far = family('hypertinypw', 'poor', 60_000, [noisy(0.4, 5)]);
    const big = family('hypertinypw', 'too-big', 400_000, [noisy(0.05, 6)]);
    const lowWorse = family('pw-lowrank', 'r8', 100_000, [noisy(0.45, 7)]);
    const v = taskVerdicts('t', [ref, close, far, big, lowWorse], 3, { resamples: 300 });
    const of = (label: string) => v.points.find((p) => p.label === label && p.decisions === 'tuned')!;
    expect(of('poor').claim).toBe('not met');
    expect(of('too-big').claim).toBe('not met'); // 3.4x fewer bytes only
    expect(of('too-big').bar).toBe('not met'); // above 141 kB
    expect(of('small-close').flashRatio).toBeCloseTo(11.25, 6);
    expect(of('small-close').lowRank!.label).toBe('r8');
    expect(of('small-close').lowRank!.diff.diff.lo).toBeGreaterThan(0);
    expect(of('small-close').claim).not.toBe('not met');
    expect(v.claim.tuned).not.toBe('not run');
    expect(v.missing).toEqual([]);
  });
  it('says what has not run', () => {
    const v = taskVerdicts('t', [ref], 3, { resamples: 10 });
    expect(v.points).toEqual([]);
    expect(v.claim).toEqual({ tuned: 'not run', argmax: 'not run' });
    expect(v.missing).toEqual(['hypertinypw', 'pw-lowrank']);
  });
});
