/**
 * The variants every Pareto plot carries (docs/METHOD.md "Baselines every Pareto plot carries"), each
 * built through the real pipeline and measured on what would be deployed:
 *
 *   float-large   ECG_LARGE (or the task's large preset) in float32: flash = 4 bytes per parameter,
 *                 RAM = the peak of two live float32 activation buffers (input + output of a layer)
 *   int8-large    the same trained model, PTQ (or QAT) to an IntModel, run in the simulator
 *   pw-int8       the small backbone, QAT, every PW stored INT8
 *   pw-lowrank    PW stored as INT8 rank-r factors (two skinny PWs, no cache)
 *   pw-4bit       PW (all but PW1) at 4 bits, packed nibbles
 *   hypertinypw   PW (all but PW1) generated at load time from codes + the shared generator
 *   cnn-matched   the separable family at a width multiplier chosen by code so that its INT8
 *                 flash matches a chosen HyperTinyPW point, trained from scratch (the naive rival)
 * The pw-* and hypertinypw variants compress a trained backbone (the small one, or the large CNN
 * with the sweep's hyper.backbone = 'large'); their generator / factors start from a fit of the
 * trained PW kernels (src/hyper/fit.ts) and may train with distillation from the large float CNN.
 * Flash and RAM of the integer variants come from accountBytes (src/hyper/bytes.ts) by category.
 */

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import type { ByteBreakdown, CurvePoint } from '../eval/results.ts';
import { accountBytes, type ByteAccount } from '../hyper/bytes.ts';
import { factorizePw, quantizePwTo4Bit } from '../hyper/ablations.ts';
import { quantizeInput } from '../quant/simulator.ts';
import { decodeDeployable, DEPLOYABLE_MAGIC, encodeDeployable } from '../hyper/deployable_io.ts';
import { deployableFromIntModel, isDeployable, type Deployable } from '../hyper/deployable.ts';
import type { GeneratorKnobs } from '../hyper/config.ts';
import { DEFAULT_KNOBS } from '../hyper/config.ts';
import { loadModel } from '../nn/checkpoint.ts';
import type { Module } from '../nn/module.ts';
import { separableCnnConfig, type SeparableCnn, type SeparableCnnConfig } from '../nn/models/separable_cnn.ts';
import { train, trainDataOf, type EpochLog, type TrainConfig, type TrainData } from '../nn/trainer.ts';
import type { IntModel } from '../quant/int_model.ts';
import { decodeIntModel, encodeIntModel, INT_MODEL_MAGIC } from '../quant/int_model_io.ts';
import { writeFileAtomic } from '../util/atomic_write.ts';
import { ArgumentError } from '../util/errors.ts';
import { calibrationOf } from './data.ts';
import { buildHyperModel, buildLowRankModel, compressLowRank, compressToDeployable, convertToIntModel, ptq, qatCompress, qatFineTune, trainHyperModel, type Calibration } from './stages.ts';
import { fitHyperModel, fitLowRankModel } from '../hyper/fit.ts';
import { predictLogits } from '../nn/batch.ts';
import type { DistillConfig } from '../nn/distill.ts';
import { Rng } from '../core/rng.ts';
import { buildModel } from '../nn/models/separable_cnn.ts';

export const VARIANTS = ['float-large', 'int8-large', 'pw-int8', 'pw-lowrank', 'pw-4bit', 'hypertinypw', 'cnn-matched'] as const;
export type VariantName = (typeof VARIANTS)[number];

// ---------------------------------------------------------------------------------------------
// bytes

export function breakdown(total: number, byCategory: Record<string, number>): ByteBreakdown {
  const cats = Object.fromEntries(Object.entries(byCategory).filter(([, v]) => v > 0));
  return { total, byCategory: cats };
}

/** Flash / RAM of a deployable integer model, by accountBytes category. */
export function intBytes(m: Deployable | IntModel): { flash: ByteBreakdown; ram: ByteBreakdown; account: ByteAccount } {
  const a = accountBytes(m);
  return { flash: breakdown(a.flash.total, a.flash.byCategory), ram: breakdown(a.ram.total, a.ram.byCategory), account: a };
}

/**
 * Flash / RAM of a float32 model: flash = 4 bytes per parameter value (BN folded away: weights,
 * biases, BN scale and shift as stored by the trainer, running statistics excluded); RAM = the
 * largest (input + output) float32 activation pair of any layer (two-buffer ping-pong).
 */
export function floatBytes(model: SeparableCnn): { flash: ByteBreakdown; ram: ByteBreakdown } {
  const params = model.parameterCount();
  let peak = 0;
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  for (const d of model.layers()) peak = Math.max(peak, size(d.inShape) + size(d.outShape));
  return { flash: breakdown(params * 4, { floatParameters: params * 4 }), ram: breakdown(peak * 4, { activationArena: peak * 4 }) };
}

