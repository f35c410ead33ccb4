import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults, type ResultRecord } from '../../src/eval/results.ts';
import { DEMO_MITDB } from '../../src/pipeline/data.ts';
import { runSweep, sweepJobs, type SweepConfig } from '../../src/pipeline/sweep.ts';
import { demoAami, tmp, TINY } from './helpers.ts';

function config(out: string): SweepConfig {
  return {
    task: 'mitbih-aami', data: DEMO_MITDB, out, seeds: [0],
    variants: ['pw-int8', 'pw-4bit', 'pw-lowrank', 'hypertinypw', 'float-large'],
    small: { overrides: TINY, train: { epochs: 2 } },
    large: { preset: 'small', overrides: { ...TINY, stem: { channels: 12, kernel: 5, stride: 2 } }, train: { epochs: 1 } },
    quantize: { qat: { epochs: 1, lr: 3e-4 }, calibration: 64 },
    lowRank: { ranks: [2] },
    hyper: { grid: [{ dz: 4, dh: 8, rank: 2 }], train: { epochs: 1 } },
    bootstrap: { resamples: 100, seed: 0 },
  };
}

/** What must not change between an interrupted and an uninterrupted sweep. */
function stable(r: ResultRecord): unknown {
  const { createdAt: _c, durationSec: _d, config, ...rest } = r;
  const { data: _data, ...cfg } = config;
  return { ...rest, config: cfg };
}

class SimulatedKill extends Error {
  override name = 'SimulatedKill';
}

describe('sweep', () => {
  it('lists one job per variant and grid point, with unique ids', () => {
    const jobs = sweepJobs({ ...config('x'), seeds: [0, 1], lowRank: { ranks: [2, 4] } });
    expect(jobs.length).toBe(2 * 6);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
    expect(jobs[0].id).toBe('mitbih-aami.pw-int8.s0');
  });

  it('quantize.large as a list: one int8-large per method, the first keeps the plain id', () => {
    const jobs = sweepJobs({ ...config('x'), variants: ['int8-large'], seeds: [0, 1], quantize: { large: ['qat', 'ptq'] } });
    expect(jobs.map((j) => [j.id, j.config.method, j.config.label])).toEqual([
      ['mitbih-aami.int8-large.s0', 'qat', 'INT8'],
      ['mitbih-aami.int8-large.ptq.s0', 'ptq', 'INT8 (PTQ)'],
      ['mitbih-aami.int8-large.s1', 'qat', 'INT8'],
      ['mitbih-aami.int8-large.ptq.s1', 'ptq', 'INT8 (PTQ)'],
    ]);
    expect(sweepJobs({ ...config('x'), variants: ['int8-large'], quantize: { large: 'ptq' } }).map((j) => j.id)).toEqual(['mitbih-aami.int8-large.s0']);
    expect(() => sweepJobs({ ...config('x'), variants: ['int8-large'], quantize: { large: ['qat', 'qat'] } })).toThrow(/distinct/);
    expect(() => sweepJobs({ ...config('x'), variants: ['int8-large'], quantize: { large: ['int4' as 'ptq'] } })).toThrow(/quantize.large/);
  });

  it('resumes after a kill: every id once, the same values as an uninterrupted sweep', async () => {
    const ds = demoAami();
    const full = tmp('sweep-full');
    const a = await runSweep(config(full), { dataset: ds, quiet: true });
    expect(a.failed).toEqual([]);
    expect(a.ran.length).toBe(5);

    const killed = tmp('sweep-killed');
    let n = 0;
    await expect(runSweep(config(killed), {
      dataset: ds, quiet: true,
      onJobDone: () => {
        if (++n === 1) throw new SimulatedKill('killed after the first model');
      },
    })).rejects.toThrow(SimulatedKill);
    expect(readResults(join(killed, 'results.jsonl')).records.length).toBe(1);
    const b = await runSweep(config(killed), { dataset: ds, quiet: true });
    expect(b.skipped).toEqual(['mitbih-aami.pw-int8.s0']);
    expect(b.ran.length).toBe(4);

    const ra = readResults(join(full, 'results.jsonl')).records;
    const rb = readResults(join(killed, 'results.jsonl')).records;
    expect(rb.map((r) => r.id)).toEqual(ra.map((r) => r.id));
    expect(rb.map(stable)).toEqual(ra.map(stable));
    expect(existsSync(join(killed, 'preds', 'mitbih-aami.hypertinypw.dz4-dh8-r2.s0.json.gz'))).toBe(true);

    // a third run has nothing left to do
    const c = await runSweep(config(killed), { dataset: ds, quiet: true });
    expect(c.ran).toEqual([]);
    expect(c.skipped.length).toBe(5);
  }, 120_000);

  it('--backbones-only trains and stores the large backbones; a later sweep starts from the store', async () => {
    const ds = demoAami();
    const store = tmp('sweep-store');
    const first = tmp('sweep-backbones');
    const a = await runSweep({ ...config(first), backbones: store }, { dataset: ds, quiet: true, backbonesOnly: true });
    expect(a.ran).toEqual(['mitbih-aami.float-large.s0']);
    const dir = join(store, 'mitbih-aami', 'seed0');
    expect(existsSync(join(dir, 'large.ckpt'))).toBe(true);
    expect(existsSync(join(dir, 'large.train.jsonl'))).toBe(true);
    const info = JSON.parse(readFileSync(join(dir, 'large.json'), 'utf8'));
    expect(info).toMatchObject({ task: 'mitbih-aami', seed: 0, kind: 'large', bestEpoch: 1 });
    expect(info.data).toMatch(/^mitbih-aami \[128 x 7\]: train \d+ \(N \d+/);
    // a fresh output directory with the same store: the float-large line is reproduced without training
    const second = tmp('sweep-from-store');
    const lines: string[] = [];
    const b = await runSweep({ ...config(second), backbones: store, variants: ['float-large'] }, { dataset: ds, log: (m) => lines.push(m) });
    expect(b.ran).toEqual(['mitbih-aami.float-large.s0']);
    expect(lines.some((l) => l.includes(`the large backbone (seed 0) from ${store}`))).toBe(true);
    expect(existsSync(join(second, 'runs', 'mitbih-aami', 'large.s0'))).toBe(false);
    const [ra] = readResults(join(first, 'results.jsonl')).records;
    const [rb] = readResults(join(second, 'results.jsonl')).records;
    expect(rb.metrics).toEqual(ra.metrics);
  }, 120_000);
});
