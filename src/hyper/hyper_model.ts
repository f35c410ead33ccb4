/**
 * HyperModel: a SeparableCnn whose selected pointwise layers (default all but PW1) take their
 * weight from a FloatGenerator, trained end to end by the nn trainer. LowRankModel: the same
 * backbone with those PW layers factorized W = A B at rank r and trained (the 'pw-lowrank'
 * baseline, deployed as two skinny stored PW layers by compress.ts).
 *
 * Parameter names: the backbone's children are registered directly on the HyperModel (stem,
 * blocks, pool, dropout, classifier), then 'generator' (or 'lowrank'), so `stateDict()` is the
 * SeparableCnn's state plus 'generator.*' and `layers()` (the backbone's descriptors) names
 * entries of this model's stateDict, as src/quant expects.
 *
 * Training: `train({ spec: hyperSpec(m), model: m, data, config: { workers: 1 }, extra:
 * hyperExtra(m) })`. The data-parallel workers rebuild a model from its ModelSpec, which only
 * knows 'separable_cnn', so a HyperModel trains with workers: 1 (trainHyperModel forces it);
 * checkpoints carry the knobs in meta.extra.hyper and `loadHyperModel(path)` rebuilds the model.
 */

import { Tensor, matmul, noGrad, randn } from '../core/index.ts';
import { Rng } from '../core/rng.ts';
import type { LayerDescriptor, TraceValue } from '../nn/descriptor.ts';
import { BatchNorm1d, PointwiseConv1d } from '../nn/layers.ts';
import { Module } from '../nn/module.ts';
import { SeparableCnn, type ModelSpec, type SeparableCnnConfig } from '../nn/models/separable_cnn.ts';
import { loadCheckpoint } from '../nn/checkpoint.ts';
import { train, type TrainConfig, type TrainData, type TrainOptions, type TrainResult } from '../nn/trainer.ts';
import { bnInvStd } from '../quant/bn_fold.ts';
import { ArgumentError, FormatError } from '../util/errors.ts';
import { knobProblems, makeConfig, type GeneratedSelection, type GeneratorConfig, type GeneratorKnobs } from './config.ts';
import { FloatGenerator } from './generator_float.ts';

export interface HyperModelOptions {
  /** generator initialization seed (default: the backbone config's seed + 1) */
  seed?: number;
}

/** Indices into `pw` picked by a selection (config.ts semantics, over the model's PW layers). */
export function selectPointwise(count: number, selection: GeneratedSelection): number[] {
  if (selection === 'all') return Array.from({ length: count }, (_, i) => i);
  if (selection === 'all-but-first') return Array.from({ length: Math.max(0, count - 1) }, (_, i) => i + 1);
  for (const j of selection) if (!(Number.isInteger(j) && j >= 0 && j < count)) throw new ArgumentError('selectPointwise', `pointwise index ${j} out of range (${count} PW layers)`);
  return [...new Set(selection)].sort((a, b) => a - b);
}

/** The BatchNorm registered right after `pwName` ('blocks.3.pw' -> 'blocks.3.pwBn'), or null. */
function bnAfter(modules: Map<string, Module>, pwName: string): BatchNorm1d | null {
  const m = modules.get(`${pwName}Bn`);
  return m instanceof BatchNorm1d ? m : null;
}

/** Shared skeleton: a backbone whose children are registered flat on this module. */
abstract class BackboneHolder extends Module {
  readonly backbone: SeparableCnn;
  /** names of the replaced PW layers ('blocks.1.pw', ...), generatedIndex order */
  readonly generatedLayers: string[];
  readonly pwLayers: PointwiseConv1d[];
  /** the BN following each replaced PW */
  readonly bns: BatchNorm1d[];

  constructor(readonly cnnConfig: SeparableCnnConfig, selection: GeneratedSelection) {
    super();
    this.backbone = new SeparableCnn(cnnConfig);
    const b = this.backbone;
    this.registerModule('stem', b.stem);
    this.registerModule('blocks', b.blocks);
    this.registerModule('pool', b.pool);
    if (b.dropout) this.registerModule('dropout', b.dropout);
    this.registerModule('classifier', b.classifier);
    const pws = b.pointwiseLayers();
    const idx = selectPointwise(pws.length, selection);
    const modules = new Map(b.namedModules());
    this.generatedLayers = idx.map((i) => pws[i][0]);
    this.pwLayers = idx.map((i) => pws[i][1]);
    this.bns = this.generatedLayers.map((n) => {
      const bn = bnAfter(modules, n);
      if (!bn) throw new ArgumentError('HyperModel', `no BatchNorm after ${n}`);
      return bn;
    });
  }

