import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../core/rng.ts';
import type { Dataset } from '../data/dataset.ts';
import { splitIndices } from '../data/dataset.ts';
import { macroF1, multiLabelMacroF1 } from '../eval/metrics.ts';
import { appendLine, writeFileAtomic } from '../util/atomic_write.ts';
import { lockDirectory } from '../util/lock.ts';
import { ArgumentError, FormatError } from '../util/errors.ts';
import { Progress } from '../util/progress.ts';
import { argmaxRows, predictLogits } from './batch.ts';
import { RUN_FILES, latestCheckpoint, loadCheckpoint, saveCheckpoint, saveRotating } from './checkpoint.ts';
import { balancedSample, bindLoss, classCounts, multiLabelLoss, packMultiLabel, positiveCounts, type LossConfig } from './losses.ts';
import { bindDistillation, type DistillConfig } from './distill.ts';
import type { Module } from './module.ts';
import { buildModel, type ModelSpec } from './models/separable_cnn.ts';
import { Ema, clipGradNorm, learningRate, makeOptimizer, type OptimizerConfig, type ScheduleConfig } from './optim.ts';
import { DataParallelEngine, InProcessEngine, type GradEngine } from './parallel.ts';

/**
 * The trainer: epochs over seeded shuffles (or class-balanced draws), validation macro-F1 every
 * epoch, best-checkpoint selection, early stopping, a JSONL log line per epoch, progress on
 * stderr, rotating training checkpoints (last + previous) and exact resume.
 *
 * Exact resume: a training checkpoint holds the parameters and buffers, the optimizer slots and
 * step count, the EMA, the data-order Rng state, the current epoch's example order and the
 * position in it (epoch, batch, step), the best score so far and the early-stopping counter.
 * Dropout masks are derived from (seed, step, shard) (batch.ts), the learning rate is a pure
 * function of the step, so a run resumed from any checkpoint replays the same arithmetic and
 * ends bit-identical to an uninterrupted run with the same seed (and worker count).
 */

export interface TrainConfig {
  /** epochs (default 20) */
  epochs: number;
  /** examples per optimizer step (default 64); the last incomplete batch of an epoch is dropped */
  batchSize: number;
  /** peak learning rate (default 3e-3) */
  lr: number;
  /** default { kind: 'adamw', weightDecay: 1e-4 } */
  optimizer: OptimizerConfig;
  /** default cosine to 0 with one epoch of linear warmup (warmupEpochs 1) */
  schedule: ScheduleConfig;
  /** warmup length in epochs for the cosine schedule (converted to steps; default 1) */
  warmupEpochs: number;
  /** clip the global gradient norm (default 5; 0 = off) */
  clipNorm: number;
  /** EMA decay of the weights, used for validation and the best checkpoint (default 0 = off) */
  emaDecay: number;
  /** default weighted cross-entropy with sqrt inverse-frequency weights */
  loss: LossConfig;
  /** 'shuffle' (default): a seeded permutation per epoch; 'balanced': class-balanced draws */
  sampler: 'shuffle' | 'balanced';
  /** exponent of the balanced sampler (1 = uniform over classes; default 0.5) */
  samplerPower: number;
  /**
   * examples drawn per epoch (default 0 = every training example): with 'balanced' the draws,
   * with 'shuffle' the first ones of the epoch's permutation; a smaller epoch subsamples the
   * majority class (N beats) afresh every epoch, so patience acts on shorter epochs
   */
  epochSamples: number;
  /** stop after this many epochs without a better validation macro-F1 (default 0 = never) */
  patience: number;
  /** seed of the data order and dropout (default 0) */
  seed: number;
  /** also write a training checkpoint every K batches (default 0 = only at epoch ends) */
  checkpointEveryBatches: number;
  /** gradient workers: 1 = in process (default); >= 2 = worker_threads data parallel */
  workers: number;
  /** batch size of validation inference (default 512) */
  evalBatchSize: number;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 20, batchSize: 64, lr: 3e-3,
  optimizer: { kind: 'adamw', weightDecay: 1e-4 },
  schedule: { kind: 'cosine' }, warmupEpochs: 1,
  clipNorm: 5, emaDecay: 0,
  loss: { kind: 'weighted-ce', power: 0.5 },
  sampler: 'shuffle', samplerPower: 0.5, epochSamples: 0,
  patience: 0, seed: 0, checkpointEveryBatches: 0, workers: 1, evalBatchSize: 512,
};

