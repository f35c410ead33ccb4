/**
 * HyperTinyPW synthesis: StoredGenerator + per-layer integer inputs -> the INT8 weights, INT32
 * bias and per-channel multiplier/shift of each generated pointwise layer. Integer-only; this
 * file is the definition, SYNTHESIS.md is the same algorithm written for a C programmer, and the
 * generated C reproduces it bit for bit (also on an FPU-less Cortex-M0).
 *
 * One generated layer l (C_out x C_in), served by generator instance G:
 *   x0 = code_l                                     (ints at codeBits)
 *   x_{t+1} = clamp(requantSat(b + W x_t), 0, 32767)  (trunk, int16, ReLU)
 *   S = clamp(requantSat(b + H_S x_T), +-(2^23 - 1))   (r x r core, or diag of r coefficients)
 *   'factor-heads': S = I; U(o, a) = clamp(requantSat(H_A row o*r + a), +-127) (A_l),
 *                   V(b, i) = clamp(requantSat(H_B row b*C_max + i), +-127) (B_l)
 *   per output channel o, in order:
 *     g   = gains_l[o] | clamp(requantSat(gain head row o), +-(2^23 - 1)) | 1
 *     P   = U[o, :] S                       (r int64, |P| < 2^38)
 *     sP  = max(0, bitlen(max|P|) - qP),  qP = 17 - ceil(log2 r);  P' = roundShift(P, sP)
 *     R   = P' V[:, :C_in]                  (C_in int32, |R| < 2^24)
 *     m   = max|R|;  A = |g| * m            (A < 2^47)
 *     A == 0 -> weights 0, bias 0, multiplier 0, shift 0
 *     w[o, i] = sign(g) * sign(R_i) * ((127 |R_i| + (m >> 1)) / m)
 *     sA = max(0, bitlen(A) - 31);  A' = roundShift(A, sA)     (A' <= 2^31)
 *     (mult, t) = normalizeProduct(kMultiplier, A');  shift = t + kExponent + sP + sA
 *     shift > 30 -> error;  shift < -31 -> multiplier 0, shift 0, bias 0 (weights kept)
 *     bias[o] = rdivPow2(biasQ[o], 31 - shift - biasExponent, mult)
 */

import { ArgumentError } from '../util/errors.ts';
import { roundHalfAway } from '../quant/fixed_point.ts';
import { HEADS } from './heads.ts';
import { bitLength, normalizeProduct, rdivPow2, requantSat, roundShift, splitMultiplier } from './fixed.ts';
import { dequantizeTensor, layerSigma, linearBias, linearWeights, type IntLinear, type StoredGenerator } from './stored.ts';

/** The integers stored per generated layer besides the generator (SYNTHESIS.md, "Layer inputs"). */
export interface LayerSynthesisInputs {
  /** K_l = s_in * Sigma_l / (127 * s_out) = kMultiplier * 2^(kExponent - 31); kMultiplier in [2^30, 2^31) */
  kMultiplier: number;
  /** int8 */
  kExponent: number;
  /** [cOut] int32 in [-(2^31 - 1), 2^31 - 1]: real bias b[o] = biasQ[o] * s_out * 2^-biasExponent */
  biasQ: Int32Array;
  /** int8, in [-24, 24] */
  biasExponent: number;
}

/** What synthesis produces for one layer: exactly the generated fields of a PwConv1dOp. */
export interface SynthesizedLayer {
  /** [cOut, cIn] in [-127, 127] */
  weights: Int8Array;
  bias: Int32Array;
  multiplier: Int32Array;
  shift: Int32Array;
  /** float32: fround(multiplier * 2^(shift - 31) * s_out / s_in), 0 for a degenerate channel */
  weightScales: Float32Array;
}

export class SynthesisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SynthesisError';
  }
}

export const WEIGHT_LEVELS = 127;

