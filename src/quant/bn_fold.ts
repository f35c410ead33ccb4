/**
 * BatchNorm folding and the fused (TFLite-style) graph of a float model.
 *
 * TFLite's converter fuses conv -> BN -> ReLU/ReLU6 into one CONV op whose int8 output is
 * quantized AFTER the activation (the activation survives only as the output clamp). The same
 * fused graph is the single source of truth for calibration (calibrate.ts), conversion
 * (convert.ts) and quantization-aware training (qat.ts), so all three quantize the same tensors.
 *
 * Quantization points (each an int8 tensor of the IntModel, named by the float descriptor whose
 * output it is):
 *   'input'                         the model input
 *   <act or bn or conv name>        output of each fused conv1d / dwconv1d / pwconv1d / linear
 *                                   (+ BN + ReLU/ReLU6), e.g. 'stem.act', 'blocks.0.pwAct',
 *                                   'classifier' (the logits)
 *   <add or act name>               output of a residual add (+ ReLU)
 *   <pool name>                     pooling output; TFLite requires pooling to keep its input's
 *                                   scale and zero point, so its range is its input's range
 * Dropout is the identity at inference and is skipped (its name aliases its input).
 *
 * Folding (eval statistics), per output channel c, s[c] = gamma[c] / sqrt(var[c] + eps):
 *   w'[c, ...] = w[c, ...] * s[c]          b'[c] = beta[c] + (b[c] - mean[c]) * s[c]
 * computed in float32 in exactly the order of the autodiff ops QatModel uses on the fly
 * (invStd = fround(1 / sqrt(var + eps)), s = fround(gamma * invStd), w' = fround(w * s),
 * b' = fround(beta - fround(mean * s)) without a conv bias), so the folded weights QAT
 * fake-quantizes and the ones convertToIntModel quantizes are bitwise equal.
 */

import {
  Tensor, add, avgPool1d, conv1d, depthwiseConv1d, globalAvgPool1d, linear, maxPool1d, mul, noGrad, pointwiseConv1d, relu, relu6,
  reshape, sub, tensor,
} from '../core/index.ts';
import type { LayerDescriptor } from '../nn/descriptor.ts';
import { PointwiseConv1d } from '../nn/layers.ts';
import type { Module } from '../nn/module.ts';
import { ArgumentError } from '../util/errors.ts';

export type FusedActivation = 'none' | 'relu' | 'relu6';
export type WeightedKind = 'conv1d' | 'dwconv1d' | 'pwconv1d' | 'fully_connected';

/** A model that describes itself as layer descriptors (SeparableCnn does). */
export type DescribedModel = Module & { layers(): LayerDescriptor[] };

/** One op of the fused graph. `name` is the op name (the conv / pool / add descriptor), `out`
 * the quantization point (tensor) it writes, `input` / `input2` the tensors it reads. */
export type FusedStep =
  | { kind: 'weighted'; op: WeightedKind; name: string; out: string; input: string; layer: LayerDescriptor; bn: LayerDescriptor | null; act: FusedActivation }
  | { kind: 'pool'; op: 'global_avgpool' | 'avgpool1d' | 'maxpool1d'; name: string; out: string; input: string; layer: LayerDescriptor }
  | { kind: 'add'; name: string; out: string; input: string; input2: string; layer: LayerDescriptor; act: FusedActivation };

export interface FusedGraph {
  /** [L, C] of the model input */
  inputShape: number[];
  steps: FusedStep[];
  /** the tensor holding the model output */
  output: string;
  /** every quantization point (tensor) in execution order, 'input' first */
  points: string[];
  /** tensor -> the tensor whose range (scale, zero point) it shares ('input' and op outputs with
   * their own range map to themselves; pooling outputs to their input's source) */
  rangeSource: Map<string, string>;
  /** tensor shapes (batch omitted) */
  shapes: Map<string, number[]>;
}

const WEIGHTED = new Set(['conv1d', 'dwconv1d', 'pwconv1d', 'fully_connected']);