export function resolveTrainConfig(c: Partial<TrainConfig> = {}): TrainConfig {
  const r: TrainConfig = { ...structuredClone(DEFAULT_TRAIN_CONFIG), ...structuredClone(c) };
  const posInt = (v: number) => Number.isInteger(v) && v >= 1;
  const natInt = (v: number) => Number.isInteger(v) && v >= 0;
  const bad = (m: string) => new ArgumentError('train config', m);
  if (!posInt(r.epochs)) throw bad(`epochs ${r.epochs} must be an integer >= 1`);
  if (!(Number.isInteger(r.batchSize) && r.batchSize >= 2)) throw bad(`batchSize ${r.batchSize} must be an integer >= 2`);
  if (!(r.lr > 0)) throw bad(`lr ${r.lr} must be > 0`);
  if (!posInt(r.workers)) throw bad(`workers ${r.workers} must be an integer >= 1`);
  if (!natInt(r.patience) || !natInt(r.checkpointEveryBatches) || !natInt(r.epochSamples) || !Number.isInteger(r.seed)) throw bad('patience, checkpointEveryBatches, epochSamples and seed must be integers >= 0');
  if (!(r.clipNorm >= 0) || !(r.emaDecay >= 0 && r.emaDecay < 1) || !(r.warmupEpochs >= 0)) throw bad('clipNorm >= 0, emaDecay in [0, 1), warmupEpochs >= 0');
  if (r.sampler !== 'shuffle' && r.sampler !== 'balanced') throw bad(`sampler "${r.sampler as string}" (shuffle, balanced)`);
  if (r.workers > r.batchSize) throw bad(`workers ${r.workers} > batchSize ${r.batchSize}`);
  return r;
}

/** Examples and the train / validation index sets. */
export interface TrainData {
  x: Float32Array;
  shape: [number, number, number];
  /** class per example, or (multiLabel) the packed bitmask of its classes (losses.ts) */
  y: Int32Array;
  numClasses: number;
  train: Int32Array;
  val: Int32Array;
  /** multi-label targets: BCE loss (multiLabelLoss), validation macro-F1 at sigmoid >= 0.5 */
  multiLabel?: boolean;
}

/** TrainData from a Dataset's train (0) and val (1) splits (multi-label when it has yMulti). */
export function trainDataOf(ds: Dataset): TrainData {
  const K = ds.classes.length;
  return {
    x: ds.x, shape: ds.shape, y: ds.yMulti ? packMultiLabel(ds.yMulti, K) : ds.y, numClasses: K,
    train: splitIndices(ds, 'train'), val: splitIndices(ds, 'val'), ...(ds.yMulti ? { multiLabel: true } : {}),
  };
}

/**
 * Validation score of logits [n, K]: single-label -> macro-F1 and accuracy of argmax;
 * multi-label (y = bitmasks) -> macro-F1 over the K columns at logit >= 0 (sigmoid >= 0.5) and
 * the exact-match ratio.
 */
