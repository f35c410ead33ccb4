import { describe, expect, it } from 'vitest';
import { Rng, Tensor, noGrad } from '../../src/core/index.ts';
import { SeparableCnn, separableCnnConfig } from '../../src/nn/index.ts';
import { foldBatchNorm, foldedForward, fusedGraph } from '../../src/quant/bn_fold.ts';

/** A small separable CNN with non-trivial BN statistics (as after training). */
function model(seed = 1): SeparableCnn {
  const m = new SeparableCnn(separableCnnConfig('small', {
    inputLength: 32, inputChannels: 2, numClasses: 3, stem: { channels: 8, kernel: 5, stride: 2 },
    blocks: [{ channels: 12, stride: 2 }, { channels: 16 }], seed,
  }));
  const rng = new Rng(seed + 100);
  for (const [n, p] of [...m.namedParameters(), ...m.namedBuffers()]) {
    const v = p.data;
    if (n.endsWith('gamma')) v.forEach((_, i) => (v[i] = rng.uniform(0.5, 1.5)));
    else if (n.endsWith('beta') || n.endsWith('runningMean')) v.forEach((_, i) => (v[i] = 0.3 * rng.normal()));
    else if (n.endsWith('runningVar')) v.forEach((_, i) => (v[i] = rng.uniform(0.3, 3)));
  }
  return m.eval();
}

describe('fusedGraph', () => {
  it('fuses conv + BN + ReLU and names quantization points as TFLite would', () => {
    const g = fusedGraph(model().layers());
    expect(g.points).toEqual(['input', 'stem.act', 'blocks.0.dwAct', 'blocks.0.pwAct', 'blocks.1.dwAct', 'blocks.1.pwAct', 'pool', 'classifier']);
    expect(g.steps.map((s) => s.name)).toEqual(['stem.conv', 'blocks.0.dw', 'blocks.0.pw', 'blocks.1.dw', 'blocks.1.pw', 'pool', 'classifier']);
    expect(g.rangeSource.get('pool')).toBe('blocks.1.pwAct'); // pooling keeps its input's range
    const w = g.steps.filter((s) => s.kind === 'weighted');
    expect(w.map((s) => (s.kind === 'weighted' ? `${s.bn?.name ?? '-'}|${s.act}` : ''))).toEqual([
      'stem.bn|relu', 'blocks.0.dwBn|relu', 'blocks.0.pwBn|relu', 'blocks.1.dwBn|relu', 'blocks.1.pwBn|relu', '-|none',
    ]);
    expect(g.output).toBe('classifier');
  });

  it('rejects layers int8 cannot express (squeeze-excite)', () => {
    const m = new SeparableCnn(separableCnnConfig('small', { inputLength: 16, inputChannels: 1, numClasses: 2, stem: { channels: 4, kernel: 3, stride: 1 }, blocks: [{ channels: 8 }], squeezeExcite: true }));
    expect(() => fusedGraph(m.layers())).toThrow(/squeeze-excite|int8 op/);
  });
});

describe('foldBatchNorm', () => {
  it('folded float forward equals the unfolded eval forward (1e-5 relative)', () => {
    const m = model();
    const rng = new Rng(7);
    const x = new Tensor(new Float32Array(16 * 32 * 2).map(() => rng.normal()), [16, 32, 2]);
    const ref = noGrad(() => m.forward(x)).values();
    const folded = foldBatchNorm(m);
    const got = foldedForward(fusedGraph(m.layers()), folded, x).values();
    let scale = 0;
    for (const v of ref) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i] - ref[i])).toBeLessThanOrEqual(1e-5 * scale);
  });

  it('applies w * gamma / sqrt(var + eps) per output channel (depthwise [K, C] per C)', () => {
    const m = model();
    const sd = m.stateDict();
    const f = foldBatchNorm(m);
    const dw = f.find((l) => l.name === 'blocks.0.dw')!;
    const [K, C] = dw.weightShape;
    expect(dw.channelAxis).toBe(1);
    const w = sd.get('blocks.0.dw.weight')!;
    for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) {
      const s = sd.get('blocks.0.dwBn.gamma')![c] / Math.sqrt(sd.get('blocks.0.dwBn.runningVar')![c] + 1e-5);
      expect(dw.weight[k * C + c]).toBeCloseTo(w[k * C + c] * s, 5);
    }
    const pw = f.find((l) => l.name === 'blocks.1.pw')!;
    for (let c = 0; c < pw.outChannels; c++) {
      const g = sd.get('blocks.1.pwBn.gamma')![c];
      const s = g / Math.sqrt(sd.get('blocks.1.pwBn.runningVar')![c] + 1e-5);
      expect(pw.bias[c]).toBeCloseTo(sd.get('blocks.1.pwBn.beta')![c] - sd.get('blocks.1.pwBn.runningMean')![c] * s, 5);
    }
    const fc = f.find((l) => l.name === 'classifier')!;
    expect(fc.bn).toBeNull();
    expect([...fc.weight]).toEqual([...sd.get('classifier.weight')!]);
  });

  it('uses a generated layer\'s provider weight, or an override', () => {
    const m = model();
    const [name, pw] = m.pointwiseLayers()[1];
    const gen = new Tensor(new Float32Array(pw.outChannels * pw.inChannels).fill(0.25), [pw.outChannels, pw.inChannels]);
    pw.setWeightProvider(() => gen);
    const a = foldBatchNorm(m).find((l) => l.name === name)!;
    expect(a.generated).toBe(true);
    const s0 = a.weight[0] / 0.25;
    expect(a.weight[1] / 0.25).toBeCloseTo(s0, 5); // same output channel, same scale
    const over = new Float32Array(pw.outChannels * pw.inChannels).fill(0.5);
    const b = foldBatchNorm(m, { weightOverrides: new Map([[name, over]]) }).find((l) => l.name === name)!;
    expect(b.weight[0]).toBeCloseTo(2 * a.weight[0], 6);
  });
});
