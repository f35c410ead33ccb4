/**
 * Quantization-aware fine-tuning.
 *
 * QatModel wraps a float model (registering its children under the same names, so its
 * parameters, stateDict names and gradients are the float model's own) and interprets the
 * model's fused graph (bn_fold.ts) with autodiff ops:
 *   - BN is folded into the preceding conv on the fly with the RUNNING statistics ("BN frozen"
 *     QAT, as TF's quantize-aware training after freeze_bn_delay): the batch statistics are not
 *     used and the running statistics are not updated; gradients reach the conv weights, conv
 *     biases, gammas and betas through the fold;
 *   - folded weights are fake-quantized per output channel (fake_quant.ts) and biases to INT32
 *     at inputScale * weightScale, exactly as convertToIntModel will quantize them;
 *   - every quantization point (the input, each fused conv/linear(+act) output, each add, the
 *     logits; pooling outputs with their input's scale) is fake-quantized with per-tensor
 *     asymmetric INT8 parameters from its tracked [min, max] range. In training mode the range
 *     is updated before quantizing, as an EMA of the batch min / max (decay `emaDecay`, default
 *     0.99; an uninitialized range takes the first batch's); in eval mode it is fixed.
 *   - Dropout modules of the float model are applied at the tensor they follow (train mode only).
 * The ranges live in the buffer 'qatRanges' [points, 3] = (min, max, initialized), so the
 * trainer's best-epoch state and checkpoints carry them; `ranges()` hands them to
 * convertToIntModel. A checkpoint written while training a QatModel therefore has one entry
 * more than the float model: load it with `new QatModel(buildModel(spec)).loadStateDict(state)`,
 * `spec` being the one the model describes itself with (QatTrainable).
 *
 * Generated pointwise layers (HyperTinyPW): `weightFor(name)` may supply the layer's weight.
 * With generatedWeights 'folded' (default) the tensor is the FINAL weight [Cout, Cin] the
 * integer model uses: BN already folded in (use `foldScale(name)` for s = gamma / sqrt(var + eps))
 * and already fake-quantized by the caller; the QatModel only adds the folded, fake-quantized
 * bias (its weight scales are re-derived as max |w[c]| / 127). With 'raw' the tensor is the
 * weight before folding, and QatModel folds and fake-quantizes it like a stored one. Without a
 * supplied tensor a generated layer uses its weight provider (PointwiseConv1d.currentWeight()).
 * Extra trainable modules (the generator) can be registered through `modules`.
 */

import { Tensor, zeros } from '../core/index.ts';
import type { LayerDescriptor, TraceValue } from '../nn/descriptor.ts';
import { Dropout, PointwiseConv1d } from '../nn/layers.ts';
import { Module } from '../nn/module.ts';
import type { DistillConfig } from '../nn/distill.ts';
import { train, type TrainConfig, type TrainData, type TrainOptions, type TrainResult } from '../nn/trainer.ts';
import { ArgumentError } from '../util/errors.ts';
import { channelAxisOf, foldScaleTensor, foldTensors, fusedGraph, runFused, type DescribedModel, type FusedGraph, type WeightedStep } from './bn_fold.ts';
import { calibrate, type ActivationRanges, type CalibrateOptions } from './calibrate.ts';
import { fakeQuantActivation, fakeQuantBias, fakeQuantGlobalAvgPool, fakeQuantWeightPerChannel, weightScalesOf } from './fake_quant.ts';
import { quantizeMultiplier } from './fixed_point.ts';
import type { RoundingMode } from './int_model.ts';
import { chooseActivationParams } from './quantize.ts';

export interface QatOptions {
  /** initial ranges (e.g. from calibrate); points without one initialize on the first training batch */
  ranges?: ActivationRanges;
  /** EMA decay of the tracked ranges in training mode (default 0.99) */
  emaDecay?: number;
  /** supplies the weight of (generated) pointwise layers by layer name; see the file comment */
  weightFor?: (pwLayerName: string) => Tensor | undefined;
  /** what weightFor returns: 'folded' (final, fake-quantized; default) or 'raw' (before BN folding) */
  generatedWeights?: 'folded' | 'raw';
  /** false: run the folded float graph without any fake quantization (default true) */
  fakeQuant?: boolean;
  /** extra modules whose parameters train with the model (e.g. the HyperTinyPW generator) */
  modules?: Record<string, Module>;
  /** requantization rounding the IntModel will use (default 'double', TFLite Micro's): with
   * 'double' the fake quantization of conv / linear outputs emulates its double rounding */
  rounding?: RoundingMode;
}

