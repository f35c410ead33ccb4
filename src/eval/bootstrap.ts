/**
 * Bootstrap confidence intervals on the test set.
 *
 * A statistic is any function of a list of example indices (a resample of 0..n-1, drawn with
 * replacement); build it from the metrics with `take` / `takeRows`, e.g.
 *   bootstrapCI(n, (idx) => macroF1(take(yTrue, idx), take(yPred, idx), k), { seed: 1 })
 * The point estimate is the statistic on the full set; the interval is the percentile interval
 * of the resampled statistics (quantiles with linear interpolation, numpy's default "type 7").
 * The index array handed to the statistic is reused between resamples: read it, do not keep it.
 * Resamples where the statistic is NaN (e.g. AUC with one label absent) are dropped and counted.
 *
 * The paired bootstrap uses the same resample indices for both models, so the interval of the
 * difference A - B accounts for their correlation on the shared test examples.
 */

import { Rng } from '../core/rng.ts';
import { ArgumentError } from '../util/errors.ts';

export interface BootstrapOptions {
  /** number of resamples (default 1000, at least 1000 for reported results) */
  resamples?: number;
  /** seed of the resampling stream (required: results must be reproducible) */
  seed: number;
  /** two-sided confidence level (default 0.95) */
  level?: number;
}

export interface ConfidenceInterval {
  value: number;
  lo: number;
  hi: number;
  level: number;
  resamples: number;
  /** resamples where the statistic was NaN and therefore left out */
  dropped: number;
  seed: number;
}

export interface PairedBootstrapResult {
  a: ConfidenceInterval;
  b: ConfidenceInterval;
  /** statistic(A) - statistic(B), with the percentile interval over the shared resamples */
  diff: ConfidenceInterval;
  /** fraction of (valid) resamples where A's statistic is strictly greater than B's */
  fractionAGreater: number;
  /** fraction of (valid) resamples where they are equal */
  fractionTied: number;
}

export type Statistic = (indices: Int32Array) => number;

/** Quantile q of sorted values with linear interpolation between order statistics. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h), hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function checkOptions(where: string, n: number, opts: BootstrapOptions): { resamples: number; level: number } {
  const resamples = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  if (!(Number.isInteger(n) && n >= 1)) throw new ArgumentError(where, `n must be a positive integer, got ${n}`);
  if (!(Number.isInteger(resamples) && resamples >= 1)) throw new ArgumentError(where, `resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new ArgumentError(where, `level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(opts.seed)) throw new ArgumentError(where, `seed must be an integer, got ${opts.seed}`);
  return { resamples, level };
}

function identity(n: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  return idx;
}

function interval(value: number, samples: number[], level: number, resamples: number, seed: number): ConfidenceInterval {
  const valid = samples.filter((v) => !Number.isNaN(v)).sort((x, y) => x - y);
  const alpha = (1 - level) / 2;
  return {
    value,
    lo: quantileSorted(valid, alpha),
    hi: quantileSorted(valid, 1 - alpha),
    level,
    resamples,
    dropped: resamples - valid.length,
    seed,
  };
}

/**
 * Yields `resamples` index arrays of length n, drawn with replacement from a seeded stream.
 * The same (n, seed, resamples) always gives the same sequence.
 */
export function* resampleIndices(n: number, opts: BootstrapOptions): Generator<Int32Array> {
  const { resamples } = checkOptions('resampleIndices', n, opts);
  const rng = new Rng(opts.seed);
  const idx = new Int32Array(n);
  for (let r = 0; r < resamples; r++) yield rng.fillInt(idx, n);
}

/** Percentile bootstrap CI of `statistic` over n examples. */
export function bootstrapCI(n: number, statistic: Statistic, opts: BootstrapOptions): ConfidenceInterval {
  const { resamples, level } = checkOptions('bootstrapCI', n, opts);
  const value = statistic(identity(n));
  const samples: number[] = [];
  for (const idx of resampleIndices(n, opts)) samples.push(statistic(idx));
  return interval(value, samples, level, resamples, opts.seed);
}

