import { Rng } from '../../core/rng.ts';
import { ArgumentError } from '../../util/errors.ts';
import { DS1 } from './aami.ts';

/**
 * The validation part of DS1, held out by patient (record), never by beat.
 *
 * Default: `count` = 6 of the 22 DS1 records drawn with a seeded Rng (seed 0), about a quarter of
 * DS1, so that thresholds tuned on it rest on hundreds of S and V beats rather than a handful.
 * Up to 2000 seeded draws are scored over the AAMI-4 classes N, S, V, F (Q is dropped by the
 * default tasks): the kept draw first maximizes the classes present in validation (then in the
 * remaining training records), and among those minimizes
 *   sum over classes of (share_c - count / 22)^2,
 * share_c being the fraction of DS1's class-c beats that validation takes: each class as close to
 * its proportional share as the records allow (record 208 holds 373 of DS1's 415 F beats, so
 * validation either takes it, leaving training almost without F, or keeps about 40 F beats; the
 * objective keeps 208 in training). An explicit `records` list overrides the draw.
 */
export interface ValidationOptions {
  records?: string[];
  count?: number;
  seed?: number;
}

export const DEFAULT_VAL_COUNT = 6;
export const DEFAULT_VAL_SEED = 0;
const DRAWS = 2000;
/** classes scored by the draw: N, S, V, F */
const SCORED_CLASSES = 4;

/** `perRecord` maps each record to its per-class counts (at least the DS1 records). */
export function chooseValidationRecords(perRecord: Map<string, number[]>, opts: ValidationOptions = {}): string[] {
  if (opts.records) {
    for (const r of opts.records) if (!(DS1 as readonly string[]).includes(r)) throw new ArgumentError('mitbih validation', `record ${r} is not in DS1`);
    return [...opts.records].sort();
  }
  const count = opts.count ?? DEFAULT_VAL_COUNT;
  if (!(Number.isInteger(count) && count >= 0 && count < DS1.length)) throw new ArgumentError('mitbih validation', `count ${count} must be an integer in 0..${DS1.length - 1}`);
  if (count === 0) return [];
  const rng = new Rng(opts.seed ?? DEFAULT_VAL_SEED);
  const totals = (recs: readonly string[]) => {
    const tot = new Array<number>(SCORED_CLASSES).fill(0);
    for (const r of recs) {
      const c = perRecord.get(r);
      if (!c) throw new ArgumentError('mitbih validation', `no class counts for record ${r}`);
      for (let i = 0; i < SCORED_CLASSES; i++) tot[i] += c[i];
    }
    return tot;
  };
  const all = totals(DS1);
  const target = count / DS1.length;
  const present = (t: number[]) => t.filter((v) => v > 0).length;
  let best: string[] = [];
  let bestCover = -1;
  let bestCost = Infinity;
  for (let d = 0; d < DRAWS; d++) {
    const perm = rng.permutation(DS1.length);
    const val = Array.from(perm.subarray(0, count), (i) => DS1[i]);
    const v = totals(val);
    const cover = present(v) * 10 + present(all.map((a, i) => a - v[i]));
    const cost = v.reduce((acc, x, i) => acc + (all[i] > 0 ? (x / all[i] - target) ** 2 : 0), 0);
    if (cover > bestCover || (cover === bestCover && cost < bestCost)) {
      best = val;
      bestCover = cover;
      bestCost = cost;
    }
  }
  return best.sort();
}
