import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.ts';
import { readResults, type ResultRecord } from '../../src/eval/results.ts';
import { loadCheckpoint } from '../../src/nn/index.ts';
import { readIntegerModel } from '../../src/pipeline/variants.ts';
import { LOCK_FILE } from '../../src/util/lock.ts';
import { CAN_MOUNT, CLI, ROOT, filesUnder, liveProcess, smallFilesystem, tempDir, tempFilesUnder } from './helpers.ts';

/**
 * Fault injection on the real CLI, `hypertinypw sweep` this time: a tiny three-model sweep on the
 * PTB-XL fixture (small backbone trained with mid-epoch checkpoints, QAT, pw-int8, pw-4bit,
 * HyperTinyPW), killed with SIGKILL at seeded file mutations (before the call or after half of a
 * write) and at the middle of its last results.jsonl append, then run again. After each kill every
 * checkpoint and model file on disk verifies; the rerun exits 0 with no temp or lock file left and
 * ends with the uninterrupted sweep's results (each id once, same metrics), model files and
 * predictions, byte for byte.
 */
const PRELOAD = join(import.meta.dirname, 'fault_preload.mjs');
const DATA = join(ROOT, 'test', 'fixtures', 'ptb-xl');
const SEEDED_KILLS = 3;

const work = tempDir('sweepkill');

function config(out: string): string {
  const path = join(work, `${out.split('/').pop()}.json`);
  const tiny = { stem: { channels: 8, kernel: 7, stride: 2 }, blocks: [{ channels: 12, stride: 2 }, { channels: 16, stride: 2 }, { channels: 16 }], dropout: 0 };
  writeFileSync(path, JSON.stringify({
    task: 'ptbxl', data: DATA, out, cacheDir: join(work, 'cache'), seeds: [0],
    variants: ['pw-int8', 'pw-4bit', 'hypertinypw'],
    small: { overrides: tiny, train: { epochs: 2, batchSize: 2, checkpointEveryBatches: 2 } },
    quantize: { qat: { epochs: 1, lr: 3e-4 }, calibration: 16 },
    hyper: { grid: [{ dz: 4, dh: 8, rank: 2 }], train: { epochs: 1, batchSize: 2, checkpointEveryBatches: 2 } },
    bootstrap: { resamples: 50, seed: 0 },
  }));
  return path;
}

