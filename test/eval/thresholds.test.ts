import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/core/rng.ts';
import { macroF1, multiLabelMacroF1 } from '../../src/eval/metrics.ts';
import { applyThresholds, scoreMatrix, tuneThresholds } from '../../src/eval/thresholds.ts';
import { ArgumentError } from '../../src/util/errors.ts';

/** Oracle: macro-F1 at every threshold "p >= s" for each observed score s, and "all negative". */
function bruteBinaryBest(p: number[], y: number[]): number {
  let best = macroF1(y, p.map(() => 0), 2);
  for (const s of p) best = Math.max(best, macroF1(y, p.map((v) => (v >= s ? 1 : 0)), 2));
  return best;
}

describe('binary threshold (macro-F1 of both classes)', () => {
  it('reaches the brute-force optimum, and applying it to val reproduces the tuned score', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 1 })), { minLength: 1, maxLength: 40 }), (rows) => {
      const p = rows.map((r) => r[0] / 20), y = rows.map((r) => r[1]);
      const th = tuneThresholds(scoreMatrix(p, 1), y, 'binary');
      if (th.kind !== 'binary') throw new Error('kind');
      expect(th.valMacroF1).toBeCloseTo(bruteBinaryBest(p, y), 12);
      expect(macroF1(y, applyThresholds(scoreMatrix(p, 1), th), 2)).toBeCloseTo(th.valMacroF1, 12);
    }));
  });
  it('uses column 1 of two-column probabilities, and prefers the threshold nearest 0.5 among ties', () => {
    const probs = [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.2, 0.8]];
    const th = tuneThresholds(scoreMatrix(probs), [0, 0, 1, 1], 'binary');
    expect(th).toMatchObject({ kind: 'binary', valMacroF1: 1 });
    if (th.kind === 'binary') expect(th.threshold).toBeCloseTo(0.45, 12);
    expect(Array.from(applyThresholds(scoreMatrix([[0.5, 0.5], [0.6, 0.4]]), th))).toEqual([1, 0]);
  });
  it('rejects non-binary labels and non-finite scores', () => {
    expect(() => tuneThresholds(scoreMatrix([0.1, 0.2], 1), [0, 2], 'binary')).toThrow(ArgumentError);
    expect(() => tuneThresholds(scoreMatrix([0.1, NaN], 1), [0, 1], 'binary')).toThrow(/not finite/);
  });
});

function syntheticLogits(seed: number, n: number, k: number, bias: number[]) {
  const rng = new Rng(seed);
  const y = new Int32Array(n), s = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    // imbalanced classes: class c with probability proportional to 1 / (c + 1)
    const w = Array.from({ length: k }, (_, c) => 1 / (c + 1));
    let u = rng.next() * w.reduce((a, b) => a + b, 0), c = 0;
    while (u > w[c]) u -= w[c++];
    y[i] = c;
    for (let j = 0; j < k; j++) s[i * k + j] = rng.normal() + (j === c ? 1.5 : 0) + bias[j];
  }
  return { y, s: scoreMatrix(s, k) };
}

describe('multiclass offsets (coordinate ascent on a grid)', () => {
  it('never lowers val macro-F1 below zero offsets, is deterministic, and apply reproduces the val score', () => {
    const { y, s } = syntheticLogits(3, 600, 4, [1.0, 0, -0.5, -1.0]);
    const base = macroF1(y, applyThresholds(s, { kind: 'multiclass', offsets: [0, 0, 0, 0], objective: 'macro-F1', valMacroF1: 0, grid: [], passes: 0 }), 4);
    const a = tuneThresholds(s, y, 'multiclass');
    const b = tuneThresholds(s, y, 'multiclass');
    expect(a).toEqual(b);
    if (a.kind !== 'multiclass') throw new Error('kind');
    expect(a.valMacroF1).toBeGreaterThan(base + 0.02); // the built-in bias is worth correcting
    expect(macroF1(y, applyThresholds(s, a), 4)).toBeCloseTo(a.valMacroF1, 12);
    // the offsets push against the injected bias: class 0 down relative to class 3
    expect(a.offsets[0] - a.offsets[3]).toBeLessThan(0);
  });
  it('frozen offsets transfer to a test set drawn the same way better than no offsets', () => {
    const val = syntheticLogits(11, 800, 4, [1.0, 0, -0.5, -1.0]);
    const test = syntheticLogits(12, 800, 4, [1.0, 0, -0.5, -1.0]);
    const th = tuneThresholds(val.s, val.y, 'multiclass');
    const zero = { ...th, offsets: [0, 0, 0, 0] };
    expect(macroF1(test.y, applyThresholds(test.s, th), 4)).toBeGreaterThan(macroF1(test.y, applyThresholds(test.s, zero), 4));
  });
  it('ties in argmax go to the lowest class index', () => {
    expect(Array.from(applyThresholds(scoreMatrix([[1, 1, 0]]), { kind: 'multiclass', offsets: [0, 0, 0], objective: 'macro-F1', valMacroF1: 0, grid: [], passes: 0 }))).toEqual([0]);
  });
});

describe('multilabel thresholds (one per class)', () => {
  it('each class threshold reaches the per-column brute-force optimum; macro-F1 is their mean', () => {
    const rng = new Rng(5);
    const n = 120, k = 3;
    const y = new Uint8Array(n * k), s = new Float64Array(n * k);
    for (let i = 0; i < n * k; i++) {
      y[i] = rng.next() < 0.3 ? 1 : 0;
      s[i] = Math.round((0.3 * y[i] + rng.next() * 0.7) * 50) / 50;
    }
    const th = tuneThresholds(scoreMatrix(s, k), y, 'multilabel');
    if (th.kind !== 'multilabel') throw new Error('kind');
    const pred = applyThresholds(scoreMatrix(s, k), th);
    expect(multiLabelMacroF1(y, pred, k)).toBeCloseTo(th.valMacroF1, 12);
    for (let c = 0; c < k; c++) {
      const pc = Array.from(s).filter((_, i) => i % k === c), yc = Array.from(y).filter((_, i) => i % k === c);
      let best = 0;
      for (const t of pc) {
        const pr = pc.map((v) => (v >= t ? 1 : 0));
        best = Math.max(best, multiLabelMacroF1(yc, pr, 1));
      }
      const got = multiLabelMacroF1(yc, pc.map((v) => (v >= th.thresholds[c] ? 1 : 0)), 1);
      expect(got).toBeCloseTo(best, 12);
    }
  });
  it('rejects a label matrix of the wrong size', () => {
    expect(() => tuneThresholds(scoreMatrix([0.1, 0.2, 0.3, 0.4], 2), [1, 0], 'multilabel')).toThrow(ArgumentError);
  });
});
