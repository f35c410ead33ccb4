/**
 * Hand-built IntModels of a single layer (or a short chain) at chosen shapes, for the C tests and
 * the instruction-count bench: pointwise L x Cin -> Cout, depthwise L x C kernel K, and a mixed
 * chain with a generated pointwise layer. Deterministic in `seed`; quantization TFLite-consistent
 * (QuantizeMultiplier of inScale * wScale[c] / outScale).
 */

import { Rng } from '../../core/rng.ts';
import { quantizeMultiplier } from '../../quant/fixed_point.ts';
import { INT_MODEL_VERSION, type ActivationTensor, type IntModel, type IntOp, type RoundingMode, type PwConv1dOp, type DwConv1dOp } from '../../quant/int_model.ts';

function weighted(rng: Rng, cout: number, perOut: number, inScale: number, outScale: number, rounding: RoundingMode) {
  const weights = new Int8Array(cout * perOut);
  for (let i = 0; i < weights.length; i++) weights[i] = rng.int(255) - 127;
  const weightScales = new Float32Array(cout);
  const multiplier = new Int32Array(cout);
  const shift = new Int32Array(cout);
  const bias = new Int32Array(cout);
  for (let c = 0; c < cout; c++) {
    weightScales[c] = Math.fround(0.002 + 0.01 * rng.next());
    const q = quantizeMultiplier((inScale * weightScales[c]) / outScale / Math.sqrt(perOut), rounding);
    multiplier[c] = q.multiplier;
    shift[c] = q.shift;
    bias[c] = rng.int(4001) - 2000;
  }
  return { weights, weightScales, requant: { multiplier, shift }, bias };
}

function tensor(tensors: ActivationTensor[], rng: Rng, name: string, shape: number[]): ActivationTensor {
  const t: ActivationTensor = { id: tensors.length, name, shape, scale: Math.fround(0.02 + 0.05 * rng.next()), zeroPoint: rng.int(61) - 30 };
  tensors.push(t);
  return t;
}

/** input [L, Cin] -> pwconv1d -> [L, Cout] */
export function pointwiseModel(length: number, cin: number, cout: number, seed = 1, rounding: RoundingMode = 'double', source: 'stored' | 'generated' = 'stored'): IntModel {
  const rng = new Rng(seed);
  const tensors: ActivationTensor[] = [];
  const x = tensor(tensors, rng, 'input', [length, cin]);
  const y = tensor(tensors, rng, 'pw_out', [length, cout]);
  const op: PwConv1dOp = {
    kind: 'pwconv1d', name: `pw ${cin}->${cout}`, input: x.id, output: y.id, actMin: -128, actMax: 127, inChannels: cin, outChannels: cout,
    ...weighted(rng, cout, cin, x.scale, y.scale, rounding), source, ...(source === 'generated' ? { generatedIndex: 0 } : {}),
  };
  return { version: INT_MODEL_VERSION, name: `pointwise-${length}x${cin}-${cout}`, rounding, tensors, ops: [op], inputId: x.id, outputId: y.id, meta: {} };
}

/** input [L, C] -> dwconv1d (kernel K, 'same' padding) -> [L, C] */
export function depthwiseModel(length: number, ch: number, k: number, seed = 1, rounding: RoundingMode = 'double'): IntModel {
  const rng = new Rng(seed);
  const tensors: ActivationTensor[] = [];
  const x = tensor(tensors, rng, 'input', [length, ch]);
  const y = tensor(tensors, rng, 'dw_out', [length, ch]);
  const op: DwConv1dOp = {
    kind: 'dwconv1d', name: `dw ${ch}x${k}`, input: x.id, output: y.id, actMin: -128, actMax: 127, inChannels: ch, outChannels: ch,
    kernelSize: k, stride: 1, dilation: 1, padBefore: (k - 1) >> 1, padAfter: k - 1 - ((k - 1) >> 1),
    ...weighted(rng, ch, k, x.scale, y.scale, rounding),
  };
  // depthwise weights are [K, C]: `weighted` drew K * C values, the layout only renames them
  return { version: INT_MODEL_VERSION, name: `depthwise-${length}x${ch}-k${k}`, rounding, tensors, ops: [op], inputId: x.id, outputId: y.id, meta: {} };
}

/**
 * A separable block chain with odd channel counts, dilation, padding on both sides and one
 * generated pointwise layer (RAM cache): [L, 3] -> dw k5 d2 -> pw (generated) 3 -> 7 (ReLU) ->
 * dw k3 stride 2 -> pw 7 -> 9 -> global avg -> fc 9 -> 4.
 */
export function chainModel(seed = 1, rounding: RoundingMode = 'double', length = 21): IntModel {
  const rng = new Rng(seed);
  const tensors: ActivationTensor[] = [];
  const t0 = tensor(tensors, rng, 'input', [length, 3]);
  const t1 = tensor(tensors, rng, 'dw1', [length, 3]);
  const t2 = tensor(tensors, rng, 'pw1', [length, 7]);
  const l3 = Math.floor((length + 2 - 3) / 2) + 1;
  const t3 = tensor(tensors, rng, 'dw2', [l3, 7]);
  const t4 = tensor(tensors, rng, 'pw2', [l3, 9]);
  const t5: ActivationTensor = { id: 5, name: 'gap', shape: [9], scale: t4.scale, zeroPoint: t4.zeroPoint };
  tensors.push(t5);
  const t6 = tensor(tensors, rng, 'logits', [4]);
  const ops: IntOp[] = [
    { kind: 'dwconv1d', name: 'dw1 k5 d2', input: 0, output: 1, actMin: -128, actMax: 127, inChannels: 3, outChannels: 3, kernelSize: 5, stride: 1, dilation: 2, padBefore: 4, padAfter: 4, ...weighted(rng, 3, 5, t0.scale, t1.scale, rounding) },
    { kind: 'pwconv1d', name: 'pw1 (generated)', input: 1, output: 2, actMin: t2.zeroPoint, actMax: 127, inChannels: 3, outChannels: 7, source: 'generated', generatedIndex: 0, ...weighted(rng, 7, 3, t1.scale, t2.scale, rounding) },
    { kind: 'dwconv1d', name: 'dw2 k3 s2', input: 2, output: 3, actMin: -128, actMax: 127, inChannels: 7, outChannels: 7, kernelSize: 3, stride: 2, dilation: 1, padBefore: 1, padAfter: 1, ...weighted(rng, 7, 3, t2.scale, t3.scale, rounding) },
    { kind: 'pwconv1d', name: 'pw2', input: 3, output: 4, actMin: -128, actMax: 127, inChannels: 7, outChannels: 9, source: 'stored', ...weighted(rng, 9, 7, t3.scale, t4.scale, rounding) },
    { kind: 'global_avgpool', name: 'gap', input: 4, output: 5, actMin: -128, actMax: 127 },
    { kind: 'fully_connected', name: 'fc', input: 5, output: 6, actMin: -128, actMax: 127, inChannels: 9, outChannels: 4, ...weighted(rng, 4, 9, t5.scale, t6.scale, rounding) },
  ];
  return { version: INT_MODEL_VERSION, name: `chain */ "weird" name\n${seed}`, rounding, tensors, ops, inputId: 0, outputId: 6, meta: {} };
}

/** A random int8 input for `model`. */
export function shapeInput(model: IntModel, seed: number): Int8Array {
  const rng = new Rng(seed);
  const t = model.tensors[model.inputId];
  const n = t.shape.reduce((a, b) => a * b, 1);
  return Int8Array.from({ length: n }, () => rng.int(256) - 128);
}
