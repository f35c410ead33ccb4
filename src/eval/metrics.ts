/**
 * Classification metrics: confusion matrix, per-class precision / recall / F1, macro-F1,
 * balanced accuracy, accuracy, ROC AUC (ties counted one half) and macro-AUC.
 *
 * Conventions (the same for single-label and multi-label tasks):
 * - Confusion matrix rows are the true class, columns the predicted class: cm[t][p].
 * - F1 of class k is 2 TP / (2 TP + FP + FN). This is scikit-learn's definition since 1.3: it is
 *   0 when TP = 0 but FP + FN > 0 (a class predicted but never present, or present but never
 *   predicted, scores 0), and undefined only when TP = FP = FN = 0 (a class with no true and no
 *   predicted example). Precision (TP / (TP + FP)) and recall (TP / (TP + FN)) with a zero
 *   denominator are reported as NaN.
 * - `emptyClass` says what an undefined class F1 does in the macro average:
 *   'exclude' (default) leaves the class out, which equals scikit-learn's
 *   `f1_score(average='macro')` with `labels=None` (only labels seen in y_true or y_pred count);
 *   0 or 1 include it as that value, which equals scikit-learn with `labels=range(K)` and
 *   `zero_division=0` or `1`. A bootstrap resample that happens to contain no example of a rare
 *   class, and no prediction of it, is therefore not penalized by default.
 * - Balanced accuracy is the mean recall over classes with at least one true example
 *   (scikit-learn's `balanced_accuracy_score`).
 * - Multi-label (PTB-XL): labels and predictions are [N, K] row-major 0/1; the per-class F1 is the
 *   binary F1 of the positive label of column k, averaged over columns with the same convention.
 */

import { ArgumentError } from '../util/errors.ts';

export type EmptyClassPolicy = 'exclude' | 0 | 1;

export interface ClassStats {
  tp: number;
  fp: number;
  fn: number;
  /** number of true examples of the class (TP + FN) */
  support: number;
  /** TP / (TP + FP), NaN when nothing was predicted as the class */
  precision: number;
  /** TP / (TP + FN), NaN when the class has no true example */
  recall: number;
  /** 2 TP / (2 TP + FP + FN), NaN when TP = FP = FN = 0 */
  f1: number;
}

function checkLabel(where: string, v: number, k: number, i: number): void {
  if (!(Number.isInteger(v) && v >= 0 && v < k)) throw new ArgumentError(where, `label ${v} at index ${i} is not an integer in [0, ${k})`);
}

/** Copy of `a` at positions `idx` (bootstrap resamples use this to build the resampled vectors). */
export function take(a: ArrayLike<number>, idx: ArrayLike<number>): Float64Array {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]];
  return out;
}

/** Rows `idx` of a row-major [N, K] matrix, as a new [idx.length, K] matrix. */
export function takeRows(a: ArrayLike<number>, k: number, idx: ArrayLike<number>): Float64Array {
  const out = new Float64Array(idx.length * k);
  for (let i = 0; i < idx.length; i++) {
    const src = idx[i] * k;
    for (let j = 0; j < k; j++) out[i * k + j] = a[src + j];
  }
  return out;
}

/** K x K counts, cm[true][predicted]. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): number[][] {
  if (yTrue.length !== yPred.length) throw new ArgumentError('confusionMatrix', `yTrue has ${yTrue.length} labels, yPred ${yPred.length}`);
  if (!(Number.isInteger(k) && k >= 1)) throw new ArgumentError('confusionMatrix', `k must be a positive integer, got ${k}`);
  const cm = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    checkLabel('confusionMatrix', yTrue[i], k, i);
    checkLabel('confusionMatrix', yPred[i], k, i);
    cm[yTrue[i]][yPred[i]]++;
  }
  return cm;
}

function stats(tp: number, fp: number, fn: number): ClassStats {
  return {
    tp,
    fp,
    fn,
    support: tp + fn,
    precision: tp + fp > 0 ? tp / (tp + fp) : NaN,
    recall: tp + fn > 0 ? tp / (tp + fn) : NaN,
    f1: tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : NaN,
  };
}

/** cm[true][pred] over the examples idx (every example when idx is null); a bootstrap resample is an idx. */
export function confusionAt(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number, idx: ArrayLike<number> | null): number[][] {
  const cm = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const n = idx ? idx.length : yTrue.length;
  for (let i = 0; i < n; i++) {
    const j = idx ? idx[i] : i;
    cm[yTrue[j]][yPred[j]]++;
  }
  return cm;
}

/** Per-class TP / FP / FN, precision, recall and F1 from a confusion matrix. */
export function classStatsFromConfusion(cm: number[][]): ClassStats[] {
  const k = cm.length;
  const out: ClassStats[] = [];
  for (let c = 0; c < k; c++) {
    if (cm[c].length !== k) throw new ArgumentError('classStatsFromConfusion', `row ${c} has ${cm[c].length} entries, expected ${k}`);
    const tp = cm[c][c];
    let fn = 0;
    let fp = 0;
    for (let j = 0; j < k; j++) {
      if (j !== c) {
        fn += cm[c][j];
        fp += cm[j][c];
      }
    }
    out.push(stats(tp, fp, fn));
  }
  return out;
}

