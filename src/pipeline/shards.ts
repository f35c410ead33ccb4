/**
 * Sweeps that outgrow one machine: `sweep <config> --shard i/n` runs the i-th of n disjoint slices
 * of the config's job list (job k, in sweepJobs order, belongs to shard (k mod n) + 1), each into
 * its own output directory, so a Slurm job array or a Kubernetes indexed Job runs a sweep on many
 * machines with no scheduler of ours; `sweep --merge <out> <dir>...` joins their results files and
 * per-example predictions. Shards that share a backbone train it independently (training is
 * deterministic, so they get the same weights) unless the config's backbone store holds it.
 */

import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { appendResult, readResults, type ResultRecord } from '../eval/results.ts';
import { ArgumentError } from '../util/errors.ts';
import { findPredictions } from './evaluate.ts';

export interface Shard {
  /** 1-based */
  index: number;
  count: number;
}

/** "i/n" with 1 <= i <= n. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1 && index >= 1 && index <= count)) throw new ArgumentError('--shard', `"${text}" must be i/n with 1 <= i <= n (e.g. 2/4)`);
  return { index, count };
}

/** Whether job number k (0-based, sweepJobs order) belongs to the shard. */
export function inShard(k: number, s: Shard | undefined): boolean {
  return !s || k % s.count === s.index - 1;
}

/** The default output directory of a shard: <out>/shard-i-of-n. */
export function shardOut(out: string, s: Shard): string {
  return join(out, `shard-${s.index}-of-${s.count}`);
}

/**
 * Join the results of several sweep output directories into `out` (results.jsonl + preds/). An id
 * in two inputs is an error unless both lines carry the same metrics (a re-run of the same job).
 * Ids already in `out` are kept as they are (their lines in the inputs are skipped). Returns the
 * merged ids in input order.
 */
export function mergeSweeps(inputs: string[], out: string): { ids: string[]; duplicates: string[] } {
  const resultsPath = join(out, 'results.jsonl');
  const seen = new Map<string, ResultRecord>();
  const kept = new Set(existsSync(resultsPath) ? readResults(resultsPath).records.map((r) => r.id) : []);
  const ids: string[] = [];
  const duplicates: string[] = [];
  mkdirSync(join(out, 'preds'), { recursive: true });
  for (const dir of inputs) {
    const file = join(dir, 'results.jsonl');
    if (!existsSync(file)) throw new ArgumentError('sweep --merge', `${file} does not exist`);
    for (const r of readResults(file).records) {
      if (kept.has(r.id)) {
        duplicates.push(r.id);
        continue;
      }
      const prev = seen.get(r.id);
      if (prev) {
        if (JSON.stringify(prev.metrics) !== JSON.stringify(r.metrics)) throw new ArgumentError('sweep --merge', `id ${r.id} appears with different metrics in ${file} and an earlier input`);
        duplicates.push(r.id);
        continue;
      }
      const pred = findPredictions(dir, r.id);
      if (pred) copyFileSync(pred, join(out, 'preds', basename(pred)));
      const { schemaVersion: _v, ...rec } = r;
      appendResult(resultsPath, rec);
      seen.set(r.id, r);
      ids.push(r.id);
    }
  }
  return { ids, duplicates };
}
