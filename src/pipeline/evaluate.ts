/**
 * Evaluation the protocol's way (docs/METHOD.md "Tasks and protocol"):
 *
 *   scores on val and test      float model: predictLogits; IntModel: quantizeInput ->
 *                               simulateBatch (the bit-exact MCU simulator) -> dequantizeOutput;
 *                               Deployable: synthesize, then the same as an IntModel
 *   thresholds                  tuned on val only (tuneThresholds: binary / multiclass /
 *                               multilabel), frozen, applied to test
 *   metrics on test             macro-F1, accuracy, balanced accuracy (single-label), macro-AUC
 *                               (multi-label), per-class F1, confusion, and the same with plain
 *                               argmax decisions ('...Argmax'), each with a seeded percentile
 *                               bootstrap CI over test examples (beats; default 1000 resamples,
 *                               95%); single-label macro-F1 also with a record-level (patient)
 *                               bootstrap CI ('macroF1Record', 'macroF1ArgmaxRecord': resampling
 *                               whole test records, the honest interval for new patients)
 *   per-example predictions     kept, so two models can be compared with a paired bootstrap
 *                               (savePredictions / compareModels)
 *
 * Score conventions handed to tuneThresholds: binary -> the two softmax probabilities; multiclass
 * -> the raw logits (offsets in logit units); multilabel -> per-class sigmoid probabilities.
 */

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Dataset } from '../data/dataset.ts';
import { splitIndices } from '../data/dataset.ts';
import { bootstrapCI, groupBootstrapCI, intervalFromSamples, pairedBootstrap, pairedFromSamples, quantileSorted, type ConfidenceInterval, resampleIndices, type PairedBootstrapResult } from '../eval/bootstrap.ts';
import { classStatsFromConfusion, confusionAt, macroAuc, macroF1FromStats, multiLabelClassStats, type ClassStats } from '../eval/metrics.ts';
import type { ByteBreakdown, CurvePoint, MetricWithCI, ResultRecord } from '../eval/results.ts';
import { applyThresholds, scoreMatrix, tuneThresholds, type TaskKind, type Thresholds } from '../eval/thresholds.ts';
import { isDeployable, synthesize, type Deployable } from '../hyper/deployable.ts';
import { argmaxRows, predictLogits } from '../nn/batch.ts';
import type { Module } from '../nn/module.ts';
import type { IntModel } from '../quant/int_model.ts';
import { dequantizeOutput, quantizeInput, simulateBatch } from '../quant/simulator.ts';
import { writeFileAtomic } from '../util/atomic_write.ts';
import { ArgumentError, FormatError } from '../util/errors.ts';

/** Anything the pipeline can evaluate. */
export type Evaluable = Module | IntModel | Deployable;

export function isIntModelObject(m: Evaluable): m is IntModel {
  return typeof m === 'object' && m !== null && 'ops' in m && 'tensors' in m && 'inputId' in m;
}

/** 'float' | 'int' | 'deployable': what path scores(...) takes. */
export function evaluableKind(m: Evaluable): 'float' | 'int' | 'deployable' {
  if (isDeployable(m)) return 'deployable';
  if (isIntModelObject(m)) return 'int';
  return 'float';
}

/** The task kind of a dataset: multilabel when yMulti exists, binary for 2 classes, else multiclass. */
export function taskKindOf(ds: Dataset): TaskKind {
  if (ds.yMulti) return 'multilabel';
  return ds.classes.length === 2 ? 'binary' : 'multiclass';
}

/**
 * Raw model outputs [indices.length, K] (logits; dequantized int8 logits for integer models).
 * Integer models run in the simulator in chunks of `batchSize` examples.
 */
