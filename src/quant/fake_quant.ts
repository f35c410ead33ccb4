/**
 * Fake-quantization ops for quantization-aware training: forward = quantize then dequantize with
 * exactly the arithmetic convertToIntModel and the simulator use (quantize.ts), backward = the
 * straight-through estimator (STE). Forward and backward of each op sit side by side.
 *
 *   weights, per output channel c, symmetric:
 *     scale[c] = fround(max |w[c]| / 127)   (1 for an all-zero channel; or given scales)
 *     q = clamp(round_half_away(fround(w / scale[c])), -127, 127);   out = fround(q * scale[c])
 *     d out / d w = 1 where |w / scale[c]| <= 127 (inside the clip range), else 0
 *     (with the max-derived scale every weight is inside: the gradient is the identity)
 *   activations, per tensor, asymmetric (scale, zeroPoint from chooseActivationParams):
 *     q = clamp(round_half_away(fround(x / scale)) + zp, qmin, qmax);   out = fround(scale * (q - zp))
 *     d out / d x = 1 where scale * (qmin - zp) <= x <= scale * (qmax - zp), else 0 (STE with clipping)
 *   bias, per output channel, int32 at scale fround(inputScale * weightScale[c]):
 *     out = round_half_away(b / s[c]) * s[c]; d out / d b = 1 (int32 never clips in practice)
 * The scales are constants for the gradient (ranges are tracked by EMA, not learned).
 */

import { result } from '../core/autograd.ts';
import type { Tensor } from '../core/index.ts';
import { ArgumentError } from '../util/errors.ts';
import { roundHalfAway } from './fixed_point.ts';
import { INT8_MAX, INT8_MIN, WEIGHT_MAX } from './quantize.ts';

/** Per-channel symmetric weight scales along `axis` (the quantizeWeightsPerChannel rule). */
export function weightScalesOf(w: Float32Array, shape: readonly number[], axis: number): Float32Array {
  const { cout, index } = channelIndexer(shape, axis);
  const maxAbs = new Float64Array(cout);
  for (let i = 0; i < w.length; i++) {
    const c = index(i);
    const a = Math.abs(w[i]);
    if (a > maxAbs[c]) maxAbs[c] = a;
  }
  return Float32Array.from(maxAbs, (m) => (m === 0 ? 1 : m / WEIGHT_MAX));
}

/** Output channel of flat position i for a row-major tensor of `shape`, channels on `axis`. */
export function channelIndexer(shape: readonly number[], axis: number): { cout: number; index: (i: number) => number } {
  if (!(Number.isInteger(axis) && axis >= 0 && axis < shape.length)) throw new ArgumentError('fakeQuant', `channel axis ${axis} out of range for shape [${shape.join(', ')}]`);
  const cout = shape[axis];
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return { cout, index: (i) => Math.floor(i / inner) % cout };
}

/**
 * Per-channel symmetric INT8 fake quantization of a weight tensor along `axis` (0 for
 * [Cout, ...] layouts, 1 for depthwise [K, C]). `scales` fixes the per-channel scales (else
 * derived from max |w|, as convertToIntModel will).
 */
export function fakeQuantWeightPerChannel(w: Tensor, axis = 0, scales?: Float32Array): Tensor {
  const v = w.values();
  const s = scales ?? weightScalesOf(v, w.shape, axis);
  const { cout, index } = channelIndexer(w.shape, axis);
  if (s.length !== cout) throw new ArgumentError('fakeQuantWeightPerChannel', `${s.length} scales for ${cout} channels of [${w.shape.join(', ')}]`);
  const n = v.length;
  const out = new Float32Array(n);
  const inside = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const sc = s[index(i)];
    const r = roundHalfAway(Math.fround(v[i] / sc));
    inside[i] = r >= -WEIGHT_MAX && r <= WEIGHT_MAX ? 1 : 0;
    out[i] = Math.max(-WEIGHT_MAX, Math.min(WEIGHT_MAX, r)) * sc;
  }
  return result('fakeQuantWeight', out, w.shape, [w], (g) => {
    const gw = w.ensureGrad();
    for (let i = 0; i < n; i++) if (inside[i]) gw[i] += g[i]; // STE inside the clip range
  });
}

