/**
 * Ablation formats on the same code path (docs/METHOD.md, "Baselines every Pareto plot carries"):
 * - all PW stored INT8: the plain IntModel (`deployableFromIntModel(model)`);
 * - PW stored as INT8 rank-r factors, run as two skinny pointwise layers (`factorizePw`);
 * - PW stored at 4 bits, packed nibbles unpacked to INT8 at load (`quantizePwTo4Bit` +
 *   `deployableFromIntModel(model, weightBits)`);
 * - a generator per layer (`sharing: 'per-layer'` in the config) and PW1 generated too
 *   (`generated: 'all'`): knobs of config.ts, same synthesis.
 * All are IntModel transforms or deployables, so the simulator, the byte accounting and the C
 * generator treat them like any other model.
 */

import { ArgumentError } from '../util/errors.ts';
import type { ActivationTensor, IntModel, IntOp, PwConv1dOp } from '../quant/int_model.ts';
import { perChannelRequant, quantizeBias, quantizeWeightsPerChannel } from '../quant/quantize.ts';
import { roundHalfAway } from '../quant/fixed_point.ts';
import { simulate } from '../quant/simulator.ts';
import { selectGeneratedOps, type GeneratedSelection } from './config.ts';

/** Dequantized weights [cOut, cIn] of a stored pointwise op (float64). */
export function dequantizePw(op: PwConv1dOp): Float64Array {
  const w = new Float64Array(op.outChannels * op.inChannels);
  for (let o = 0; o < op.outChannels; o++) for (let i = 0; i < op.inChannels; i++) w[o * op.inChannels + i] = op.weights[o * op.inChannels + i] * op.weightScales[o];
  return w;
}

/** Real bias of a stored op: bias * fround(s_in * weightScale). */
function realBias(model: IntModel, op: PwConv1dOp): Float32Array {
  const sIn = model.tensors[op.input].scale;
  return Float32Array.from(op.bias, (b, o) => b * Math.fround(sIn * op.weightScales[o]));
}

/**
 * Rank-r truncated SVD W ~ B A (B [m, r], A [r, n]) by block power iteration on W^T W with
 * Gram-Schmidt re-orthonormalization (twice, deterministic start). Returns B = W A^T, A orthonormal rows.
 */
export function lowRank(W: Float64Array, m: number, n: number, r: number, iterations = 60): { A: Float64Array; B: Float64Array } {
  const k = Math.min(r, m, n);
  const Q = new Float64Array(k * n);
  for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) Q[j * n + i] = Math.sin(1 + 7.3 * j + 1.7 * i * (j + 1)) + (i === j ? 1 : 0);
  const orth = () => {
    for (let j = 0; j < k; j++) {
      // projected out twice: when W has rank < k the j-th vector is rounding noise, and one
      // pass leaves it far from orthogonal to the others (then B A != W at full rank)
      for (let pass = 0; pass < 2; pass++) for (let p = 0; p < j; p++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += Q[j * n + i] * Q[p * n + i];
        for (let i = 0; i < n; i++) Q[j * n + i] -= d * Q[p * n + i];
      }
      let nrm = 0;
      for (let i = 0; i < n; i++) nrm += Q[j * n + i] ** 2;
      nrm = Math.sqrt(nrm);
      for (let i = 0; i < n; i++) Q[j * n + i] = nrm > 1e-300 ? Q[j * n + i] / nrm : 0;
    }
  };
  orth();
  const t = new Float64Array(m);
  for (let it = 0; it < iterations; it++) {
    for (let j = 0; j < k; j++) {
      for (let o = 0; o < m; o++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += W[o * n + i] * Q[j * n + i];
        t[o] = s;
      }
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let o = 0; o < m; o++) s += W[o * n + i] * t[o];
        Q[j * n + i] = s;
      }
    }
    orth();
  }
  const B = new Float64Array(m * k);
  for (let o = 0; o < m; o++) for (let j = 0; j < k; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += W[o * n + i] * Q[j * n + i];
    B[o * k + j] = s;
  }
  return { A: Q, B };
}

export interface FactorizeOptions {
  /** which pointwise ops (default all but the first) */
  selection?: GeneratedSelection;
  /** a model input (int8, [L, C]) to calibrate the intermediate tensors' scales; without it the
   * scale covers the worst case max_j ||A_j||_1 * max|x| */
  calibrationInput?: Int8Array;
}

/**
 * Replace each selected stored pwconv1d (W [cOut, cIn]) by two pointwise ops through an
 * intermediate tensor [L, r] (zero point 0): pw.a = A (r x cIn, no bias, no activation) and
 * pw.b = B (cOut x r, the original bias and clamp), W ~ B A at rank r, both INT8 per channel.
 */