  forward(x: Tensor): Tensor {
    return this.backbone.forward(x);
  }

  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    return this.backbone.trace(input, name, out);
  }

  layers(): LayerDescriptor[] {
    return this.backbone.layers();
  }

  pointwiseLayers(): Array<[string, PointwiseConv1d]> {
    return this.backbone.pointwiseLayers();
  }

  /** BN scale gamma / sigma (running statistics, bn_fold.ts arithmetic) of replaced layer l. */
  bnScale(l: number): Float32Array {
    const bn = this.bns[l];
    const inv = bnInvStd(bn.runningVar.toFloat32Array(), bn.eps);
    const g = bn.gamma.toFloat32Array();
    return Float32Array.from(g, (v, c) => v * inv[c]);
  }

  /** The ModelSpec the trainer records (the backbone's; see the file comment). */
  spec(): ModelSpec {
    return { family: 'separable_cnn', config: structuredClone(this.cnnConfig) };
  }
}

export class HyperModel extends BackboneHolder {
  readonly knobs: GeneratorKnobs;
  readonly generatorConfig: GeneratorConfig;
  readonly generator: FloatGenerator;
  private fq = false;

  constructor(cnnConfig: SeparableCnnConfig, knobs: GeneratorKnobs, opts: HyperModelOptions = {}) {
    const problems = knobProblems(knobs);
    if (problems.length) throw new ArgumentError('HyperModel', problems.join('; '));
    super(cnnConfig, knobs.generated);
    this.knobs = structuredClone(knobs);
    this.generatorConfig = makeConfig(this.knobs, this.pwLayers.map((p) => ({ cIn: p.inChannels, cOut: p.outChannels })));
    this.generator = this.registerModule('generator', new FloatGenerator(this.generatorConfig, { seed: opts.seed ?? cnnConfig.seed + 1 }));
    this.pwLayers.forEach((pw, l) => pw.setWeightProvider(() => this.generatedWeight(l)));
  }

  /** Fake-quantize the generator and the generated kernels as the device will (QAT). */
  setFakeQuant(on: boolean): void {
    this.fq = on;
  }

  get fakeQuant(): boolean {
    return this.fq;
  }

  /** W_l as the PW uses it now (fake-quantized when setFakeQuant(true); with the BN scale folded
   * into the stored gains' quantization). */
  generatedWeight(l: number): Tensor {
    if (!this.fq) return this.generator.weightFor(l, { fakeQuant: false });
    return this.generator.weightFor(l, { fakeQuant: true, ...(this.knobs.gains === 'stored' ? { bnScale: this.bnScale(l) } : {}) });
  }

  /** For QAT (`weightFor` of qat.ts): the fake-quantized generated weight of a PW layer by name. */
  weightForLayer(name: string): Tensor | undefined {
    const l = this.generatedLayers.indexOf(name);
    if (l < 0) return undefined;
    return this.generator.weightFor(l, { fakeQuant: true, ...(this.knobs.gains === 'stored' ? { bnScale: this.bnScale(l) } : {}) });
  }

  /** The generated weights now (no gradient), as convertToIntModel's weightOverrides. */
  generatedWeights(fakeQuant = false): Map<string, Float32Array> {
    return noGrad(() => new Map(this.generatedLayers.map((n, l) => [n, this.generator.weightFor(l, { fakeQuant }).toFloat32Array()])));
  }

  /** A new HyperModel with the same configuration and a copy of the weights. */
  clone(): HyperModel {
    const m = new HyperModel(this.cnnConfig, this.knobs);
    m.loadStateDict(this.stateDict());
    m.setFakeQuant(this.fq);
    m.train(this.training);
    return m;
  }

  /** meta.extra for train(): lets loadHyperModel rebuild the model from a checkpoint. */
  extra(): Record<string, unknown> {
    return { hyper: { kind: 'hypertinypw', knobs: this.knobs } };
  }
}

export function buildHyperModel(config: SeparableCnnConfig, knobs: GeneratorKnobs, opts: HyperModelOptions = {}): HyperModel {
  return new HyperModel(config, knobs, opts);
}