export class QatModel extends Module {
  readonly model: DescribedModel;
  readonly graph: FusedGraph;
  readonly emaDecay: number;
  readonly weightFor: QatOptions['weightFor'];
  readonly generatedWeights: 'folded' | 'raw';
  readonly rounding: RoundingMode;
  /** per forward: right shifts of each weighted op's requantization, by output point */
  private readonly shifts = new Map<string, Int32Array>();
  /** fake quantization on (false: the folded float graph) */
  fakeQuant: boolean;
  /** quantization points with a range of their own, in graph order (rows of qatRanges) */
  readonly rangePoints: string[];
  private readonly rangeRow: Map<string, number>;
  private readonly rangeBuf: Tensor;
  private readonly params: Map<string, Tensor>;
  private readonly modulesByName: Map<string, Module>;
  /** Dropout modules by the quantization point (tensor) their input is */
  private readonly dropoutAt: Map<string, Dropout[]>;
  /** global average pool outputs -> number of averaged positions (their rounding is emulated) */
  private readonly gapCount = new Map<string, number>();

  constructor(model: DescribedModel, opts: QatOptions = {}) {
    super();
    this.model = model;
    const descs = model.layers();
    this.graph = fusedGraph(descs);
    this.emaDecay = opts.emaDecay ?? 0.99;
    if (!(this.emaDecay >= 0 && this.emaDecay < 1)) throw new ArgumentError('QatModel', `emaDecay ${this.emaDecay} must be in [0, 1)`);
    this.weightFor = opts.weightFor;
    this.generatedWeights = opts.generatedWeights ?? 'folded';
    this.fakeQuant = opts.fakeQuant ?? true;
    this.rounding = opts.rounding ?? 'double';
    const childParams = model.namedChildren().reduce((a, [, c]) => a + c.namedParameters().length + c.namedBuffers().length, 0);
    if (childParams !== model.namedParameters().length + model.namedBuffers().length) throw new ArgumentError('QatModel', 'the model has parameters or buffers of its own (outside child modules); wrap a model whose state lives in children');
    for (const [n, c] of model.namedChildren()) this.registerModule(n, c);
    for (const [n, m] of Object.entries(opts.modules ?? {})) this.registerModule(n, m);
    this.params = new Map([...model.namedParameters(), ...model.namedBuffers()]);
    this.modulesByName = new Map(model.namedModules());
    this.rangePoints = this.graph.points.filter((p) => this.graph.rangeSource.get(p) === p);
    this.rangeRow = new Map(this.rangePoints.map((p, i) => [p, i]));
    this.rangeBuf = this.registerBuffer('qatRanges', zeros([this.rangePoints.length, 3]));
    for (const st of this.graph.steps) if (st.kind === 'pool' && st.op === 'global_avgpool') this.gapCount.set(st.out, st.layer.inShape[0]);
    if (opts.ranges) this.setRanges(opts.ranges);
    // dropout: the fused graph skips it; apply the module at the tensor it reads
    this.dropoutAt = new Map();
    const alias = new Map<string, string>([['input', 'input']]);
    for (const d of descs) {
      if (d.kind === 'dropout') {
        const t = alias.get(d.inputs[0]) ?? d.inputs[0];
        alias.set(d.name, t);
        const m = this.modulesByName.get(d.name);
        if (m instanceof Dropout) this.dropoutAt.set(t, [...(this.dropoutAt.get(t) ?? []), m]);
      }
    }
  }

  private param(name: string): Tensor {
    const t = this.params.get(name);
    if (!t) throw new ArgumentError('QatModel', `no parameter or buffer "${name}"`);
    return t;
  }

  /** Set the tracked ranges (every point of `r` with a range of its own). */
  setRanges(r: ActivationRanges): void {
    const v = this.rangeBuf.data;
    for (const [p, [mn, mx]] of r) {
      const i = this.rangeRow.get(p);
      if (i === undefined) continue;
      if (!(Number.isFinite(mn) && Number.isFinite(mx) && mn <= mx)) throw new ArgumentError('QatModel.setRanges', `bad range [${mn}, ${mx}] for "${p}"`);
      v[3 * i] = mn;
      v[3 * i + 1] = mx;
      v[3 * i + 2] = 1;
    }
  }

