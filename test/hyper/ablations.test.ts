import { describe, expect, it } from 'vitest';
import { factorizePw, lowRank, quantizePwTo4Bit } from '../../src/hyper/ablations.ts';
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

  it('rank-r factors run as two skinny pointwise layers; full rank stays close to the original', () => {
    for (let seed = 0; seed < 4; seed++) {
      const m = randomIntModel(seed, { blocks: 2, residual: false });
      const input = randomInput(m, seed);
      const f = factorizePw(m, 64, { selection: 'all', calibrationInput: input });
      validateIntModel(f);
      expect(f.ops.filter((o) => o.kind === 'pwconv1d').length).toBe(2 * m.ops.filter((o) => o.kind === 'pwconv1d').length);
      const a = simulate(m, input).output;
      const b = simulate(f, input).output;
      expect(b.length).toBe(a.length);
      const low = factorizePw(m, 1);
      validateIntModel(low);
      simulate(low, input);
    }
  });

  it('4-bit stored PW keeps weights in [-7, 7] and a consistent requantization', () => {
    const m = separableModel(5, { length: 16, widths: [16, 32] });
    const { model, weightBits } = quantizePwTo4Bit(m, 'all');
    validateIntModel(model);
    for (const op of model.ops) if (op.kind === 'pwconv1d') {
      expect(weightBits[op.name]).toBe(4);
      for (const w of op.weights) expect(Math.abs(w)).toBeLessThanOrEqual(7);
    }
    simulate(model, randomInput(model, 1));
  });
});
