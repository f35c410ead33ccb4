import { describe, expect, it } from 'vitest';
import { Tensor, backward, mul, noGrad, reshape, sum, tensor, zeroGrad } from '../../src/core/index.ts';
import type { TrainData } from '../../src/nn/index.ts';
import { channelAxisOf, foldBatchNorm, fusedGraph, runFused } from '../../src/quant/bn_fold.ts';
import { calibrate } from '../../src/quant/calibrate.ts';
import { convertToIntModel } from '../../src/quant/convert.ts';
import { fakeQuantActivation, fakeQuantBias, fakeQuantGlobalAvgPool, fakeQuantWeightPerChannel } from '../../src/quant/fake_quant.ts';
import { QatModel, qatFineTune } from '../../src/quant/qat.ts';
import { chooseActivationParams } from '../../src/quant/quantize.ts';
import { quantizeInput, simulateBatch } from '../../src/quant/simulator.ts';
import { K, L, synth, trainedModel } from './sinusoids.ts';


const valX = (d: TrainData) => d.x.slice(d.val[0] * L, (d.val[d.val.length - 1] + 1) * L);

describe('QatModel', () => {
  it('eval forward equals the folded float forward with the same fake quantization applied by hand', async () => {
    const { model, data } = await trainedModel(3);
    const ranges = calibrate(model, data.x, data.shape);
    const qat = new QatModel(model, { ranges, rounding: 'single' }).eval();
    const x = new Tensor(valX(data), [data.val.length, L, 1]);
    const got = noGrad(() => qat.forward(x)).values();
    // by hand: folded weights -> per-channel fake quant, bias at s_in * s_w, every point fake-quantized
    const graph = fusedGraph(model.layers());
    const folded = new Map(foldBatchNorm(model).map((f) => [f.name, f]));
    const params = (p: string) => { const [a, b] = ranges.get(p)!; return chooseActivationParams(a, b); };
    const want = noGrad(() => runFused(graph, x, {
      weights: (s) => {
        const f = folded.get(s.name)!;
        const w = fakeQuantWeightPerChannel(tensor(f.weight, f.weightShape), channelAxisOf(s.op));
        const ws = Float32Array.from({ length: f.outChannels }, (_, c) => {
          let m = 0;
          f.weight.forEach((v, i) => { if ((f.channelAxis === 0 ? Math.floor(i / (f.weight.length / f.outChannels)) : i % f.outChannels) === c) m = Math.max(m, Math.abs(v)); });
          return m / 127;
        });
        return { w, b: fakeQuantBias(tensor(f.bias), params(s.input).scale, ws) };
      },
      point: (name, t) => {
        const p = params(name);
        return name === 'pool' ? fakeQuantGlobalAvgPool(t, p.scale, p.zeroPoint, 8) : fakeQuantActivation(t, p.scale, p.zeroPoint);
      },
    })).values();
    expect([...got]).toEqual([...want]);
  });

  it('gradients reach the original conv weights, gammas, betas and classifier (BN frozen: running stats untouched)', async () => {
    const { model, data } = await trainedModel(3);
    const qat = new QatModel(model, { ranges: calibrate(model, data.x, data.shape) }).train();
    const rm = model.stateDict().get('blocks.0.pwBn.runningMean')!;
    const x = new Tensor(data.x.slice(0, 32 * L), [32, L, 1]);
    zeroGrad(qat.parameters());
    const out = qat.forward(x);
    backward(sum(mul(out, tensor(new Float32Array(out.size).map((_, i) => Math.sin(i)), [...out.shape]))));
    const sd = new Map(qat.namedParameters());
    expect(sd.get('stem.conv.weight')).toBe(model.stem.namedParameters()[0][1]); // same tensors, same names
    for (const n of ['stem.conv.weight', 'stem.bn.gamma', 'stem.bn.beta', 'blocks.1.pw.weight', 'blocks.1.pwBn.gamma', 'classifier.weight', 'classifier.bias']) {
      const g = sd.get(n)!.grad!;
      expect(g.some((v) => v !== 0), n).toBe(true);
    }
    expect([...model.stateDict().get('blocks.0.pwBn.runningMean')!]).toEqual([...rm]);
  });

  it('weightFor: a caller-supplied folded, fake-quantized weight gives the same forward and trains its source', async () => {
    const { model, data } = await trainedModel(3);
    const ranges = calibrate(model, data.x, data.shape);
    const x = new Tensor(valX(data), [data.val.length, L, 1]);
    const plain = noGrad(() => new QatModel(model, { ranges }).eval().forward(x)).values();
    const [name, pw] = model.pointwiseLayers()[1];
    let qat: QatModel | null = null;
    const weightFor = (n: string) => {
      if (n !== name) return undefined;
      const s = qat!.foldScale(n)!;
      return fakeQuantWeightPerChannel(mul(pw.weight, reshape(s, [pw.outChannels, 1])), 0);
    };
    qat = new QatModel(model, { ranges, weightFor }).eval();
    const got = noGrad(() => qat!.forward(x)).values();
    expect([...got]).toEqual([...plain]);
    zeroGrad([pw.weight]);
    backward(sum(qat.forward(x)));
    expect(pw.weight.grad!.some((v) => v !== 0)).toBe(true);
  });
});

