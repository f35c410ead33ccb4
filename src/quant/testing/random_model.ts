/**
 * Random small, valid IntModels shaped like separable 1-D CNNs, for property tests (here and in
 * the C generator's tests). Deterministic in `seed`.
 *
 *   input [L, Cin] -> conv1d stem (k 3..7, stride 1..2, ReLU) -> blocks of
 *   dwconv1d (k 3..9, stride 1..2, ReLU) -> pwconv1d (ReLU / ReLU6 / none) [-> add residual]
 *   [-> avgpool1d / maxpool1d] -> global_avgpool -> fully_connected (logits, no activation)
 *
 * Quantization parameters are random but consistent the TFLite way: float32 scales, zero points
 * in [-128, 127], per-channel multipliers/shifts from QuantizeMultiplier(in * w[c] / out), biases
 * inside the accumulator bound, some all-zero-weight channels, sometimes a zero multiplier.
 * Output scales are chosen so typical accumulators land inside int8, so the outputs exercise
 * the rounding instead of saturating.
 */

import { Rng } from '../../core/rng.ts';
import { INT_MODEL_VERSION, type ActivationTensor, type IntModel, type IntOp, type RoundingMode } from '../int_model.ts';
import { outputLength } from '../kernels/types.ts';
import { activationRange, addQuantParams, perChannelRequant } from '../quantize.ts';

export interface RandomModelOptions {
  /** input length L (default random 8..48) */
  length?: number;
  /** input channels (default random 1..3) */
  inChannels?: number;
  /** separable blocks (default random 1..3) */
  blocks?: number;
  /** channel range of the stem and blocks (default 2..12) */
  minChannels?: number;
  maxChannels?: number;
  /** classes (default random 2..6) */
  classes?: number;
  /** rounding mode (default random) */
  rounding?: RoundingMode;
  /** allow pooling ops between blocks (default true) */
  pooling?: boolean;
  /** allow residual adds (default true) */
  residual?: boolean;
  /** allow stride 2 in stem and depthwise ops (default true) */
  strides?: boolean;
}

