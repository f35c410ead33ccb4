import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/core/index.ts';
import { Rng } from '../../src/core/rng.ts';
import { bindLoss, multiLabelLoss, packMultiLabel, positiveCounts, unpackMultiLabel } from '../../src/nn/losses.ts';
import { train, trainDataOf, validationScore } from '../../src/nn/trainer.ts';
import { predictLogits } from '../../src/nn/batch.ts';
import { separableCnnConfig } from '../../src/nn/models/separable_cnn.ts';
import type { Dataset } from '../../src/data/dataset.ts';

describe('multi-label targets as bitmasks', () => {
  it('pack / unpack round-trip and count positives', () => {
    const y = Uint8Array.from([1, 0, 1, 0, 0, 0, 0, 1, 1]);
    const m = packMultiLabel(y, 3);
    expect(Array.from(m)).toEqual([0b101, 0, 0b110]);
    expect(Array.from(unpackMultiLabel(m, 3))).toEqual(Array.from(y));
    expect(positiveCounts(m, [0, 1, 2], 3)).toEqual([1, 1, 2]);
    expect(() => positiveCounts(Int32Array.from([8]), [0], 3)).toThrow(/bits beyond 3/);
    expect(() => packMultiLabel(y, 4)).toThrow();
  });

  it("the 'bce' loss is the mean binary cross-entropy of the unpacked targets (float64 transcription)", () => {
    const z = [0.3, -1.2, 2.5, -0.1, 0.7, -3];
    const masks = Int32Array.from([0b101, 0b010]);
    const l = bindLoss({ kind: 'bce' }, [1, 1, 1]).loss(new Tensor(Float32Array.from(z), [2, 3]), masks);
    let ref = 0;
    for (let i = 0; i < 6; i++) {
      const t = (masks[Math.floor(i / 3)] >> (i % 3)) & 1;
      const p = 1 / (1 + Math.exp(-z[i]));
      ref -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
    }
    expect(l.item()).toBeCloseTo(ref / 6, 6);
    expect(multiLabelLoss({ kind: 'weighted-ce', power: 0.5 })).toEqual({ kind: 'bce' });
    expect(() => multiLabelLoss({ kind: 'focal' })).toThrow(/single-label/);
  });

  it('validationScore: macro-F1 over columns at logit >= 0 and the exact-match ratio', () => {
    // 3 examples, 2 classes; predictions [1,0], [1,1], [0,0]; truth [1,0], [0,1], [0,1]
    const logits = Float32Array.from([2, -1, 0.5, 0, -1, -2]);
    const y = Int32Array.from([0b01, 0b10, 0b10]);
    const s = validationScore(logits, 2, y, true);
    // class 0: tp 1, fp 1, fn 0 -> F1 2/3; class 1: tp 1, fp 0, fn 1 -> F1 2/3
    expect(s.f1).toBeCloseTo(2 / 3, 12);
    expect(s.acc).toBeCloseTo(1 / 3, 12);
  });
});

/** Two-label toy task: label j is on when channel j's mean is positive. */
function toy(n: number, seed: number): Dataset {
  const L = 16, C = 2, K = 2;
  const rng = new Rng(seed);
  const x = new Float32Array(n * L * C);
  const yMulti = new Uint8Array(n * K);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) {
    const on = rng.next() < 0.5;
    yMulti[i * K + c] = on ? 1 : 0;
    for (let l = 0; l < L; l++) x[(i * L + l) * C + c] = (on ? 1 : -1) + 0.5 * rng.normal();
  }
  return {
    name: 'toy-multilabel', x, shape: [n, L, C], y: new Int32Array(n).fill(-1), yMulti, classes: ['a', 'b'],
    split: Uint8Array.from({ length: n }, (_, i) => (i < n * 0.75 ? 0 : 1)), group: new Int32Array(n), groupNames: ['g'], meta: {},
  };
}

describe('the trainer on multi-label data', () => {
  it('trains with BCE, selects on multi-label val macro-F1, and learns an easy task', async () => {
    const ds = toy(256, 3);
    const data = trainDataOf(ds);
    expect(data.multiLabel).toBe(true);
    const config = separableCnnConfig('small', { inputLength: 16, inputChannels: 2, numClasses: 2, stem: { channels: 8, kernel: 3, stride: 1 }, blocks: [{ channels: 8, stride: 2 }], dropout: 0 });
    const res = await train({ spec: { family: 'separable_cnn', config }, data, config: { epochs: 4, batchSize: 32, lr: 1e-2 }, quiet: true });
    const { logits } = predictLogits(res.model, data.x, data.shape, data.val);
    const s = validationScore(logits, 2, data.val.map((i) => data.y[i]), true);
    expect(s.f1).toBe(res.bestValMacroF1);
    expect(res.bestValMacroF1).toBeGreaterThan(0.9);
    await expect(train({ spec: { family: 'separable_cnn', config }, data, config: { epochs: 1, sampler: 'balanced' }, quiet: true })).rejects.toThrow(/single-label/);
  }, 60_000);
});
