import {
  Rng, Tensor, add, avgPool1d, batchNorm, conv1d, convGeometry, depthwiseConv1d, dropout, globalAvgPool1d, linear,
  maxPool1d, mul, ones, pointwiseConv1d, randn, relu, relu6, reshape, sigmoid, zeros, type Padding,
} from '../core/index.ts';
import { ArgumentError } from '../util/errors.ts';
import type { LayerDescriptor, TraceValue } from './descriptor.ts';
import { Module, childName } from './module.ts';

/**
 * Layers over [N, L, C] (channels last), weights in TFLite order (see descriptor.ts).
 * Initialization is He-normal (std sqrt(2 / fan_in)) for layers feeding a ReLU, drawn from the
 * caller's seeded Rng; biases and BN shifts start at 0, BN scales at 1.
 */

function checkDims(where: string, ...v: number[]): void {
  for (const d of v) if (!(Number.isInteger(d) && d >= 1)) throw new ArgumentError(where, `dimensions must be integers >= 1, got ${v.join(', ')}`);
}

function seqShape(where: string, v: TraceValue): [number, number] {
  if (v.shape.length !== 2) throw new ArgumentError(where, `expects a [L, C] input, got [${v.shape.join(', ')}]`);
  return [v.shape[0], v.shape[1]];
}

function stateless(kind: LayerDescriptor['kind'], name: string, input: TraceValue, outShape: number[], out: LayerDescriptor[], extra: Partial<LayerDescriptor> = {}): TraceValue {
  out.push({ kind, name, inputs: [input.name], inShape: input.shape, outShape, params: {}, paramShapes: {}, ...extra });
  return { name, shape: outShape };
}

export interface ConvLayerOptions {
  stride?: number;
  padding?: Padding;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

/** General conv1d, weight [Cout, K, Cin/groups]. */
export class Conv1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: Padding;
  readonly dilation: number;
  readonly groups: number;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: number, rng: Rng, opts: ConvLayerOptions = {}) {
    super();
    checkDims('Conv1d', inChannels, outChannels, kernel);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 'same';
    this.dilation = opts.dilation ?? 1;
    this.groups = opts.groups ?? 1;
    if (inChannels % this.groups || outChannels % this.groups) throw new ArgumentError('Conv1d', `channels ${inChannels} -> ${outChannels} not divisible by groups ${this.groups}`);
    const fanIn = kernel * (inChannels / this.groups);
    this.weight = this.registerParameter('weight', randn([outChannels, kernel, inChannels / this.groups], rng, Math.sqrt(2 / fanIn)));
    this.bias = opts.bias ? this.registerParameter('bias', zeros([outChannels])) : null;
  }

  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    const [L, C] = seqShape('Conv1d', input);
    if (C !== this.inChannels) throw new ArgumentError(`Conv1d ${name}`, `input has ${C} channels, layer expects ${this.inChannels}`);
    const g = convGeometry('Conv1d', L, this.kernel, this.stride, this.dilation, this.padding);
    const shape = [g.Lout, this.outChannels];
    out.push({
      kind: 'conv1d', name, inputs: [input.name], inShape: input.shape, outShape: shape,
      params: { weight: childName(name, 'weight'), ...(this.bias ? { bias: childName(name, 'bias') } : {}) },
      paramShapes: { weight: [...this.weight.shape], ...(this.bias ? { bias: [this.outChannels] } : {}) },
      kernel: this.kernel, stride: this.stride, padding: [g.padL, g.padR], dilation: this.dilation, groups: this.groups,
    });
    return { name, shape };
  }
}

