import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults, type ResultRecord } from '../../src/eval/results.ts';
import { DEMO_MITDB } from '../../src/pipeline/data.ts';
import { inShard, mergeSweeps, parseShard } from '../../src/pipeline/shards.ts';
import { runSweep, sweepJobs, type SweepConfig } from '../../src/pipeline/sweep.ts';
import { demoAami, tmp, TINY } from './helpers.ts';

function config(out: string): SweepConfig {
  return {
    task: 'mitbih-aami', data: DEMO_MITDB, out, seeds: [0],
    variants: ['pw-int8', 'pw-4bit', 'float-large'],
    small: { overrides: TINY, train: { epochs: 1 } },
    large: { preset: 'small', overrides: { ...TINY, stem: { channels: 12, kernel: 5, stride: 2 } }, train: { epochs: 1 } },
    quantize: { qat: { epochs: 1, lr: 3e-4 }, calibration: 64 },
    bootstrap: { resamples: 100, seed: 0 },
  };
}

function stable(r: ResultRecord): unknown {
  const { createdAt: _c, durationSec: _d, config, ...rest } = r;
  const { data: _data, ...cfg } = config;
  return { ...rest, config: cfg };
}

describe('sweep shards', () => {
  it('parses i/n and splits the jobs into disjoint slices that cover them all', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/2', '3/2', '1-2', '1/0', 'x']) expect(() => parseShard(bad)).toThrow(/must be i\/n/);
    const jobs = sweepJobs({ ...config('x'), seeds: [0, 1, 2] });
    const slices = [1, 2, 3].map((i) => jobs.filter((_, k) => inShard(k, { index: i, count: 3 })).map((j) => j.id));
    expect(slices.flat().sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(new Set(slices.flat()).size).toBe(jobs.length);
  });

  it('two shards run in parallel and merged equal one run', async () => {
    const ds = demoAami();
    const one = tmp('shard-one');
    const a = await runSweep(config(one), { dataset: ds, quiet: true });
    expect(a.failed).toEqual([]);
    const [s1, s2] = [tmp('shard-1'), tmp('shard-2')];
    const [r1, r2] = await Promise.all([
      runSweep(config(s1), { dataset: ds, quiet: true, shard: { index: 1, count: 2 } }),
      runSweep(config(s2), { dataset: ds, quiet: true, shard: { index: 2, count: 2 } }),
    ]);
    expect(r1.ran.length + r2.ran.length).toBe(3);
    expect(r1.ran.filter((id) => r2.ran.includes(id))).toEqual([]);
    const merged = tmp('shard-merged');
    const m = mergeSweeps([s1, s2], merged);
    expect(m.ids.length).toBe(3);
    const byId = (rs: ResultRecord[]) => [...rs].sort((x, y) => x.id.localeCompare(y.id)).map(stable);
    expect(byId(readResults(join(merged, 'results.jsonl')).records)).toEqual(byId(readResults(join(one, 'results.jsonl')).records));
    for (const id of a.ran) expect(existsSync(join(merged, 'preds', `${id}.json.gz`))).toBe(true);
    // merging again adds nothing; an input with the same ids is accepted as a duplicate
    expect(mergeSweeps([s1, one], merged).ids).toEqual([]);
  }, 180_000);
});
