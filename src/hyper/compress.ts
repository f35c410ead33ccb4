/**
 * compress: a trained HyperModel -> Deployable (what goes to flash) + the synthesized IntModel
 * (what the device runs after load-time synthesis). Also the trained low-rank baseline's
 * deployment (two skinny stored PW layers per factorized layer).
 *
 * Steps (on a copy of the model, eval mode, fake quantization off):
 *   1. BN after each generated PW (TFLite folds BN into the preceding conv; the generated kernel
 *      is synthesized, so the BN must be folded into what the generator stores):
 *        BN(W x) = diag(s) W x + (beta - s * mean),  s = gamma / sqrt(var + eps)  (bn_fold.ts)
 *      bnFold 'gains' (default for gains 'stored'): diag(s) diag(g) U S V = diag(g * s) U S V,
 *        so the stored gains become g * s (quantized per tensor at gainBits by quantizeGenerator,
 *        which HyperModel's fake quantization models: Q(g * s) / s, see generator_float.ts).
 *      bnFold 'next-layer' (default for gains 'generated' / 'none', where no stored per-channel
 *        factor exists): an exact float reparametrization. With s > 0 and a ReLU after the BN,
 *        relu(s y + b) = s relu(y + b / s), so the BN becomes gamma' = gamma / s, beta' = beta / s
 *        (scale 1, a pure shift) and s moves into the next per-channel linear op: the next
 *        block's depthwise weights (column c times s_c) or, after the last block, the classifier
 *        columns (global pooling and dropout are linear / identity). Requires every s > 0, ReLU
 *        (not ReLU6) and no squeeze-excite; otherwise it throws.
 *      Either way the BN shift becomes the layer's float bias, which convertToIntModel folds and
 *      markGenerated hands to buildDeployable (biasQ).
 *   2. Activation ranges: calibrate() on `calib` (or the ranges QAT tracked, `opts.ranges`).
 *   3. convertToIntModel with weightOverrides = the generator's float W_l (before folding); then
 *      markGenerated (generated.ts) marks the model's generated layers and strips them (only
 *      their bias survives).
 *   4. quantizeGenerator(toFloatParams({ bnScales })), buildDeployable, synthesize.
 */

import { noGrad, Tensor } from '../core/index.ts';
import { DepthwiseConv1d } from '../nn/layers.ts';
import type { TrainConfig, TrainData } from '../nn/trainer.ts';
import type { DistillConfig } from '../nn/distill.ts';
import { calibrate, type ActivationRanges, type CalibrateOptions } from '../quant/calibrate.ts';
import { convertToIntModel } from '../quant/convert.ts';
import type { IntModel, RoundingMode } from '../quant/int_model.ts';
import { quantizeValue } from '../quant/quantize.ts';
import type { Calibration } from '../quant/calibrate.ts';
import { simulateBatch } from '../quant/simulator.ts';
import { ArgumentError } from '../util/errors.ts';
import { factorizePw } from './ablations.ts';
import { buildDeployable, deployableFromIntModel, type Deployable, synthesize } from './deployable.ts';
import { isGenerated, markGenerated } from './generated.ts';
import { HyperModel, LowRankModel } from './hyper_model.ts';
import { quantizeGenerator } from './stored.ts';

export type BnFold = 'gains' | 'next-layer';

export interface CompressOptions {
  rounding?: RoundingMode;
  name?: string;
  /** see the file comment; default 'gains' for gains 'stored', else 'next-layer' */
  bnFold?: BnFold;
  /** activation ranges to use instead of calibrating (e.g. the ranges qatFineTune tracked) */
  ranges?: ActivationRanges;
  /** options of calibrate() */
  calibration?: CalibrateOptions;
  meta?: Record<string, unknown>;
}

export interface CompressResult {
  deployable: Deployable;
  /** synthesize(deployable) */
  intModel: IntModel;
  ranges: ActivationRanges;
  /** the model as it was converted (a copy; after 'next-layer' reparametrization) */
  folded: HyperModel;
}

/**
 * Move the BN scale of every generated layer into the next per-channel op (exact in float; see
 * the file comment). Mutates `model`.
 */