/** Depthwise conv1d (one K-tap filter per channel), weight [K, C]. */
export class DepthwiseConv1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: Padding;
  readonly dilation: number;

  constructor(readonly channels: number, readonly kernel: number, rng: Rng, opts: Omit<ConvLayerOptions, 'groups'> = {}) {
    super();
    checkDims('DepthwiseConv1d', channels, kernel);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 'same';
    this.dilation = opts.dilation ?? 1;
    this.weight = this.registerParameter('weight', randn([kernel, channels], rng, Math.sqrt(2 / kernel)));
    this.bias = opts.bias ? this.registerParameter('bias', zeros([channels])) : null;
  }

  forward(x: Tensor): Tensor {
    return depthwiseConv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation });
  }

  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    const [L, C] = seqShape('DepthwiseConv1d', input);
    if (C !== this.channels) throw new ArgumentError(`DepthwiseConv1d ${name}`, `input has ${C} channels, layer expects ${this.channels}`);
    const g = convGeometry('DepthwiseConv1d', L, this.kernel, this.stride, this.dilation, this.padding);
    const shape = [g.Lout, C];
    out.push({
      kind: 'dwconv1d', name, inputs: [input.name], inShape: input.shape, outShape: shape,
      params: { weight: childName(name, 'weight'), ...(this.bias ? { bias: childName(name, 'bias') } : {}) },
      paramShapes: { weight: [this.kernel, C], ...(this.bias ? { bias: [C] } : {}) },
      kernel: this.kernel, stride: this.stride, padding: [g.padL, g.padR], dilation: this.dilation, groups: C,
    });
    return { name, shape };
  }
}

/**
 * Supplies a pointwise layer's weight [Cout, Cin] at every forward, e.g. the HyperTinyPW
 * generator's output for this layer. It is called once per forward, so its result carries the
 * autodiff graph back into the generator (codes, trunk, heads).
 */
export type WeightProvider = () => Tensor;

/**
 * Pointwise (1x1) conv, weight [Cout, Cin].
 *
 * The PW weight hook: `setWeightProvider(fn)` makes forward use `fn()` (shape-checked) instead
 * of the stored `weight`. While a provider is set, the stored weight is frozen (it is unused,
 * so optimizers must not see it) and descriptors mark the layer `generated: true`; clearing the
 * provider (`setWeightProvider(null)`) unfreezes it. `currentWeight()` is the tensor forward
 * would use (the quantizer reads generated weights through it, under noGrad).
 */
export class PointwiseConv1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  private provider: WeightProvider | null = null;

  constructor(readonly inChannels: number, readonly outChannels: number, rng: Rng, opts: { bias?: boolean } = {}) {
    super();
    checkDims('PointwiseConv1d', inChannels, outChannels);
    this.weight = this.registerParameter('weight', randn([outChannels, inChannels], rng, Math.sqrt(2 / inChannels)));
    this.bias = opts.bias ? this.registerParameter('bias', zeros([outChannels])) : null;
  }

  setWeightProvider(p: WeightProvider | null): void {
    this.provider = p;
    this.weight.requiresGrad = p === null;
    if (p !== null) this.weight.grad = null;
  }

  get generated(): boolean {
    return this.provider !== null;
  }

  currentWeight(): Tensor {
    if (this.provider === null) return this.weight;
    const w = this.provider();
    if (w.rank !== 2 || w.shape[0] !== this.outChannels || w.shape[1] !== this.inChannels) {
      throw new ArgumentError('PointwiseConv1d', `weight provider returned [${w.shape.join(', ')}], layer needs [${this.outChannels}, ${this.inChannels}]`);
    }
    return w;
  }

  forward(x: Tensor): Tensor {
    return pointwiseConv1d(x, this.currentWeight(), this.bias);
  }

  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    const [L, C] = seqShape('PointwiseConv1d', input);
    if (C !== this.inChannels) throw new ArgumentError(`PointwiseConv1d ${name}`, `input has ${C} channels, layer expects ${this.inChannels}`);
    const shape = [L, this.outChannels];
    out.push({
      kind: 'pwconv1d', name, inputs: [input.name], inShape: input.shape, outShape: shape,
      params: { weight: childName(name, 'weight'), ...(this.bias ? { bias: childName(name, 'bias') } : {}) },
      paramShapes: { weight: [this.outChannels, this.inChannels], ...(this.bias ? { bias: [this.outChannels] } : {}) },
      kernel: 1, stride: 1, padding: [0, 0], ...(this.provider ? { generated: true } : {}),
    });
    return { name, shape };
  }
}

/** BatchNorm over the channel (last) axis; buffers runningMean, runningVar. */
export class BatchNorm1d extends Module {
  readonly gamma: Tensor;
  readonly beta: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;

