/**
 * Paired bootstrap of two model families pooled over seeds (single-label tasks).
 *
 * A family is the per-example test decisions of one variant at one point, one entry per training
 * seed; all entries of both families were evaluated on the same test examples (same order). Each
 * resample draws one set of test indices (whole records with `resampling: 'record'`, the default:
 * patients are the unit a claim about new patients generalizes over; single beats with 'beat')
 * and evaluates every seed of both families on it, so the interval of
 *   diff  = mean over A's seeds of macro-F1  -  mean over B's seeds of macro-F1
 *   ratio = mean over A's seeds of macro-F1  /  mean over B's seeds of macro-F1
 * carries both the test-set sampling and the pairing of the two families on the same examples;
 * the spread between seeds enters through the means (3 seeds: their average, not a seed CI).
 *
 * Record-level resamples are summed from per-record confusion counts (G records x k x k per seed,
 * counted once) instead of recounting every drawn beat: the same draws (resampleGroupPositions,
 * which resampleGroups expands) and the same integer counts, so the same numbers, ~10^3x faster.
 */

import { groupMembers, resampleGroupPositions, resampleIndices, quantileSorted } from './bootstrap.ts';
import { classStatsFromConfusion, confusionAt, macroF1FromStats } from './metrics.ts';

/** One seed's test decisions. */
export interface SeedDecisions {
  yTrue: ArrayLike<number>;
  yPred: ArrayLike<number>;
  /** record / patient of each test example (required for record-level resampling) */
  group?: ArrayLike<number>;
}

export interface Interval {
  value: number;
  lo: number;
  hi: number;
}

export interface PooledComparison {
  seedsA: number;
  seedsB: number;
  resampling: 'record' | 'beat';
  resamples: number;
  level: number;
  a: Interval;
  b: Interval;
  diff: Interval;
  ratio: Interval;
  /** fraction of resamples where A's mean macro-F1 is strictly greater */
  fractionAGreater: number;
}

export interface PooledOptions {
  resampling?: 'record' | 'beat';
  resamples?: number;
  seed?: number;
  level?: number;
}

/** Mean over the seeds of macro-F1 on the examples idx (all when null). */
export function meanMacroF1(family: SeedDecisions[], k: number, idx: Int32Array | null): number {
  let s = 0;
  for (const d of family) s += macroF1FromStats(classStatsFromConfusion(confusionAt(d.yTrue, d.yPred, k, idx)));
  return s / family.length;
}

function percentile(value: number, samples: number[], level: number): Interval {
  const v = samples.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  const a = (1 - level) / 2;
  return { value, lo: v.length ? quantileSorted(v, a) : NaN, hi: v.length ? quantileSorted(v, 1 - a) : NaN };
}

/** Pooled paired bootstrap of family A against family B with k classes. */
export function pooledPairedBootstrap(a: SeedDecisions[], b: SeedDecisions[], k: number, opts: PooledOptions = {}): PooledComparison {
  if (a.length === 0 || b.length === 0) throw new Error('pooledPairedBootstrap: both families need at least one seed');
  const n = a[0].yTrue.length;
  for (const d of [...a, ...b]) {
    if (d.yTrue.length !== n || d.yPred.length !== n) throw new Error(`pooledPairedBootstrap: every seed must cover the same ${n} test examples`);
  }
  const resampling = opts.resampling ?? 'record';
  const resamples = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  const seed = opts.seed ?? 0;
  const group = a[0].group;
  if (resampling === 'record' && !group) throw new Error('pooledPairedBootstrap: record-level resampling needs the test examples\' groups');
  const va = meanMacroF1(a, k, null), vb = meanMacroF1(b, k, null);
  const sa: number[] = [], sb: number[] = [], sd: number[] = [], sr: number[] = [];
  let greater = 0;
  const add = (x: number, y: number) => {
    sa.push(x);
    sb.push(y);
    sd.push(x - y);
    sr.push(x / y);
    if (x > y) greater++;
  };
  if (resampling === 'record') {
    const { members } = groupMembers(group!);
    const ca = a.map((d) => recordConfusions(d, k, members)), cb = b.map((d) => recordConfusions(d, k, members));
    const cm = new Float64Array(k * k);
    for (const pos of resampleGroupPositions(members.length, { seed, resamples })) add(meanMacroF1OfRecords(ca, k, pos, cm), meanMacroF1OfRecords(cb, k, pos, cm));
  } else {
    for (const idx of resampleIndices(n, { seed, resamples })) add(meanMacroF1(a, k, idx), meanMacroF1(b, k, idx));
  }
  return {
    seedsA: a.length, seedsB: b.length, resampling, resamples, level,
    a: percentile(va, sa, level), b: percentile(vb, sb, level), diff: percentile(va - vb, sd, level), ratio: percentile(va / vb, sr, level),
    fractionAGreater: greater / resamples,
  };
}

/** Confusion counts of one seed per record: [record][true * k + pred]. */
function recordConfusions(d: SeedDecisions, k: number, members: number[][]): Float64Array[] {
  return members.map((idx) => {
    const cm = new Float64Array(k * k);
    for (const i of idx) cm[d.yTrue[i] * k + d.yPred[i]]++;
    return cm;
  });
}

/** meanMacroF1 on the records drawn at `pos`, from per-record counts (`cm` is scratch). */
function meanMacroF1OfRecords(family: Float64Array[][], k: number, pos: Int32Array, cm: Float64Array): number {
  let s = 0;
  for (const perRecord of family) {
    cm.fill(0);
    for (const p of pos) {
      const c = perRecord[p];
      for (let j = 0; j < c.length; j++) cm[j] += c[j];
    }
    s += macroF1FromStats(classStatsFromConfusion(Array.from({ length: k }, (_, t) => Array.from(cm.subarray(t * k, (t + 1) * k)))));
  }
  return s / family.length;
}