export function pushBnScaleForward(model: HyperModel): void {
  const cfg = model.cnnConfig;
  if (cfg.activation !== 'relu') throw new ArgumentError('pushBnScaleForward', `needs ReLU after the BN (the model uses ${cfg.activation}); use gains 'stored'`);
  if (cfg.squeezeExcite) throw new ArgumentError('pushBnScaleForward', 'squeeze-excite blocks are not supported');
  const blocks = model.backbone.blocks.layers;
  model.generatedLayers.forEach((name, l) => {
    const s = model.bnScale(l);
    const bad = [...s].findIndex((v) => !(v > 0));
    if (bad >= 0) throw new ArgumentError('pushBnScaleForward', `${name}: BN scale of channel ${bad} is ${s[bad]} (must be > 0 to pass through the ReLU); use gains 'stored'`);
    const bn = model.bns[l];
    for (let c = 0; c < s.length; c++) {
      bn.gamma.data[bn.gamma.offset + c] /= s[c];
      bn.beta.data[bn.beta.offset + c] /= s[c];
    }
    const b = Number(/^blocks\.(\d+)\.pw$/.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(b)) throw new ArgumentError('pushBnScaleForward', `unexpected layer name ${name}`);
    if (b + 1 < blocks.length) {
      const dw = (blocks[b + 1] as unknown as { dw: DepthwiseConv1d }).dw;
      const C = s.length;
      for (let i = 0; i < dw.weight.size; i++) dw.weight.data[dw.weight.offset + i] *= s[i % C]; // [K, C]
    } else {
      const fc = model.backbone.classifier.weight; // [out, in]
      const inF = fc.shape[1];
      for (let i = 0; i < fc.size; i++) fc.data[fc.offset + i] *= s[i % inF];
    }
  });
}

/** Compress a trained HyperModel (see the file comment). The model itself is not modified. */
export function compressToDeployable(model: HyperModel, calib: Calibration, opts: CompressOptions = {}): CompressResult {
  const m = model.clone();
  m.eval();
  m.setFakeQuant(false);
  const bnFold: BnFold = opts.bnFold ?? (m.knobs.gains === 'stored' ? 'gains' : 'next-layer');
  if (bnFold === 'next-layer') pushBnScaleForward(m);
  else if (m.knobs.gains !== 'stored') throw new ArgumentError('compressToDeployable', `bnFold 'gains' needs gains 'stored' (the model has '${m.knobs.gains}')`);
  const overrides = m.generatedWeights(false);
  const ranges = opts.ranges ?? calibrate(m, calib.x, calib.shape, { ...(opts.calibration ?? {}), weightOverrides: overrides });
  const converted = convertToIntModel(m, ranges, {
    weightOverrides: overrides, rounding: opts.rounding, name: opts.name ?? 'hypertinypw',
    meta: { ...(opts.meta ?? {}), method: 'hypertinypw', knobs: m.knobs, bnFold },
  });
  const { model: marked, biases } = markGenerated(converted, m.knobs.generated);
  const names = marked.ops.filter(isGenerated).map((op) => op.name);
  if (names.join() !== m.generatedLayers.join()) throw new ArgumentError('compressToDeployable', `generated ops [${names}] do not match the model's generated layers [${m.generatedLayers}]`);
  // with 'next-layer' the BN scale is 1 up to float rounding: fold it anyway (exact bookkeeping)
  const bnScales = m.generatedLayers.map((_, l) => m.bnScale(l));
  const floatParams = m.knobs.gains === 'stored' ? m.generator.toFloatParams({ bnScales }) : m.generator.toFloatParams();
  const gen = quantizeGenerator(floatParams, m.generatorConfig);
  const deployable = buildDeployable(marked, gen, biases);
  return { deployable, intModel: synthesize(deployable), ranges, folded: m };
}

/**
 * QAT then compress: fake quantization on (generator at storage bits, W_l as synthesis makes
 * it), `qatFineTune` of src/quant with the generated weights supplied through `weightFor`, then
 * compressToDeployable with the ranges QAT tracked.
 */
export async function qatCompress(model: HyperModel, data: TrainData, calib: Calibration, opts: CompressOptions & { epochs?: number; lr?: number; batchSize?: number; train?: Partial<TrainConfig>; distill?: DistillConfig } = {}): Promise<CompressResult> {
  const { qatFineTune } = await import('../quant/qat.ts');
  model.setFakeQuant(true);
  try {
    // 'raw': weightFor returns W_l before BN folding (stored gains fake-quantized as Q(g s) / s);
    // QatModel folds s = gamma / sigma (running statistics) and fake-quantizes per channel
    const { ranges } = await qatFineTune(model, data, {
      epochs: opts.epochs ?? 2, lr: opts.lr ?? 3e-4, spec: model.spec(), quiet: true, distill: opts.distill,
      weightFor: (name: string) => model.weightForLayer(name), generatedWeights: 'raw',
      config: { ...(opts.train ?? {}), ...(opts.batchSize ? { batchSize: opts.batchSize } : {}) },
    });
    return compressToDeployable(model, calib, { ...opts, ranges });
  } finally {
    model.setFakeQuant(false);
  }
}