  constructor(readonly channels: number, readonly opts: { momentum?: number; eps?: number } = {}) {
    super();
    checkDims('BatchNorm1d', channels);
    this.gamma = this.registerParameter('gamma', ones([channels]));
    this.beta = this.registerParameter('beta', zeros([channels]));
    this.runningMean = this.registerBuffer('runningMean', zeros([channels]));
    this.runningVar = this.registerBuffer('runningVar', ones([channels]));
  }

  get eps(): number {
    return this.opts.eps ?? 1e-5;
  }

  forward(x: Tensor): Tensor {
    return batchNorm(x, this.gamma, this.beta, { training: this.training, runningMean: this.runningMean, runningVar: this.runningVar, momentum: this.opts.momentum ?? 0.1, eps: this.eps });
  }

  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    const C = input.shape[input.shape.length - 1];
    if (C !== this.channels) throw new ArgumentError(`BatchNorm1d ${name}`, `input has ${C} channels, layer expects ${this.channels}`);
    const p = (r: string) => childName(name, r);
    out.push({
      kind: 'batchnorm', name, inputs: [input.name], inShape: input.shape, outShape: input.shape,
      params: { gamma: p('gamma'), beta: p('beta'), runningMean: p('runningMean'), runningVar: p('runningVar') },
      paramShapes: { gamma: [C], beta: [C], runningMean: [C], runningVar: [C] }, eps: this.eps,
    });
    return { name, shape: input.shape };
  }
}

/** Fully connected: x [B, in] -> [B, out], weight [out, in]. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, rng: Rng, opts: { bias?: boolean; std?: number } = {}) {
    super();
    checkDims('Linear', inFeatures, outFeatures);
    this.weight = this.registerParameter('weight', randn([outFeatures, inFeatures], rng, opts.std ?? Math.sqrt(1 / inFeatures)));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', zeros([outFeatures]));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    if (input.shape.length !== 1 || input.shape[0] !== this.inFeatures) throw new ArgumentError(`Linear ${name}`, `input [${input.shape.join(', ')}], layer expects [${this.inFeatures}]`);
    const shape = [this.outFeatures];
    out.push({
      kind: 'fully_connected', name, inputs: [input.name], inShape: input.shape, outShape: shape,
      params: { weight: childName(name, 'weight'), ...(this.bias ? { bias: childName(name, 'bias') } : {}) },
      paramShapes: { weight: [this.outFeatures, this.inFeatures], ...(this.bias ? { bias: [this.outFeatures] } : {}) },
    });
    return { name, shape };
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    return stateless('relu', name, input, input.shape, out);
  }
}

export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return relu6(x);
  }
  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    return stateless('relu6', name, input, input.shape, out);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    return stateless('sigmoid', name, input, input.shape, out);
  }
}

/** Max or average pooling over L (stride defaults to the kernel, padding to 'valid'). */
export class Pool1d extends Module {
  readonly stride: number;
  constructor(readonly kind: 'max' | 'avg', readonly kernel: number, opts: { stride?: number; padding?: Padding } = {}) {
    super();
    checkDims('Pool1d', kernel);
    this.stride = opts.stride ?? kernel;
    this.padding = opts.padding ?? 'valid';
  }
  readonly padding: Padding;

  forward(x: Tensor): Tensor {
    const o = { stride: this.stride, padding: this.padding };
    return this.kind === 'max' ? maxPool1d(x, this.kernel, o) : avgPool1d(x, this.kernel, o);
  }

  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    const [L, C] = seqShape('Pool1d', input);
    const g = convGeometry('Pool1d', L, this.kernel, this.stride, 1, this.padding);
    return stateless(this.kind === 'max' ? 'maxpool1d' : 'avgpool1d', name, input, [g.Lout, C], out, { kernel: this.kernel, stride: this.stride, padding: [g.padL, g.padR] });
  }
}

/** [N, L, C] -> [N, C] (mean over L). */
export class GlobalAvgPool1d extends Module {
  forward(x: Tensor): Tensor {
    return globalAvgPool1d(x);
  }
  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    const [, C] = seqShape('GlobalAvgPool1d', input);
    return stateless('global_avgpool', name, input, [C], out);
  }
}

