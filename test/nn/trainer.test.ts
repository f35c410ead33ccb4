import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, latestCheckpoint, loadCheckpoint, loadModel, saveCheckpoint, train, SeparableCnn, type TrainConfig } from '../../src/nn/index.ts';
import { trainCommand } from '../../src/cli/commands/train.ts';
import { UsageError } from '../../src/cli/command.ts';
import { FormatError } from '../../src/util/errors.ts';
import { stateBytes, synthData, tempDir, tinySpec } from './helpers.ts';

const data = synthData();
// 180 train examples / batch 16 -> 11 steps per epoch; 3 epochs; mid-epoch checkpoints every 4 batches
const cfg: Partial<TrainConfig> = { epochs: 3, batchSize: 16, lr: 0.01, checkpointEveryBatches: 4, emaDecay: 0.9, sampler: 'shuffle', seed: 11 };

class Kill extends Error {}

async function interruptedRun(dir: string, killAtStep: number, config = cfg) {
  await expect(train({
    spec: tinySpec(), data, config, outDir: dir, quiet: true,
    onBatch: (b) => {
      if (b.step === killAtStep) throw new Kill(`killed at step ${b.step}`);
    },
  })).rejects.toThrow(Kill);
}

describe('checkpoint file', () => {
  it('round-trips a model and rejects corruption and truncation with FormatError', () => {
    const dir = tempDir('ckpt');
    const spec = tinySpec();
    const m = new SeparableCnn(spec.config);
    const p = join(dir, 'm.ckpt');
    saveCheckpoint(p, { kind: 'model', spec, model: m, extra: { note: 'x' } });
    const { model, checkpoint } = loadModel(p);
    expect(stateBytes(model.stateDict()).equals(stateBytes(m.stateDict()))).toBe(true);
    expect(checkpoint.meta.extra).toEqual({ note: 'x' });
    const bytes = readFileSync(p);
    expect(bytes.subarray(0, 8).toString()).toBe('HTPWCKPT');
    const bad = Buffer.from(bytes);
    bad[bad.length - 3] ^= 0xff;
    writeFileSync(p, bad);
    expect(() => loadCheckpoint(p)).toThrow(FormatError);
    expect(() => loadCheckpoint(p)).toThrow(/checksum mismatch/);
    writeFileSync(p, bytes.subarray(0, bytes.length - 100));
    expect(() => loadCheckpoint(p)).toThrow(/truncated/);
    writeFileSync(p, Buffer.concat([Buffer.from('NOTACKPT'), bytes.subarray(8)]));
    expect(() => loadCheckpoint(p)).toThrow(/not a HTPWCKPT file/);
  });
});

