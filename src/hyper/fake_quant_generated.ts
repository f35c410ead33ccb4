/**
 * Fake quantization of the HyperTinyPW generator, exactly as the device sees it (SYNTHESIS.md,
 * section 5 "QAT"). Every function is a straight-through estimator (STE): the forward value is
 * the dequantized integer the host / device would hold, the backward passes the gradient through
 * unchanged (d out / d x = 1).
 *
 * Stored tensors, with the scales of stored.ts (float32 scales, round half away from zero):
 *   per-tensor  s = fround(max|x| / qmax(b)),  q = clamp(round_half_away(x / s), +-qmax)
 *               (codes: one scale for all codes; bases U, V; stored gains per layer)
 *   per-row     the same per output row (trunk and head MLP weights)
 * Generated kernel W_l, per output channel (synthesis step f):
 *   m = max_i |W[o, i]|,  w = round_half_up(127 |W| / m) * sign(W),  W_fq = w * m / 127
 * Stored gains with the BN scale s folded in (compress.ts folds gamma / sigma into the gains):
 *   g_fq = Q_gainBits(g * s) / s   (so that BN(s) after the PW reproduces the device's gain)
 *
 * Factor heads ('factor-heads'): outputs y with the calibrated output scale s (fround(max|y| / 127)):
 *   y_fq = clamp(round_half_away(y / s), +-127) * s
 *
 * Not modelled (bounded in SYNTHESIS.md, section 5): the int32 MLP biases, the int16 trunk and
 * 24-bit head activations, the factor heads' integer requantization (round half up of the integer
 * accumulator instead of the float output) and the 2^-qP renormalization of step c.
 */

import { result } from '../core/autograd.ts';
import type { Tensor } from '../core/index.ts';
import { roundHalfAway } from '../quant/fixed_point.ts';
import { ArgumentError } from '../util/errors.ts';
import { qmaxOf } from './pack.ts';
import { WEIGHT_LEVELS } from './synthesis.ts';

/** An STE op: forward `f(values)`, backward identity. */
function ste(op: string, x: Tensor, f: (v: Float32Array) => Float32Array): Tensor {
  const out = f(x.values());
  return result(op, out, x.shape, [x], (g) => {
    const gx = x.ensureGrad();
    for (let i = 0; i < g.length; i++) gx[i] += g[i];
  });
}

function maxAbs(v: ArrayLike<number>, from = 0, to = v.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

/** Values of `v[from, to)` quantized at `bits` with one scale (stored.ts quantizeTensor). */
function quantRange(v: Float32Array, out: Float32Array, from: number, to: number, bits: number, keepNonzero: boolean): void {
  const qmax = qmaxOf(bits);
  const m = maxAbs(v, from, to);
  const scale = m === 0 ? 1 : Math.fround(m / qmax);
  for (let i = from; i < to; i++) {
    let q = Math.max(-qmax, Math.min(qmax, roundHalfAway(v[i] / scale)));
    if (keepNonzero && q === 0 && v[i] !== 0) q = v[i] > 0 ? 1 : -1;
    out[i] = q * scale;
  }
}

/** Per-tensor symmetric fake quantization at `bits` (codes, bases; STE). */
export function fakeQuantTensor(x: Tensor, bits: number): Tensor {
  return ste('fq_tensor', x, (v) => {
    const out = new Float32Array(v.length);
    quantRange(v, out, 0, v.length, bits, false);
    return out;
  });
}

/** Outputs quantized with a given scale: clamp(round_half_away(x / s), +-qmax) * s (STE). */
export function fakeQuantScaled(x: Tensor, scale: number, qmax: number): Tensor {
  return ste('fq_scaled', x, (v) => Float32Array.from(v, (y) => Math.max(-qmax, Math.min(qmax, roundHalfAway(y / scale))) * scale));
}

/** Per-row symmetric fake quantization of a [rows, cols] weight at `bits` (MLP layers; STE). */
export function fakeQuantRows(w: Tensor, bits: number): Tensor {
  if (w.rank !== 2) throw new ArgumentError('fakeQuantRows', `expects [rows, cols], got [${w.shape.join(', ')}]`);
  const cols = w.shape[1];
  return ste('fq_rows', w, (v) => {
    const out = new Float32Array(v.length);
    for (let j = 0; j < w.shape[0]; j++) quantRange(v, out, j * cols, (j + 1) * cols, bits, false);
    return out;
  });
}

/**
 * Stored gains with a folded per-channel scale `s` (the following BN's gamma / sigma; all ones
 * when absent): forward Q_bits(g * s) / s with stored.ts's per-tensor rule (a nonzero gain never
 * quantizes to 0); STE.
 */
export function fakeQuantGains(g: Tensor, bits: number, s?: ArrayLike<number>): Tensor {
  if (s && s.length !== g.size) throw new ArgumentError('fakeQuantGains', `${s.length} scales for ${g.size} gains`);
  return ste('fq_gains', g, (v) => {
    const folded = Float32Array.from(v, (x, i) => x * (s ? s[i] : 1));
    const out = new Float32Array(v.length);
    quantRange(folded, out, 0, v.length, bits, true);
    if (s) for (let i = 0; i < out.length; i++) out[i] = s[i] === 0 ? 0 : out[i] / s[i];
    return out;
  });
}

/** The per-output-channel INT8 levels of a [cOut, cIn] kernel as synthesis step f makes them. */
export function kernelLevels(w: ArrayLike<number>, cOut: number, cIn: number): { levels: Int8Array; rowMax: Float64Array } {
  const levels = new Int8Array(cOut * cIn);
  const rowMax = new Float64Array(cOut);
  for (let o = 0; o < cOut; o++) {
    const m = maxAbs(w, o * cIn, (o + 1) * cIn);
    rowMax[o] = m;
    if (m === 0) continue;
    for (let i = 0; i < cIn; i++) {
      const x = w[o * cIn + i];
      const q = Math.floor((WEIGHT_LEVELS * Math.abs(x)) / m + 0.5); // round half up of 127|W|/m
      levels[o * cIn + i] = x < 0 ? -q : q;
    }
  }
  return { levels, rowMax };
}

/** Generated kernel W [cOut, cIn] fake-quantized per output channel as synthesis step f (STE). */
export function fakeQuantKernel(w: Tensor): Tensor {
  if (w.rank !== 2) throw new ArgumentError('fakeQuantKernel', `expects [cOut, cIn], got [${w.shape.join(', ')}]`);
  const [cOut, cIn] = w.shape;
  return ste('fq_kernel', w, (v) => {
    const { levels, rowMax } = kernelLevels(v, cOut, cIn);
    const out = new Float32Array(v.length);
    for (let o = 0; o < cOut; o++) for (let i = 0; i < cIn; i++) out[o * cIn + i] = (levels[o * cIn + i] * rowMax[o]) / WEIGHT_LEVELS;
    return out;
  });
}
