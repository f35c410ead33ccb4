import { Rng } from '../../core/rng.ts';
import { ArgumentError } from '../../util/errors.ts';
import { DS1 } from './aami.ts';

/**
 * The validation part of DS1, held out by patient (record), never by beat.
 *
 * Default: `count` = 4 DS1 records drawn with a seeded Rng (seed 0). Up to 2000 seeded draws
 * are scored: the kept draw first maximizes the classes present in validation (then in the
 * remaining training records), so every class DS1 has appears in both parts when possible, and
 * among those minimizes the largest share of any class's DS1 beats that validation takes (so
 * e.g. record 208, which holds 373 of DS1's 415 F beats, does not leave training without F). An explicit `records` list overrides the draw.
 */
export interface ValidationOptions {
  records?: string[];
  count?: number;
  seed?: number;
}

export const DEFAULT_VAL_COUNT = 4;
export const DEFAULT_VAL_SEED = 0;
const DRAWS = 2000;

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
    const tot = [0, 0, 0, 0, 0];
    for (const r of recs) {
      const c = perRecord.get(r);
      if (!c) throw new ArgumentError('mitbih validation', `no class counts for record ${r}`);
      for (let i = 0; i < 5; i++) tot[i] += c[i];
    }
    return tot;
  };
  const all = totals(DS1);
  const present = (t: number[]) => t.filter((v) => v > 0).length;
  let best: string[] = [];
  let bestCover = -1;
  let bestShare = Infinity;
  for (let d = 0; d < DRAWS; d++) {
    const perm = rng.permutation(DS1.length);
    const val = Array.from(perm.subarray(0, count), (i) => DS1[i]);
    const v = totals(val);
    const cover = present(v) * 10 + present(all.map((a, i) => a - v[i]));
    const share = Math.max(...v.map((x, i) => (all[i] > 0 ? x / all[i] : 0)));
    if (cover > bestCover || (cover === bestCover && share < bestShare)) {
      best = val;
      bestCover = cover;
      bestShare = share;
    }
  }
  return best.sort();
}