  /** The tracked ranges of every quantization point (pooling outputs share their input's), for
   * convertToIntModel. Points never initialized are left out. */
  ranges(): ActivationRanges {
    const out: ActivationRanges = new Map();
    const v = this.rangeBuf.data;
    for (const p of this.graph.points) {
      const i = this.rangeRow.get(this.graph.rangeSource.get(p)!)!;
      if (v[3 * i + 2] === 1) out.set(p, [v[3 * i], v[3 * i + 1]]);
    }
    return out;
  }

  /** int8 parameters of a quantization point from its current range (null when uninitialized). */
  activationParams(point: string): { scale: number; zeroPoint: number } | null {
    const src = this.graph.rangeSource.get(point);
    if (src === undefined) throw new ArgumentError('QatModel', `"${point}" is not a quantization point (${this.graph.points.join(', ')})`);
    const i = this.rangeRow.get(src)!;
    const v = this.rangeBuf.data;
    return v[3 * i + 2] === 1 ? chooseActivationParams(v[3 * i], v[3 * i + 1]) : null;
  }

  private step(name: string): WeightedStep {
    const s = this.graph.steps.find((x) => x.kind === 'weighted' && x.name === name);
    if (!s || s.kind !== 'weighted') throw new ArgumentError('QatModel', `no conv / linear layer "${name}"`);
    return s;
  }

  /** BN fold scale s = gamma / sqrt(runningVar + eps) [Cout] of a layer (null without BN),
   * differentiable in gamma: a generated weight's folded form is diag(s) W. */
  foldScale(name: string): Tensor | null {
    return foldScaleTensor(this.step(name), (n) => this.param(n));
  }

  private observe(point: string, t: Tensor): void {
    const i = this.rangeRow.get(point)!;
    const v = t.values();
    let mn = Infinity;
    let mx = -Infinity;
    for (let k = 0; k < v.length; k++) {
      if (v[k] < mn) mn = v[k];
      if (v[k] > mx) mx = v[k];
    }
    if (!(Number.isFinite(mn) && Number.isFinite(mx))) return;
    const r = this.rangeBuf.data;
    if (r[3 * i + 2] !== 1) {
      r[3 * i] = mn;
      r[3 * i + 1] = mx;
      r[3 * i + 2] = 1;
    } else {
      const d = this.emaDecay;
      r[3 * i] = d * r[3 * i] + (1 - d) * mn;
      r[3 * i + 1] = d * r[3 * i + 1] + (1 - d) * mx;
    }
  }

  private weights(s: WeightedStep): { w: Tensor; b: Tensor | null } {
    const param = (n: string) => this.param(n);
    const supplied = s.op === 'pwconv1d' ? this.weightFor?.(s.name) : undefined;
    const axis = channelAxisOf(s.op);
    if (supplied && (supplied.rank !== 2 || supplied.shape[0] !== s.layer.paramShapes.weight[0] || supplied.shape[1] !== s.layer.paramShapes.weight[1])) {
      throw new ArgumentError('QatModel.weightFor', `"${s.name}" needs [${s.layer.paramShapes.weight.join(', ')}], got [${supplied.shape.join(', ')}]`);
    }
    let w: Tensor;
    let b: Tensor | null;
    let scales: Float32Array;
    if (supplied && this.generatedWeights === 'folded') {
      ({ b } = foldTensors(s, supplied, param));
      w = supplied;
      scales = weightScalesOf(w.values(), w.shape, axis);
    } else {
      let raw = supplied;
      if (!raw) {
        const mod = s.layer.generated ? this.modulesByName.get(s.name) : undefined;
        raw = mod instanceof PointwiseConv1d ? mod.currentWeight() : param(s.layer.params.weight);
      }
      ({ w, b } = foldTensors(s, raw, param));
      if (!this.fakeQuant) return { w, b };
      scales = weightScalesOf(w.values(), w.shape, axis);
      w = fakeQuantWeightPerChannel(w, axis, scales);
    }
    const pin = this.fakeQuant ? this.activationParams(s.input) : null;
    if (pin && b) b = fakeQuantBias(b, pin.scale, scales);
    const pout = this.fakeQuant && this.rounding === 'double' ? this.activationParams(s.out) : null;
    if (pin && pout) {
      // the right shift of each channel's requantization (perChannelRequant's arithmetic)
      const sIn = Math.fround(pin.scale);
      const sOut = Math.fround(pout.scale);
      this.shifts.set(s.out, Int32Array.from(scales, (sw) => Math.max(0, -quantizeMultiplier((sIn * sw) / sOut, 'double').shift)));
    }
    return { w, b };
  }

