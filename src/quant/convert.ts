/**
 * Float model -> IntModel, TFLite's way, over the fused graph of bn_fold.ts:
 *   - BatchNorm folded into the preceding conv (eval statistics), ReLU / ReLU6 fused as the
 *     output clamp [actMin, actMax] in the output's int8 domain;
 *   - weights per output channel symmetric INT8 (quantizeWeightsPerChannel; depthwise weights
 *     [K, C] are quantized per C), biases INT32 at fround(inputScale * weightScale[c]),
 *     requantization per channel (perChannelRequant);
 *   - activations per tensor asymmetric INT8 from `ranges` (chooseActivationParams); pooling
 *     outputs keep their input's scale and zero point; residual adds use addQuantParams;
 *   - a pointwise layer with a weight provider (nn's PointwiseConv1d.setWeightProvider) is
 *     quantized from the provider's current weights (or `weightOverrides`) like any other: every
 *     op comes out stored and the IntModel runs as is. Which ops a deployment synthesizes at
 *     load time instead of storing is decided by the caller, on the converted model.
 */

import { ArgumentError } from '../util/errors.ts';
import { foldBatchNorm, fusedGraph, type DescribedModel, type FoldedLayer } from './bn_fold.ts';
import type { ActivationRanges } from './calibrate.ts';
import { INT_MODEL_VERSION, type ActivationTensor, type IntModel, type IntModelMeta, type IntOp, type RoundingMode } from './int_model.ts';
import { activationRange, addQuantParams, chooseActivationParams, perChannelRequant, quantizeBias, quantizeWeightsPerChannel } from './quantize.ts';
import { validateIntModel } from './validate.ts';

export interface ConvertOptions {
  name?: string;
  rounding?: RoundingMode;
  /** float weights [Cout, Cin] of pointwise layers BEFORE BN folding, by layer name */
  weightOverrides?: Map<string, Float32Array>;
  meta?: IntModelMeta;
}

/** Quantize a folded layer's weights; depthwise [K, C] goes through [C, K] and back. */
function quantizeFolded(f: FoldedLayer): { q: Int8Array; scales: Float32Array } {
  if (f.channelAxis === 0) return quantizeWeightsPerChannel(f.weight, f.outChannels);
  const [K, C] = f.weightShape;
  const t = new Float32Array(K * C);
  for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) t[c * K + k] = f.weight[k * C + c];
  const { q: qt, scales } = quantizeWeightsPerChannel(t, C);
  const q = new Int8Array(K * C);
  for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) q[k * C + c] = qt[c * K + k];
  return { q, scales };
}

export function convertToIntModel(model: DescribedModel, ranges: ActivationRanges, opts: ConvertOptions = {}): IntModel {
  const rounding = opts.rounding ?? 'double';
  if (rounding !== 'double' && rounding !== 'single') throw new ArgumentError('convertToIntModel', `rounding "${rounding as string}"`);
  const graph = fusedGraph(model.layers());
  const folded = new Map(foldBatchNorm(model, { weightOverrides: opts.weightOverrides }).map((f) => [f.name, f]));
  const missing = graph.points.filter((p) => !ranges.has(graph.rangeSource.get(p)!));
  if (missing.length) throw new ArgumentError('convertToIntModel', `no activation range for quantization point(s) ${missing.join(', ')}`);

  const tensors: ActivationTensor[] = [];
  const ids = new Map<string, number>();
  const addTensor = (name: string, scale: number, zeroPoint: number): ActivationTensor => {
    const shape = graph.shapes.get(name)!;
    const t: ActivationTensor = { id: tensors.length, name, shape: [...shape], scale, zeroPoint };
    tensors.push(t);
    ids.set(name, t.id);
    return t;
  };
  const paramsOf = (name: string) => {
    const [mn, mx] = ranges.get(graph.rangeSource.get(name)!)!;
    return chooseActivationParams(mn, mx);
  };
  const inP = paramsOf('input');
  addTensor('input', inP.scale, inP.zeroPoint);

  const ops: IntOp[] = [];
  for (const s of graph.steps) {
    const tin = tensors[ids.get(s.input)!];
    if (s.kind === 'weighted') {
      const f = folded.get(s.name)!;
      const p = paramsOf(s.out);
      const tout = addTensor(s.out, p.scale, p.zeroPoint);
      const { q, scales } = quantizeFolded(f);
      const cin = s.layer.inShape[s.layer.inShape.length - 1];
      const base = {
        name: s.name, input: tin.id, output: tout.id, ...activationRange(s.act, tout.scale, tout.zeroPoint),
        inChannels: cin, outChannels: f.outChannels, bias: quantizeBias(f.bias, tin.scale, scales),
        requant: perChannelRequant(tin.scale, scales, tout.scale, rounding), weightScales: scales, weights: q,
      };
      const d = s.layer;
      if (s.op === 'conv1d') {
        if ((d.groups ?? 1) !== 1) throw new ArgumentError('convertToIntModel', `conv1d "${s.name}" has groups ${d.groups}; the int8 conv1d op takes groups 1`);
        ops.push({ ...base, kind: 'conv1d', kernelSize: d.kernel!, stride: d.stride ?? 1, dilation: d.dilation ?? 1, padBefore: d.padding![0], padAfter: d.padding![1] });
      } else if (s.op === 'dwconv1d') {
        ops.push({ ...base, kind: 'dwconv1d', kernelSize: d.kernel!, stride: d.stride ?? 1, dilation: d.dilation ?? 1, padBefore: d.padding![0], padAfter: d.padding![1] });
      } else if (s.op === 'pwconv1d') {
        ops.push({ ...base, kind: 'pwconv1d', source: 'stored' });
      } else {
        if (s.layer.inShape.length !== 1) throw new ArgumentError('convertToIntModel', `linear "${s.name}" takes [${s.layer.inShape.join(', ')}]; fully_connected needs a vector input`);
        ops.push({ ...base, kind: 'fully_connected' });
      }
    } else if (s.kind === 'pool') {
      const tout = addTensor(s.out, tin.scale, tin.zeroPoint);
      const io = { name: s.name, input: tin.id, output: tout.id, actMin: -128, actMax: 127 };
      if (s.op === 'global_avgpool') ops.push({ ...io, kind: 'global_avgpool' });
      else ops.push({ ...io, kind: s.op, poolSize: s.layer.kernel!, stride: s.layer.stride ?? s.layer.kernel!, padBefore: s.layer.padding?.[0] ?? 0, padAfter: s.layer.padding?.[1] ?? 0 });
    } else {
      const t2 = tensors[ids.get(s.input2)!];
      const p = paramsOf(s.out);
      const tout = addTensor(s.out, p.scale, p.zeroPoint);
      ops.push({
        kind: 'add', name: s.name, input: tin.id, input2: t2.id, output: tout.id, ...activationRange(s.act, tout.scale, tout.zeroPoint),
        ...addQuantParams(tin.scale, t2.scale, tout.scale, rounding),
      });
    }
  }
  const intModel: IntModel = {
    version: INT_MODEL_VERSION,
    name: opts.name ?? 'model',
    rounding,
    tensors,
    ops,
    inputId: ids.get('input')!,
    outputId: ids.get(graph.output)!,
    meta: { ...(opts.meta ?? {}), quantization: 'convertToIntModel: BN folded, per-channel int8 weights, fused ReLU clamps' },
  };
  validateIntModel(intModel);
  return intModel;
}