/**
 * Inverted dropout (identity in eval mode). Its Rng is public so a trainer can reseed it per
 * step (the trainer derives it from (seed, step, shard), which makes resumes and data-parallel
 * shards reproducible without storing dropout state).
 */
export class Dropout extends Module {
  rng: Rng;
  constructor(readonly p: number, rng: Rng) {
    super();
    if (!(p >= 0 && p < 1)) throw new ArgumentError('Dropout', `p ${p} must be in [0, 1)`);
    this.rng = rng;
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.rng, this.training);
  }
  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    return stateless('dropout', name, input, input.shape, out);
  }
}

/** Modules applied in order; children named '0', '1', ... or by the given names. */
export class Sequential extends Module {
  readonly layers: Module[] = [];
  constructor(layers: Module[] | Array<[string, Module]> = []) {
    super();
    layers.forEach((l, i) => (Array.isArray(l) ? this.append(l[1], l[0]) : this.append(l, String(i))));
  }

  append(m: Module, name = String(this.layers.length)): this {
    this.registerModule(name, m);
    this.layers.push(m);
    return this;
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) h = l.forward(h);
    return h;
  }

  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    let v = input;
    for (const [n, m] of this.namedChildren()) v = m.trace(v, childName(name, n), out);
    return v;
  }
}

/** y = body(x) + shortcut(x) (shortcut: identity when absent). */
export class Residual extends Module {
  constructor(readonly body: Module, readonly shortcut: Module | null = null) {
    super();
    this.registerModule('body', body);
    if (shortcut) this.registerModule('shortcut', shortcut);
  }

  forward(x: Tensor): Tensor {
    return add(this.body.forward(x), this.shortcut ? this.shortcut.forward(x) : x);
  }

  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    const b = this.body.trace(input, childName(name, 'body'), out);
    const s = this.shortcut ? this.shortcut.trace(input, childName(name, 'shortcut'), out) : input;
    if (b.shape.join() !== s.shape.join()) throw new ArgumentError(`Residual ${name}`, `body gives [${b.shape.join(', ')}], shortcut [${s.shape.join(', ')}]`);
    const addName = childName(name, 'add');
    out.push({ kind: 'add', name: addName, inputs: [b.name, s.name], inShape: b.shape, outShape: b.shape, params: {}, paramShapes: {} });
    return { name: addName, shape: b.shape };
  }
}

/**
 * Squeeze-and-excite over channels: s = sigmoid(W2 relu(W1 mean_L(x) + b1) + b2), y = x * s
 * (s broadcast over L). Descriptors: globalavgpool1d, linear, relu, linear, sigmoid, mul.
 */
export class SqueezeExcite extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(readonly channels: number, rng: Rng, reduction = 4) {
    super();
    const hidden = Math.max(1, Math.floor(channels / reduction));
    this.fc1 = this.registerModule('fc1', new Linear(channels, hidden, rng, { std: Math.sqrt(2 / channels) }));
    this.fc2 = this.registerModule('fc2', new Linear(hidden, channels, rng));
  }

  forward(x: Tensor): Tensor {
    const [N, , C] = x.shape;
    const s = sigmoid(this.fc2.forward(relu(this.fc1.forward(globalAvgPool1d(x)))));
    return mul(x, reshape(s, [N, 1, C]));
  }

  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    const [, C] = seqShape('SqueezeExcite', input);
    let v = stateless('global_avgpool', childName(name, 'squeeze'), input, [C], out);
    v = this.fc1.trace(v, childName(name, 'fc1'), out);
    v = stateless('relu', childName(name, 'relu'), v, v.shape, out);
    v = this.fc2.trace(v, childName(name, 'fc2'), out);
    v = stateless('sigmoid', childName(name, 'gate'), v, v.shape, out);
    const mulName = childName(name, 'scale');
    out.push({ kind: 'mul', name: mulName, inputs: [input.name, v.name], inShape: input.shape, outShape: input.shape, params: {}, paramShapes: {} });
    return { name: mulName, shape: input.shape };
  }
}