// ---------------------------------------------------------------------------------------------
// The trained low-rank baseline

export class LowRankFactors extends Module {
  readonly A: Tensor[] = [];
  readonly B: Tensor[] = [];

  constructor(shapes: Array<{ cIn: number; cOut: number }>, readonly rank: number, rng: Rng) {
    super();
    shapes.forEach((s, l) => {
      const r = Math.min(rank, s.cIn, s.cOut);
      // var(W) = r sA^2 sB^2 = 2 / cIn (Kaiming), sA = sB
      const std = (2 / (s.cIn * r)) ** 0.25;
      this.A.push(this.registerParameter(`A${l}`, randn([s.cOut, r], rng, std)));
      this.B.push(this.registerParameter(`B${l}`, randn([r, s.cIn], rng, std)));
    });
  }

  weightFor(l: number): Tensor {
    return matmul(this.A[l], this.B[l]);
  }

  forward(): Tensor {
    throw new ArgumentError('LowRankFactors', 'use weightFor(l)');
  }

  trace(input: TraceValue): TraceValue {
    return input;
  }
}

/** The 'pw-lowrank' baseline trained as such: W_l = A_l B_l (A [cOut, r], B [r, cIn]). */
export class LowRankModel extends BackboneHolder {
  readonly factors: LowRankFactors;

  constructor(cnnConfig: SeparableCnnConfig, readonly rank: number, readonly selection: GeneratedSelection = 'all-but-first', opts: { seed?: number } = {}) {
    super(cnnConfig, selection);
    if (!(Number.isInteger(rank) && rank >= 1)) throw new ArgumentError('LowRankModel', `rank must be a positive integer, got ${rank}`);
    this.factors = this.registerModule('lowrank', new LowRankFactors(this.pwLayers.map((p) => ({ cIn: p.inChannels, cOut: p.outChannels })), rank, new Rng(opts.seed ?? cnnConfig.seed + 1)));
    this.pwLayers.forEach((pw, l) => pw.setWeightProvider(() => this.factors.weightFor(l)));
  }

  /** The factored weights now (no gradient), as convertToIntModel's weightOverrides. */
  generatedWeights(): Map<string, Float32Array> {
    return noGrad(() => new Map(this.generatedLayers.map((n, l) => [n, this.factors.weightFor(l).toFloat32Array()])));
  }

  extra(): Record<string, unknown> {
    return { hyper: { kind: 'pw-lowrank', rank: this.rank, selection: this.selection } };
  }
}

export function buildLowRankModel(config: SeparableCnnConfig, rank: number, opts: { selection?: GeneratedSelection; seed?: number } = {}): LowRankModel {
  return new LowRankModel(config, rank, opts.selection ?? 'all-but-first', opts);
}

// ---------------------------------------------------------------------------------------------
// Training and checkpoints

/** train() for a HyperModel / LowRankModel: its spec and extra, workers forced to 1. */
export function trainHyperModel(model: HyperModel | LowRankModel, data: TrainData, opts: Omit<TrainOptions, 'spec' | 'model' | 'data'> & { config?: Partial<TrainConfig> } = {}): Promise<TrainResult> {
  return train({ ...opts, spec: model.spec(), model, data, config: { ...(opts.config ?? {}), workers: 1 }, extra: { ...(opts.extra ?? {}), ...model.extra() } });
}

/** Rebuild a HyperModel or LowRankModel from a checkpoint written by trainHyperModel (eval mode). */
export function loadHyperModel(path: string): HyperModel | LowRankModel {
  const ck = loadCheckpoint(path);
  const hyper = (ck.meta.extra as Record<string, unknown> | undefined)?.hyper as { kind?: string; knobs?: GeneratorKnobs; rank?: number; selection?: GeneratedSelection } | undefined;
  if (!ck.spec || !hyper) throw new FormatError(path, 'not a HyperTinyPW checkpoint (no spec or meta.extra.hyper)');
  const model = hyper.kind === 'pw-lowrank' ? new LowRankModel(ck.spec.config, hyper.rank!, hyper.selection ?? 'all-but-first') : new HyperModel(ck.spec.config, hyper.knobs!);
  model.loadStateDict(ck.state, { shapes: ck.shapes });
  model.eval();
  return model;
}