export function validationScore(logits: Float32Array, k: number, y: Int32Array, multiLabel: boolean): { f1: number; acc: number } {
  const n = y.length;
  let ok = 0;
  if (multiLabel) {
    const yt = new Uint8Array(n * k), yp = new Uint8Array(n * k);
    for (let i = 0; i < n; i++) {
      let mask = 0;
      for (let j = 0; j < k; j++) {
        yt[i * k + j] = (y[i] >>> j) & 1;
        yp[i * k + j] = logits[i * k + j] >= 0 ? 1 : 0;
        mask |= yp[i * k + j] << j;
      }
      if (mask === y[i]) ok++;
    }
    return { f1: multiLabelMacroF1(yt, yp, k), acc: ok / n };
  }
  const pred = argmaxRows(logits, k);
  for (let i = 0; i < n; i++) if (y[i] === pred[i]) ok++;
  return { f1: macroF1(y, pred, k), acc: ok / n };
}

export interface EpochLog {
  epoch: number;
  step: number;
  lr: number;
  trainLoss: number;
  valMacroF1: number;
  valAccuracy: number;
  best: boolean;
  seconds: number;
  samplesPerSec: number;
}

export interface BatchInfo {
  epoch: number;
  batch: number;
  step: number;
  loss: number;
}

export interface TrainOptions {
  spec: ModelSpec;
  /** the model to train (default: built from spec); data parallel needs a spec-buildable model */
  model?: Module;
  data: TrainData;
  config?: Partial<TrainConfig>;
  /** run directory: checkpoints (last.ckpt, prev.ckpt, best.ckpt) and train.jsonl; none when absent */
  outDir?: string;
  /** continue from the newest readable checkpoint in outDir (fresh start when there is none) */
  resume?: boolean;
  quiet?: boolean;
  /** called after every optimizer step (tests throw here to simulate a kill) */
  onBatch?: (b: BatchInfo) => void;
  /** receives human-readable notes (resume source, rejected checkpoints, early stop) */
  onNote?: (msg: string) => void;
  /** extra JSON stored in every checkpoint's meta.extra */
  extra?: Record<string, unknown>;
  /** knowledge distillation from fixed teacher logits (distill.ts; in-process training only) */
  distill?: DistillConfig;
}

export interface TrainResult {
  model: Module;
  history: EpochLog[];
  bestEpoch: number;
  bestValMacroF1: number;
  stoppedEarly: boolean;
  resumedFrom: string | null;
  /** best weights (also loaded into `model` at the end) */
  bestState: Map<string, Float32Array>;
}

interface TrainProgress {
  epoch: number;
  batch: number;
  step: number;
  rng: Array<number | null>;
  bestScore: number | null;
  bestEpoch: number;
  badEpochs: number;
  history: EpochLog[];
  done: boolean;
  stoppedEarly: boolean;
  lossSum: number;
  lossCount: number;
  epochSeconds: number;
}

function stepsPerEpoch(n: number, B: number): number {
  return n >= B ? Math.floor(n / B) : n >= 2 ? 1 : 0;
}