  forward(x: Tensor): Tensor {
    const training = this.training;
    this.shifts.clear();
    return runFused(this.graph, x, {
      weights: (s) => this.weights(s),
      point: (name, t) => {
        const src = this.graph.rangeSource.get(name)!;
        if (training && src === name) this.observe(name, t);
        let y = t;
        if (this.fakeQuant) {
          const p = this.activationParams(name);
          const count = this.gapCount.get(name);
          if (p) y = count === undefined ? fakeQuantActivation(t, p.scale, p.zeroPoint, -128, 127, this.shifts.get(name)) : fakeQuantGlobalAvgPool(t, p.scale, p.zeroPoint, count);
        }
        for (const d of this.dropoutAt.get(name) ?? []) y = d.forward(y);
        return y;
      },
    });
  }

  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    return this.model.trace(input, name, out);
  }

  /** The wrapped model's descriptors (what convertToIntModel reads). */
  layers(): LayerDescriptor[] {
    return this.model.layers();
  }
}

/** What qatFineTune trains: a model that describes its layers and the spec the trainer's
 * checkpoints record to rebuild it (SeparableCnn, HyperModel, LowRankModel). */
export type QatTrainable = DescribedModel & { spec(): TrainOptions['spec'] };

export interface QatFineTuneOptions {
  epochs: number;
  lr: number;
  /** run directory for the trainer's checkpoints and log (none when absent) */
  outDir?: string;
  weightFor?: QatOptions['weightFor'];
  generatedWeights?: QatOptions['generatedWeights'];
  modules?: QatOptions['modules'];
  /** initial ranges; default: calibrate on up to `calibExamples` training examples */
  ranges?: ActivationRanges;
  calibMethod?: CalibrateOptions['method'];
  /** default 2048 */
  calibExamples?: number;
  emaDecay?: number;
  /** rounding of the IntModel to be converted (default 'double') */
  rounding?: RoundingMode;
  /** model spec for the trainer's checkpoints (default: model.spec()) */
  spec?: TrainOptions['spec'];
  /** further trainer settings (workers must stay 1: worker threads rebuild a plain float model) */
  config?: Partial<TrainConfig>;
  /** knowledge distillation from fixed teacher logits during the fine-tune (nn/distill.ts) */
  distill?: DistillConfig;
  quiet?: boolean;
  onNote?: (msg: string) => void;
}

/**
 * Calibrate, wrap the model in a QatModel and fine-tune it with the nn trainer (best epoch by
 * validation macro-F1 of the fake-quantized model). Defaults: batch 64, AdamW, cosine without
 * warmup, workers 1. Returns the QatModel (best weights and ranges loaded) and its ranges.
 */
export async function qatFineTune(model: QatTrainable, data: TrainData, opts: QatFineTuneOptions): Promise<{ qat: QatModel; ranges: ActivationRanges; result: TrainResult }> {
  const spec = opts.spec ?? model.spec();
  if ((opts.config?.workers ?? 1) !== 1) throw new ArgumentError('qatFineTune', 'workers must be 1: data-parallel workers rebuild the float model from its spec and cannot run a QatModel');
  let ranges = opts.ranges;
  if (!ranges) {
    const n = Math.min(opts.calibExamples ?? 2048, data.train.length);
    const [, L, C] = data.shape;
    const row = L * C;
    const x = new Float32Array(n * row);
    // an evenly spaced subset of the training split (deterministic)
    for (let i = 0; i < n; i++) {
      const s = data.train[Math.floor((i * data.train.length) / n)];
      x.set(data.x.subarray(s * row, (s + 1) * row), i * row);
    }
    ranges = calibrate(model, x, [n, L, C], { method: opts.calibMethod ?? 'minmax' });
  }
  const qat = new QatModel(model, { ranges, weightFor: opts.weightFor, generatedWeights: opts.generatedWeights, modules: opts.modules, emaDecay: opts.emaDecay, rounding: opts.rounding });
  const result = await train({
    spec, model: qat, data, outDir: opts.outDir, quiet: opts.quiet, onNote: opts.onNote, distill: opts.distill,
    config: { warmupEpochs: 0, ...opts.config, epochs: opts.epochs, lr: opts.lr, workers: 1 },
    extra: { qat: true, note: 'QatModel state: the float model entries plus qatRanges [points, 3]' },
  });
  qat.eval();
  return { qat, ranges: qat.ranges(), result };
}
