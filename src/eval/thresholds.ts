/**
 * Decision thresholds, tuned on the validation split only, then frozen and applied to test.
 *
 * Scores are row-major [N, K] (`ScoreMatrix`):
 * - binary: K = 2 class probabilities (column 1 is the positive class) or K = 1 positive-class
 *   probability. One threshold t: predict positive when p >= t. t maximizes the **macro-F1 of both
 *   classes** (the reported metric), searched exactly over every midpoint between consecutive
 *   distinct validation scores.
 * - multiclass: K logits or log-probabilities. Per-class additive offsets b: predict
 *   argmax_k (s_k + b_k), lowest index on ties. b is tuned for macro-F1 by coordinate ascent over a
 *   fixed grid (classes in index order, a move only on strict improvement, grid ties go to the
 *   smallest |b| then the smaller b), from b = 0, until a full pass changes nothing: deterministic.
 * - multilabel: K per-class probabilities, one threshold per class (positive when p_k >= t_k).
 *   Macro-F1 over the K labels is the mean of per-class F1, and t_k only affects column k, so
 *   maximizing each class's F1 alone (exactly, as in the binary search) maximizes the macro-F1.
 *
 * Ties among equally good binary / multilabel thresholds go to the one closest to 0.5.
 * Macro-F1 here uses the metrics.ts convention (empty classes excluded).
 */

import { ArgumentError } from '../util/errors.ts';
import { confusionMatrix, classStatsFromConfusion, macroF1FromStats } from './metrics.ts';

export type TaskKind = 'binary' | 'multiclass' | 'multilabel';

/** Row-major [rows, cols] scores. */
export interface ScoreMatrix {
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

export type Thresholds =
  | { kind: 'binary'; threshold: number; objective: 'macro-F1 of both classes'; valMacroF1: number }
  | { kind: 'multiclass'; offsets: number[]; objective: 'macro-F1'; valMacroF1: number; grid: number[]; passes: number; atBound?: number[] }
  | { kind: 'multilabel'; thresholds: number[]; objective: 'per-class F1 (= macro-F1)'; valMacroF1: number };

export interface TuneOptions {
  /** multiclass offset grid; default -8 .. 8 in steps of 0.125 (logit units) */
  grid?: number[];
  /** maximum coordinate-ascent passes over all classes (default 20) */
  maxPasses?: number;
}

/** Build a ScoreMatrix from nested rows or a flat array with `cols`. */
export function scoreMatrix(data: number[][] | ArrayLike<number>, cols?: number): ScoreMatrix {
  if (Array.isArray(data) && data.length > 0 && Array.isArray(data[0])) {
    const rows = data as number[][];
    const k = rows[0].length;
    const flat = new Float64Array(rows.length * k);
    rows.forEach((r, i) => {
      if (r.length !== k) throw new ArgumentError('scoreMatrix', `row ${i} has ${r.length} scores, expected ${k}`);
      flat.set(r, i * k);
    });
    return { rows: rows.length, cols: k, data: flat };
  }
  const flat = data as ArrayLike<number>;
  if (cols === undefined || !(cols >= 1) || flat.length % cols !== 0) throw new ArgumentError('scoreMatrix', `a flat array of ${flat.length} needs cols dividing it, got ${cols}`);
  return { rows: flat.length / cols, cols, data: flat };
}

/**
 * -8 .. 8 logits in steps of 0.125: a class's offset of 8 shifts its softmax odds by e^8 ~ 3000,
 * wide enough that a tuned offset at the bound means the model's scores for that class carry no
 * usable ranking (the result records flag it: `atBound`).
 */
export const DEFAULT_OFFSET_GRID: number[] = Array.from({ length: 129 }, (_, i) => -8 + i * 0.125);

/** Classes whose tuned offset sits at the smallest or largest grid value (the search hit its bound). */
export function offsetsAtBound(offsets: readonly number[], grid: readonly number[]): number[] {
  const lo = Math.min(...grid), hi = Math.max(...grid);
  return offsets.flatMap((b, c) => (b !== 0 && (b === lo || b === hi) ? [c] : []));
}

function positiveProb(s: ScoreMatrix, where: string): Float64Array {
  if (s.cols !== 1 && s.cols !== 2) throw new ArgumentError(where, `binary scores need 1 or 2 columns, got ${s.cols}`);
  const p = new Float64Array(s.rows);
  for (let i = 0; i < s.rows; i++) p[i] = s.data[i * s.cols + s.cols - 1];
  return p;
}

function binaryF1(tp: number, fp: number, fn: number): number {
  return tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : NaN;
}

/**
 * Best threshold on p for `objective(tp, fp, fn, tn)` over all distinct cut points, ties to the
 * threshold closest to 0.5. Candidates: below every score (all positive), each midpoint between
 * consecutive distinct scores, above every score (all negative).
 */
function bestThreshold(p: Float64Array, y: ArrayLike<number>, objective: (tp: number, fp: number, fn: number, tn: number) => number): { t: number; score: number } {
  const n = p.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b] - p[a]);
  let pos = 0;
  for (let i = 0; i < n; i++) if (y[i] !== 0) pos++;
  const neg = n - pos;
  // start: threshold above every score, nothing predicted positive
  let tp = 0, fp = 0;
  let best = { t: n > 0 ? p[order[0]] + 1 : 1, score: -Infinity };
  const consider = (t: number) => {
    const raw = objective(tp, fp, pos - tp, neg - fp);
    const score = Number.isNaN(raw) ? -Infinity : raw;
    if (score > best.score || (score === best.score && Math.abs(t - 0.5) < Math.abs(best.t - 0.5))) best = { t, score };
  };
  consider(best.t);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && p[order[j + 1]] === p[order[i]]) j++;
    for (let m = i; m <= j; m++) {
      if (y[order[m]] !== 0) tp++;
      else fp++;
    }
    // every score >= p[order[i]] is now positive; the cut sits below this group
    const next = j + 1 < n ? p[order[j + 1]] : p[order[i]] - 1;
    consider((p[order[i]] + next) / 2);
    i = j + 1;
  }
  return best;
}