/** qP = 17 - ceil(log2 r): the bit budget of the normalized P row, so that |R| < 2^24. */
export function pBits(rank: number): number {
  return 17 - Math.ceil(Math.log2(rank) - 1e-12);
}

/** One integer MLP layer: y[j] = clamp(requantSat(bias[j] + sum_k W[j,k] x[k], m[j], s[j]), actMin, actMax). */
export function intLinear(L: IntLinear, x: ArrayLike<number>, rows = L.outFeatures): Int32Array {
  const y = new Int32Array(rows);
  const n = L.inFeatures;
  for (let j = 0; j < rows; j++) y[j] = intLinearRow(L, x, j, n);
  return y;
}

function intLinearRow(L: IntLinear, x: ArrayLike<number>, j: number, n = L.inFeatures): number {
  let acc = L.bias[j];
  const base = j * n;
  for (let k = 0; k < n; k++) acc += L.weights[base + k] * x[k];
  const v = requantSat(acc, L.multiplier[j], L.shift[j]);
  return v < L.actMin ? L.actMin : v > L.actMax ? L.actMax : v;
}

/** Integer trunk + core of layer l: the hidden vector and the r x r core S (row-major). */
export function generatorCore(gen: StoredGenerator, l: number): { hidden: Int32Array; core: Int32Array } {
  const L = gen.layers[l];
  const inst = gen.instances[L.generator];
  const r = gen.config.rank;
  let x: ArrayLike<number> = L.code.values;
  for (const t of inst.trunk) x = intLinear(t, x);
  const c = HEADS[gen.config.head].factorHeads ? new Int32Array(0) : intLinear(inst.core, x); // factor-heads: S = I
  const core = new Int32Array(r * r);
  HEADS[gen.config.head].fillCore(c, r, core);
  return { hidden: Int32Array.from(x), core };
}

/**
 * The factors of step b and d: U [>= cOut rows][r] and V [r][cMax] (only the first cIn columns
 * are read). Stored bases, or ('factor-heads') A_l = the core head's first cOut*r rows and
 * B_l = the factor head's rows b*cMax + i for i < cIn (the others left 0), both in [-127, 127].
 */
export function layerFactors(gen: StoredGenerator, l: number, hidden: ArrayLike<number>): { U: ArrayLike<number>; V: ArrayLike<number> } {
  const L = gen.layers[l];
  const inst = gen.instances[L.generator];
  if (!HEADS[gen.config.head].factorHeads) return { U: inst.U!.values, V: inst.V!.values };
  const r = gen.config.rank;
  const cMax = inst.cMax;
  const U = intLinear(inst.core, hidden, L.cOut * r);
  const V = new Int32Array(r * cMax);
  for (let b = 0; b < r; b++) for (let i = 0; i < L.cIn; i++) V[b * cMax + i] = intLinearRow(inst.factorB!, hidden, b * cMax + i);
  return { U, V };
}

/** Host side: the integer layer inputs from the activation scales and the real (float) bias. */
export function makeLayerInputs(gen: StoredGenerator, l: number, inputScale: number, outputScale: number, bias: ArrayLike<number>): LayerSynthesisInputs {
  const cOut = gen.layers[l].cOut;
  if (bias.length !== cOut) throw new ArgumentError('makeLayerInputs', `layer ${l}: ${bias.length} biases for ${cOut} channels`);
  const sIn = Math.fround(inputScale);
  const sOut = Math.fround(outputScale);
  const K = (sIn * layerSigma(gen, l)) / (WEIGHT_LEVELS * sOut);
  if (!(K > 0 && Number.isFinite(K))) throw new ArgumentError('makeLayerInputs', `layer ${l}: layer constant K = ${K} is not a positive finite number`);
  const { mK, eK } = splitMultiplier(K);
  if (eK < -128 || eK > 127) throw new ArgumentError('makeLayerInputs', `layer ${l}: K = ${K} exponent ${eK} does not fit int8`);
  let maxB = 0;
  for (let o = 0; o < cOut; o++) maxB = Math.max(maxB, Math.abs(bias[o] / sOut));
  let F = 24;
  while (F > -24 && maxB * 2 ** F > 2 ** 30) F--;
  const biasQ = new Int32Array(cOut);
  for (let o = 0; o < cOut; o++) {
    const v = Math.round(Math.abs(bias[o] / sOut) * 2 ** F) * Math.sign(bias[o]);
    biasQ[o] = Math.max(-2147483647, Math.min(2147483647, v));
  }
  return { kMultiplier: mK, kExponent: eK, biasQ, biasExponent: F };
}