// ---------------------------------------------------------------------------------------------
// model files

/** An IntModel or a Deployable file, told apart by its container magic. */
export function readIntegerModel(path: string): Deployable | IntModel {
  const b = readFileSync(path);
  const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic === DEPLOYABLE_MAGIC) return decodeDeployable(bytes, path);
  if (magic === INT_MODEL_MAGIC) return decodeIntModel(bytes, path);
  throw new ArgumentError('readIntegerModel', `${path} is neither a Deployable (${DEPLOYABLE_MAGIC}) nor an IntModel (${INT_MODEL_MAGIC}) (magic "${magic}")`);
}

export function writeIntegerModel(path: string, m: Deployable | IntModel): void {
  writeFileAtomic(path, isDeployable(m) ? encodeDeployable(m) : encodeIntModel(m));
}

// ---------------------------------------------------------------------------------------------
// training

export interface TrainStageOptions {
  train?: Partial<TrainConfig>;
  quiet?: boolean;
  note?: (msg: string) => void;
}

export function curvesOf(history: EpochLog[]): CurvePoint[] {
  return history.map((h) => ({ epoch: h.epoch, trainLoss: h.trainLoss, valMacroF1: h.valMacroF1 }));
}

/** The model config of a preset for a dataset (classes, input length and channels from the data). */
export function modelConfigFor(ds: Dataset, preset: string, overrides: Partial<SeparableCnnConfig> = {}): SeparableCnnConfig {
  return separableCnnConfig(preset, { ...overrides, numClasses: ds.classes.length, inputLength: ds.shape[1], inputChannels: ds.shape[2] });
}

/**
 * Train (or resume, or reload when finished) a separable CNN in runDir: train() with resume, so
 * a killed run continues from its last checkpoint and a finished one only reloads.
 */