/**
 * Train (see TrainOptions). With an outDir, the directory is locked for the whole run
 * (util/lock.ts): a second process on the same directory fails with one line.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  if (!opts.outDir) return trainUnlocked(opts);
  const release = lockDirectory(opts.outDir, opts.onNote);
  try {
    return await trainUnlocked(opts);
  } finally {
    release();
  }
}

async function trainUnlocked(opts: TrainOptions): Promise<TrainResult> {
  const cfg = resolveTrainConfig(opts.config);
  const { data } = opts;
  const note = opts.onNote ?? (() => {});
  if (data.train.length < 2) throw new ArgumentError('train', `need at least 2 training examples, got ${data.train.length}`);
  if (data.val.length === 0) throw new ArgumentError('train', 'need a validation split (val) for model selection');
  const model = opts.model ?? buildModel(opts.spec);
  model.train();
  const multi = data.multiLabel === true;
  if (multi && cfg.sampler === 'balanced') throw new ArgumentError('train', "sampler 'balanced' needs single-label data; use 'shuffle' for a multi-label task");
  const counts = multi ? positiveCounts(data.y, data.train, data.numClasses) : classCounts(data.y, data.train, data.numClasses);
  const lossConfig = multi ? multiLabelLoss(cfg.loss) : cfg.loss;
  if (opts.distill && cfg.workers >= 2) throw new ArgumentError('train', 'distillation needs in-process training (workers: 1)');
  if (opts.distill && multi) throw new ArgumentError('train', 'distillation needs a single-label task');
  const loss = opts.distill ? bindDistillation(bindLoss(lossConfig, counts), opts.distill) : bindLoss(lossConfig, counts);
  const named = model.namedTrainable();
  const opt = makeOptimizer(cfg.optimizer, named, cfg.lr);
  const ema = cfg.emaDecay > 0 ? new Ema(cfg.emaDecay, model) : null;
  const perEpoch = cfg.epochSamples > 0 ? Math.min(cfg.epochSamples, cfg.sampler === 'balanced' ? Infinity : data.train.length) : data.train.length;
  const nb = stepsPerEpoch(perEpoch, cfg.batchSize);
  const totalSteps = nb * cfg.epochs;
  const schedule: ScheduleConfig = cfg.schedule.kind === 'cosine' && cfg.schedule.warmupSteps === undefined
    ? { ...cfg.schedule, warmupSteps: Math.round(cfg.warmupEpochs * nb) } : cfg.schedule;
  const rng = new Rng(cfg.seed);
  let perm: Int32Array | null = null;
  let bestState = model.stateDict();
  const st: TrainProgress = {
    epoch: 0, batch: 0, step: 0, rng: rng.getState(), bestScore: null, bestEpoch: -1, badEpochs: 0,
    history: [], done: false, stoppedEarly: false, lossSum: 0, lossCount: 0, epochSeconds: 0,
  };
  const out = opts.outDir;
  if (out) mkdirSync(out, { recursive: true });
  let resumedFrom: string | null = null;

  if (opts.resume && out) {
    const { checkpoint: ck, rejected } = latestCheckpoint(out);
    for (const e of rejected) note(`resume: skipped unusable checkpoint: ${e.message}`);
    if (ck) {
      model.loadStateDict(ck.state, { shapes: ck.shapes });
      opt.loadStateDict(ck.optimizer!);
      if (ema) {
        if (!ck.ema) throw new FormatError(ck.path, 'config has an EMA but the checkpoint has none');
        ema.loadStateDict(ck.ema);
      }
      const saved = (ck.meta.train as { config?: Partial<TrainConfig> }).config ?? {};
      for (const k of ['batchSize', 'seed', 'sampler', 'epochSamples', 'epochs', 'workers', 'lr'] as const) {
        if (saved[k] !== undefined && JSON.stringify(saved[k]) !== JSON.stringify(cfg[k])) {
          if (k === 'batchSize' && (ck.meta.train as TrainProgress).batch > 0) throw new ArgumentError('train', `cannot resume mid-epoch with batchSize ${cfg.batchSize}: the checkpoint used ${saved.batchSize}`);
          note(`resume: ${k} is ${JSON.stringify(cfg[k])}, the checkpoint's run used ${JSON.stringify(saved[k])}; the result will differ from an uninterrupted run`);
        }
      }
      Object.assign(st, ck.meta.train as TrainProgress);
      rng.setState(st.rng.map((v) => (v === null ? NaN : v)));
      perm = ck.perm;
      if (st.batch > 0 && perm === null) throw new FormatError(ck.path, 'mid-epoch checkpoint without the epoch order');
      resumedFrom = ck.path;
      note(`resumed from ${ck.path} at epoch ${st.epoch + 1}, batch ${st.batch}, step ${st.step}`);
      if (st.bestEpoch >= 0) {
        const bestPath = join(out, RUN_FILES.best);
        try {
          bestState = loadCheckpoint(bestPath).state;
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
          const restore = ema ? ema.swapInto(model) : null;
          bestState = model.stateDict();
          restore?.();
          const epoch = rederiveBest(st, e.message, note);
          if (epoch !== null) saveCheckpoint(bestPath, { kind: 'model', spec: opts.spec, model, state: bestState, extra: { ...opts.extra, epoch, valMacroF1: st.bestScore, config: cfg, rederived: true } });
        }
      }
    } else if (rejected.length > 0) {
      throw new FormatError(out, `no usable checkpoint to resume from (${rejected.map((e) => e.message).join('; ')})`);
    }
  }
  // the log holds exactly the epochs of the state training continues from (nothing on a fresh start)
  if (out) writeLog(join(out, RUN_FILES.log), st.history);

  const save = () => {
    if (!out) return;
    st.rng = rng.getState().map((v) => (Number.isNaN(v) ? null : v));
    saveRotating(out, {
      kind: 'train', spec: opts.spec, model, optimizer: opt.stateDict(), ema: ema?.stateDict() ?? null,
      train: { ...st, config: cfg }, perm: st.batch > 0 ? perm : null, extra: opts.extra,
    });
  };

  let engine: GradEngine | null = null;
  try {
    engine = cfg.workers >= 2
      ? await DataParallelEngine.start({ model, spec: opts.spec, data, loss, lossConfig, classCounts: counts, seed: cfg.seed, workers: cfg.workers })
      : new InProcessEngine(model, data, loss, cfg.seed);

    while (!st.done && st.epoch < cfg.epochs) {
      // time spent in this epoch since it started or since its last mid-epoch checkpoint
      let segmentStart = Date.now();
      if (st.batch === 0 || perm === null) {
        perm = cfg.sampler === 'balanced'
          ? balancedSample(data.y, data.train, data.numClasses, perEpoch, rng, cfg.samplerPower)
          : data.train.slice();
        if (cfg.sampler === 'shuffle') {
          rng.shuffle(perm);
          if (perEpoch < perm.length) perm = perm.slice(0, perEpoch);
        }
        st.batch = 0;
        st.lossSum = 0;
        st.lossCount = 0;
        st.epochSeconds = 0;
      }
      const progress = new Progress(`epoch ${st.epoch + 1}/${cfg.epochs}`, { total: nb * cfg.batchSize, unit: 'samples', quiet: opts.quiet });
      if (st.batch > 0) progress.update(st.batch * cfg.batchSize);
      let lr = opt.lr;
      for (let b = st.batch; b < nb; b++) {
        const idx = perm.subarray(b * cfg.batchSize, Math.min(perm.length, (b + 1) * cfg.batchSize));
        lr = learningRate(schedule, cfg.lr, st.step, totalSteps);
        opt.lr = lr;
        const l = await engine.compute(idx, st.step);
        if (!Number.isFinite(l)) throw new ArgumentError('train', `loss is ${l} at epoch ${st.epoch + 1}, batch ${b} (lower lr or enable clipping)`);
        if (cfg.clipNorm > 0) clipGradNorm(model.parameters(), cfg.clipNorm);
        opt.step();
        ema?.update(model);
        st.step++;
        st.batch = b + 1;
        st.lossSum += l;
        st.lossCount++;
        progress.tick(idx.length, `loss ${(st.lossSum / st.lossCount).toFixed(4)} lr ${lr.toExponential(2)}`);
        opts.onBatch?.({ epoch: st.epoch, batch: b, step: st.step, loss: l });
        if (cfg.checkpointEveryBatches > 0 && st.batch % cfg.checkpointEveryBatches === 0 && st.batch < nb) {
          st.epochSeconds += (Date.now() - segmentStart) / 1000;
          save();
          segmentStart = Date.now();
        }
      }
      // validation (with EMA weights when enabled)
      const restore = ema ? ema.swapInto(model) : null;
      let f1: number, acc: number, state: Map<string, Float32Array>;
      try {
        const { logits } = predictLogits(model, data.x, data.shape, data.val, cfg.evalBatchSize);
        ({ f1, acc } = validationScore(logits, data.numClasses, data.val.map((i) => data.y[i]), multi));
        state = model.stateDict();
      } finally {
        restore?.();
      }
      const better = st.bestScore === null || f1 > st.bestScore;
      if (better) {
        st.bestScore = f1;
        st.bestEpoch = st.epoch;
        st.badEpochs = 0;
        bestState = state;
        if (out) saveCheckpoint(join(out, RUN_FILES.best), { kind: 'model', spec: opts.spec, model, state, extra: { ...opts.extra, epoch: st.epoch + 1, valMacroF1: f1, config: cfg } });
      } else st.badEpochs++;
      const seconds = st.epochSeconds + (Date.now() - segmentStart) / 1000;
      const entry: EpochLog = {
        epoch: st.epoch + 1, step: st.step, lr, trainLoss: st.lossSum / Math.max(1, st.lossCount), valMacroF1: f1, valAccuracy: acc,
        best: better, seconds, samplesPerSec: (nb * cfg.batchSize) / Math.max(1e-9, seconds),
      };
      progress.finish(`loss ${entry.trainLoss.toFixed(4)} val macro-F1 ${f1.toFixed(4)}${better ? ' (best)' : ''}`);
      st.history.push(entry);
      if (out) appendLine(join(out, RUN_FILES.log), JSON.stringify(entry));
      st.epoch++;
      st.batch = 0;
      perm = null;
      if (cfg.patience > 0 && st.badEpochs >= cfg.patience) {
        st.stoppedEarly = true;
        st.done = true;
        note(`early stop after epoch ${st.epoch}: no better validation macro-F1 for ${cfg.patience} epochs`);
      }
      if (st.epoch >= cfg.epochs) st.done = true;
      save();
    }
  } finally {
    await engine?.close();
  }
  model.loadStateDict(bestState);
  return { model, history: st.history, bestEpoch: st.bestEpoch + 1, bestValMacroF1: st.bestScore ?? NaN, stoppedEarly: st.stoppedEarly, resumedFrom, bestState };
}

/** Rewrite the JSONL log as the given epochs (a resume drops epochs its checkpoint does not cover). */
function writeLog(path: string, history: EpochLog[]): void {
  writeFileAtomic(path, history.map((h) => `${JSON.stringify(h)}\n`).join(''));
}