/**
 * Synthesize generated layer l. `inputScale` / `outputScale` only serve the reported float32
 * weightScales; every integer output depends on `gen` and `inputs` alone.
 */
export function synthesizeLayer(gen: StoredGenerator, l: number, inputs: LayerSynthesisInputs, inputScale = 1, outputScale = 1): SynthesizedLayer {
  const L = gen.layers[l];
  if (!L) throw new ArgumentError('synthesizeLayer', `no generated layer ${l}`);
  const inst = gen.instances[L.generator];
  const { cIn, cOut } = L;
  const r = gen.config.rank;
  const cMax = inst.cMax;
  if (inputs.biasQ.length !== cOut) throw new ArgumentError('synthesizeLayer', `layer ${l}: ${inputs.biasQ.length} biases for ${cOut} channels`);
  const { hidden, core: S } = generatorCore(gen, l);
  const qP = pBits(r);
  const { U, V } = layerFactors(gen, l, hidden);
  const mK = inputs.kMultiplier;
  const eK = inputs.kExponent;

  const weights = new Int8Array(cOut * cIn);
  const bias = new Int32Array(cOut);
  const multiplier = new Int32Array(cOut);
  const shift = new Int32Array(cOut);
  const weightScales = new Float32Array(cOut);
  const P = new Float64Array(r); // int64 values, |P| < 2^38: exact in a double
  const R = new Int32Array(cIn);
  const sIn = Math.fround(inputScale);
  const sOut = Math.fround(outputScale);

  for (let o = 0; o < cOut; o++) {
    // gain
    let g: number;
    if (gen.config.gains === 'stored') g = L.gains!.values[o];
    else if (gen.config.gains === 'generated') g = intLinearRow(inst.gain!, hidden, o);
    else g = 1;
    // P = U[o, :] S, then normalize to qP bits
    let pmax = 0;
    for (let b = 0; b < r; b++) {
      let acc = 0;
      for (let a = 0; a < r; a++) acc += U[o * r + a] * S[a * r + b];
      P[b] = acc;
      const ab = acc < 0 ? -acc : acc;
      if (ab > pmax) pmax = ab;
    }
    const sP = Math.max(0, bitLength(pmax) - qP);
    if (sP > 0) for (let b = 0; b < r; b++) P[b] = roundShift(P[b], sP);
    // R = P' V[:, :cIn]
    let m = 0;
    for (let i = 0; i < cIn; i++) {
      let acc = 0;
      for (let b = 0; b < r; b++) acc += P[b] * V[b * cMax + i];
      R[i] = acc;
      const ab = acc < 0 ? -acc : acc;
      if (ab > m) m = ab;
    }
    const gAbs = g < 0 ? -g : g;
    const A = gAbs * m;
    if (A === 0) continue; // degenerate channel: all zero
    const half = m >> 1;
    for (let i = 0; i < cIn; i++) {
      const v = R[i];
      const q = Math.floor((WEIGHT_LEVELS * (v < 0 ? -v : v) + half) / m);
      weights[o * cIn + i] = (v < 0) !== (g < 0) ? -q : q;
    }
    const sA = Math.max(0, bitLength(A) - 31);
    const { mult, t } = normalizeProduct(mK, roundShift(A, sA));
    const sh = t + eK + sP + sA;
    if (sh > 30) throw new SynthesisError(`layer ${l} channel ${o}: requantization shift ${sh} > 30 (the effective multiplier exceeds 2^30)`);
    if (sh < -31) continue; // multiplier below 2^-32: flushed to zero (weights kept)
    multiplier[o] = mult;
    shift[o] = sh;
    bias[o] = rdivPow2(inputs.biasQ[o], 31 - sh - inputs.biasExponent, mult);
    weightScales[o] = Math.fround(((mult * 2 ** (sh - 31)) * sOut) / sIn);
  }
  return { weights, bias, multiplier, shift, weightScales };
}

