import { describe, expect, it } from 'vitest';
import { dequantizePw, factorizePw, lowRank, quantizePwTo4Bit } from '../../src/hyper/ablations.ts';
import type { PwConv1dOp } from '../../src/quant/int_model.ts';
import { randomIntModel, randomInput } from '../../src/quant/testing/random_model.ts';
import { simulate } from '../../src/quant/simulator.ts';
import { validateIntModel } from '../../src/quant/validate.ts';
import { separableModel } from '../../src/hyper/testing.ts';

describe('ablation formats', () => {
  it('lowRank recovers an exactly rank-2 matrix', () => {
    const m = 7, n = 5;
    const W = new Float64Array(m * n);
    for (let o = 0; o < m; o++) for (let i = 0; i < n; i++) W[o * n + i] = (o + 1) * Math.sin(i + 1) - 0.5 * Math.cos(o) * (i - 2);
    const { A, B } = lowRank(W, m, n, 2);
    for (let o = 0; o < m; o++) for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < 2; j++) s += B[o * 2 + j] * A[j * n + i];
      expect(s).toBeCloseTo(W[o * n + i], 8);
    }
  });

  it('rank-r factors run as two skinny pointwise layers; full rank stays close to the original, rank 1 does not', () => {
    let fullErr = 0, rank1Err = 0, count = 0;
    for (let seed = 0; seed < 8; seed++) {
      const m = randomIntModel(seed, { blocks: 2, residual: false });
      const input = randomInput(m, seed);
      const pwCount = m.ops.filter((o) => o.kind === 'pwconv1d').length;
      const full = factorizePw(m, 64, { selection: 'all', calibrationInput: input });
      const low = factorizePw(m, 1, { selection: 'all', calibrationInput: input });
      for (const f of [full, low]) {
        validateIntModel(f);
        expect(f.ops.filter((o) => o.kind === 'pwconv1d').length).toBe(2 * pwCount);
      }
      // the factors' product B A reproduces W at full rank up to the two INT8 roundings
      for (const op of m.ops) if (op.kind === 'pwconv1d') {
        const a = full.ops.find((o) => o.name === `${op.name}.a`) as PwConv1dOp;
        const b = full.ops.find((o) => o.name === `${op.name}.b`) as PwConv1dOp;
        expect(a.outChannels).toBe(Math.min(op.inChannels, op.outChannels));
        expect((low.ops.find((o) => o.name === `${op.name}.a`) as PwConv1dOp).outChannels).toBe(1);
        const W = dequantizePw(op), A = dequantizePw(a), B = dequantizePw(b);
        const r = a.outChannels, n = op.inChannels;
        let wMax = 0;
        for (const w of W) wMax = Math.max(wMax, Math.abs(w));
        for (let o = 0; o < op.outChannels; o++) for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < r; j++) s += B[o * r + j] * A[j * n + i];
          expect(Math.abs(s - W[o * n + i])).toBeLessThanOrEqual(0.03 * wMax);
        }
      }
      const ref = simulate(m, input).output;
      const outFull = simulate(full, input).output;
      const outLow = simulate(low, input).output;
      expect(outFull.length).toBe(ref.length);
      expect(outLow.length).toBe(ref.length);
      for (let i = 0; i < ref.length; i++) {
        const e = Math.abs(outFull[i] - ref[i]);
        expect(e).toBeLessThanOrEqual(2);
        fullErr += e;
        rank1Err += Math.abs(outLow[i] - ref[i]);
      }
      count += ref.length;
    }
    // measured over these 8 models: mean |error| 0.23 LSB at full rank, 20 LSB at rank 1
    expect(fullErr / count).toBeLessThan(0.5);
    expect(rank1Err / count).toBeGreaterThan(5 * (fullErr / count));
  });

  it('4-bit stored PW keeps weights in [-7, 7] and a consistent requantization', () => {
    const m = separableModel(5, { length: 16, widths: [16, 32] });
    const { model, weightBits } = quantizePwTo4Bit(m, 'all');
    validateIntModel(model);
    const x = randomInput(model, 1);
    const ref = simulate(m, x, { dump: true }).activations!;
    const got = simulate(model, x, { dump: true }).activations!;
    let checked = 0;
    model.ops.forEach((op, k) => {
      if (op.kind !== 'pwconv1d') return;
      const orig = m.ops[k] as PwConv1dOp;
      expect(weightBits[op.name]).toBe(4);
      for (const w of op.weights) expect(Math.abs(w)).toBeLessThanOrEqual(7);
      // consistent: the 4-bit real weights are the 8-bit ones rounded to the new per-channel step
      const w8 = dequantizePw(orig), w4 = dequantizePw(op);
      for (let o = 0; o < op.outChannels; o++) for (let i = 0; i < op.inChannels; i++) {
        expect(Math.abs(w4[o * op.inChannels + i] - w8[o * op.inChannels + i])).toBeLessThanOrEqual(op.weightScales[o] * 0.5 * (1 + 1e-6));
      }
      // and the requantization follows the new scales: the layer's output stays within 2 LSB, 0.2 LSB on average
      const a = ref[op.output], b = got[op.output], zp = model.tensors[op.output].zeroPoint;
      let err = 0, signal = 0;
      for (let i = 0; i < a.length; i++) {
        expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(2);
        err += Math.abs(a[i] - b[i]);
        signal += Math.abs(a[i] - zp);
      }
      expect(err / a.length).toBeLessThanOrEqual(0.2);
      expect(err).toBeLessThan(0.1 * signal);
      checked++;
    });
    expect(checked).toBe(2);
  });
});
