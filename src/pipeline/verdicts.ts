/**
 * The verdicts of issue #13, computed from the results files (never typed by hand):
 *
 *   the paper's claim   a HyperTinyPW point keeps >= 95% of the large float CNN's macro-F1 with
 *                       >= 6.3x fewer flash bytes
 *   our bar             a point keeps >= 97% of it at <= 141 kB of flash (>= ~10x fewer than the
 *                       fp32 large CNN) and beats the stored low-rank baseline at matched bytes
 *
 * Every share and difference is a pooled paired bootstrap over seeds with record-level (patient)
 * resampling (src/eval/pooled.ts), for the validation-tuned decisions and for plain argmax. Seeds
 * are matched: a compression of seed s starts from the float backbone of seed s, so a point is set
 * against the seeds of the other family that it has too (seedPairs); only when the two share no
 * seed are all seeds of both pooled, and the verdict says so. A
 * criterion is 'met' when its whole 95% interval clears the bar, 'not met' when the whole interval
 * misses it, 'inconclusive' otherwise. Families are the records of one variant and label (one per
 * seed); their flash is the mean over seeds (identical across seeds for a fixed architecture).
 */

import type { ResultRecord } from '../eval/results.ts';
import { meanMacroF1, pooledPairedBootstrap, type PooledComparison, type PooledOptions, type SeedDecisions } from '../eval/pooled.ts';
import { findPredictions, loadPredictions } from './evaluate.ts';

export const CLAIM = { share: 0.95, flashRatio: 6.3 } as const;
export const BAR = { share: 0.97, maxFlash: 141_000 } as const;

export type Decisions = 'tuned' | 'argmax';
export type Outcome = 'met' | 'not met' | 'inconclusive';

export interface Family {
  variant: string;
  label: string;
  records: ResultRecord[];
  seeds: number[];
  flash: number;
  ram: number;
  /** per-seed test decisions (only seeds whose predictions file exists), in the order of decisionSeeds */
  tuned: SeedDecisions[];
  argmax: SeedDecisions[];
  /** the seed of each entry of tuned / argmax */
  decisionSeeds: number[];
}