export function modelScores(model: Evaluable, ds: Dataset, indices: Int32Array, batchSize = 256): { scores: Float32Array; numClasses: number } {
  if (indices.length === 0) return { scores: new Float32Array(0), numClasses: ds.yMulti ? ds.classes.length : ds.classes.length };
  const kind = evaluableKind(model);
  if (kind === 'float') {
    const { logits, numClasses } = predictLogits(model as Module, ds.x, ds.shape, indices, batchSize);
    return { scores: logits, numClasses };
  }
  const im = kind === 'deployable' ? synthesize(model as Deployable) : (model as IntModel);
  const [, L, C] = ds.shape;
  const inT = im.tensors[im.inputId];
  const inSize = inT.shape.reduce((a, b) => a * b, 1);
  if (inSize !== L * C) throw new ArgumentError('modelScores', `model input ${JSON.stringify(inT.shape)} does not match the dataset's examples [${L}, ${C}]`);
  const outSize = im.tensors[im.outputId].shape.reduce((a, b) => a * b, 1);
  const scores = new Float32Array(indices.length * outSize);
  const row = L * C;
  for (let s = 0; s < indices.length; s += batchSize) {
    const n = Math.min(batchSize, indices.length - s);
    const xb = new Float32Array(n * row);
    for (let i = 0; i < n; i++) xb.set(ds.x.subarray(indices[s + i] * row, (indices[s + i] + 1) * row), i * row);
    const q = simulateBatch(im, quantizeInput(im, xb), n);
    scores.set(dequantizeOutput(im, q), s * outSize);
  }
  return { scores, numClasses: outSize };
}

function softmaxRows(z: ArrayLike<number>, k: number): Float64Array {
  const out = new Float64Array(z.length);
  for (let i = 0; i < z.length / k; i++) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, z[i * k + j]);
    let s = 0;
    for (let j = 0; j < k; j++) s += out[i * k + j] = Math.exp(z[i * k + j] - m);
    for (let j = 0; j < k; j++) out[i * k + j] /= s;
  }
  return out;
}

function sigmoid(z: ArrayLike<number>): Float64Array {
  const out = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) out[i] = 1 / (1 + Math.exp(-z[i]));
  return out;
}

/** The scores tuneThresholds expects for a task kind (see the file comment). */
export function decisionScores(raw: ArrayLike<number>, k: number, kind: TaskKind): ArrayLike<number> {
  if (kind === 'binary') return softmaxRows(raw, k);
  if (kind === 'multilabel') return sigmoid(raw);
  return raw;
}


export interface EvaluateOptions {
  /** task kind (default from the dataset: taskKindOf) */
  kind?: TaskKind;
  /** bootstrap resamples (default 1000; >= 1000 for reported results) */
  resamples?: number;
  /** bootstrap seed (default 0) */
  seed?: number;
  /** confidence level (default 0.95) */
  level?: number;
  /** inference batch size (default 256) */
  batchSize?: number;
}

/** Per-example test predictions: what a paired bootstrap between two models needs. */
export interface Predictions {
  task: string;
  kind: TaskKind;
  classes: string[];
  /** dataset indices of the test examples, in order */
  index: number[];
  /** single-label: class per example; multilabel: [n, K] row-major 0/1 */
  yTrue: number[];
  /** tuned-threshold decisions, same layout as yTrue */
  yPred: number[];
  /** argmax decisions (single-label) or sigmoid >= 0.5 (multilabel) */
  yArgmax: number[];
  /** group (record / patient) of each test example, for record-level resampling */
  group?: number[];
}

export interface Evaluation {
  task: string;
  kind: TaskKind;
  classes: string[];
  /** 'float' | 'int' | 'deployable' */
  modelKind: 'float' | 'int' | 'deployable';
  thresholds: Thresholds;
  /** val macro-F1 with the tuned thresholds */
  valMacroF1: number;
  /** test metrics with CIs: macroF1, accuracy, balancedAccuracy (single-label), macroAuc
   * (multilabel), macroF1Argmax, accuracyArgmax, balancedAccuracyArgmax */
  metrics: Record<string, MetricWithCI> & { macroF1: MetricWithCI };
  perClassF1: number[];
  /** per-class F1 with argmax decisions (single-label) */
  perClassF1Argmax?: number[];
  /** cm[true][pred] with tuned thresholds (single-label) */
  confusion?: number[][];
  confusionArgmax?: number[][];
  nVal: number;
  nTest: number;
  bootstrap: { resamples: number; seed: number; level: number };
  predictions: Predictions;
}

interface Summary {
  macroF1: number;
  accuracy: number;
  balancedAccuracy: number;
}

function summarize(cm: number[][]): Summary {
  const st = classStatsFromConfusion(cm);
  let ok = 0, tot = 0, rs = 0, rn = 0;
  for (let c = 0; c < cm.length; c++) {
    ok += cm[c][c];
    for (const v of cm[c]) tot += v;
    if (st[c].support > 0) {
      rs += st[c].recall;
      rn++;
    }
  }
  return { macroF1: macroF1FromStats(st), accuracy: tot > 0 ? ok / tot : NaN, balancedAccuracy: rn > 0 ? rs / rn : NaN };
}