/** Per-class stats of a multi-label task: labels and predictions [N, K] row-major 0/1. */
export function multiLabelClassStats(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): ClassStats[] {
  if (yTrue.length !== yPred.length || yTrue.length % k !== 0) {
    throw new ArgumentError('multiLabelClassStats', `yTrue (${yTrue.length}) and yPred (${yPred.length}) must both be [N, ${k}]`);
  }
  const tp = new Array<number>(k).fill(0), fp = new Array<number>(k).fill(0), fn = new Array<number>(k).fill(0);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] !== 0, p = yPred[i] !== 0, c = i % k;
    if (t && p) tp[c]++;
    else if (p) fp[c]++;
    else if (t) fn[c]++;
  }
  return tp.map((_, c) => stats(tp[c], fp[c], fn[c]));
}

/** Mean of the per-class F1 values under the empty-class policy (NaN if no class counts). */
export function macroF1FromStats(per: ClassStats[], emptyClass: EmptyClassPolicy = 'exclude'): number {
  let sum = 0;
  let n = 0;
  for (const s of per) {
    if (Number.isNaN(s.f1)) {
      if (emptyClass === 'exclude') continue;
      sum += emptyClass;
    } else sum += s.f1;
    n++;
  }
  return n > 0 ? sum / n : NaN;
}

/** Macro-F1 of a single-label task (see the conventions at the top of this file). */
export function macroF1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number, emptyClass: EmptyClassPolicy = 'exclude'): number {
  return macroF1FromStats(classStatsFromConfusion(confusionMatrix(yTrue, yPred, k)), emptyClass);
}

/** Macro-F1 of a multi-label task over the K columns of [N, K] 0/1 matrices. */
export function multiLabelMacroF1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number, emptyClass: EmptyClassPolicy = 'exclude'): number {
  return macroF1FromStats(multiLabelClassStats(yTrue, yPred, k), emptyClass);
}

/** Fraction of examples predicted correctly (NaN for an empty set). */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length !== yPred.length) throw new ArgumentError('accuracy', `yTrue has ${yTrue.length} labels, yPred ${yPred.length}`);
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return yTrue.length > 0 ? ok / yTrue.length : NaN;
}

/** Mean recall over classes with at least one true example. */
export function balancedAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): number {
  let sum = 0;
  let n = 0;
  for (const s of classStatsFromConfusion(confusionMatrix(yTrue, yPred, k))) {
    if (s.support > 0) {
      sum += s.recall;
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}

/**
 * ROC AUC of `scores` for the binary `labels` (nonzero = positive): the probability that a random
 * positive scores above a random negative, ties counting one half (Mann-Whitney U with midranks).
 * NaN when either label is absent. O(N log N).
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new ArgumentError('rocAuc', `${n} scores but ${labels.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) if (Number.isNaN(scores[i])) throw new ArgumentError('rocAuc', `score ${i} is NaN`);
  order.sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  let rankSumPos = 0;
  // Walk groups of equal scores; every member of a group gets the group's mean rank (1-based).
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const midrank = (i + 1 + j + 1) / 2;
    for (let m = i; m <= j; m++) {
      if (labels[order[m]] !== 0) {
        nPos++;
        rankSumPos += midrank;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** ROC AUC of each column of [N, K] scores against [N, K] 0/1 labels (NaN where a label is absent). */
export function perClassAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, k: number): number[] {
  if (scores.length !== labels.length || scores.length % k !== 0) {
    throw new ArgumentError('perClassAuc', `scores (${scores.length}) and labels (${labels.length}) must both be [N, ${k}]`);
  }
  const n = scores.length / k;
  const out: number[] = [];
  const s = new Float64Array(n), y = new Uint8Array(n);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      s[i] = scores[i * k + c];
      y[i] = labels[i * k + c] !== 0 ? 1 : 0;
    }
    out.push(rocAuc(s, y));
  }
  return out;
}

/** Macro-AUC: mean per-class AUC over the classes that have both labels present (NaN if none). */
export function macroAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, k: number): number {
  const per = perClassAuc(scores, labels, k).filter((v) => !Number.isNaN(v));
  return per.length > 0 ? per.reduce((a, b) => a + b, 0) / per.length : NaN;
}

/** Single-label labels as a one-vs-rest [N, K] 0/1 matrix (for macroAuc on multi-class tasks). */
export function oneHot(y: ArrayLike<number>, k: number): Uint8Array {
  const out = new Uint8Array(y.length * k);
  for (let i = 0; i < y.length; i++) {
    checkLabel('oneHot', y[i], k, i);
    out[i * k + y[i]] = 1;
  }
  return out;
}