export function factorizePw(model: IntModel, rank: number, opts: FactorizeOptions = {}): IntModel {
  if (!(Number.isInteger(rank) && rank >= 1)) throw new ArgumentError('factorizePw', `rank must be a positive integer, got ${rank}`);
  const selected = new Set(selectGeneratedOps(model, opts.selection ?? 'all-but-first'));
  const acts = opts.calibrationInput ? simulate(model, opts.calibrationInput, { dump: true }).activations! : null;
  if (acts) acts[model.inputId] = opts.calibrationInput!;
  const tensors: ActivationTensor[] = model.tensors.map((t) => ({ ...t, shape: [...t.shape] }));
  const ops: IntOp[] = [];
  model.ops.forEach((op, k) => {
    if (!selected.has(k) || op.kind !== 'pwconv1d' || op.source !== 'stored') {
      ops.push(op);
      return;
    }
    const { inChannels: n, outChannels: m } = op;
    const r = Math.min(rank, m, n);
    const { A, B } = lowRank(dequantizePw(op), m, n, r);
    const tin = model.tensors[op.input];
    const tout = model.tensors[op.output];
    // intermediate range
    let tmax = 0;
    if (acts) {
      const x = acts[op.input];
      for (let p = 0; p < x.length / n; p++) for (let j = 0; j < r; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += A[j * n + i] * tin.scale * (x[p * n + i] - tin.zeroPoint);
        tmax = Math.max(tmax, Math.abs(s));
      }
    } else {
      const xmax = tin.scale * Math.max(128 + tin.zeroPoint, 127 - tin.zeroPoint);
      for (let j = 0; j < r; j++) {
        let l1 = 0;
        for (let i = 0; i < n; i++) l1 += Math.abs(A[j * n + i]);
        tmax = Math.max(tmax, l1 * xmax);
      }
    }
    const midScale = Math.fround(tmax > 0 ? tmax / 127 : 1);
    const mid: ActivationTensor = { id: tensors.length, name: `${tout.name}.mid`, shape: tout.shape.length === 2 ? [tout.shape[0], r] : [r], scale: midScale, zeroPoint: 0 };
    tensors.push(mid);
    const qa = quantizeWeightsPerChannel(Float32Array.from(A), r);
    const qb = quantizeWeightsPerChannel(Float32Array.from(B), m);
    const opA: PwConv1dOp = {
      kind: 'pwconv1d', source: 'stored', name: `${op.name}.a`, input: op.input, output: mid.id, actMin: -128, actMax: 127,
      inChannels: n, outChannels: r, weights: qa.q, bias: new Int32Array(r), weightScales: qa.scales,
      requant: perChannelRequant(tin.scale, qa.scales, midScale, model.rounding),
    };
    const opB: PwConv1dOp = {
      kind: 'pwconv1d', source: 'stored', name: `${op.name}.b`, input: mid.id, output: op.output, actMin: op.actMin, actMax: op.actMax,
      inChannels: r, outChannels: m, weights: qb.q, bias: quantizeBias(realBias(model, op), midScale, qb.scales), weightScales: qb.scales,
      requant: perChannelRequant(midScale, qb.scales, tout.scale, model.rounding),
    };
    ops.push(opA, opB);
  });
  return { ...model, tensors, ops, meta: { ...model.meta, ablation: `pw-lowrank-${rank}` } };
}

/**
 * Requantize the selected stored pointwise ops to 4-bit levels (int8 values in [-7, 7]) per
 * output channel: w4 = clamp(round_half_away(w8 * 7 / max|w8_row|)), weightScale4 =
 * fround(weightScale * max|w8_row| / 7); bias and multipliers recomputed for the new scale.
 * Returns the model and the weightBits map for deployableFromIntModel (packed nibbles in flash).
 */
export function quantizePwTo4Bit(model: IntModel, selection: GeneratedSelection = 'all-but-first'): { model: IntModel; weightBits: Record<string, number> } {
  const selected = new Set(selectGeneratedOps(model, selection));
  const weightBits: Record<string, number> = {};
  const ops = model.ops.map((op, k): IntOp => {
    if (!selected.has(k) || op.kind !== 'pwconv1d' || op.source !== 'stored') return op;
    const { inChannels: n, outChannels: m } = op;
    const weights = new Int8Array(n * m);
    const scales = new Float32Array(m);
    for (let o = 0; o < m; o++) {
      let mx = 0;
      for (let i = 0; i < n; i++) mx = Math.max(mx, Math.abs(op.weights[o * n + i]));
      scales[o] = mx === 0 ? op.weightScales[o] : Math.fround((op.weightScales[o] * mx) / 7);
      for (let i = 0; i < n; i++) weights[o * n + i] = mx === 0 ? 0 : Math.max(-7, Math.min(7, roundHalfAway((op.weights[o * n + i] * 7) / mx)));
    }
    const sIn = model.tensors[op.input].scale;
    weightBits[op.name] = 4;
    return {
      ...op, weights, weightScales: scales,
      bias: quantizeBias(realBias(model, op), sIn, scales),
      requant: perChannelRequant(sIn, scales, model.tensors[op.output].scale, model.rounding),
    };
  });
  return { model: { ...model, ops, meta: { ...model.meta, ablation: 'pw-int4' } }, weightBits };
}