/** The fused graph of a descriptor list (execution order). Throws on layers int8 cannot express. */
export function fusedGraph(descs: LayerDescriptor[]): FusedGraph {
  if (descs.length === 0) throw new ArgumentError('fusedGraph', 'the model has no layers');
  const consumers = new Map<string, LayerDescriptor[]>();
  for (const d of descs) for (const i of d.inputs) consumers.set(i, [...(consumers.get(i) ?? []), d]);
  const last = descs[descs.length - 1].name;
  const sole = (name: string): LayerDescriptor | null => {
    const c = consumers.get(name) ?? [];
    return c.length === 1 && name !== last ? c[0] : null;
  };
  const alias = new Map<string, string>([['input', 'input']]);
  const tensorOf = (d: LayerDescriptor, i: number): string => {
    const t = alias.get(d.inputs[i]);
    if (t === undefined) throw new ArgumentError('fusedGraph', `layer "${d.name}" reads "${d.inputs[i]}", which is not a materialized tensor (a fused BN/activation input consumed twice?)`);
    return t;
  };
  const absorbed = new Set<string>();
  const steps: FusedStep[] = [];
  const points = ['input'];
  const rangeSource = new Map<string, string>([['input', 'input']]);
  const shapes = new Map<string, number[]>([['input', [...descs[0].inShape]]]);
  // absorb BN (convs only) and then one activation after `d`; returns the last absorbed layer
  const fuseAfter = (d: LayerDescriptor, allowBn: boolean): { bn: LayerDescriptor | null; act: FusedActivation; tail: LayerDescriptor } => {
    let tail = d;
    let bn: LayerDescriptor | null = null;
    let next = sole(tail.name);
    if (allowBn && next?.kind === 'batchnorm') {
      bn = next;
      tail = next;
      absorbed.add(next.name);
      next = sole(tail.name);
    }
    let act: FusedActivation = 'none';
    if (next && (next.kind === 'relu' || next.kind === 'relu6')) {
      act = next.kind;
      tail = next;
      absorbed.add(next.name);
    }
    return { bn, act, tail };
  };
  for (const d of descs) {
    if (absorbed.has(d.name)) continue;
    if (WEIGHTED.has(d.kind)) {
      const input = tensorOf(d, 0);
      const { bn, act, tail } = fuseAfter(d, d.kind !== 'fully_connected');
      steps.push({ kind: 'weighted', op: d.kind as WeightedKind, name: d.name, out: tail.name, input, layer: d, bn, act });
      points.push(tail.name);
      rangeSource.set(tail.name, tail.name);
      shapes.set(tail.name, [...d.outShape]);
      alias.set(tail.name, tail.name);
    } else if (d.kind === 'global_avgpool' || d.kind === 'avgpool1d' || d.kind === 'maxpool1d') {
      const input = tensorOf(d, 0);
      steps.push({ kind: 'pool', op: d.kind, name: d.name, out: d.name, input, layer: d });
      points.push(d.name);
      rangeSource.set(d.name, rangeSource.get(input)!);
      shapes.set(d.name, [...d.outShape]);
      alias.set(d.name, d.name);
    } else if (d.kind === 'add') {
      const input = tensorOf(d, 0);
      const input2 = tensorOf(d, 1);
      const { act, tail } = fuseAfter(d, false);
      steps.push({ kind: 'add', name: d.name, out: tail.name, input, input2, layer: d, act });
      points.push(tail.name);
      rangeSource.set(tail.name, tail.name);
      shapes.set(tail.name, [...d.outShape]);
      alias.set(tail.name, tail.name);
    } else if (d.kind === 'dropout') {
      alias.set(d.name, tensorOf(d, 0));
    } else {
      const why = d.kind === 'batchnorm' ? 'a BatchNorm that does not follow a convolution cannot be folded'
        : d.kind === 'relu' || d.kind === 'relu6' ? 'an activation that does not follow a conv, linear or add cannot be fused'
          : `layer kind "${d.kind}" has no int8 op (squeeze-excite is not supported)`;
      throw new ArgumentError('fusedGraph', `layer "${d.name}": ${why}`);
    }
  }
  const output = alias.get(last);
  if (output === undefined) throw new ArgumentError('fusedGraph', `model output "${last}" is not a tensor`);
  return { inputShape: [...descs[0].inShape], steps, output, points, rangeSource, shapes };
}

/** A weighted layer with its BatchNorm folded in (float32, TFLite weight layout). */
export interface FoldedLayer {
  /** the conv / linear descriptor name (the IntModel op name) */
  name: string;
  kind: WeightedKind;
  /** name of the folded BatchNorm descriptor, or null when none follows */
  bn: string | null;
  /** fused activation after the BN */
  act: FusedActivation;
  /** quantization point this op writes (see fusedGraph) */
  out: string;
  /** folded weight in the descriptor's layout: conv1d [Cout, K, Cin/g], dwconv1d [K, C],
   * pwconv1d / linear [Cout, Cin] */
  weight: Float32Array;
  weightShape: number[];
  /** folded bias [Cout] (zeros folded through BN when the layer has none) */
  bias: Float32Array;
  outChannels: number;
  /** axis of `weightShape` indexing output channels (1 for dwconv1d, else 0) */
  channelAxis: number;
  /** pwconv1d whose weight comes from a weight provider (HyperTinyPW generator) */
  generated: boolean;
}

