import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, backward, crossEntropy, mul, noGrad, parameter, randn, sum, tensor } from '../../src/core/index.ts';
import {
  BatchNorm1d, Conv1d, DepthwiseConv1d, Linear, PointwiseConv1d, ReLU, Residual, SeparableCnn, Sequential, SqueezeExcite,
  ECG_LARGE, ECG_SMALL, KWS_SMALL, separableCnnConfig, buildModel,
} from '../../src/nn/index.ts';
import { ArgumentError } from '../../src/util/errors.ts';

describe('Module', () => {
  it('names parameters and buffers by path, in registration order', () => {
    const rng = new Rng(1);
    const m = new Sequential([['conv', new Conv1d(2, 4, 3, rng)], ['bn', new BatchNorm1d(4)], ['act', new ReLU()]]);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['conv.weight', 'bn.gamma', 'bn.beta']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['bn.runningMean', 'bn.runningVar']);
    expect([...m.stateDict().keys()]).toEqual(['conv.weight', 'bn.gamma', 'bn.beta', 'bn.runningMean', 'bn.runningVar']);
  });

  it('stateDict / loadStateDict round-trip and reject mismatches by name and shape', () => {
    const a = new SeparableCnn(ECG_SMALL);
    const b = new SeparableCnn({ ...ECG_SMALL, seed: 99 });
    expect(b.stateDict().get('blocks.0.pw.weight')).not.toEqual(a.stateDict().get('blocks.0.pw.weight'));
    b.loadStateDict(a.stateDict(), { shapes: a.stateShapes() });
    for (const [n, v] of a.stateDict()) expect(b.stateDict().get(n)).toEqual(v);
    const sd = a.stateDict();
    sd.delete('classifier.bias');
    expect(() => b.loadStateDict(sd)).toThrow(/missing \[classifier.bias\]/);
    const wrong = a.stateDict();
    wrong.set('classifier.bias', new Float32Array(3));
    expect(() => b.loadStateDict(wrong)).toThrow(/"classifier.bias": model shape \[5\]/);
    const shapes = a.stateShapes();
    shapes.set('blocks.0.pw.weight', [16, 32]);
    expect(() => b.loadStateDict(a.stateDict(), { shapes })).toThrow(ArgumentError);
  });

  it('train / eval propagate; freezing removes parameters from the trainable set and their gradients', () => {
    const m = new SeparableCnn(ECG_SMALL);
    m.eval();
    expect(m.namedModules().every(([, c]) => !c.training)).toBe(true);
    m.train();
    const frozen = m.freeze('stem');
    expect(frozen).toEqual(['stem.conv.weight', 'stem.bn.gamma', 'stem.bn.beta']);
    expect(m.namedTrainable().some(([n]) => n.startsWith('stem.'))).toBe(false);
    const x = randn([4, 128, 1], new Rng(2));
    backward(crossEntropy(m.forward(x), [0, 1, 2, 3]));
    expect(m.stem.namedParameters().every(([, p]) => p.grad === null)).toBe(true);
    expect(m.classifier.weight.grad).not.toBeNull();
    m.unfreeze();
    expect(m.parameterCount(true)).toBe(m.parameterCount());
    expect(() => m.freeze('nope')).toThrow(/no parameter named "nope"/);
  });

  it('BatchNorm1d uses batch statistics in training and running statistics in eval', () => {
    const bn = new BatchNorm1d(3);
    const x = randn([4, 5, 3], new Rng(3), 2);
    bn.forward(x);
    expect(bn.runningMean.values().some((v) => v !== 0)).toBe(true);
    bn.eval();
    const before = bn.runningMean.toFloat32Array();
    bn.forward(x);
    expect(bn.runningMean.values()).toEqual(before);
  });
});

