import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  accuracy, balancedAccuracy, classStatsFromConfusion, confusionMatrix, macroAuc, macroF1, multiLabelClassStats,
  multiLabelMacroF1, oneHot, perClassAuc, rocAuc, take,
} from '../../src/eval/metrics.ts';
import { ArgumentError } from '../../src/util/errors.ts';

/** Oracle: AUC by comparing every positive with every negative, ties 1/2. */
function bruteAuc(s: number[], y: number[]): number {
  let num = 0, pairs = 0;
  for (let i = 0; i < s.length; i++) for (let j = 0; j < s.length; j++) {
    if (y[i] === 1 && y[j] === 0) {
      pairs++;
      num += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return pairs ? num / pairs : NaN;
}

/** Oracle: per-class F1 by counting directly from the label vectors. */
function bruteMacroF1(t: number[], p: number[], k: number): number {
  const f: number[] = [];
  for (let c = 0; c < k; c++) {
    let tp = 0, fp = 0, fn = 0;
    for (let i = 0; i < t.length; i++) {
      if (t[i] === c && p[i] === c) tp++;
      else if (p[i] === c) fp++;
      else if (t[i] === c) fn++;
    }
    if (tp + fp + fn > 0) f.push((2 * tp) / (2 * tp + fp + fn));
  }
  return f.reduce((a, b) => a + b, 0) / f.length;
}

const labelPairs = (k: number) =>
  fc.integer({ min: 1, max: 60 }).chain((n) =>
    fc.tuple(fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n }), fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n })),
  );

describe('confusion matrix and per-class stats (hand-computed)', () => {
  const yTrue = [0, 0, 1, 1, 2, 2, 2];
  const yPred = [0, 1, 1, 1, 2, 0, 2];
  it('counts cm[true][pred]', () => {
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([[1, 1, 0], [0, 2, 0], [1, 0, 2]]);
  });
  it('precision, recall, F1, macro-F1, accuracy, balanced accuracy', () => {
    const s = classStatsFromConfusion(confusionMatrix(yTrue, yPred, 3));
    expect(s.map((c) => [c.tp, c.fp, c.fn, c.support])).toEqual([[1, 1, 1, 2], [2, 1, 0, 2], [2, 0, 1, 3]]);
    expect(s[0].precision).toBe(0.5);
    expect(s[1].precision).toBeCloseTo(2 / 3, 12);
    expect(s[2].recall).toBeCloseTo(2 / 3, 12);
    expect(s.map((c) => c.f1)).toEqual([0.5, 0.8, 0.8]);
    expect(macroF1(yTrue, yPred, 3)).toBeCloseTo(0.7, 12);
    expect(accuracy(yTrue, yPred)).toBeCloseTo(5 / 7, 12);
    expect(balancedAccuracy(yTrue, yPred, 3)).toBeCloseTo((0.5 + 1 + 2 / 3) / 3, 12);
  });
  it('empty class (no true, no predicted): excluded by default, or counted as 0 / 1', () => {
    expect(macroF1([0, 1], [0, 1], 3)).toBe(1);
    expect(macroF1([0, 1], [0, 1], 3, 0)).toBeCloseTo(2 / 3, 12);
    expect(macroF1([0, 1], [0, 1], 3, 1)).toBe(1);
    expect(Number.isNaN(classStatsFromConfusion(confusionMatrix([0, 1], [0, 1], 3))[2].f1)).toBe(true);
  });
  it('a class predicted but never true scores F1 0 (scikit-learn: f1_score([0,0],[0,1],average="macro") = 1/3)', () => {
    expect(macroF1([0, 0], [0, 1], 2)).toBeCloseTo(1 / 3, 12);
    const s = classStatsFromConfusion(confusionMatrix([0, 0], [0, 1], 2));
    expect(Number.isNaN(s[1].recall)).toBe(true);
    expect(s[1].f1).toBe(0);
  });
  it('rejects bad labels and mismatched lengths', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(ArgumentError);
    expect(() => confusionMatrix([0], [0, 1], 3)).toThrow(/yTrue has 1/);
    expect(() => confusionMatrix([0.5], [0], 3)).toThrow(ArgumentError);
  });
});