export function randomIntModel(seed: number, opts: RandomModelOptions = {}): IntModel {
  const rng = new Rng(seed);
  const int = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  const chance = (p: number) => rng.next() < p;
  const rounding: RoundingMode = opts.rounding ?? (chance(0.5) ? 'single' : 'double');
  const minC = opts.minChannels ?? 2;
  const maxC = opts.maxChannels ?? 12;
  const useStrides = opts.strides ?? true;
  const tensors: ActivationTensor[] = [];
  const ops: IntOp[] = [];

  const newTensor = (name: string, shape: number[], scale?: number, zeroPoint?: number): ActivationTensor => {
    const t: ActivationTensor = {
      id: tensors.length, name, shape,
      scale: scale ?? Math.fround(0.005 + 0.1 * rng.next()),
      zeroPoint: zeroPoint ?? int(-128, 127),
    };
    tensors.push(t);
    return t;
  };

  /** weights [Cout, taps] (or [K, C] for depthwise, transposed on return), scales, requant */
  const weighted = (name: string, input: ActivationTensor, outShape: number[], cout: number, tapsPerOut: number, weightCount: number, act: 'none' | 'relu' | 'relu6') => {
    const weights = new Int8Array(weightCount);
    const maxW = chance(0.2) ? 127 : int(8, 127);
    for (let i = 0; i < weightCount; i++) weights[i] = int(-maxW, maxW);
    const weightScales = new Float32Array(cout);
    for (let c = 0; c < cout; c++) weightScales[c] = Math.fround((0.002 + 0.02 * rng.next()) * (chance(0.05) ? 1e-6 : 1));
    // typical |acc| ~ sqrt(taps) * 60 * 60; pick the output scale so that lands in about +-40..100
    const wMean = weightScales.reduce((a, b) => a + b, 0) / cout;
    const target = (40 + 60 * rng.next()) / (Math.sqrt(tapsPerOut) * 60 * Math.max(8, maxW / 2));
    const outScale = Math.fround((input.scale * wMean) / target);
    const output = newTensor(name + '.out', outShape, outScale, act === 'none' ? int(-20, 20) : int(-128, -60));
    const requant = perChannelRequant(input.scale, weightScales, output.scale, rounding);
    const bias = new Int32Array(cout);
    const biasRange = Math.min(2 ** 31 - 1 - tapsPerOut * 127 * 255, Math.round(Math.sqrt(tapsPerOut) * 4000));
    for (let c = 0; c < cout; c++) bias[c] = chance(0.02) ? (chance(0.5) ? 1 : -1) * biasRange : Math.round((2 * rng.next() - 1) * biasRange);
    if (chance(0.3)) {
      const dead = rng.int(cout); // an all-zero channel, sometimes with a zero multiplier
      if (chance(0.5)) { requant.multiplier[dead] = 0; requant.shift[dead] = 0; }
      return { output, weights, weightScales, requant, bias, dead };
    }
    return { output, weights, weightScales, requant, bias, dead: -1 };
  };
  const range = (t: ActivationTensor, act: 'none' | 'relu' | 'relu6') => {
    const r = activationRange(act, t.scale, t.zeroPoint);
    if (act === 'none' && chance(0.1)) return { actMin: int(-128, -40), actMax: int(40, 127) };
    return r;
  };
  const pickAct = (): 'none' | 'relu' | 'relu6' => (chance(0.6) ? 'relu' : chance(0.5) ? 'relu6' : 'none');

  const L = opts.length ?? int(8, 48);
  const cin = opts.inChannels ?? int(1, 3);
  let cur = newTensor('input', [L, cin]);
  const inputId = cur.id;

  // stem conv1d
  {
    const cout = int(minC, maxC);
    const k = int(1, Math.min(7, L));
    const stride = useStrides && chance(0.3) && L >= 16 ? 2 : 1;
    const dilation = chance(0.15) && 2 * (k - 1) + 1 <= L ? 2 : 1;
    const pad = chance(0.7) ? Math.floor((dilation * (k - 1)) / 2) : 0;
    const padAfter = chance(0.7) ? pad : int(0, pad);
    const ol = outputLength(L, k, stride, dilation, pad, padAfter);
    const act = pickAct();
    const w = weighted('stem', cur, [ol, cout], cout, cin * k, cout * k * cin, act);
    if (w.dead >= 0) w.weights.fill(0, w.dead * k * cin, (w.dead + 1) * k * cin);
    ops.push({ kind: 'conv1d', name: 'stem', input: cur.id, output: w.output.id, ...range(w.output, act), inChannels: cin, outChannels: cout,
      bias: w.bias, requant: w.requant, weightScales: w.weightScales, weights: w.weights, kernelSize: k, stride, dilation, padBefore: pad, padAfter });
    cur = w.output;
  }

  const blocks = opts.blocks ?? int(1, 3);
  for (let b = 0; b < blocks; b++) {
    const [len, ch] = cur.shape;
    const blockIn = cur;
    // depthwise
    const k = int(1, 9);
    const stride = useStrides && chance(0.25) && len >= 8 ? 2 : 1;
    const dilation = chance(0.15) ? 2 : 1;
    const pad = Math.floor((dilation * (k - 1)) / 2);
    const padAfter = dilation * (k - 1) - pad;
    const ol = outputLength(len, k, stride, dilation, pad, padAfter);
    const actDw = pickAct();
    const dw = weighted(`b${b}.dw`, cur, [ol, ch], ch, k, k * ch, actDw);
    if (dw.dead >= 0) for (let t = 0; t < k; t++) dw.weights[t * ch + dw.dead] = 0;
    ops.push({ kind: 'dwconv1d', name: `b${b}.dw`, input: cur.id, output: dw.output.id, ...range(dw.output, actDw), inChannels: ch, outChannels: ch,
      bias: dw.bias, requant: dw.requant, weightScales: dw.weightScales, weights: dw.weights, kernelSize: k, stride, dilation, padBefore: pad, padAfter });
    cur = dw.output;
    // pointwise
    const residual = (opts.residual ?? true) && stride === 1 && chance(0.35);
    const cout = residual ? ch : int(minC, maxC);
    const actPw = pickAct();
    const pw = weighted(`b${b}.pw`, cur, [ol, cout], cout, ch, cout * ch, actPw);
    if (pw.dead >= 0) pw.weights.fill(0, pw.dead * ch, (pw.dead + 1) * ch);
    ops.push({ kind: 'pwconv1d', name: `b${b}.pw`, input: cur.id, output: pw.output.id, ...range(pw.output, actPw), inChannels: ch, outChannels: cout,
      bias: pw.bias, requant: pw.requant, weightScales: pw.weightScales, weights: pw.weights, source: 'stored' });
    cur = pw.output;
    if (residual) {
      const out = newTensor(`b${b}.add.out`, [ol, cout], Math.fround(Math.max(blockIn.scale, cur.scale) * (1 + rng.next())), int(-30, 30));
      const act = chance(0.5) ? 'relu' : 'none';
      ops.push({ kind: 'add', name: `b${b}.add`, input: cur.id, input2: blockIn.id, output: out.id, ...range(out, act),
        ...addQuantParams(cur.scale, blockIn.scale, out.scale, rounding) });
      cur = out;
    }
    if ((opts.pooling ?? true) && cur.shape[0] >= 4 && chance(0.3)) {
      const kind = chance(0.5) ? 'avgpool1d' : 'maxpool1d';
      const poolSize = int(2, 3);
      const pStride = int(1, 2);
      const padBefore = int(0, poolSize - 1);
      const pAfter = int(0, poolSize - 1);
      const pl = outputLength(cur.shape[0], poolSize, pStride, 1, padBefore, pAfter);
      const lastStart = (pl - 1) * pStride - padBefore;
      if (pl >= 1 && lastStart < cur.shape[0]) {
        const out = newTensor(`b${b}.pool.out`, [pl, cur.shape[1]], cur.scale, cur.zeroPoint);
        ops.push({ kind, name: `b${b}.pool`, input: cur.id, output: out.id, actMin: -128, actMax: 127, poolSize, stride: pStride, padBefore, padAfter: pAfter });
        cur = out;
      }
    }
  }

  // global average pool -> fully connected
  const gap = newTensor('gap.out', [cur.shape[1]], cur.scale, cur.zeroPoint);
  ops.push({ kind: 'global_avgpool', name: 'gap', input: cur.id, output: gap.id, actMin: -128, actMax: 127 });
  const classes = opts.classes ?? int(2, 6);
  const fc = weighted('fc', gap, [classes], classes, gap.shape[0], classes * gap.shape[0], 'none');
  if (fc.dead >= 0) fc.weights.fill(0, fc.dead * gap.shape[0], (fc.dead + 1) * gap.shape[0]);
  ops.push({ kind: 'fully_connected', name: 'fc', input: gap.id, output: fc.output.id, actMin: -128, actMax: 127, inChannels: gap.shape[0], outChannels: classes,
    bias: fc.bias, requant: fc.requant, weightScales: fc.weightScales, weights: fc.weights });

  return {
    version: INT_MODEL_VERSION, name: `random-${seed}`, rounding, tensors, ops, inputId, outputId: fc.output.id,
    meta: { task: 'random', seed, classes: Array.from({ length: classes }, (_, i) => `c${i}`) },
  };
}

/** A random int8 input for a model (n samples). */
export function randomInput(model: IntModel, seed: number, n = 1): Int8Array {
  const rng = new Rng(seed);
  const size = model.tensors[model.inputId].shape.reduce((a, b) => a * b, 1);
  const x = new Int8Array(n * size);
  for (let i = 0; i < x.length; i++) x[i] = rng.int(256) - 128;
  return x;
}