function runSweep(out: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', PRELOAD, CLI, 'sweep', config(out), '--quiet'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}

/** What must not change between an interrupted and an uninterrupted sweep. */
function stable(r: ResultRecord): unknown {
  const { createdAt: _c, durationSec: _d, ...rest } = r;
  return rest;
}

/** Model files (.htpw) and predictions (.json.gz) of a sweep directory, by relative path. */
function artefacts(dir: string): Map<string, Buffer> {
  return new Map(filesUnder(dir).filter((f) => /\.htpw$|\.json\.gz$/.test(f)).sort().map((f) => [f, readFileSync(join(dir, f))]));
}

const others: { kill: (s: NodeJS.Signals) => boolean }[] = [];
afterAll(() => {
  for (const p of others) p.kill('SIGKILL');
});

describe('kill -9 during sweep (fault injection on the CLI)', () => {
  it(`${SEEDED_KILLS} seeded kills and a torn results.jsonl line, each rerun to the uninterrupted results`, () => {
    const ref = join(work, 'ref');
    const trace = join(work, 'trace');
    const r0 = runSweep(ref, { HTPW_FAULT_TRACE: trace });
    expect(r0.status, r0.stderr).toBe(0);
    const calls = readFileSync(trace, 'utf8').trim().split('\n').map((l) => l.split(' '));
    const mutations = calls.length;
    expect(mutations).toBeGreaterThan(30);
    const reference = readResults(join(ref, 'results.jsonl')).records;
    expect(reference.map((r) => r.id)).toEqual(['ptbxl.pw-int8.s0', 'ptbxl.pw-4bit.s0', 'ptbxl.hypertinypw.dz4-dh8-r2.s0']);
    const refFiles = artefacts(ref);

    // seeded points, then the last append to results.jsonl torn in the middle
    const rng = new Rng(19);
    const kills: { at: number; mode: string }[] = Array.from({ length: SEEDED_KILLS }, (_, k) => ({ at: 1 + rng.int(mutations), mode: k % 2 === 0 ? 'mid' : 'before' }));
    const lastAppend = calls.filter(([, call, path]) => call === 'writeSync' && path.endsWith('/results.jsonl')).pop();
    expect(lastAppend).toBeDefined();
    kills.push({ at: Number(lastAppend![0]), mode: 'mid' });

    let injected = 0, handled = 0;
    kills.forEach(({ at, mode }, k) => {
      const out = join(work, `k${k}`);
      const killed = runSweep(out, { HTPW_FAULT_AT: String(at), HTPW_FAULT_MODE: mode });
      injected++;
      const what = `fault ${at} (${calls[at - 1].slice(1).join(' ')}) ${mode}`;
      expect(killed.signal, `${what}: ${killed.stderr}`).toBe('SIGKILL');
      // every checkpoint and model file on disk verifies (writes are atomic)
      if (existsSync(out)) {
        for (const f of filesUnder(out)) {
          if (f.endsWith('.ckpt')) expect(() => loadCheckpoint(join(out, f)), `${what}: ${f}`).not.toThrow();
          if (f.endsWith('.htpw')) expect(() => readIntegerModel(join(out, f)), `${what}: ${f}`).not.toThrow();
        }
      }
      const rerun = runSweep(out);
      expect(rerun.status, `${what}: ${rerun.stderr}`).toBe(0);
      expect(rerun.stderr, what).not.toMatch(/^\s+at /m);
      expect(tempFilesUnder(out), what).toEqual([]);
      expect(filesUnder(out).filter((f) => f.endsWith(LOCK_FILE)), what).toEqual([]);
      const records = readResults(join(out, 'results.jsonl'));
      expect(records.warnings, what).toEqual([]);
      expect(records.records.map(stable), what).toEqual(reference.map(stable));
      const files = artefacts(out);
      expect([...files.keys()], what).toEqual([...refFiles.keys()]);
      for (const [f, b] of refFiles) expect(files.get(f)!.equals(b), `${what}: ${f} differs from the uninterrupted sweep`).toBe(true);
      handled++;
    });
    console.log(`fault injection, kill -9 during sweep: ${injected} injected (${SEEDED_KILLS} at seeded points of ${mutations} file mutations, 1 torn results line), ${handled} handled`);
  }, 400_000); // CLI runs: minutes on a loaded machine (a limit on the harness, not a timing claim)

  it.skipIf(!CAN_MOUNT)('a full disk stops the sweep with one line naming the directory and the bytes needed, exit 1, no temp or lock file; with space it continues (needs root for a tmpfs)', () => {
    const fs = smallFilesystem(40);
    try {
      const out = join(fs.dir, 'out');
      const r = runSweep(out);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^hypertinypw sweep: ${out}/runs/ptbxl/small\\.s0: no space left on the device \\(ENOSPC\\): writing \\S+ needs \\d+ bytes`));
      expect(r.stdout).toBe('');
      expect(tempFilesUnder(fs.dir)).toEqual([]);
      expect(filesUnder(fs.dir).filter((f) => f.endsWith(LOCK_FILE))).toEqual([]);
      fs.resize(4096);
      const again = runSweep(out);
      expect(again.status, again.stderr).toBe(0);
      expect(readResults(join(out, 'results.jsonl')).records.map((x) => x.id)).toEqual(['ptbxl.pw-int8.s0', 'ptbxl.pw-4bit.s0', 'ptbxl.hypertinypw.dz4-dh8-r2.s0']);
    } finally {
      fs.unmount();
    }
  }, 300_000);

  it('a sweep directory locked by another live process: one line, exit 1, nothing run', () => {
    const out = join(work, 'locked');
    const holder = liveProcess();
    others.push(holder);
    spawnSync('mkdir', ['-p', out]);
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: holder.pid, host: hostname(), since: 'now' }));
    const r = runSweep(out);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^hypertinypw sweep: ${out}: locked by process ${holder.pid} `));
    expect(filesUnder(out)).toEqual([LOCK_FILE]);
  });
});