/**
 * Per-tensor asymmetric INT8 fake quantization with (scale, zeroPoint); [qmin, qmax] defaults to
 * [-128, 127] (a fused ReLU's clamp at zp is implied: ReLU outputs are >= 0 = real(zp)).
 *
 * `rightShifts` (per channel of the last axis) emulates TFLite Micro's double rounding of a
 * requantized op output: MultiplyByQuantizedMultiplier rounds acc * M first to 2^-k (SRDHM, k =
 * the right shift) and then to an integer (RoundingDivideByPOT), so a value whose fraction lies
 * in [0.5 - 2^-(k+1), 0.5) rounds away from zero; here v = x / scale,
 * q = round_half_away(round_half_away(v * 2^k) / 2^k) + zp.
 */
export function fakeQuantActivation(x: Tensor, scale: number, zeroPoint: number, qmin = INT8_MIN, qmax = INT8_MAX, rightShifts?: Int32Array): Tensor {
  if (!(scale > 0)) throw new ArgumentError('fakeQuantActivation', `scale ${scale} must be > 0`);
  const v = x.values();
  const n = v.length;
  const s = Math.fround(scale);
  const out = new Float32Array(n);
  const inside = new Uint8Array(n);
  const C = rightShifts?.length ?? 0;
  for (let i = 0; i < n; i++) {
    const k = C > 0 ? rightShifts![i % C] : 0;
    const q = (k > 0 ? roundHalfAway(roundHalfAway((v[i] / s) * 2 ** k) / 2 ** k) : roundHalfAway(Math.fround(v[i] / s))) + zeroPoint;
    inside[i] = q >= qmin && q <= qmax ? 1 : 0;
    out[i] = s * (Math.max(qmin, Math.min(qmax, q)) - zeroPoint);
  }
  return result('fakeQuantActivation', out, x.shape, [x], (g) => {
    const gx = x.ensureGrad();
    for (let i = 0; i < n; i++) if (inside[i]) gx[i] += g[i]; // STE, zero where clipped
  });
}

/** INT32 bias fake quantization at scale fround(inputScale * weightScale[c]); STE identity. */
export function fakeQuantBias(b: Tensor, inputScale: number, weightScales: Float32Array): Tensor {
  const v = b.values();
  const n = v.length;
  if (b.rank !== 1 || n !== weightScales.length) throw new ArgumentError('fakeQuantBias', `bias [${b.shape.join(', ')}] for ${weightScales.length} weight scales`);
  const out = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    const s = Math.fround(Math.fround(inputScale) * weightScales[c]);
    out[c] = s === 0 ? 0 : roundHalfAway(v[c] / s) * s;
  }
  return result('fakeQuantBias', out, b.shape, [b], (g) => {
    const gb = b.ensureGrad();
    for (let c = 0; c < n; c++) gb[c] += g[c];
  });
}

/**
 * Fake quantization of a global average pool's output, emulating the int8 kernel exactly: the
 * input is already fake-quantized with (scale, zeroPoint), so x / scale + zp = (sum of the int8
 * inputs) / count; the kernel rounds that sum divided by count half away from zero in the int8
 * domain (ties depend on the zero point, unlike rounding the real value). STE identity inside
 * [-128, 127].
 *   acc = round(count * (x / scale + zp)); avg = acc > 0 ? trunc((acc + count/2) / count)
 *                                                      : trunc((acc - count/2) / count)
 */
export function fakeQuantGlobalAvgPool(x: Tensor, scale: number, zeroPoint: number, count: number): Tensor {
  const v = x.values();
  const n = v.length;
  const s = Math.fround(scale);
  const half = count >> 1;
  const out = new Float32Array(n);
  const inside = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const acc = Math.round(count * (v[i] / s + zeroPoint));
    const avg = acc > 0 ? Math.trunc((acc + half) / count) : Math.trunc((acc - half) / count);
    inside[i] = avg >= INT8_MIN && avg <= INT8_MAX ? 1 : 0;
    out[i] = s * (Math.max(INT8_MIN, Math.min(INT8_MAX, avg)) - zeroPoint);
  }
  return result('fakeQuantGlobalAvgPool', out, x.shape, [x], (g) => {
    const gx = x.ensureGrad();
    for (let i = 0; i < n; i++) if (inside[i]) gx[i] += g[i];
  });
}