function multiSummary(yt: ArrayLike<number>, yp: ArrayLike<number>, k: number, idx: ArrayLike<number> | null): number {
  if (!idx) return macroF1FromStats(multiLabelClassStats(yt, yp, k));
  const a = new Uint8Array(idx.length * k), b = new Uint8Array(idx.length * k);
  for (let i = 0; i < idx.length; i++) for (let j = 0; j < k; j++) {
    a[i * k + j] = yt[idx[i] * k + j];
    b[i * k + j] = yp[idx[i] * k + j];
  }
  return macroF1FromStats(multiLabelClassStats(a, b, k));
}

/** Percentile interval of samples (NaNs dropped), as bootstrapCI computes it. */
function ci(value: number, samples: number[], level: number): MetricWithCI {
  const v = samples.filter((s) => !Number.isNaN(s)).sort((a, b) => a - b);
  const a = (1 - level) / 2;
  const lo = v.length ? quantileSorted(v, a) : value;
  const hi = v.length ? quantileSorted(v, 1 - a) : value;
  return { value, lo: Math.min(lo, hi), hi: Math.max(lo, hi) };
}

/**
 * Evaluate `model` on ds (val for thresholds, test for metrics). One bootstrap stream (seeded)
 * resamples the test examples; every metric of a resample is computed on the same indices.
 */
export function evaluate(model: Evaluable, ds: Dataset, opts: EvaluateOptions = {}): Evaluation {
  const kind = opts.kind ?? taskKindOf(ds);
  const resamples = opts.resamples ?? 1000;
  const seed = opts.seed ?? 0;
  const level = opts.level ?? 0.95;
  const val = splitIndices(ds, 'val');
  const test = splitIndices(ds, 'test');
  if (val.length === 0 || test.length === 0) throw new ArgumentError('evaluate', `dataset ${ds.name} needs val and test examples (val ${val.length}, test ${test.length})`);
  const K = ds.classes.length;
  const sv = modelScores(model, ds, val, opts.batchSize);
  const st = modelScores(model, ds, test, opts.batchSize);
  if (sv.numClasses !== K) throw new ArgumentError('evaluate', `model has ${sv.numClasses} outputs, dataset ${ds.name} has ${K} classes`);
  const dv = decisionScores(sv.scores, K, kind);
  const dt = decisionScores(st.scores, K, kind);

  if (kind === 'multilabel') {
    const ym = ds.yMulti!;
    const labels = (idx: Int32Array) => {
      const o = new Uint8Array(idx.length * K);
      for (let i = 0; i < idx.length; i++) for (let j = 0; j < K; j++) o[i * K + j] = ym[idx[i] * K + j];
      return o;
    };
    const yv = labels(val), yt = labels(test);
    const th = tuneThresholds(scoreMatrix(dv, K), yv, 'multilabel');
    const yp = applyThresholds(scoreMatrix(dt, K), th);
    const ya = new Uint8Array(dt.length);
    for (let i = 0; i < dt.length; i++) ya[i] = dt[i] >= 0.5 ? 1 : 0;
    const samples: Record<string, number[]> = { macroF1: [], macroF1Argmax: [], macroAuc: [] };
    for (const idx of resampleIndices(test.length, { seed, resamples })) {
      samples.macroF1.push(multiSummary(yt, yp, K, idx));
      samples.macroF1Argmax.push(multiSummary(yt, ya, K, idx));
      const sc = new Float64Array(idx.length * K), lb = new Uint8Array(idx.length * K);
      for (let i = 0; i < idx.length; i++) for (let j = 0; j < K; j++) {
        sc[i * K + j] = dt[idx[i] * K + j];
        lb[i * K + j] = yt[idx[i] * K + j];
      }
      samples.macroAuc.push(macroAuc(sc, lb, K));
    }
    const per = multiLabelClassStats(yt, yp, K);
    return {
      task: ds.name, kind, classes: [...ds.classes], modelKind: evaluableKind(model), thresholds: th, valMacroF1: th.valMacroF1,
      metrics: {
        macroF1: ci(multiSummary(yt, yp, K, null), samples.macroF1, level),
        macroF1Argmax: ci(multiSummary(yt, ya, K, null), samples.macroF1Argmax, level),
        macroAuc: ci(macroAuc(dt, yt, K), samples.macroAuc, level),
      },
      perClassF1: per.map((s: ClassStats) => s.f1),
      nVal: val.length, nTest: test.length, bootstrap: { resamples, seed, level },
      predictions: { task: ds.name, kind, classes: [...ds.classes], index: [...test], yTrue: [...yt], yPred: [...yp], yArgmax: [...ya] },
    };
  }

  const yv = val.map((i) => ds.y[i]);
  const yt = test.map((i) => ds.y[i]);
  const th = tuneThresholds(scoreMatrix(dv, K), yv, kind);
  const yp = applyThresholds(scoreMatrix(dt, K), th) as Int32Array;
  const ya = argmaxRows(st.scores, K);
  const cm = confusionAt(yt, yp, K, null);
  const cma = confusionAt(yt, ya, K, null);
  const full = summarize(cm), fullA = summarize(cma);
  const names = ['macroF1', 'accuracy', 'balancedAccuracy'] as const;
  const samples: Record<string, number[]> = {};
  for (const n of names) samples[n] = [], samples[`${n}Argmax`] = [];
  for (const idx of resampleIndices(test.length, { seed, resamples })) {
    const s = summarize(confusionAt(yt, yp, K, idx));
    const sa = summarize(confusionAt(yt, ya, K, idx));
    for (const n of names) {
      samples[n].push(s[n]);
      samples[`${n}Argmax`].push(sa[n]);
    }
  }
  const metrics = {} as Record<string, MetricWithCI> & { macroF1: MetricWithCI };
  for (const n of names) {
    metrics[n] = ci(full[n], samples[n], level);
    metrics[`${n}Argmax`] = ci(fullA[n], samples[`${n}Argmax`], level);
  }
  const group = test.map((i) => ds.group[i]);
  const byRecord = (p: ArrayLike<number>) => {
    const c = groupBootstrapCI(group, (idx) => summarize(confusionAt(yt, p, K, idx)).macroF1, { seed, resamples, level });
    return { value: c.value, lo: c.lo, hi: c.hi };
  };
  metrics.macroF1Record = byRecord(yp);
  metrics.macroF1ArgmaxRecord = byRecord(ya);
  return {
    task: ds.name, kind, classes: [...ds.classes], modelKind: evaluableKind(model), thresholds: th, valMacroF1: th.valMacroF1,
    metrics, perClassF1: classStatsFromConfusion(cm).map((s) => s.f1), perClassF1Argmax: classStatsFromConfusion(cma).map((s) => s.f1), confusion: cm, confusionArgmax: cma,
    nVal: val.length, nTest: test.length, bootstrap: { resamples, seed, level },
    predictions: { task: ds.name, kind, classes: [...ds.classes], index: [...test], yTrue: [...yt], yPred: [...yp], yArgmax: [...ya], group: [...group] },
  };
}