function macroF1Binary(tp: number, fp: number, fn: number, tn: number): number {
  // class 1: (tp, fp, fn); class 0: its TP is tn, its FP is fn, its FN is fp
  const f = [binaryF1(tp, fp, fn), binaryF1(tn, fn, fp)].filter((v) => !Number.isNaN(v));
  return f.length > 0 ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}

function argmaxWithOffsets(s: ScoreMatrix, offsets: ArrayLike<number>): Int32Array {
  const out = new Int32Array(s.rows);
  const k = s.cols;
  for (let i = 0; i < s.rows; i++) {
    let best = 0;
    let bv = s.data[i * k] + offsets[0];
    for (let c = 1; c < k; c++) {
      const v = s.data[i * k + c] + offsets[c];
      if (v > bv) {
        bv = v;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

function tuneMulticlass(s: ScoreMatrix, y: ArrayLike<number>, opts: TuneOptions): Thresholds {
  const k = s.cols, n = s.rows;
  const grid = [...(opts.grid ?? DEFAULT_OFFSET_GRID)].sort((a, b) => Math.abs(a) - Math.abs(b) || a - b);
  const maxPasses = opts.maxPasses ?? 20;
  const offsets = new Array<number>(k).fill(0);
  const f1Of = (pred: ArrayLike<number>) => macroF1FromStats(classStatsFromConfusion(confusionMatrix(y, pred, k)));
  let current = f1Of(argmaxWithOffsets(s, offsets));
  // For class c: rival[i] = best other class of row i and its offset score; then the prediction
  // under offset b is c when s_c + b > rival value (or equal and c has the lower index).
  const rivalClass = new Int32Array(n), rivalValue = new Float64Array(n);
  const pred = new Int32Array(n);
  let passes = 0;
  for (; passes < maxPasses; passes++) {
    let changed = false;
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < n; i++) {
        let bc = -1, bv = -Infinity;
        for (let j = 0; j < k; j++) {
          if (j === c) continue;
          const v = s.data[i * k + j] + offsets[j];
          if (bc < 0 || v > bv) {
            bv = v;
            bc = j;
          }
        }
        rivalClass[i] = bc;
        rivalValue[i] = bv;
      }
      let bestB = offsets[c], bestF = current;
      for (const b of grid) {
        for (let i = 0; i < n; i++) {
          const v = s.data[i * k + c] + b;
          pred[i] = v > rivalValue[i] || (v === rivalValue[i] && c < rivalClass[i]) ? c : rivalClass[i];
        }
        const f = f1Of(pred);
        if (f > bestF) {
          bestF = f;
          bestB = b;
        }
      }
      if (bestB !== offsets[c]) {
        offsets[c] = bestB;
        current = bestF;
        changed = true;
      }
    }
    if (!changed) {
      passes++;
      break;
    }
  }
  const usedGrid = opts.grid ?? DEFAULT_OFFSET_GRID;
  return { kind: 'multiclass', offsets, objective: 'macro-F1', valMacroF1: current, grid: usedGrid, passes, atBound: offsetsAtBound(offsets, usedGrid) };
}

/** Tune decision thresholds on validation scores and labels (single-label: class index per row; multilabel: [N, K] 0/1). */
export function tuneThresholds(valScores: ScoreMatrix, valLabels: ArrayLike<number>, kind: TaskKind, opts: TuneOptions = {}): Thresholds {
  const where = 'tuneThresholds';
  if (valScores.data.length !== valScores.rows * valScores.cols) throw new ArgumentError(where, `score data has ${valScores.data.length} values, expected ${valScores.rows} x ${valScores.cols}`);
  for (let i = 0; i < valScores.data.length; i++) if (!Number.isFinite(valScores.data[i])) throw new ArgumentError(where, `score ${i} is not finite (${valScores.data[i]})`);
  if (kind === 'binary') {
    if (valLabels.length !== valScores.rows) throw new ArgumentError(where, `${valScores.rows} score rows but ${valLabels.length} labels`);
    for (let i = 0; i < valLabels.length; i++) if (valLabels[i] !== 0 && valLabels[i] !== 1) throw new ArgumentError(where, `binary label ${i} is ${valLabels[i]}`);
    const { t, score } = bestThreshold(positiveProb(valScores, where), valLabels, macroF1Binary);
    return { kind, threshold: t, objective: 'macro-F1 of both classes', valMacroF1: score };
  }
  if (kind === 'multiclass') {
    if (valLabels.length !== valScores.rows) throw new ArgumentError(where, `${valScores.rows} score rows but ${valLabels.length} labels`);
    return tuneMulticlass(valScores, valLabels, opts);
  }
  if (kind === 'multilabel') {
    const k = valScores.cols;
    if (valLabels.length !== valScores.rows * k) throw new ArgumentError(where, `multilabel labels must be [${valScores.rows}, ${k}], got ${valLabels.length} values`);
    const thresholds: number[] = [];
    let sum = 0, counted = 0;
    const p = new Float64Array(valScores.rows), y = new Uint8Array(valScores.rows);
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < valScores.rows; i++) {
        p[i] = valScores.data[i * k + c];
        y[i] = valLabels[i * k + c] !== 0 ? 1 : 0;
      }
      const { t, score } = bestThreshold(p, y, (tp, fp, fn) => binaryF1(tp, fp, fn));
      thresholds.push(t);
      if (score > -Infinity) {
        sum += score;
        counted++;
      }
    }
    return { kind, thresholds, objective: 'per-class F1 (= macro-F1)', valMacroF1: counted > 0 ? sum / counted : NaN };
  }
  throw new ArgumentError(where, `unknown task kind "${kind as string}"`);
}

/** Apply frozen thresholds: class index per row (binary, multiclass) or [N, K] 0/1 (multilabel). */
export function applyThresholds(testScores: ScoreMatrix, thresholds: Thresholds): Int32Array | Uint8Array {
  const where = 'applyThresholds';
  if (thresholds.kind === 'binary') {
    const p = positiveProb(testScores, where);
    const out = new Int32Array(p.length);
    for (let i = 0; i < p.length; i++) out[i] = p[i] >= thresholds.threshold ? 1 : 0;
    return out;
  }
  if (thresholds.kind === 'multiclass') {
    if (testScores.cols !== thresholds.offsets.length) throw new ArgumentError(where, `${testScores.cols} score columns but ${thresholds.offsets.length} offsets`);
    return argmaxWithOffsets(testScores, thresholds.offsets);
  }
  const k = testScores.cols;
  if (k !== thresholds.thresholds.length) throw new ArgumentError(where, `${k} score columns but ${thresholds.thresholds.length} thresholds`);
  const out = new Uint8Array(testScores.rows * k);
  for (let i = 0; i < out.length; i++) out[i] = testScores.data[i] >= thresholds.thresholds[i % k] ? 1 : 0;
  return out;
}
