import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/index.ts';
import { argmaxRows, predictLogits, type TrainData } from '../../src/nn/index.ts';
import { calibrate } from '../../src/quant/calibrate.ts';
import { convertToIntModel } from '../../src/quant/convert.ts';
import { ptq } from '../../src/quant/ptq.ts';
import { dequantizeOutput, quantizeInput, simulateBatch } from '../../src/quant/simulator.ts';
import { intModelProblems } from '../../src/quant/validate.ts';
import { K, L, synth, trainedModel } from './sinusoids.ts';


function rows(data: TrainData, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * L);
  idx.forEach((s, i) => out.set(data.x.subarray(s * L, (s + 1) * L), i * L));
  return out;
}

describe('calibrate', () => {
  it('min-max covers every point; pooling shares its input range; percentile is inside min-max', async () => {
    const { model, data } = await trainedModel(4);
    const x = rows(data, data.train);
    const shape: [number, number, number] = [data.train.length, L, 1];
    const mm = calibrate(model, x, shape);
    expect([...mm.keys()]).toEqual(['input', 'stem.act', 'blocks.0.dwAct', 'blocks.0.pwAct', 'blocks.1.dwAct', 'blocks.1.pwAct', 'pool', 'classifier']);
    expect(mm.get('pool')).toEqual(mm.get('blocks.1.pwAct'));
    let xmin = Infinity;
    let xmax = -Infinity;
    for (const v of x) { xmin = Math.min(xmin, v); xmax = Math.max(xmax, v); }
    expect(mm.get('input')).toEqual([xmin, xmax]);
    expect(mm.get('stem.act')![0]).toBe(0); // after ReLU
    const pc = calibrate(model, x, shape, { method: 'percentile', percentile: 99 });
    const ema = calibrate(model, x, shape, { method: 'ema', batchSize: 64 });
    for (const [p, [lo, hi]] of mm) {
      expect(pc.get(p)![0]).toBeGreaterThanOrEqual(lo);
      expect(pc.get(p)![1]).toBeLessThanOrEqual(hi + 1e-6);
      expect(ema.get(p)![1]).toBeLessThanOrEqual(hi + 1e-6);
    }
    expect(pc.get('input')![1]).toBeLessThan(xmax);
  });
});

describe('convertToIntModel / ptq', () => {
  it('the simulator\'s dequantized logits stay close to the float logits and argmax agrees', async () => {
    const { model, data } = await trainedModel(4);
    const { intModel, ranges } = ptq(model, { x: rows(data, data.train), shape: [data.train.length, L, 1] }, { name: 'synth' });
    expect(intModelProblems(intModel)).toEqual([]);
    expect(intModel.ops.map((o) => o.kind)).toEqual(['conv1d', 'dwconv1d', 'pwconv1d', 'dwconv1d', 'pwconv1d', 'global_avgpool', 'fully_connected']);
    expect(intModel.ops[0].actMin).toBe(intModel.tensors[intModel.ops[0].output].zeroPoint); // fused ReLU
    // held-out examples plus random inputs in the calibrated input range
    const rng = new Rng(9);
    const [lo, hi] = ranges.get('input')!;
    const nr = 200;
    const xr = new Float32Array(nr * L).map(() => rng.uniform(lo, hi) * 0.5);
    const xv = rows(data, data.val);
    const all = new Float32Array(xv.length + xr.length);
    all.set(xv);
    all.set(xr, xv.length);
    const n = all.length / L;
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const fl = predictLogits(model, all, [n, L, 1], idx).logits;
    const dq = dequantizeOutput(intModel, simulateBatch(intModel, quantizeInput(intModel, all), n));
    const pf = argmaxRows(fl, K);
    const pq = argmaxRows(dq, K);
    let agree = 0;
    let maxErr = 0;
    let span = 0;
    for (let i = 0; i < n; i++) if (pf[i] === pq[i]) agree++;
    for (let i = 0; i < fl.length; i++) { maxErr = Math.max(maxErr, Math.abs(fl[i] - dq[i])); span = Math.max(span, Math.abs(fl[i])); }
    const outScale = intModel.tensors[intModel.outputId].scale;
    // measured: agreement 1.0 on the held-out examples and >= 0.97 overall, error a few output LSBs
    expect(agree / n).toBeGreaterThanOrEqual(0.95);
    expect(maxErr).toBeLessThan(Math.max(8 * outScale, 0.1 * span));
  });

  // which ops are generated is src/hyper's mark, made on the converted model (test/hyper/generated.test.ts)
  it('a layer with a weight provider converts from the provider\'s weights into a runnable stored op', async () => {
    const { model, data } = await trainedModel(4);
    const calib = { x: rows(data, data.train), shape: [data.train.length, L, 1] as [number, number, number] };
    const before = ptq(model, calib).intModel;
    const [name, pw] = model.pointwiseLayers()[1];
    const stored = pw.weight;
    pw.setWeightProvider(() => stored); // a "generator" that returns the same weights
    const ranges = calibrate(model, calib.x, calib.shape);
    const im = convertToIntModel(model, ranges);
    const k = im.ops.findIndex((o) => o.name === name);
    const op = im.ops[k];
    expect(op.kind === 'pwconv1d' && op.source === 'stored' && !('generatedIndex' in op)).toBe(true);
    expect(op.kind === 'pwconv1d' && [...op.weights]).toEqual(before.ops[k].kind === 'pwconv1d' && [...before.ops[k].weights]);
    const xs = calib.x.subarray(0, 50 * L);
    expect([...simulateBatch(im, quantizeInput(im, xs), 50)]).toEqual([...simulateBatch(before, quantizeInput(before, xs), 50)]);
    // weightOverrides replace the float weights before folding
    const zeros = new Float32Array(pw.outChannels * pw.inChannels);
    const im0 = convertToIntModel(model, ranges, { weightOverrides: new Map([[name, zeros]]) });
    const op0 = im0.ops[k];
    expect(op0.kind === 'pwconv1d' && op0.weights.every((w) => w === 0)).toBe(true);
    pw.setWeightProvider(null);
  });

  it('names the missing quantization point', async () => {
    const { model } = await trainedModel(4);
    expect(() => convertToIntModel(model, new Map([['input', [-1, 1]]]))).toThrow(/stem\.act/);
  });
});
