import { describe, expect, it } from 'vitest';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, latestCheckpoint, loadCheckpoint, loadModel, train, type TrainConfig } from '../../src/nn/index.ts';
import { stateBytes, synthData, tinySpec } from '../nn/helpers.ts';
import { tempDir } from './helpers.ts';

const data = synthData(120);
// 90 train examples / batch 16 -> 5 steps per epoch
const cfg: Partial<TrainConfig> = { epochs: 3, batchSize: 16, lr: 0.01, seed: 5 };

class Kill extends Error {}

async function killedAt(dir: string, step: number, config: Partial<TrainConfig> = cfg, resume = false): Promise<string[]> {
  const notes: string[] = [];
  await expect(train({
    spec: tinySpec(), data, config, outDir: dir, resume, quiet: true, onNote: (m) => notes.push(m),
    onBatch: (b) => {
      if (b.step === step) throw new Kill(`killed at step ${step}`);
    },
  })).rejects.toThrow(Kill);
  return notes;
}

function corrupt(path: string): void {
  const b = readFileSync(path);
  b[b.length - 5] ^= 0x5a;
  writeFileSync(path, b);
}

function logEpochs(dir: string): number[] {
  return readFileSync(join(dir, RUN_FILES.log), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).epoch);
}

describe('checkpoint rotation (#19 hole 3)', () => {
  it('after falling back from a corrupt last.ckpt, the next save keeps the good prev.ckpt', async () => {
    const dir = tempDir('rotate');
    const every = { ...cfg, checkpointEveryBatches: 1 };
    await killedAt(dir, 8, every); // checkpoints after steps 6 (prev) and 7 (last)
    corrupt(join(dir, RUN_FILES.last));
    const goodPrev = readFileSync(join(dir, RUN_FILES.previous));
    // resume from prev (step 6), save after step 7, killed at step 8
    const notes = await killedAt(dir, 8, every, true);
    expect(notes.some((n) => n.includes('skipped unusable checkpoint') && n.includes(RUN_FILES.last))).toBe(true);
    expect(readFileSync(join(dir, RUN_FILES.previous)).equals(goodPrev)).toBe(true);
    expect(loadCheckpoint(join(dir, RUN_FILES.last)).meta.train).toMatchObject({ step: 7 });
    // the following save rotates the verified last.ckpt as usual
    await killedAt(dir, 9, every, true);
    expect(loadCheckpoint(join(dir, RUN_FILES.previous)).meta.train).toMatchObject({ step: 7 });
    expect(loadCheckpoint(join(dir, RUN_FILES.last)).meta.train).toMatchObject({ step: 8 });
  });
});

describe('resume and the log (#19 hole 4)', () => {
  it('killed after the first log line but before the first last.ckpt: resume starts over with an empty log', async () => {
    const dir = tempDir('log');
    await killedAt(dir, 6); // epoch 1 logged and checkpointed, killed in epoch 2
    unlinkSync(join(dir, RUN_FILES.last)); // as if killed before the first last.ckpt was written
    expect(logEpochs(dir)).toEqual([1]);
    const r = await train({ spec: tinySpec(), data, config: cfg, outDir: dir, resume: true, quiet: true });
    expect(r.resumedFrom).toBeNull();
    expect(logEpochs(dir)).toEqual([1, 2, 3]);
  });

  it('a resume rewrites the log to the checkpoint\'s epochs (a line written after it is dropped)', async () => {
    const dir = tempDir('log2');
    await killedAt(dir, 11);
    writeFileSync(join(dir, RUN_FILES.log), `${readFileSync(join(dir, RUN_FILES.log), 'utf8')}{"epoch": 3, "partial`);
    await train({ spec: tinySpec(), data, config: cfg, outDir: dir, resume: true, quiet: true });
    expect(logEpochs(dir)).toEqual([1, 2, 3]);
  });
});

describe('epoch times with mid-epoch checkpoints (#19 hole 5)', () => {
  it('each epoch is timed once: the logged seconds sum to at most the wall time', async () => {
    const dir = tempDir('times');
    const t0 = performance.now();
    const r = await train({ spec: tinySpec(), data, config: { ...cfg, checkpointEveryBatches: 1 }, outDir: dir, quiet: true });
    const wall = (performance.now() - t0) / 1000;
    const sum = r.history.reduce((a, h) => a + h.seconds, 0);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThanOrEqual(wall + 0.01);
  });
});

describe('a corrupt best.ckpt on resume (#19 hole 6)', () => {
  it('at the end of the best epoch: best is re-derived from the checkpoint exactly', async () => {
    const dir = tempDir('best');
    const ref = await train({ spec: tinySpec(), data, config: cfg, outDir: tempDir('bestref'), quiet: true });
    const bestEpoch = ref.bestEpoch;
    // killed in the epoch after the best one, with the checkpoint of the best epoch's end as last.ckpt
    await killedAt(dir, bestEpoch * 5 + 1);
    corrupt(join(dir, RUN_FILES.best));
    const notes: string[] = [];
    const r = await train({ spec: tinySpec(), data, config: cfg, outDir: dir, resume: true, quiet: true, onNote: (m) => notes.push(m) });
    expect(notes.some((n) => /best\.ckpt unusable .*checksum mismatch/.test(n))).toBe(true);
    expect(r.bestEpoch).toBe(bestEpoch);
    expect(stateBytes(r.bestState).equals(stateBytes(ref.bestState))).toBe(true);
    expect(stateBytes(loadModel(join(dir, RUN_FILES.best)).model.stateDict()).equals(stateBytes(ref.bestState))).toBe(true);
  });

  it('mid-epoch: training continues with a warning and best.ckpt is written again', async () => {
    const dir = tempDir('best2');
    await killedAt(dir, 8, { ...cfg, checkpointEveryBatches: 2 }); // last.ckpt mid-epoch 2
    corrupt(join(dir, RUN_FILES.best));
    const notes: string[] = [];
    const r = await train({ spec: tinySpec(), data, config: { ...cfg, checkpointEveryBatches: 2 }, outDir: dir, resume: true, quiet: true, onNote: (m) => notes.push(m) });
    expect(notes.some((n) => /best\.ckpt unusable .*model selection restarts/.test(n))).toBe(true);
    expect(r.history).toHaveLength(3);
    expect(r.bestEpoch).toBeGreaterThanOrEqual(2);
    expect(() => loadCheckpoint(join(dir, RUN_FILES.best))).not.toThrow();
    expect(latestCheckpoint(dir).rejected).toEqual([]);
  });
});
