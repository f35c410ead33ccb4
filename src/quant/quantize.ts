/**
 * Float -> integer helpers, TFLite's way: the only place where floats become the integers an
 * IntModel stores. Scales are float32 values (Math.fround), effective multipliers are computed
 * in double from those float32 scales in TFLite's order, then QuantizeMultiplier'd.
 */

import { ArgumentError } from '../util/errors.ts';
import { INT32_MAX, INT32_MIN, quantizeMultiplier, roundHalfAway } from './fixed_point.ts';
import type { ChannelRequant, RoundingMode } from './int_model.ts';

export const INT8_MIN = -128;
export const INT8_MAX = 127;
/** symmetric weights use [-127, 127] (TFLite's narrow range) */
export const WEIGHT_MAX = 127;

/**
 * Symmetric per-output-channel INT8 quantization of weights laid out [Cout, ...] (each channel's
 * `w.length / outChannels` values contiguous):
 *   scale[c] = fround(max_i |w[c, i]| / 127); q = clamp(round_half_away(w / scale[c]), -127, 127)
 * An all-zero channel gets scale 1 (any positive scale represents it exactly; 1 keeps its bias
 * scale = inputScale, so a nonzero float bias on a dead channel is still represented).
 */
export function quantizeWeightsPerChannel(w: Float32Array, outChannels: number): { q: Int8Array; scales: Float32Array } {
  if (!(outChannels > 0) || w.length % outChannels !== 0) {
    throw new ArgumentError('quantizeWeightsPerChannel', `${w.length} weights do not split into ${outChannels} channels`);
  }
  const per = w.length / outChannels;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(outChannels);
  for (let c = 0; c < outChannels; c++) {
    let maxAbs = 0;
    for (let i = 0; i < per; i++) maxAbs = Math.max(maxAbs, Math.abs(w[c * per + i]));
    const scale = maxAbs === 0 ? 1 : Math.fround(maxAbs / WEIGHT_MAX);
    scales[c] = scale;
    for (let i = 0; i < per; i++) {
      const v = roundHalfAway(Math.fround(w[c * per + i] / scale));
      q[c * per + i] = Math.max(-WEIGHT_MAX, Math.min(WEIGHT_MAX, v));
    }
  }
  return { q, scales };
}

/**
 * Asymmetric INT8 activation parameters from an observed [min, max] range, as TFLite's
 * ChooseQuantizationParams: the range is widened to contain 0, scale = (max - min) / 255, and the
 * zero point is nudged to an integer in [-128, 127] so that real 0 is exactly representable
 * (picking, of the zero points implied by min and by max, the one with the smaller error).
 * An empty range (min == max == 0) gets scale 1, zero point 0.
 */
export function chooseActivationParams(min: number, max: number): { scale: number; zeroPoint: number } {
  if (!(Number.isFinite(min) && Number.isFinite(max)) || min > max) {
    throw new ArgumentError('chooseActivationParams', `invalid range [${min}, ${max}]`);
  }
  const rmin = Math.min(min, 0);
  const rmax = Math.max(max, 0);
  if (rmin === rmax) return { scale: 1, zeroPoint: 0 };
  const qmin = INT8_MIN;
  const qmax = INT8_MAX;
  const scale = (rmax - rmin) / (qmax - qmin);
  const zpFromMin = qmin - rmin / scale;
  const zpFromMax = qmax - rmax / scale;
  const zpFromMinError = Math.abs(qmin) + Math.abs(rmin / scale);
  const zpFromMaxError = Math.abs(qmax) + Math.abs(rmax / scale);
  const zp = zpFromMinError < zpFromMaxError ? zpFromMin : zpFromMax;
  let zeroPoint: number;
  if (zp < qmin) zeroPoint = qmin;
  else if (zp > qmax) zeroPoint = qmax;
  else zeroPoint = roundHalfAway(zp);
  // a range so narrow that its scale underflows float32 gets the smallest normal float32 scale
  return { scale: Math.max(Math.fround(scale), FLOAT32_MIN_NORMAL), zeroPoint };
}

const FLOAT32_MIN_NORMAL = 2 ** -126;