/**
 * best.ckpt cannot be read on resume (`why`); the weights at hand are the resumed ones. At an epoch
 * end they are that epoch's, whose validation score the log holds: they become the best so far
 * (exact when that epoch was the best; otherwise the best epoch's weights are lost) and the epoch
 * (1-based) is returned for best.ckpt to be rewritten. Mid-epoch, selection restarts: the end of
 * the current epoch becomes the best. Either way `note` says what was lost.
 */
function rederiveBest(st: TrainProgress, why: string, note: (msg: string) => void): number | null {
  const lost = st.bestEpoch + 1;
  if (st.batch === 0 && st.epoch > 0 && st.history.length === st.epoch) {
    const epoch = st.epoch;
    const score = st.history[epoch - 1].valMacroF1;
    note(lost === epoch
      ? `resume: best.ckpt unusable (${why}); re-derived from the checkpoint at the end of epoch ${epoch}, the best epoch`
      : `resume: best.ckpt unusable (${why}); the weights of the best epoch ${lost} are lost: the best so far is now epoch ${epoch} (val macro-F1 ${score.toFixed(4)} in the log)`);
    if (lost !== epoch) st.badEpochs = 0;
    st.bestEpoch = epoch - 1;
    st.bestScore = score;
    return epoch;
  }
  note(`resume: best.ckpt unusable (${why}); the weights of the best epoch ${lost} are lost: model selection restarts, the end of epoch ${st.epoch + 1} becomes the best so far`);
  st.bestEpoch = -1;
  st.bestScore = null;
  st.badEpochs = 0;
  return null;
}