describe('trainer', () => {
  it('learns, logs every epoch as JSONL, and writes last / prev / best checkpoints', async () => {
    const dir = tempDir('basic');
    const r = await train({ spec: tinySpec(), data, config: { ...cfg, epochs: 4, emaDecay: 0, lr: 0.02 }, outDir: dir, quiet: true });
    const log = readFileSync(join(dir, RUN_FILES.log), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(log[3].trainLoss).toBeLessThan(log[0].trainLoss);
    expect(r.bestValMacroF1).toBeGreaterThan(0.6);
    for (const f of [RUN_FILES.last, RUN_FILES.previous, RUN_FILES.best]) expect(existsSync(join(dir, f))).toBe(true);
    const best = loadModel(join(dir, RUN_FILES.best));
    expect(stateBytes(best.model.stateDict()).equals(stateBytes(r.bestState))).toBe(true);
    expect(best.checkpoint.meta.extra).toMatchObject({ epoch: r.bestEpoch });
  });

  const refDir = tempDir('ref');
  let refBytes: Buffer | null = null;
  async function reference(): Promise<Buffer> {
    if (refBytes === null) {
      const ref = await train({ spec: tinySpec(), data, config: cfg, outDir: refDir, quiet: true });
      refBytes = stateBytes(ref.model.stateDict());
    }
    return refBytes;
  }
  const finalLast = (dir: string) => stateBytes(loadCheckpoint(join(dir, RUN_FILES.last)).state);
  const logNoTime = (dir: string) => readFileSync(join(dir, RUN_FILES.log), 'utf8').trim().split('\n').map((l) => {
    const { seconds: _s, samplesPerSec: _r, ...rest } = JSON.parse(l);
    return rest;
  });

  it('a run killed mid-epoch and resumed ends byte-identical to an uninterrupted run', async () => {
    const ref = await reference();
    const dir = tempDir('resume');
    await interruptedRun(dir, 17); // epoch 2, batch 6; newest checkpoint: step 15 (epoch 2, batch 4)
    const ck = latestCheckpoint(dir).checkpoint!;
    expect((ck.meta.train as { step: number }).step).toBe(15);
    const r = await train({ spec: tinySpec(), data, config: cfg, outDir: dir, resume: true, quiet: true });
    expect(r.resumedFrom).toContain(RUN_FILES.last);
    expect(stateBytes(r.model.stateDict()).equals(ref)).toBe(true); // best weights
    expect(finalLast(dir).equals(finalLast(refDir))).toBe(true); // final weights incl. BN statistics
    expect(logNoTime(dir)).toEqual(logNoTime(refDir));
    // resuming a finished run is a no-op that returns the same best weights
    const again = await train({ spec: tinySpec(), data, config: cfg, outDir: dir, resume: true, quiet: true });
    expect(stateBytes(again.model.stateDict()).equals(ref)).toBe(true);
  }, 40_000);

  it('killed right after an epoch-end checkpoint, and killed twice, still resumes identically', async () => {
    const ref = await reference();
    const dir = tempDir('twice');
    await interruptedRun(dir, 12); // first step of epoch 2; newest checkpoint: end of epoch 1
    await expect(train({ spec: tinySpec(), data, config: cfg, outDir: dir, resume: true, quiet: true, onBatch: (b) => {
      if (b.step === 30) throw new Kill('again');
    } })).rejects.toThrow(Kill);
    const r = await train({ spec: tinySpec(), data, config: cfg, outDir: dir, resume: true, quiet: true });
    expect(stateBytes(r.model.stateDict()).equals(ref)).toBe(true);
    expect(finalLast(dir).equals(finalLast(refDir))).toBe(true);
  }, 40_000);

  it('a corrupted or truncated last checkpoint is rejected with FormatError and the previous one is used', async () => {
    const ref = await reference();
    for (const damage of ['corrupt', 'truncate'] as const) {
      const dir = tempDir(damage);
      await interruptedRun(dir, 18);
      const last = join(dir, RUN_FILES.last);
      const bytes = readFileSync(last);
      if (damage === 'corrupt') {
        bytes[bytes.length >> 1] ^= 0x5a;
        writeFileSync(last, bytes);
      } else writeFileSync(last, bytes.subarray(0, bytes.length >> 1));
      expect(() => loadCheckpoint(last)).toThrow(damage === 'corrupt' ? /checksum mismatch/ : /truncated/);
      const notes: string[] = [];
      const r = await train({ spec: tinySpec(), data, config: cfg, outDir: dir, resume: true, quiet: true, onNote: (m) => notes.push(m) });
      expect(r.resumedFrom).toContain(RUN_FILES.previous);
      expect(notes[0]).toMatch(/skipped unusable checkpoint: .*last\.ckpt/);
      expect(stateBytes(r.model.stateDict()).equals(ref)).toBe(true);
      expect(finalLast(dir).equals(finalLast(refDir))).toBe(true);
    }
  }, 60_000);

  it('refuses a mid-epoch resume with another batch size', async () => {
    const dir = tempDir('bs');
    await interruptedRun(dir, 17);
    await expect(train({ spec: tinySpec(), data, config: { ...cfg, batchSize: 8 }, outDir: dir, resume: true, quiet: true })).rejects.toThrow(/cannot resume mid-epoch with batchSize 8/);
  });

  it('refuses to resume when every checkpoint is unusable', async () => {
    const dir = tempDir('dead');
    writeFileSync(join(dir, RUN_FILES.last), 'garbage');
    await expect(train({ spec: tinySpec(), data, config: cfg, outDir: dir, resume: true, quiet: true })).rejects.toThrow(/no usable checkpoint/);
  });

  it('stops early after `patience` epochs without a better validation macro-F1', async () => {
    const r = await train({ spec: tinySpec(), data, config: { ...cfg, epochs: 30, lr: 1e-6, schedule: { kind: 'constant' }, patience: 2, emaDecay: 0 }, quiet: true });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history.length).toBeLessThan(30);
    expect(r.history.length - r.bestEpoch).toBe(2);
  });

  it('data parallel: two runs with 2 workers give identical parameters, and the model learns', async () => {
    const c: Partial<TrainConfig> = { ...cfg, epochs: 2, workers: 2, emaDecay: 0, sampler: 'balanced' };
    const a = await train({ spec: tinySpec(), data, config: c, quiet: true });
    const b = await train({ spec: tinySpec(), data, config: c, quiet: true });
    expect(stateBytes(a.model.stateDict()).equals(stateBytes(b.model.stateDict()))).toBe(true);
    expect(a.history[1].trainLoss).toBeLessThan(a.history[0].trainLoss);
    expect(a.history.map((h) => h.trainLoss)).toEqual(b.history.map((h) => h.trainLoss));
    // and a 2-worker run killed mid-epoch resumes to the same bytes
    const dir = tempDir('dp');
    await interruptedRun(dir, 14, c);
    const r = await train({ spec: tinySpec(), data, config: c, outDir: dir, resume: true, quiet: true });
    expect(stateBytes(r.model.stateDict()).equals(stateBytes(a.model.stateDict()))).toBe(true);
  }, 40_000);
});

describe('train command', () => {
  it('reports usage errors', async () => {
    await expect(trainCommand.run(['--task', 'aami', '--out', 'x'])).rejects.toThrow(UsageError);
    await expect(trainCommand.run(['--data', 'd', '--out', 'x', '--task', 'multi'])).rejects.toThrow(/--task must be aami, aami5, binary or one of/);
    await expect(trainCommand.run(['--data', 'd', '--out', 'x', '--bogus', '1'])).rejects.toThrow(/unknown option --bogus/);
    await expect(trainCommand.run(['--config', '/nonexistent.json'])).rejects.toThrow(/no such file or directory/);
    expect(trainCommand.help).toMatch(/--resume/);
  });
});