/**
 * INT32 bias per output channel: biasScale[c] = fround(inputScale * weightScale[c]) (float32
 * product, as the TFLite converter), q = round_half_away(b / biasScale) saturated to int32.
 */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): Int32Array {
  if (bias.length !== weightScales.length) {
    throw new ArgumentError('quantizeBias', `${bias.length} biases for ${weightScales.length} weight scales`);
  }
  const out = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    const s = Math.fround(Math.fround(inputScale) * weightScales[c]);
    const v = s === 0 ? 0 : roundHalfAway(bias[c] / s);
    out[c] = Math.max(INT32_MIN, Math.min(INT32_MAX, v));
  }
  return out;
}

/**
 * Per-channel requantization as TFLite Micro's PopulateConvolutionQuantizationParams:
 *   effective[c] = (double) inputScale * (double) weightScale[c] / (double) outputScale
 *   (multiplier[c], shift[c]) = QuantizeMultiplier(effective[c])
 * The scales are float32 values; the arithmetic is double.
 */
export function perChannelRequant(inputScale: number, weightScales: Float32Array, outputScale: number, rounding: RoundingMode): ChannelRequant {
  const n = weightScales.length;
  const multiplier = new Int32Array(n);
  const shift = new Int32Array(n);
  const inS = Math.fround(inputScale);
  const outS = Math.fround(outputScale);
  for (let c = 0; c < n; c++) {
    const effective = (inS * weightScales[c]) / outS;
    const q = quantizeMultiplier(effective, rounding);
    multiplier[c] = q.multiplier;
    shift[c] = q.shift;
  }
  return { multiplier, shift };
}

/**
 * TFLite's int8 ADD preparation: left_shift = 20, twice_max = 2 * max(s1, s2),
 * real_i = s_i / twice_max (< 1), real_out = twice_max / (2^20 * s_out); each QuantizeMultiplier'd.
 */
export function addQuantParams(scale1: number, scale2: number, outputScale: number, rounding: RoundingMode): {
  leftShift: number; input1Multiplier: number; input1Shift: number; input2Multiplier: number; input2Shift: number; outputMultiplier: number; outputShift: number;
} {
  const s1 = Math.fround(scale1);
  const s2 = Math.fround(scale2);
  const so = Math.fround(outputScale);
  const leftShift = 20;
  const twiceMax = 2 * Math.max(s1, s2);
  const q1 = quantizeMultiplier(s1 / twiceMax, rounding);
  const q2 = quantizeMultiplier(s2 / twiceMax, rounding);
  const qo = quantizeMultiplier(twiceMax / ((1 << leftShift) * so), rounding);
  return {
    leftShift,
    input1Multiplier: q1.multiplier, input1Shift: q1.shift,
    input2Multiplier: q2.multiplier, input2Shift: q2.shift,
    outputMultiplier: qo.multiplier, outputShift: qo.shift,
  };
}

/** TFLite QUANTIZE float -> int8: clamp(round_half_away(fround(x / scale)) + zp, -128, 127). */
export function quantizeValue(x: number, scale: number, zeroPoint: number): number {
  const v = roundHalfAway(Math.fround(Math.fround(x) / Math.fround(scale))) + zeroPoint;
  return Math.max(INT8_MIN, Math.min(INT8_MAX, v));
}

/** TFLite DEQUANTIZE int8 -> float: fround(scale * (q - zp)) with a double product. */
export function dequantizeValue(q: number, scale: number, zeroPoint: number): number {
  return Math.fround(Math.fround(scale) * (q - zeroPoint));
}

/** Output clamp of a fused activation in the int8 domain of (scale, zeroPoint). */
export function activationRange(act: 'none' | 'relu' | 'relu6', scale: number, zeroPoint: number): { actMin: number; actMax: number } {
  if (act === 'none') return { actMin: INT8_MIN, actMax: INT8_MAX };
  const actMin = Math.max(INT8_MIN, zeroPoint);
  const actMax = act === 'relu6' ? Math.min(INT8_MAX, zeroPoint + roundHalfAway(6 / Math.fround(scale))) : INT8_MAX;
  return { actMin, actMax };
}