describe('layers', () => {
  it('convolutions and linear produce the documented shapes and TFLite weight layouts', () => {
    const rng = new Rng(4);
    const x = randn([2, 20, 3], rng);
    expect(new Conv1d(3, 5, 7, rng, { stride: 2 }).forward(x).shape).toEqual([2, 10, 5]);
    expect(new Conv1d(3, 6, 3, rng, { groups: 3 }).weight.shape).toEqual([6, 3, 1]);
    const dw = new DepthwiseConv1d(3, 5, rng, { stride: 2 });
    expect(dw.weight.shape).toEqual([5, 3]);
    expect(dw.forward(x).shape).toEqual([2, 10, 3]);
    const pw = new PointwiseConv1d(3, 8, rng);
    expect(pw.weight.shape).toEqual([8, 3]);
    expect(pw.forward(x).shape).toEqual([2, 20, 8]);
    expect(new Linear(3, 4, rng).forward(randn([5, 3], rng)).shape).toEqual([5, 4]);
    const se = new SqueezeExcite(3, rng);
    expect(se.forward(x).shape).toEqual([2, 20, 3]);
    const res = new Residual(new Sequential([new PointwiseConv1d(3, 3, rng), new ReLU()]));
    expect(res.forward(x).shape).toEqual([2, 20, 3]);
  });

  it('PW weight provider: forward uses the provided tensor and gradients flow into its source', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1e6 }), (cin, cout, seed) => {
      const rng = new Rng(seed);
      const pw = new PointwiseConv1d(cin, cout, rng);
      const code = parameter(randn([cout, cin], rng));
      const scale = tensor([2]);
      pw.setWeightProvider(() => mul(code, scale)); // a stand-in "generator": W = 2 * code
      expect(pw.weight.requiresGrad).toBe(false);
      expect(pw.parameters()).toEqual([]);
      const x = randn([2, 3, cin], rng);
      const y = pw.forward(x);
      // y[n, l, o] = sum_i x[n, l, i] * 2 * code[o, i]
      const xv = x.values(), cv = code.values();
      for (let p = 0; p < 6; p++) for (let o = 0; o < cout; o++) {
        let acc = 0;
        for (let i = 0; i < cin; i++) acc += xv[p * cin + i] * 2 * cv[o * cin + i];
        expect(y.values()[p * cout + o]).toBeCloseTo(acc, 4);
      }
      backward(sum(y));
      // d sum(y) / d code[o, i] = 2 * sum_p x[p, i]
      for (let o = 0; o < cout; o++) for (let i = 0; i < cin; i++) {
        let acc = 0;
        for (let p = 0; p < 6; p++) acc += 2 * xv[p * cin + i];
        expect(code.grad![o * cin + i]).toBeCloseTo(acc, 3);
      }
      pw.setWeightProvider(null);
      expect(pw.weight.requiresGrad).toBe(true);
    }), { numRuns: 20 });
  });

  it('PW weight provider output is shape-checked', () => {
    const rng = new Rng(5);
    const pw = new PointwiseConv1d(3, 4, rng);
    pw.setWeightProvider(() => randn([3, 4], rng));
    expect(() => pw.forward(randn([1, 2, 3], rng))).toThrow(/weight provider returned \[3, 4\], layer needs \[4, 3\]/);
  });
});

describe('separable CNN family', () => {
  it('has the documented sizes: small 10-40k, large ~350k (~1.4 MB float32), KWS on [49, 10]', () => {
    const small = new SeparableCnn(ECG_SMALL);
    const large = new SeparableCnn(ECG_LARGE);
    expect(small.parameterCount()).toBeGreaterThan(10_000);
    expect(small.parameterCount()).toBeLessThan(40_000);
    expect(large.parameterCount()).toBeGreaterThan(320_000);
    expect(large.parameterCount()).toBeLessThan(380_000);
    const kws = new SeparableCnn(KWS_SMALL);
    expect(noGrad(() => kws.eval().forward(randn([2, 49, 10], new Rng(1)))).shape).toEqual([2, 12]);
    expect(noGrad(() => small.eval().forward(randn([3, 128, 1], new Rng(1)))).shape).toEqual([3, 5]);
  });

  it('builds deterministically from a spec (same seed, same weights)', () => {
    const spec = { family: 'separable_cnn' as const, config: separableCnnConfig('small', { numClasses: 2 }) };
    expect([...buildModel(spec).stateDict().values()]).toEqual([...buildModel(spec).stateDict().values()]);
  });

  it('exposes layer descriptors: a connected chain whose shapes and parameter names match the model', () => {
    const m = new SeparableCnn({ ...ECG_SMALL, squeezeExcite: true });
    const ds = m.layers();
    const sd = m.stateDict();
    const shapes = m.stateShapes();
    const seen = new Map<string, number[]>([['input', [128, 1]]]);
    for (const d of ds) {
      expect(d.inputs.every((i) => seen.has(i))).toBe(true);
      expect(seen.get(d.inputs[0])).toEqual(d.inShape);
      for (const [role, name] of Object.entries(d.params)) {
        expect(sd.has(name)).toBe(true);
        expect(shapes.get(name)).toEqual(d.paramShapes[role]);
      }
      seen.set(d.name, d.outShape);
    }
    expect(ds[0]).toMatchObject({ kind: 'conv1d', name: 'stem.conv', inShape: [128, 1], outShape: [64, 16], stride: 2, padding: [2, 3], params: { weight: 'stem.conv.weight' } });
    const blk = ds.filter((d) => d.name.startsWith('blocks.0.')).map((d) => d.kind);
    expect(blk).toEqual(['dwconv1d', 'batchnorm', 'relu', 'pwconv1d', 'batchnorm', 'relu', 'global_avgpool', 'fully_connected', 'relu', 'fully_connected', 'sigmoid', 'mul']);
    expect(ds.at(-1)).toMatchObject({ kind: 'fully_connected', name: 'classifier', outShape: [5] });
    expect(m.pointwiseLayers().map(([n]) => n)).toEqual(['blocks.0.pw', 'blocks.1.pw', 'blocks.2.pw', 'blocks.3.pw', 'blocks.4.pw']);
    // the real forward agrees with the traced output shape of each block
    const h = noGrad(() => m.eval().blocks.forward(m.stem.forward(randn([1, 128, 1], new Rng(2)))));
    expect(h.shape.slice(1)).toEqual(ds.find((d) => d.name === 'blocks.4.se.scale')!.outShape);
    m.pointwiseLayers()[1][1].setWeightProvider(() => m.pointwiseLayers()[1][1].weight);
    expect(m.layers().find((d) => d.name === 'blocks.1.pw')!.generated).toBe(true);
  });

  it('rejects bad configurations with a clear message', () => {
    expect(() => new SeparableCnn({ ...ECG_SMALL, numClasses: 1 })).toThrow(/numClasses/);
    expect(() => separableCnnConfig('huge')).toThrow(/unknown preset "huge"/);
  });
});