/** Paired bootstrap of two statistics on the same n test examples (same resamples for both). */
export function pairedBootstrap(n: number, statA: Statistic, statB: Statistic, opts: BootstrapOptions): PairedBootstrapResult {
  checkOptions('pairedBootstrap', n, opts);
  const all = identity(n);
  const sa: number[] = [], sb: number[] = [];
  for (const idx of resampleIndices(n, opts)) {
    sa.push(statA(idx));
    sb.push(statB(idx));
  }
  return pairedFromSamples(statA(all), statB(all), sa, sb, opts);
}

/**
 * pairedBootstrap's result from the full-set values and the per-resample statistics of A and B
 * (sa[r], sb[r] on resample r): for callers that compute several statistics from one draw.
 */
export function pairedFromSamples(va: number, vb: number, sa: number[], sb: number[], opts: BootstrapOptions): PairedBootstrapResult {
  const resamples = sa.length;
  const level = opts.level ?? 0.95;
  const sd: number[] = [];
  let greater = 0, tied = 0, valid = 0;
  for (let r = 0; r < resamples; r++) {
    const a = sa[r], b = sb[r];
    sd.push(a - b);
    if (!Number.isNaN(a) && !Number.isNaN(b)) {
      valid++;
      if (a > b) greater++;
      else if (a === b) tied++;
    }
  }
  return {
    a: interval(va, sa, level, resamples, opts.seed),
    b: interval(vb, sb, level, resamples, opts.seed),
    diff: interval(va - vb, sd, level, resamples, opts.seed),
    fractionAGreater: valid > 0 ? greater / valid : NaN,
    fractionTied: valid > 0 ? tied / valid : NaN,
  };
}

/** bootstrapCI's result from the full-set value and the per-resample statistics. */
export function intervalFromSamples(value: number, samples: number[], opts: BootstrapOptions): ConfidenceInterval {
  return interval(value, samples, opts.level ?? 0.95, samples.length, opts.seed);
}

/** The distinct groups of `groupOf`, ascending, and the example indices of each (in example order). */
export function groupMembers(groupOf: ArrayLike<number>): { ids: number[]; members: number[][] } {
  const ids = [...new Set(Array.from(groupOf))].sort((a, b) => a - b);
  const byId = new Map<number, number[]>(ids.map((g) => [g, []]));
  for (let i = 0; i < groupOf.length; i++) byId.get(groupOf[i])!.push(i);
  return { ids, members: ids.map((g) => byId.get(g)!) };
}

/**
 * Cluster resamples as group positions: each draws `groups` of the `groups` groups with
 * replacement and yields their positions (into groupMembers' ids). The array is reused between
 * resamples. resampleGroups expands exactly these draws into example indices, so a statistic
 * computed from per-group sums (e.g. confusion counts) sees the same resamples.
 */
export function* resampleGroupPositions(groups: number, opts: BootstrapOptions): Generator<Int32Array> {
  const { resamples } = checkOptions('resampleGroupPositions', groups, opts);
  const rng = new Rng(opts.seed);
  const pos = new Int32Array(groups);
  for (let r = 0; r < resamples; r++) {
    for (let k = 0; k < groups; k++) pos[k] = rng.int(groups);
    yield pos;
  }
}

/**
 * Cluster (record-level, i.e. patient-level for MIT-BIH) resamples: each draws G of the G groups
 * with replacement and yields the example indices of the drawn groups, concatenated (so its
 * length varies). Beats of one patient are not independent; this interval is the honest one for
 * a claim about new patients. `groupOf[i]` is the group of example i; seeded like resampleIndices.
 */
export function* resampleGroups(groupOf: ArrayLike<number>, opts: BootstrapOptions): Generator<Int32Array> {
  checkOptions('resampleGroups', groupOf.length, opts);
  const { members } = groupMembers(groupOf);
  for (const pos of resampleGroupPositions(members.length, opts)) {
    const drawn: number[] = [];
    for (const p of pos) for (const i of members[p]) drawn.push(i);
    yield Int32Array.from(drawn);
  }
}

/** Percentile interval of `statistic` over record-level (cluster) resamples. */
export function groupBootstrapCI(groupOf: ArrayLike<number>, statistic: Statistic, opts: BootstrapOptions): ConfidenceInterval {
  const { resamples, level } = checkOptions('groupBootstrapCI', groupOf.length, opts);
  const value = statistic(identity(groupOf.length));
  const samples: number[] = [];
  for (const idx of resampleGroups(groupOf, opts)) samples.push(statistic(idx));
  return interval(value, samples, level, resamples, opts.seed);
}