/** invStd[c] = fround(1 / sqrt(var[c] + eps)) (the constant QatModel also uses). */
export function bnInvStd(runningVar: Float32Array, eps: number): Float32Array {
  return Float32Array.from(runningVar, (v) => 1 / Math.sqrt(v + eps));
}

/** Output channel axis of a weighted layer's weight. */
export function channelAxisOf(kind: WeightedKind): number {
  return kind === 'dwconv1d' ? 1 : 0;
}

/** Look up a named parameter or buffer of the model (values, live). */
export function stateTensors(model: Module): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  for (const [n, t] of [...model.namedParameters(), ...model.namedBuffers()]) m.set(n, t.values());
  return m;
}

/** The float weight a layer uses now: override, provider's current weight, or the stored one. */
export function currentWeightOf(model: Module, d: LayerDescriptor, state: Map<string, Float32Array>, overrides?: Map<string, Float32Array>): Float32Array {
  const shape = d.paramShapes.weight;
  const size = shape.reduce((a, b) => a * b, 1);
  const o = overrides?.get(d.name);
  if (o !== undefined) {
    if (o.length !== size) throw new ArgumentError('weightOverrides', `"${d.name}" needs ${size} values [${shape.join(', ')}], got ${o.length}`);
    return o;
  }
  if (d.generated) {
    const mod = model.namedModules().find(([n]) => n === d.name)?.[1];
    if (!(mod instanceof PointwiseConv1d)) throw new ArgumentError('foldBatchNorm', `generated layer "${d.name}" is not a PointwiseConv1d module of the model`);
    return noGrad(() => mod.currentWeight().toFloat32Array());
  }
  const w = state.get(d.params.weight);
  if (w === undefined) throw new ArgumentError('foldBatchNorm', `no state entry "${d.params.weight}" for layer "${d.name}"`);
  return w;
}

/**
 * Fold every BatchNorm that follows a conv1d / dwconv1d / pwconv1d into it (eval statistics).
 * Returns one FoldedLayer per weighted layer (linear layers and convs without BN included, with
 * their weights as they are), in execution order. `weightOverrides` replaces the float weights
 * (before folding) of the named pointwise layers.
 */
export function foldBatchNorm(model: DescribedModel, opts: { weightOverrides?: Map<string, Float32Array> } = {}): FoldedLayer[] {
  const graph = fusedGraph(model.layers());
  const state = stateTensors(model);
  const out: FoldedLayer[] = [];
  for (const s of graph.steps) {
    if (s.kind !== 'weighted') continue;
    const d = s.layer;
    const w = currentWeightOf(model, d, state, opts.weightOverrides);
    const cout = d.outShape[d.outShape.length - 1];
    const axis = channelAxisOf(s.op);
    const shape = [...d.paramShapes.weight];
    const b = d.params.bias !== undefined ? state.get(d.params.bias)! : null;
    const weight = new Float32Array(w);
    let bias = b ? new Float32Array(b) : new Float32Array(cout);
    if (s.bn) {
      const p = s.bn.params;
      const gamma = state.get(p.gamma)!;
      const beta = state.get(p.beta)!;
      const mean = state.get(p.runningMean)!;
      const invStd = bnInvStd(state.get(p.runningVar)!, s.bn.eps ?? 1e-5);
      const f = Math.fround;
      const scale = Float32Array.from(gamma, (g, c) => g * invStd[c]);
      // channel index of flat weight position i: axis 0 -> i / per, axis 1 (dw [K, C]) -> i % C
      const per = weight.length / cout;
      for (let i = 0; i < weight.length; i++) weight[i] = f(weight[i] * scale[axis === 0 ? Math.floor(i / per) : i % cout]);
      bias = b
        ? Float32Array.from(beta, (bt, c) => f(bt + f(f(b[c] - mean[c]) * scale[c])))
        : Float32Array.from(beta, (bt, c) => f(bt - f(mean[c] * scale[c])));
    }
    out.push({ name: s.name, kind: s.op, bn: s.bn?.name ?? null, act: s.act, out: s.out, weight, weightShape: shape, bias, outChannels: cout, channelAxis: axis, generated: d.generated === true });
  }
  return out;
}

export type WeightedStep = Extract<FusedStep, { kind: 'weighted' }>;

/**
 * BN folded on the fly with autodiff ops (QAT): the same float32 arithmetic as foldBatchNorm,
 * with gradients reaching `weight`, the conv bias, gamma and beta (the running statistics are
 * constants: "BN frozen"). `param` maps a stateDict name to the live tensor.
 */
