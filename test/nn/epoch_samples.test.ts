import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, train, type TrainConfig } from '../../src/nn/index.ts';
import { stateBytes, synthData, tempDir, tinySpec } from './helpers.ts';

const data = synthData();
class Kill extends Error {}

describe('trainer epochSamples', () => {
  for (const sampler of ['balanced', 'shuffle'] as const) {
    it(`${sampler}: an epoch is epochSamples examples, and a run killed mid-epoch resumes identically`, async () => {
      // 180 train examples; 64 per epoch / batch 16 -> 4 steps per epoch
      const cfg: Partial<TrainConfig> = { epochs: 3, batchSize: 16, lr: 0.01, sampler, epochSamples: 64, checkpointEveryBatches: 1, seed: 5 };
      const seen: number[] = [];
      const refDir = tempDir('epoch-samples-ref');
      const ref = await train({ spec: tinySpec(), data, config: cfg, outDir: refDir, quiet: true, onBatch: (b) => seen.push(b.step) });
      expect(seen.length).toBe(3 * 4);
      expect(ref.history.map((h) => h.step)).toEqual([4, 8, 12]);
      const dir = tempDir('epoch-samples-kill');
      await expect(train({ spec: tinySpec(), data, config: cfg, outDir: dir, quiet: true, onBatch: (b) => {
        if (b.step === 7) throw new Kill('killed mid-epoch 2');
      } })).rejects.toThrow(Kill);
      const r = await train({ spec: tinySpec(), data, config: cfg, outDir: dir, resume: true, quiet: true });
      expect(stateBytes(r.model.stateDict()).equals(stateBytes(ref.model.stateDict()))).toBe(true);
      const noTime = (d: string) => readFileSync(join(d, RUN_FILES.log), 'utf8').trim().split('\n').map((l) => {
        const { seconds: _s, samplesPerSec: _r, ...rest } = JSON.parse(l);
        return rest;
      });
      expect(noTime(dir)).toEqual(noTime(refDir));
    }, 60_000);
  }
  it('rejects a negative or fractional epochSamples', async () => {
    await expect(train({ spec: tinySpec(), data, config: { epochSamples: -1 }, quiet: true })).rejects.toThrow(/epochSamples/);
    await expect(train({ spec: tinySpec(), data, config: { epochSamples: 2.5 }, quiet: true })).rejects.toThrow(/epochSamples/);
  });
});