/** Fields of a ResultRecord that are not metrics. */
export interface RecordFields {
  id: string;
  variant: string;
  config: Record<string, unknown>;
  seed: number;
  flash: ByteBreakdown;
  ram: ByteBreakdown;
  curves?: CurvePoint[];
  durationSec: number;
}

/** A ResultRecord of an evaluation (thresholds and per-class F1 go into config.evaluation). */
export function resultRecord(ev: Evaluation, f: RecordFields): ResultRecord {
  const perClassOf = (f: number[]) => Object.fromEntries(ev.classes.map((c, i) => [c, Number.isNaN(f[i]) ? null : f[i]]));
  const perClass = perClassOf(ev.perClassF1);
  return {
    id: f.id, task: ev.task, variant: f.variant, seed: f.seed, flash: f.flash, ram: f.ram,
    config: {
      ...f.config,
      evaluation: {
        modelKind: ev.modelKind, kind: ev.kind, thresholds: ev.thresholds, valMacroF1: ev.valMacroF1, perClassF1: perClass,
        ...(ev.perClassF1Argmax ? { perClassF1Argmax: perClassOf(ev.perClassF1Argmax) } : {}),
        nVal: ev.nVal, nTest: ev.nTest, bootstrap: ev.bootstrap, ...(ev.confusionArgmax ? { confusionArgmax: ev.confusionArgmax } : {}),
      },
    },
    metrics: ev.metrics,
    ...(ev.confusion ? { confusion: ev.confusion } : {}),
    classes: ev.classes,
    ...(f.curves ? { curves: f.curves } : {}),
    durationSec: f.durationSec,
    createdAt: new Date().toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------
// Per-example predictions beside the JSONL: <resultsDir>/preds/<id>.json.gz (gzip'd JSON, ~15x
// smaller than the plain .json that older sweeps wrote, which is still read)

function predsName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Where savePredictions writes the predictions of `id`. */
export function predictionsPath(resultsDir: string, id: string): string {
  return join(resultsDir, 'preds', `${predsName(id)}.json.gz`);
}

/** The saved predictions file of `id` (gzip'd, or an older plain .json), or null. */
export function findPredictions(resultsDir: string, id: string): string | null {
  const gz = predictionsPath(resultsDir, id);
  if (existsSync(gz)) return gz;
  const plain = join(resultsDir, 'preds', `${predsName(id)}.json`);
  return existsSync(plain) ? plain : null;
}

export function savePredictions(resultsDir: string, id: string, p: Predictions): string {
  const path = predictionsPath(resultsDir, id);
  mkdirSync(join(resultsDir, 'preds'), { recursive: true });
  writeFileAtomic(path, gzipSync(JSON.stringify({ id, ...p }), { level: 9 }));
  return path;
}

export function loadPredictions(resultsDir: string, id: string): Predictions {
  const path = findPredictions(resultsDir, id);
  if (!path) throw new FormatError(predictionsPath(resultsDir, id), `no saved predictions for "${id}"`);
  try {
    const raw = readFileSync(path);
    return JSON.parse((path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')) as Predictions;
  } catch (e) {
    throw new FormatError(path, `unreadable predictions (${(e as Error).message})`);
  }
}

export interface Comparison {
  idA: string;
  idB: string;
  /** macro-F1 (tuned thresholds) of A, B and A - B over the same resamples */
  macroF1: PairedBootstrapResult;
  /** macro-F1(A) / macro-F1(B) over the same resamples ("share of B's macro-F1") */
  macroF1Ratio: ConfidenceInterval;
  /** accuracy (single-label tasks) */
  accuracy?: PairedBootstrapResult;
}

/**
 * Paired bootstrap between two evaluated models of one results directory (same task, same test
 * examples): the interval of macro-F1(A) - macro-F1(B) over shared resamples.
 */
export function compareModels(resultsDir: string, idA: string, idB: string, opts: { resamples?: number; seed?: number; level?: number } = {}): Comparison {
  const a = loadPredictions(resultsDir, idA);
  const b = loadPredictions(resultsDir, idB);
  if (a.task !== b.task || a.index.length !== b.index.length || a.index.some((v, i) => v !== b.index[i])) {
    throw new ArgumentError('compareModels', `"${idA}" (${a.task}, ${a.index.length} test examples) and "${idB}" (${b.task}, ${b.index.length}) were not evaluated on the same test examples`);
  }
  const K = a.classes.length;
  const n = a.index.length;
  const bo = { seed: opts.seed ?? 0, resamples: opts.resamples ?? 1000, level: opts.level ?? 0.95 };
  if (a.kind === 'multilabel') {
    const f = (p: Predictions) => (idx: Int32Array) => multiSummary(p.yTrue, p.yPred, K, idx);
    return { idA, idB, macroF1: pairedBootstrap(n, f(a), f(b), bo), macroF1Ratio: bootstrapCI(n, (idx) => f(a)(idx) / f(b)(idx), bo) };
  }
  // one pass: each resample's two confusion matrices give every statistic (the same draws that
  // pairedBootstrap and bootstrapCI would make with this seed, so the same intervals)
  const fa = summarize(confusionAt(a.yTrue, a.yPred, K, null)), fb = summarize(confusionAt(b.yTrue, b.yPred, K, null));
  const f1A: number[] = [], f1B: number[] = [], accA: number[] = [], accB: number[] = [], ratio: number[] = [];
  for (const idx of resampleIndices(n, bo)) {
    const sa = summarize(confusionAt(a.yTrue, a.yPred, K, idx)), sb = summarize(confusionAt(b.yTrue, b.yPred, K, idx));
    f1A.push(sa.macroF1);
    f1B.push(sb.macroF1);
    accA.push(sa.accuracy);
    accB.push(sb.accuracy);
    ratio.push(sa.macroF1 / sb.macroF1);
  }
  return {
    idA, idB,
    macroF1: pairedFromSamples(fa.macroF1, fb.macroF1, f1A, f1B, bo),
    macroF1Ratio: intervalFromSamples(fa.macroF1 / fb.macroF1, ratio, bo),
    accuracy: pairedFromSamples(fa.accuracy, fb.accuracy, accA, accB, bo),
  };
}