export function foldTensors(step: WeightedStep, weight: Tensor, param: (name: string) => Tensor): { w: Tensor; b: Tensor | null } {
  const d = step.layer;
  const bias = d.params.bias !== undefined ? param(d.params.bias) : null;
  if (!step.bn) return { w: weight, b: bias };
  const p = step.bn.params;
  const mean = param(p.runningMean);
  const invStd = tensor(bnInvStd(param(p.runningVar).values(), step.bn.eps ?? 1e-5));
  const s = mul(param(p.gamma), invStd);
  const cout = s.shape[0];
  const sw = channelAxisOf(step.op) === 0 ? reshape(s, [cout, ...weight.shape.slice(1).map(() => 1)]) : s;
  const w = mul(weight, sw);
  const beta = param(p.beta);
  const b = bias ? add(beta, mul(sub(bias, mean), s)) : sub(beta, mul(mean, s));
  return { w, b };
}

/** The BN fold scale s = gamma / sqrt(var + eps) of a weighted step (a tensor, differentiable in gamma). */
export function foldScaleTensor(step: WeightedStep, param: (name: string) => Tensor): Tensor | null {
  if (!step.bn) return null;
  const p = step.bn.params;
  return mul(param(p.gamma), tensor(bnInvStd(param(p.runningVar).values(), step.bn.eps ?? 1e-5)));
}

export interface FusedRunHooks {
  /** the (folded) weight and bias a weighted step uses */
  weights(step: WeightedStep): { w: Tensor; b: Tensor | null };
  /** applied to every quantization point's tensor as it is produced ('input' first) */
  point?(name: string, t: Tensor): Tensor;
}

/** Run the fused graph on x [N, L, C] (float, autodiff ops). Returns the output tensor. */
export function runFused(graph: FusedGraph, x: Tensor, hooks: FusedRunHooks): Tensor {
  const [, L, C] = x.shape;
  if (x.rank !== 3 || L !== graph.inputShape[0] || C !== graph.inputShape[1]) {
    throw new ArgumentError('runFused', `input [${x.shape.join(', ')}], model takes [N, ${graph.inputShape.join(', ')}]`);
  }
  const point = hooks.point ?? ((_: string, t: Tensor) => t);
  const env = new Map<string, Tensor>([['input', point('input', x)]]);
  const get = (n: string) => env.get(n)!;
  const act = (t: Tensor, a: FusedActivation) => (a === 'relu' ? relu(t) : a === 'relu6' ? relu6(t) : t);
  for (const s of graph.steps) {
    let y: Tensor;
    if (s.kind === 'weighted') {
      const d = s.layer;
      const { w, b } = hooks.weights(s);
      const xin = get(s.input);
      const geo = { stride: d.stride ?? 1, padding: d.padding ?? ([0, 0] as [number, number]), dilation: d.dilation ?? 1 };
      if (s.op === 'conv1d') y = conv1d(xin, w, b, { ...geo, groups: d.groups ?? 1 });
      else if (s.op === 'dwconv1d') y = depthwiseConv1d(xin, w, b, geo);
      else if (s.op === 'pwconv1d') y = pointwiseConv1d(xin, w, b);
      else y = linear(xin, w, b);
      y = act(y, s.act);
    } else if (s.kind === 'pool') {
      const xin = get(s.input);
      const d = s.layer;
      const o = { stride: d.stride ?? d.kernel!, padding: d.padding ?? ([0, 0] as [number, number]) };
      y = s.op === 'global_avgpool' ? globalAvgPool1d(xin) : s.op === 'avgpool1d' ? avgPool1d(xin, d.kernel!, o) : maxPool1d(xin, d.kernel!, o);
    } else {
      y = act(add(get(s.input), get(s.input2)), s.act);
    }
    env.set(s.out, point(s.out, y));
  }
  return get(graph.output);
}

/** Float forward of the folded graph with constant folded weights (inference; no gradients). */
export function foldedForward(graph: FusedGraph, folded: FoldedLayer[], x: Tensor, point?: (name: string, t: Tensor) => Tensor): Tensor {
  const byName = new Map(folded.map((f) => [f.name, { w: tensor(f.weight, f.weightShape), b: tensor(f.bias) }]));
  return noGrad(() => runFused(graph, x, {
    weights: (s) => {
      const f = byName.get(s.name);
      if (!f) throw new ArgumentError('foldedForward', `no folded layer "${s.name}"`);
      return f;
    },
    point,
  }));
}