/**
 * The trained low-rank baseline: convert (PW weights W = A B), then each factorized PW becomes
 * two stored PW layers (rank r, INT8 per channel) via factorizePw, whose SVD of a rank-r folded
 * kernel is exact up to float rounding. The intermediate tensor's scale is calibrated on the
 * first calibration example.
 */
export function compressLowRank(model: LowRankModel, calib: Calibration, opts: Omit<CompressOptions, 'bnFold'> = {}): { deployable: Deployable; intModel: IntModel; ranges: ActivationRanges } {
  const wasTraining = model.training;
  model.eval();
  try {
    const overrides = model.generatedWeights();
    const ranges = opts.ranges ?? calibrate(model, calib.x, calib.shape, { ...(opts.calibration ?? {}), weightOverrides: overrides });
    const converted = convertToIntModel(model, ranges, { weightOverrides: overrides, rounding: opts.rounding, name: opts.name ?? `pw-lowrank-${model.rank}`, meta: { ...(opts.meta ?? {}), method: 'pw-lowrank', rank: model.rank } });
    const input = converted.tensors[converted.inputId];
    const row = calib.shape[1] * calib.shape[2];
    const x0 = Int8Array.from(calib.x.subarray(0, row), (v) => quantizeValue(v, input.scale, input.zeroPoint));
    const intModel = factorizePw(converted, model.rank, { selection: model.selection, calibrationInput: x0 });
    return { deployable: deployableFromIntModel(intModel), intModel, ranges };
  } finally {
    model.train(wasTraining);
  }
}

// ---------------------------------------------------------------------------------------------
// Agreement of float and integer models

export interface Agreement {
  /** fraction of examples where the argmax of the float logits equals the simulated one */
  argmaxAgreement: number;
  /** max |float logit - dequantized simulated logit| over all examples and classes */
  maxAbsLogitError: number;
  /** mean |float - dequantized| */
  meanAbsLogitError: number;
  /** max |float logit| (for scale) */
  maxAbsLogit: number;
  /** argmax predictions of the simulated model */
  predictions: Int32Array;
}

/** Run the float model (eval, no grad) and the simulator on x [N, L, C]; compare the logits. */
export function compareFloatAndInt(model: { forward(x: Tensor): Tensor; train(on?: boolean): unknown; training: boolean }, intModel: IntModel, x: Float32Array, shape: [number, number, number], batch = 256): Agreement {
  const [N, L, C] = shape;
  const row = L * C;
  const wasTraining = model.training;
  model.train(false);
  const input = intModel.tensors[intModel.inputId];
  const output = intModel.tensors[intModel.outputId];
  let agree = 0;
  let maxErr = 0;
  let sumErr = 0;
  let maxLogit = 0;
  let K = 0;
  const predictions = new Int32Array(N);
  try {
    for (let s = 0; s < N; s += batch) {
      const n = Math.min(batch, N - s);
      const xs = x.subarray(s * row, (s + n) * row);
      const zf = noGrad(() => model.forward(new Tensor(Float32Array.from(xs), [n, L, C])).values());
      K = zf.length / n;
      const q = Int8Array.from(xs, (v) => quantizeValue(v, input.scale, input.zeroPoint));
      const out = simulateBatch(intModel, q, n);
      for (let i = 0; i < n; i++) {
        let bf = 0;
        let bq = 0;
        for (let k = 0; k < K; k++) {
          const f = zf[i * K + k];
          const d = output.scale * (out[i * K + k] - output.zeroPoint);
          const e = Math.abs(f - d);
          maxErr = Math.max(maxErr, e);
          sumErr += e;
          maxLogit = Math.max(maxLogit, Math.abs(f));
          if (f > zf[i * K + bf]) bf = k;
          if (out[i * K + k] > out[i * K + bq]) bq = k;
        }
        predictions[s + i] = bq;
        if (bf === bq) agree++;
      }
    }
  } finally {
    model.train(wasTraining);
  }
  return { argmaxAgreement: agree / N, maxAbsLogitError: maxErr, meanAbsLogitError: sumErr / (N * K), maxAbsLogit: maxLogit, predictions };
}