describe('metric properties on generated label vectors', () => {
  it('macro-F1 matches the counting oracle and lies in [0, 1]', () => {
    fc.assert(fc.property(labelPairs(4), ([t, p]) => {
      const f = macroF1(t, p, 4);
      expect(f).toBeCloseTo(bruteMacroF1(t, p, 4), 12);
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThanOrEqual(1);
    }));
  });
  it('macro-F1, accuracy and balanced accuracy are invariant to permuting examples', () => {
    fc.assert(fc.property(labelPairs(3), fc.integer(), ([t, p], seed) => {
      const idx = t.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101) || a - b);
      const tt = take(t, idx), pp = take(p, idx);
      expect(macroF1(tt, pp, 3)).toBeCloseTo(macroF1(t, p, 3), 12);
      expect(accuracy(tt, pp)).toBeCloseTo(accuracy(t, p), 12);
      expect(balancedAccuracy(tt, pp, 3)).toBeCloseTo(balancedAccuracy(t, p, 3), 12);
    }));
  });
  it('perfect predictions give 1 for every metric', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 50 }), (t) => {
      expect(macroF1(t, t, 5)).toBe(1);
      expect(accuracy(t, t)).toBe(1);
      expect(balancedAccuracy(t, t, 5)).toBe(1);
      expect(multiLabelMacroF1(oneHot(t, 5), oneHot(t, 5), 5)).toBe(1);
    }));
  });
  it('macro-F1 is invariant to renaming the classes', () => {
    fc.assert(fc.property(labelPairs(3), ([t, p]) => {
      const ren = [2, 0, 1];
      expect(macroF1(t.map((v) => ren[v]), p.map((v) => ren[v]), 3)).toBeCloseTo(macroF1(t, p, 3), 12);
    }));
  });
  it('multi-label macro-F1 is the mean of per-column binary F1', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 30 }).chain((n) => fc.tuple(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 3 * n, maxLength: 3 * n }), fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 3 * n, maxLength: 3 * n }))), ([t, p]) => {
      const cols = [0, 1, 2].map((c) => {
        const tc = t.filter((_, i) => i % 3 === c), pc = p.filter((_, i) => i % 3 === c);
        const s = multiLabelClassStats(tc, pc, 1)[0];
        return s.f1;
      }).filter((f) => !Number.isNaN(f));
      const expected = cols.length ? cols.reduce((a, b) => a + b, 0) / cols.length : NaN;
      const got = multiLabelMacroF1(t, p, 3);
      if (Number.isNaN(expected)) expect(Number.isNaN(got)).toBe(true);
      else expect(got).toBeCloseTo(expected, 12);
    }));
  });
});

describe('ROC AUC', () => {
  it('hand cases: perfect, reversed, all tied, one label absent', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5], [0, 1, 1])).toBe(0.5);
    expect(rocAuc([0.3, 0.4, 0.4, 0.9], [0, 1, 0, 1])).toBeCloseTo((1 + 0.5 + 1 + 1) / 4, 12);
    expect(Number.isNaN(rocAuc([0.1, 0.2], [1, 1]))).toBe(true);
  });
  it('equals the all-pairs oracle, with many ties', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 1 })), { minLength: 1, maxLength: 60 }), (rows) => {
      const s = rows.map((r) => r[0] / 5), y = rows.map((r) => r[1]);
      const a = rocAuc(s, y), b = bruteAuc(s, y);
      if (Number.isNaN(b)) expect(Number.isNaN(a)).toBe(true);
      else expect(a).toBeCloseTo(b, 12);
    }));
  });
  it('macro-AUC averages only the classes with both labels present', () => {
    // column 0: perfect; column 1: all negative (skipped); column 2: reversed
    const scores = [0.9, 0.1, 0.95, 0.2, 0.5, 0.9];
    const labels = [1, 0, 0, 0, 0, 1];
    expect(perClassAuc(scores, labels, 3).map((v) => (Number.isNaN(v) ? 'nan' : v))).toEqual([1, 'nan', 0]);
    expect(macroAuc(scores, labels, 3)).toBe(0.5);
  });
});