describe('qatFineTune', () => {
  it('fine-tunes with the nn trainer, converts, and the simulator matches the QAT forward in LSBs', async () => {
    const { model, data } = await trainedModel(3);
    for (const rounding of ['double', 'single'] as const) {
      const { qat, ranges, result } = await qatFineTune(model, data, { epochs: 2, lr: 1e-3, quiet: true, rounding, config: { batchSize: 32 } });
      expect(result.history.length).toBe(2);
      expect(qat.training).toBe(false);
      const im = convertToIntModel(model, ranges, { rounding });
      const xs = valX(data);
      const n = data.val.length;
      const sim = simulateBatch(im, quantizeInput(im, xs), n);
      const ql = noGrad(() => qat.forward(new Tensor(xs, [n, L, 1]))).values();
      const out = im.tensors[im.outputId];
      const hist = [0, 0, 0, 0];
      for (let i = 0; i < sim.length; i++) hist[Math.min(3, Math.abs(Math.round(ql[i] / out.scale) + out.zeroPoint - sim[i]))]++;
      // measured on this setup: 360 / 360 logits equal in both rounding modes
      expect(hist[0] / sim.length, `${rounding}: LSB histogram ${hist}`).toBeGreaterThanOrEqual(0.95);
      expect(hist[3], `${rounding}: LSB histogram ${hist}`).toBe(0);
    }
  });

  it('distills from fixed teacher logits: a teacher that always says class 0 pulls the QAT model there', async () => {
    const count0 = async (distill: boolean) => {
      const { model, data } = await trainedModel(3);
      const n = data.shape[0];
      const teacherLogits = new Float32Array(n * K);
      for (let i = 0; i < n; i++) teacherLogits[i * K] = 8; // class 0, whatever the label
      const { qat } = await qatFineTune(model, data, {
        epochs: 2, lr: 5e-3, quiet: true, config: { batchSize: 32 },
        distill: distill ? { teacherLogits, numClasses: K, alpha: 1, temperature: 1 } : undefined,
      });
      const xs = valX(data);
      const z = noGrad(() => qat.forward(new Tensor(xs, [data.val.length, L, 1]))).values();
      let c = 0;
      for (let i = 0; i < data.val.length; i++) if (z[i * K] >= Math.max(z[i * K + 1], z[i * K + 2])) c++;
      return { c, n: data.val.length };
    };
    const plain = await count0(false);
    const distilled = await count0(true);
    // the labels are balanced (a third each): plain QAT keeps about a third on class 0
    expect(plain.c).toBeLessThan(plain.n / 2);
    expect(distilled.c).toBeGreaterThan(0.9 * distilled.n);
  });
});