/** Dequantized synthesized weights [cOut, cIn]: w * weightScales[o] (float64). */
export function dequantizeSynthesized(s: SynthesizedLayer, cIn: number): Float64Array {
  const out = new Float64Array(s.weights.length);
  for (let i = 0; i < out.length; i++) out[i] = s.weights[i] * s.weightScales[Math.floor(i / cIn)];
  return out;
}

/**
 * Float reference: the same generator evaluated in float64 from the dequantized stored
 * parameters (no intermediate integer rounding): W_l = diag(g) U[:cOut] S V[:, :cIn], [cOut, cIn]
 * ('factor-heads': diag(g) A_l B_l, the heads' float outputs y rounded to their stored levels as
 * quantizeGenerator defines them, clamp(round_half_away(y / s_out), +-127) * s_out, the role of
 * the stored bases' quantization in the other families).
 */
export function generateFloat(gen: StoredGenerator, l: number): Float64Array {
  const L = gen.layers[l];
  const inst = gen.instances[L.generator];
  const r = gen.config.rank;
  const { cIn, cOut } = L;
  const cMax = inst.cMax;
  const lin = (layer: IntLinear, x: Float64Array, relu: boolean) => {
    const w = linearWeights(layer);
    const b = linearBias(layer);
    const y = new Float64Array(layer.outFeatures);
    for (let j = 0; j < layer.outFeatures; j++) {
      let acc = b[j];
      for (let k = 0; k < layer.inFeatures; k++) acc += w[j * layer.inFeatures + k] * x[k];
      y[j] = relu ? Math.max(0, acc) : acc;
    }
    return y;
  };
  let x = dequantizeTensor(L.code);
  for (const t of inst.trunk) x = lin(t, x, true);
  const c = lin(inst.core, x, false);
  const S = new Float64Array(r * r);
  HEADS[gen.config.head].fillCore(c, r, S);
  const factors = HEADS[gen.config.head].factorHeads;
  let gains: Float64Array;
  if (gen.config.gains === 'stored') gains = dequantizeTensor(L.gains!);
  else if (gen.config.gains === 'generated') gains = lin(inst.gain!, x, false);
  else gains = new Float64Array(cOut).fill(1);
  const levels = (y: Float64Array, L: IntLinear) => y.map((v) => Math.max(L.actMin, Math.min(L.actMax, roundHalfAway(v / L.outputScale))) * L.outputScale);
  const U = factors ? levels(c, inst.core) : dequantizeTensor(inst.U!); // A [cMax][r] (rows o*r + a)
  const V = factors ? levels(lin(inst.factorB!, x, false), inst.factorB!) : dequantizeTensor(inst.V!); // B [r][cMax]
  const W = new Float64Array(cOut * cIn);
  for (let o = 0; o < cOut; o++) {
    const p = new Float64Array(r);
    for (let b = 0; b < r; b++) for (let a = 0; a < r; a++) p[b] += U[o * r + a] * S[a * r + b];
    for (let i = 0; i < cIn; i++) {
      let acc = 0;
      for (let b = 0; b < r; b++) acc += p[b] * V[b * cMax + i];
      W[o * cIn + i] = gains[o] * acc;
    }
  }
  return W;
}
