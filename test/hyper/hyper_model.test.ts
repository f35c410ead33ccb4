import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backward, crossEntropy, noGrad, Rng, Tensor } from '../../src/core/index.ts';
import { DEFAULT_KNOBS } from '../../src/hyper/config.ts';
import { buildHyperModel, buildLowRankModel, HyperModel, loadHyperModel, trainHyperModel } from '../../src/hyper/hyper_model.ts';
import type { TrainData } from '../../src/nn/trainer.ts';
import { sineTask, TINY } from './sine_task.ts';



const knobs = { ...DEFAULT_KNOBS.mitbih, dz: 3, dh: 6, rank: 2 };

describe('HyperModel', () => {
  it('generates every PW but PW1, names its state like the backbone plus generator.*', () => {
    const m = buildHyperModel(TINY, knobs);
    expect(m.generatedLayers).toEqual(['blocks.1.pw', 'blocks.2.pw']);
    const gen = m.layers().filter((d) => d.kind === 'pwconv1d').map((d) => d.generated === true);
    expect(gen).toEqual([false, true, true]);
    const names = [...m.stateDict().keys()];
    expect(names).toContain('blocks.0.pw.weight');
    expect(names).toContain('generator.codes');
    expect(names).toContain('generator.inst0.core.weight');
    for (const d of m.layers()) for (const p of Object.values(d.params)) expect(names).toContain(p);
    // generated PW layers' own stored weights are frozen (not trained)
    const trainable = m.namedTrainable().map(([n]) => n);
    expect(trainable).not.toContain('blocks.1.pw.weight');
    expect(trainable).toContain('blocks.0.pw.weight');
  });

  it('gradients of the classification loss reach codes, trunk and heads (finite differences)', () => {
    const m = buildHyperModel(TINY, knobs);
    m.eval(); // running statistics: a deterministic function of the parameters
    const data = sineTask(6, 16, 1);
    const xb = new Tensor(data.x.slice(), [6, 16, 1]);
    const loss = () => crossEntropy(m.forward(xb), data.y);
    for (const [, p] of m.namedParameters()) p.grad = null;
    backward(loss());
    const f = () => noGrad(() => loss().item());
    for (const name of ['generator.codes', 'generator.inst0.trunk0.weight', 'generator.inst0.trunk1.bias', 'generator.inst0.core.weight', 'generator.inst0.U', 'generator.gains1']) {
      const p = m.namedParameters().find(([n]) => n === name)![1];
      const g = p.grad!;
      expect(g, name).not.toBeNull();
      let k = 0;
      for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[k])) k = i;
      expect(Math.abs(g[k]), name).toBeGreaterThan(1e-5);
      const h = 1e-2;
      const v0 = p.data[k];
      p.data[k] = v0 + h;
      const fp = f();
      p.data[k] = v0 - h;
      const fm = f();
      p.data[k] = v0;
      const fd = (fp - fm) / (2 * h);
      expect(Math.abs(fd - g[k]), `${name}: fd ${fd} grad ${g[k]}`).toBeLessThan(0.05 * Math.abs(g[k]) + 1e-4);
    }
  });

  it('trains end to end with the nn trainer (loss decreases), checkpoints and reloads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'htpw-hyper-'));
    try {
      const m = buildHyperModel(TINY, knobs);
      const data = sineTask(240, 16, 2);
      const codes0 = m.generator.codes.toFloat32Array();
      const res = await trainHyperModel(m, data, { config: { epochs: 6, batchSize: 16, lr: 1e-2 }, outDir: dir, quiet: true });
      const first = res.history[0].trainLoss;
      const last = res.history[res.history.length - 1].trainLoss;
      expect(last).toBeLessThan(0.8 * first);
      expect(res.bestValMacroF1).toBeGreaterThan(0.5);
      expect(m.generator.codes.toFloat32Array()).not.toEqual(codes0);
      const back = loadHyperModel(join(dir, 'best.ckpt')) as HyperModel;
      expect(back).toBeInstanceOf(HyperModel);
      const xb = new Tensor(data.x.slice(0, 16 * 8), [8, 16, 1]);
      m.eval();
      expect(noGrad(() => back.forward(xb).values())).toEqual(noGrad(() => m.forward(xb).values()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('setFakeQuant switches the generated kernels to their INT8 levels', () => {
    const m = buildHyperModel(TINY, knobs);
    const w0 = noGrad(() => m.generatedWeight(0).values());
    m.setFakeQuant(true);
    const w1 = noGrad(() => m.generatedWeight(0).values());
    expect(w1).not.toEqual(w0);
    const [cOut, cIn] = [8, 6];
    for (let o = 0; o < cOut; o++) {
      let mx = 0;
      for (let i = 0; i < cIn; i++) mx = Math.max(mx, Math.abs(w1[o * cIn + i]));
      for (let i = 0; i < cIn; i++) {
        const lv = (127 * Math.abs(w1[o * cIn + i])) / mx;
        expect(Math.abs(lv - Math.round(lv))).toBeLessThan(1e-3);
      }
    }
  });

  it('LowRankModel trains its factors A B (rank r kernels)', async () => {
    const m = buildLowRankModel(TINY, 2);
    const w = noGrad(() => m.generatedWeights());
    expect([...w.keys()]).toEqual(['blocks.1.pw', 'blocks.2.pw']);
    const data = sineTask(120, 16, 3);
    const res = await trainHyperModel(m, data, { config: { epochs: 3, batchSize: 16, lr: 1e-2 }, quiet: true });
    expect(res.history[2].trainLoss).toBeLessThan(res.history[0].trainLoss);
    expect(m.namedParameters().map(([n]) => n)).toContain('lowrank.A0');
  });
});