/** Records of one task grouped by (variant, label), with their saved predictions. */
export function familiesOf(records: ResultRecord[], predsDirOf: (id: string) => string | undefined): Family[] {
  const by = new Map<string, ResultRecord[]>();
  for (const r of records) {
    const label = typeof r.config.label === 'string' ? r.config.label : '';
    const key = `${r.variant}\u0000${label}`;
    by.set(key, [...(by.get(key) ?? []), r]);
  }
  return [...by.values()].map((rs) => {
    rs.sort((x, y) => x.seed - y.seed);
    const tuned: SeedDecisions[] = [], argmax: SeedDecisions[] = [], decisionSeeds: number[] = [];
    for (const r of rs) {
      const dir = predsDirOf(r.id);
      if (!dir || !findPredictions(dir, r.id)) continue;
      const p = loadPredictions(dir, r.id);
      if (p.kind === 'multilabel') continue;
      tuned.push({ yTrue: p.yTrue, yPred: p.yPred, group: p.group });
      argmax.push({ yTrue: p.yTrue, yPred: p.yArgmax, group: p.group });
      decisionSeeds.push(r.seed);
    }
    const mean = (f: (r: ResultRecord) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
    return {
      variant: rs[0].variant, label: typeof rs[0].config.label === 'string' ? rs[0].config.label : '', records: rs, seeds: rs.map((r) => r.seed),
      flash: mean((r) => r.flash.total), ram: mean((r) => r.ram.total), tuned, argmax, decisionSeeds,
    };
  });
}

/** Two families' decisions restricted to the seeds both have (seed-matched), or all of both when they share none. */
export interface SeedPairs {
  a: SeedDecisions[];
  b: SeedDecisions[];
  /** the common seeds, or null when there are none and all seeds of both were pooled */
  seeds: number[] | null;
}

export function seedPairs(a: Family, b: Family, decisions: Decisions): SeedPairs {
  const common = a.decisionSeeds.filter((s) => b.decisionSeeds.includes(s));
  if (common.length === 0) return { a: a[decisions], b: b[decisions], seeds: null };
  const pick = (f: Family) => common.map((s) => f[decisions][f.decisionSeeds.indexOf(s)]);
  return { a: pick(a), b: pick(b), seeds: common };
}

/** pooledPairedBootstrap of two families on their matched seeds, with the seeds it used */
function compare(a: Family, b: Family, decisions: Decisions, k: number, bo: PooledOptions): PooledComparison & { pairedSeeds: number[] | null } {
  const p = seedPairs(a, b, decisions);
  return { ...pooledPairedBootstrap(p.a, p.b, k, bo), pairedSeeds: p.seeds };
}

function outcome(iv: { lo: number; hi: number }, bar: number): Outcome {
  return iv.lo >= bar ? 'met' : iv.hi < bar ? 'not met' : 'inconclusive';
}

export interface PointVerdict {
  label: string;
  flash: number;
  seeds: number;
  decisions: Decisions;
  /** share of the large float CNN's macro-F1 (pooled over the matched seeds, record-level CI) */
  share: PooledComparison & { pairedSeeds: number[] | null };
  flashRatio: number;
  claim: Outcome;
  /** the low-rank family it is compared with at matched bytes, and macro-F1(point) - macro-F1(low-rank) */
  lowRank?: { label: string; flash: number; diff: PooledComparison & { pairedSeeds: number[] | null } };
  bar: Outcome;
}

/** One HyperTinyPW point against one baseline family: macro-F1(point) - macro-F1(baseline), pooled over seeds. */
export interface BaselineComparison {
  point: string;
  pointFlash: number;
  baseline: string;
  baselineFlash: number;
  decisions: Decisions;
  diff: PooledComparison & { pairedSeeds: number[] | null };
}

export interface TaskVerdicts {
  task: string;
  reference?: { seeds: number; flash: number };
  points: PointVerdict[];
  /** the task-level answers: met if some point meets it, not met if every point misses it */
  claim: Record<Decisions, Outcome | 'not run'>;
  bar: Record<Decisions, Outcome | 'not run'>;
  /** what has no results yet (so the verdict cannot be formed) */
  missing: string[];
  /** every HyperTinyPW point against every other family (paired, pooled over seeds) */
  comparisons: BaselineComparison[];
}

/**
 * The low-rank family "at matched bytes" for a point: the best (by pooled macro-F1) low-rank
 * family with no more flash than the point; when every low-rank family is larger, the smallest.
 */
export function matchedLowRank(point: Family, lowRanks: Family[], decisions: Decisions, k: number): Family | undefined {
  const usable = lowRanks.filter((f) => f[decisions].length > 0);
  const within = usable.filter((f) => f.flash <= point.flash);
  if (within.length === 0) return usable.sort((x, y) => x.flash - y.flash)[0];
  const score = (f: Family) => meanMacroF1(f[decisions], k, null);
  return within.sort((x, y) => score(y) - score(x))[0];
}

function combine(outcomes: Outcome[]): Outcome | 'not run' {
  if (outcomes.length === 0) return 'not run';
  return outcomes.includes('met') ? 'met' : outcomes.every((o) => o === 'not met') ? 'not met' : 'inconclusive';
}

/** The claim and bar verdicts of one task's families (k classes). */
export function taskVerdicts(task: string, families: Family[], k: number, opts: { resamples?: number; seed?: number } = {}): TaskVerdicts {
  const ref = families.find((f) => f.variant === 'float-large' && f.tuned.length > 0);
  const points = families.filter((f) => f.variant === 'hypertinypw' && f.tuned.length > 0).sort((x, y) => x.flash - y.flash);
  const lowRanks = families.filter((f) => f.variant === 'pw-lowrank');
  const missing: string[] = [];
  if (!ref) missing.push('float-large (the reference)');
  if (points.length === 0) missing.push('hypertinypw');
  if (lowRanks.length === 0) missing.push('pw-lowrank');
  const out: PointVerdict[] = [];
  // record-level resampling when every saved prediction carries its test records (older ones do not)
  const grouped = families.every((f) => f.tuned.every((d) => d.group !== undefined));
  const bo = { resamples: opts.resamples ?? 1000, seed: opts.seed ?? 0, resampling: grouped ? 'record' as const : 'beat' as const };
  if (ref) {
    for (const p of points) {
      for (const decisions of ['tuned', 'argmax'] as const) {
        const share = compare(p, ref, decisions, k, bo);
        const flashRatio = ref.flash / p.flash;
        const claim: Outcome = flashRatio < CLAIM.flashRatio ? 'not met' : outcome(share.ratio, CLAIM.share);
        const lr = matchedLowRank(p, lowRanks, decisions, k);
        const lowRank = lr ? { label: lr.label, flash: lr.flash, diff: compare(p, lr, decisions, k, bo) } : undefined;
        const shareOk = outcome(share.ratio, BAR.share);
        // strictly above low-rank: met when the whole interval of the difference is above 0
        const d = lowRank?.diff.diff;
        const lowWin: Outcome = !d ? 'inconclusive' : d.lo > 0 ? 'met' : d.hi <= 0 ? 'not met' : 'inconclusive';
        const bar: Outcome = p.flash > BAR.maxFlash || shareOk === 'not met' || lowWin === 'not met' ? 'not met'
          : shareOk === 'met' && lowWin === 'met' ? 'met' : 'inconclusive';
        out.push({ label: p.label, flash: p.flash, seeds: share.seedsA, decisions, share, flashRatio, claim, ...(lowRank ? { lowRank } : {}), bar });
      }
    }
  }
  const comparisons: BaselineComparison[] = [];
  for (const p of points) {
    for (const b of families.filter((f) => f.variant !== 'hypertinypw' && f.tuned.length > 0).sort((x, y) => x.flash - y.flash)) {
      for (const decisions of ['tuned', 'argmax'] as const) {
        comparisons.push({ point: p.label, pointFlash: p.flash, baseline: `${b.variant}${b.label ? ` ${b.label}` : ''}`, baselineFlash: b.flash, decisions, diff: compare(p, b, decisions, k, bo) });
      }
    }
  }
  const pick = (d: Decisions, f: (v: PointVerdict) => Outcome) => combine(out.filter((v) => v.decisions === d).map(f));
  return {
    task, ...(ref ? { reference: { seeds: ref.tuned.length, flash: ref.flash } } : {}), points: out,
    claim: { tuned: pick('tuned', (v) => v.claim), argmax: pick('argmax', (v) => v.claim) },
    bar: { tuned: pick('tuned', (v) => v.bar), argmax: pick('argmax', (v) => v.bar) },
    missing, comparisons,
  };
}
