import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.ts';
import { RUN_FILES, latestCheckpoint, loadCheckpoint, loadModel } from '../../src/nn/index.ts';
import { LOCK_FILE } from '../../src/util/lock.ts';
import { stateBytes } from '../nn/helpers.ts';
import { CAN_MOUNT, CLI, ROOT, liveProcess, smallFilesystem, tempDir, tempFilesUnder } from './helpers.ts';

/**
 * Fault injection on the real CLI (`hypertinypw train` on the PTB-XL fixture, a tiny model, 4
 * epochs of 3 steps, a checkpoint every 2 batches): kill -9 at seeded file mutations (before a
 * write / rename / append, or in the middle of a write), then resume. After every kill each
 * checkpoint file present must verify; the resumed run must exit 0 with no temp or lock file left,
 * a log of exactly epochs 1..4, and best weights bit-identical to an uninterrupted run.
 */
const PRELOAD = join(import.meta.dirname, 'fault_preload.mjs');
const DATA = join(ROOT, 'test', 'fixtures', 'ptb-xl');
const EPOCHS = 4;
const KILLS = 6;

const work = tempDir('kill');
const cfg = join(work, 'cfg.json');
writeFileSync(cfg, JSON.stringify({
  modelOverrides: { stem: { channels: 8, kernel: 7, stride: 2 }, blocks: [{ channels: 12, stride: 2 }, { channels: 16 }], dropout: 0 },
  train: { batchSize: 2, checkpointEveryBatches: 2, seed: 3 },
}));

function trainArgs(out: string): string[] {
  return ['--import', PRELOAD, CLI, 'train', '--config', cfg, '--data', DATA, '--task', 'ptbxl', '--epochs', String(EPOCHS), '--out', out, '--cache', join(work, 'cache'), '--quiet', '--resume'];
}

function runTrain(out: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, trainArgs(out), { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}

function bestWeights(dir: string): Buffer {
  return stateBytes(loadModel(join(dir, RUN_FILES.best)).model.stateDict());
}

function logEpochs(dir: string): number[] {
  return readFileSync(join(dir, RUN_FILES.log), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).epoch);
}

/** stderr is empty or lines without a stack trace */
function noStack(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
}

const others: { kill: (s: NodeJS.Signals) => boolean }[] = [];
afterAll(() => {
  for (const p of others) p.kill('SIGKILL');
});

describe('kill -9 during train (fault injection on the CLI)', () => {
  it(`${KILLS} seeded kills (before a file mutation or mid-write), each resumed to the uninterrupted result`, () => {
    const ref = join(work, 'ref');
    const countFile = join(work, 'count');
    const r0 = runTrain(ref, { HTPW_FAULT_COUNT: countFile });
    expect(r0.status, r0.stderr).toBe(0);
    const mutations = Number(readFileSync(countFile, 'utf8').trim());
    expect(mutations).toBeGreaterThan(10);
    const reference = bestWeights(ref);

    const rng = new Rng(19);
    let injected = 0, handled = 0;
    for (let k = 0; k < KILLS; k++) {
      const out = join(work, `k${k}`);
      const at = 1 + rng.int(mutations);
      const mode = k % 2 === 0 ? 'mid' : 'before';
      const killed = runTrain(out, { HTPW_FAULT_AT: String(at), HTPW_FAULT_MODE: mode });
      injected++;
      expect(killed.signal, `fault ${at} ${mode}: ${killed.stderr}`).toBe('SIGKILL');
      // every checkpoint on disk verifies (writes are atomic)
      if (existsSync(out)) {
        expect(latestCheckpoint(out).rejected).toEqual([]);
        if (existsSync(join(out, RUN_FILES.best))) expect(() => loadCheckpoint(join(out, RUN_FILES.best))).not.toThrow();
      }
      const resumed = runTrain(out);
      expect(resumed.status, `fault ${at} ${mode}: ${resumed.stderr}`).toBe(0);
      noStack(resumed.stderr);
      expect(tempFilesUnder(out)).toEqual([]);
      expect(existsSync(join(out, LOCK_FILE))).toBe(false);
      expect(logEpochs(out)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
      expect(bestWeights(out).equals(reference), `fault ${at} ${mode}: best weights differ from the uninterrupted run`).toBe(true);
      handled++;
    }
    console.log(`fault injection, kill -9 during train: ${injected} injected at seeded points of ${mutations} file mutations, ${handled} handled`);
  }, 400_000); // CLI runs: minutes on a loaded machine (a limit on the harness, not a timing claim)

  it('two writers on one directory: the second gets one line and exit 1, the first finishes', async () => {
    const out = join(work, 'two');
    const first = spawn(process.execPath, trainArgs(out), { cwd: ROOT, env: { ...process.env, HTPW_FAULT_SLOW_MS: '150' }, stdio: 'ignore' });
    others.push(first);
    const firstDone = new Promise<number | null>((res) => first.on('exit', (code) => res(code)));
    for (let i = 0; i < 600 && !existsSync(join(out, LOCK_FILE)); i++) await new Promise((r) => setTimeout(r, 50));
    const second = runTrain(out);
    expect(second.status).toBe(1);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(new RegExp(`^hypertinypw train: ${out}: locked by process ${first.pid} `));
    expect(await firstDone).toBe(0);
    expect(logEpochs(out)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
  }, 300_000);

  it('a directory locked by another live process: one line, exit 1', () => {
    const out = join(work, 'locked');
    const holder = liveProcess();
    others.push(holder);
    const r0 = spawnSync('mkdir', ['-p', out]);
    expect(r0.status).toBe(0);
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: holder.pid, host: hostname(), since: 'now' }));
    const r = runTrain(out);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.skipIf(!CAN_MOUNT)('a full disk: one line naming the directory and the bytes needed, exit 1, no temp file (needs root for a tmpfs)', () => {
    const fs = smallFilesystem(32);
    try {
      const r = runTrain(fs.dir);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^hypertinypw train: ${fs.dir}: no space left on the device \\(ENOSPC\\): writing \\S+ needs \\d+ bytes`));
      expect(tempFilesUnder(fs.dir)).toEqual([]);
    } finally {
      fs.unmount();
    }
  });
});