export async function trainFloat(ds: Dataset, config: SeparableCnnConfig, runDir: string, o: TrainStageOptions = {}): Promise<{ model: SeparableCnn; curves: CurvePoint[]; seconds: number }> {
  const t0 = Date.now();
  mkdirSync(runDir, { recursive: true });
  const spec = { family: 'separable_cnn' as const, config };
  const res = await train({ spec, data: trainDataOf(ds), config: o.train, outDir: runDir, resume: true, quiet: o.quiet, onNote: o.note, extra: { dataset: ds.name } });
  const best = join(runDir, 'best.ckpt');
  const model = existsSync(best) ? loadModel(best).model : (res.model as SeparableCnn);
  model.eval();
  return { model, curves: curvesOf(res.history), seconds: (Date.now() - t0) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// quantized variants

/** QAT fine-tuning: epochs, peak lr, and trainer settings (e.g. { sampler: 'balanced', epochSamples: 8192 }). */
export interface QatStage {
  epochs: number;
  lr: number;
  train?: Partial<TrainConfig>;
  /** HyperTinyPW and low-rank: fine-tune with the same distillation from the large CNN as their
   * end-to-end training (default false: QAT on the labels alone) */
  distill?: boolean;
}

export interface QuantizeStageOptions {
  /** 'ptq' (post-training, calibrated) or 'qat' (fine-tune with fake quantization, then convert) */
  method: 'ptq' | 'qat';
  qat?: QatStage;
  calibration?: number;
  quiet?: boolean;
  outDir?: string;
}

/**
 * A trained float model -> IntModel: PTQ (calibrated min/max ranges), or QAT (qatFineTune of a
 * copy, BN frozen, best epoch on val, then convertToIntModel with the ranges QAT tracked). The
 * model passed in is not modified.
 */
export async function quantizeModel(model: SeparableCnn, ds: Dataset, o: QuantizeStageOptions): Promise<IntModel> {
  const meta = { task: ds.name, classes: [...ds.classes] };
  if (o.method === 'ptq') return ptq(model, calibrationOf(ds, o.calibration ?? 512), { name: `${ds.name}-ptq`, meta }).intModel;
  const copy = buildModel({ family: 'separable_cnn', config: model.config });
  copy.loadStateDict(model.stateDict());
  const q = o.qat ?? { epochs: 2, lr: 5e-4 };
  const { ranges } = await qatFineTune(copy, trainDataOf(ds), { epochs: q.epochs, lr: q.lr, quiet: o.quiet, outDir: o.outDir, ...(q.train ? { config: q.train } : {}) });
  copy.eval();
  return convertToIntModel(copy, ranges, { name: `${ds.name}-qat`, meta });
}

/** PW (all but PW1) requantized to 4 bits per output channel, stored as packed nibbles. */
export function pw4bit(im: IntModel): Deployable {
  const { model, weightBits } = quantizePwTo4Bit(im);
  return deployableFromIntModel(model, weightBits);
}

export function pwInt8(im: IntModel): Deployable {
  return deployableFromIntModel(im);
}

// ---------------------------------------------------------------------------------------------
// HyperTinyPW

export interface HyperStageOptions extends TrainStageOptions {
  knobs: Partial<GeneratorKnobs>;
  /** default knobs of the family (mitbih (4, 12, 3) for ECG; apnea's (6, 16, 4) for KWS) */
  base?: keyof typeof DEFAULT_KNOBS;
  /** initialize the backbone (stem, DW, BN, PW1, classifier) from a trained float model */
  init?: SeparableCnn;
  /** QAT fine-tuning after training (default 2 epochs at 3e-4) */
  qat?: QatStage;
  calibration?: number;
  /** fit the generator (low rank: truncated SVD) to the PW kernels of `init` first (default true with init) */
  fitInit?: boolean;
  /** knowledge distillation from this float model (the large CNN) while training */
  teacher?: SeparableCnn;
  distill?: { alpha?: number; temperature?: number };
}

/** What a compressed variant reports besides its deployable: the relative error of the initial fit per generated layer. */
export interface FitSummary {
  fitRelError?: number[];
  fitRelErrorQuantized?: number[];
}

export function knobsOf(o: Pick<HyperStageOptions, 'knobs' | 'base'>): GeneratorKnobs {
  return { ...DEFAULT_KNOBS[o.base ?? 'mitbih'], ...o.knobs };
}

/** Copy the float backbone's weights into a HyperModel / LowRankModel (same names; the generator stays as initialized). */
function initFrom(m: Module, init: SeparableCnn | undefined): void {
  if (init) m.loadStateDict(init.stateDict(), { strict: false });
}

/**
 * HyperTinyPW: build a HyperModel (backbone from `init` when given), train it end to end in
 * runDir (resumable), QAT (generator at its storage bits, W_l as synthesis makes it), compress to
 * a Deployable (synthesized once on the host as a check).
 */
export async function trainHyper(ds: Dataset, config: SeparableCnnConfig, runDir: string, o: HyperStageOptions): Promise<{ deployable: Deployable; model: Module; curves: CurvePoint[]; seconds: number } & FitSummary> {
  const t0 = Date.now();
  const knobs = knobsOf(o);
  const model = buildHyperModel(config, knobs);
  initFrom(model, o.init);
  const fit: FitSummary = {};
  if (o.init && o.fitInit !== false) {
    const r = fitHyperModel(model);
    fit.fitRelError = r.relError;
    fit.fitRelErrorQuantized = r.relErrorQuantized;
    o.note?.(`generator fitted to the trained PW kernels in ${r.seconds.toFixed(1)}s: relative error ${fmtErrors(r.relError)} (fake-quantized ${fmtErrors(r.relErrorQuantized)})`);
  }
  mkdirSync(runDir, { recursive: true });
  const data = trainDataOf(ds);
  const distill = o.teacher ? distillationOf(o.teacher, data, o.distill) : undefined;
  const res = await trainHyperModel(model, data, { config: o.train, outDir: runDir, resume: true, quiet: o.quiet, onNote: o.note, extra: { dataset: ds.name }, distill });
  const q = o.qat ?? { epochs: 2, lr: 3e-4 };
  const { deployable } = await qatCompress(model, data, calibrationOf(ds, o.calibration ?? 512), { epochs: q.epochs, lr: q.lr, train: q.train, distill: q.distill ? distill : undefined, name: `${ds.name}-hypertinypw`, meta: { task: ds.name, classes: [...ds.classes] } });
  deployable.model.meta = { ...deployable.model.meta, task: ds.name, classes: [...ds.classes] };
  return { deployable, model, curves: curvesOf(res.history), seconds: (Date.now() - t0) / 1000, ...fit };
}

/**
 * The trained low-rank baseline: PW (all but PW1) as W = A B at rank r (backbone from `init`),
 * trained end to end, QAT, deployed as two skinny stored INT8 PW layers per factorized layer.
 */
export async function trainLowRank(ds: Dataset, config: SeparableCnnConfig, rank: number, runDir: string, o: Omit<HyperStageOptions, 'knobs' | 'base'>): Promise<{ deployable: Deployable; curves: CurvePoint[]; seconds: number } & FitSummary> {
  const t0 = Date.now();
  const model = buildLowRankModel(config, rank);
  initFrom(model, o.init);
  const fit: FitSummary = {};
  if (o.init && o.fitInit !== false) {
    fit.fitRelError = fitLowRankModel(model).relError;
    o.note?.(`rank-${rank} factors from the truncated SVD of the trained PW kernels: relative error ${fmtErrors(fit.fitRelError)}`);
  }
  mkdirSync(runDir, { recursive: true });
  const data = trainDataOf(ds);
  const distill = o.teacher ? distillationOf(o.teacher, data, o.distill) : undefined;
  const res = await trainHyperModel(model, data, { config: o.train, outDir: runDir, resume: true, quiet: o.quiet, onNote: o.note, extra: { dataset: ds.name }, distill });
  const q = o.qat ?? { epochs: 2, lr: 3e-4 };
  const { ranges } = await qatFineTune(model, data, { epochs: q.epochs, lr: q.lr, spec: model.spec(), quiet: true, distill: q.distill ? distill : undefined, ...(q.train ? { config: q.train } : {}) });
  model.eval();
  const { deployable } = compressLowRank(model, calibrationOf(ds, o.calibration ?? 512), { ranges, name: `${ds.name}-pw-lowrank-${rank}`, meta: { task: ds.name, classes: [...ds.classes] } });
  return { deployable, curves: curvesOf(res.history), seconds: (Date.now() - t0) / 1000, ...fit };
}

function fmtErrors(e: number[]): string {
  return `[${e.map((v) => v.toFixed(3)).join(', ')}]`;
}

/** The teacher's logits on every training example (eval mode), as the trainer's DistillConfig. */
export function distillationOf(teacher: SeparableCnn, data: TrainData, o: { alpha?: number; temperature?: number } = {}): DistillConfig {
  const { logits, numClasses } = predictLogits(teacher, data.x, data.shape, data.train);
  if (numClasses !== data.numClasses) throw new ArgumentError('distill', `the teacher has ${numClasses} outputs, the task ${data.numClasses} classes`);
  const teacherLogits = new Float32Array(data.shape[0] * numClasses);
  data.train.forEach((row, i) => teacherLogits.set(logits.subarray(i * numClasses, (i + 1) * numClasses), row * numClasses));
  return { teacherLogits, numClasses, ...o };
}

// ---------------------------------------------------------------------------------------------
// cnn-matched: the separable family scaled to a HyperTinyPW point's flash

/** The config with every stem / block width multiplied by `w` (rounded, at least 2 channels). */
export function scaleWidths(config: SeparableCnnConfig, w: number): SeparableCnnConfig {
  const c = (n: number) => Math.max(2, Math.round(n * w));
  return { ...structuredClone(config), stem: { ...config.stem, channels: c(config.stem.channels) }, blocks: config.blocks.map((b) => ({ ...b, channels: c(b.channels) })) };
}

/** Random calibration inputs of a config's shape (byte counts depend on shapes, not values). */
function shapeCalibration(config: SeparableCnnConfig): Calibration {
  const rng = new Rng(0);
  const n = 4;
  return { x: Float32Array.from({ length: n * config.inputLength * config.inputChannels }, () => rng.normal()), shape: [n, config.inputLength, config.inputChannels] };
}

/** Flash bytes (accountBytes) of a config stored INT8 (PTQ of an untrained model: sizes only). */
export function int8FlashBytes(config: SeparableCnnConfig): number {
  const m = buildModel({ family: 'separable_cnn', config });
  m.eval();
  return accountBytes(ptq(m, shapeCalibration(config)).intModel).flash.total;
}

/** Flash bytes of a HyperTinyPW point on a backbone config (an untrained HyperModel compressed: sizes only). */
export function hyperFlashBytes(config: SeparableCnnConfig, knobs: GeneratorKnobs): number {
  const m = buildHyperModel(config, knobs);
  m.eval();
  return accountBytes(compressToDeployable(m, shapeCalibration(config)).deployable).flash.total;
}

/**
 * The width multiplier (a multiple of 1/64 in (0, 4]) whose INT8 flash is closest to `targetBytes`
 * (bisection: flash grows with the width).
 */
export function matchWidth(config: SeparableCnnConfig, targetBytes: number, bytesOf: (c: SeparableCnnConfig) => number = int8FlashBytes): { multiplier: number; config: SeparableCnnConfig; bytes: number } {
  let lo = 1;
  let hi = 256;
  const at = (k: number) => bytesOf(scaleWidths(config, k / 64));
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (at(mid) <= targetBytes) lo = mid;
    else hi = mid;
  }
  const [bLo, bHi] = [at(lo), at(hi)];
  const k = Math.abs(bHi - targetBytes) < Math.abs(bLo - targetBytes) ? hi : lo;
  return { multiplier: k / 64, config: scaleWidths(config, k / 64), bytes: k === hi ? bHi : bLo };
}
