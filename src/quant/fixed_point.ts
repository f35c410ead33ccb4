/**
 * TFLite Micro's fixed-point requantization arithmetic (tensorflow/lite/kernels/internal/common.h
 * and gemmlowp's fixedpoint.h), bit-exact, in plain JavaScript numbers.
 *
 * Every 64-bit intermediate of the C original is reproduced exactly: products of two int32 are
 * split into 16-bit halves so that each partial product and each partial sum stays below 2^53
 * (exact in a float64), and divisions by powers of two are exact in floating point. The property
 * tests in test/quant/fixed_point.test.ts compare every function here with a BigInt transcription
 * of the C formulas over the whole int32 range, ties and extremes.
 *
 * Sign convention of `shift` (TFLite): shift > 0 multiplies by 2^shift, shift < 0 divides.
 */

import type { RoundingMode } from './int_model.ts';

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
const TWO_POW_31 = 2147483648;
const TWO_POW_16 = 65536;
/** |a| <= 2^21 and |b| <= 2^31 give |a * b| <= 2^52: the product is exact in a float64 */
const EXACT_PRODUCT_LIMIT = 2097152;
/** POW2[k] = 2^k and INV_POW2[k] = 2^-k for k in [0, 63] (Math.pow is slow in hot loops) */
const POW2 = new Float64Array(64).map((_, k) => 2 ** k);
const INV_POW2 = new Float64Array(64).map((_, k) => 2 ** -k);

/** Round half away from zero (C's std::round, TfLiteRound). Math.round rounds half up. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * QuantizeMultiplier: real multiplier M -> (q, shift) with M ~= q * 2^(shift - 31).
 *   (fraction, shift) = frexp(M), fraction in [0.5, 1)
 *   q = round_half_away(fraction * 2^31); if q == 2^31 { q /= 2; shift++ }
 *   if shift < -31 { shift = 0; q = 0 }       (flush to zero, M below ~2^-32)
 *   single rounding only: if shift > 30 { shift = 30; q = 2^31 - 1 }  (saturate)
 * Range: M finite and >= 0 (TFLite never quantizes negative scales). M == 0 gives (0, 0).
 */
export function quantizeMultiplier(realMultiplier: number, rounding: RoundingMode = 'double'): { multiplier: number; shift: number } {
  if (!(realMultiplier >= 0) || !Number.isFinite(realMultiplier)) {
    throw new RangeError(`quantizeMultiplier: multiplier must be finite and >= 0, got ${realMultiplier}`);
  }
  if (realMultiplier === 0) return { multiplier: 0, shift: 0 };
  const [fraction, exponent] = frexp(realMultiplier);
  let shift = exponent;
  let q = roundHalfAway(fraction * TWO_POW_31); // fraction * 2^31 is exact (power-of-two scaling)
  if (q === TWO_POW_31) {
    q /= 2;
    shift++;
  }
  if (shift < -31) {
    shift = 0;
    q = 0;
  }
  if (rounding === 'single' && shift > 30) {
    shift = 30;
    q = INT32_MAX;
  }
  return { multiplier: q, shift };
}

/** C's frexp for a finite x > 0: x = fraction * 2^exponent, fraction in [0.5, 1). Exact. */
export function frexp(x: number): [number, number] {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`frexp: expected a finite x > 0, got ${x}`);
  if (x < 2 ** -960) {
    // subnormal range: scale up first so that 2 ** -exponent below stays finite
    const [f, e] = frexp(x * 2 ** 128);
    return [f, e - 128];
  }
  let exponent = Math.floor(Math.log2(x)) + 1;
  let fraction = x * 2 ** -exponent; // exact: scaling by a power of two
  // log2 can be off by one near powers of two.
  while (fraction < 0.5) {
    fraction *= 2;
    exponent--;
  }
  while (fraction >= 1) {
    fraction /= 2;
    exponent++;
  }
  return [fraction, exponent];
}

/**
 * SaturatingRoundingDoublingHighMul(a, b) (gemmlowp):
 *   if a == b == INT32_MIN: return INT32_MAX (the only overflowing case)
 *   ab = (int64) a * b; nudge = ab >= 0 ? 2^30 : 1 - 2^30
 *   return (int32) ((ab + nudge) / 2^31)      (C division: truncation toward zero)
 * Range: a, b any int32. Result: int32.
 *
 * Exact split: b = bh * 2^16 + bl (bl in [0, 2^16)); P1 = a * bh (|P1| <= 2^46), P2 = a * bl
 * (|P2| < 2^47); P1 = h1 * 2^15 + r1 (r1 in [0, 2^15)), so ab + nudge = h1 * 2^31 + R with
 * R = r1 * 2^16 + P2 + nudge exact (|R| < 2^48). floor((ab + nudge) / 2^31) = h1 + floor(R / 2^31).
 */
export function srdhm(a: number, b: number): number {
  if (a <= EXACT_PRODUCT_LIMIT && a >= -EXACT_PRODUCT_LIMIT) {
    // fast path: |ab| <= 2^52, so ab, ab + nudge and the division by 2^31 are all exact
    const ab = a * b;
    // the quotient is below 2^22 in magnitude, so `| 0` is C's truncation toward zero
    return ((ab + (ab >= 0 ? 1073741824 : -1073741823)) / TWO_POW_31) | 0;
  }
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const bh = b >> 16;
  const bl = b & 0xffff;
  const p1 = a * bh;
  const p2 = a * bl;
  const h1 = Math.floor(p1 / 32768);
  const r1 = p1 - h1 * 32768;
  const abNonNegative = a === 0 || b === 0 || (a > 0) === (b > 0);
  const nudge = abNonNegative ? 1073741824 : -1073741823;
  const r = r1 * TWO_POW_16 + p2 + nudge;
  const fr = Math.floor(r / TWO_POW_31);
  const floorQ = h1 + fr;
  const remainder = r - fr * TWO_POW_31;
  // truncation toward zero: a negative quotient with a nonzero remainder rounds up
  const q = floorQ < 0 && remainder !== 0 ? floorQ + 1 : floorQ;
  return q | 0;
}

/**
 * RoundingDivideByPOT(x, exponent) (gemmlowp): x / 2^exponent rounded to nearest, ties away
 * from zero.
 *   mask = 2^exponent - 1; remainder = x & mask; threshold = (mask >> 1) + (x < 0 ? 1 : 0)
 *   return (x >> exponent) + (remainder > threshold ? 1 : 0)
 * Range: x any int32, exponent in [0, 31].
 */
export function roundingDivideByPOT(x: number, exponent: number): number {
  const mask = exponent === 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return ((x >> exponent) + (remainder > threshold ? 1 : 0)) | 0;
}

/**
 * MultiplyByQuantizedMultiplier, TFLite Micro default (double rounding):
 *   left = max(shift, 0); right = max(-shift, 0)
 *   return RoundingDivideByPOT(SRDHM(x * 2^left, m), right)
 * Range: m in [0, 2^31 - 1] (QuantizeMultiplier's output), shift in [-31, 30], and
 * |x * 2^left| < 2^31 (C overflow is undefined behaviour there; here x * 2^left wraps in
 * two's complement, and validate.ts rejects models that could reach it).
 */
export function mbqmDouble(x: number, m: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return roundingDivideByPOT(srdhm(x << left, m), right);
}

/**
 * MultiplyByQuantizedMultiplier, TFLITE_SINGLE_ROUNDING:
 *   total = 31 - shift; round = 2^(total - 1)
 *   return (int32) (((int64) x * m + round) >> total)    (arithmetic shift: floor)
 * Range: m in [0, 2^31 - 1], shift in [-31, 30] (total in [1, 62]), x any int32, and the result
 * must fit int32 (TFLite DCHECKs it; it does whenever m * 2^(shift - 31) <= 1, i.e. shift <= 0).
 *
 * Exact split: m = mh * 2^16 + ml; P1 = x * mh (|P1| < 2^46), P2 = x * ml (|P2| < 2^47).
 * total >= 17: floor(t / 2^16) = P1 + 2^(total - 17) + floor(P2 / 2^16) =: U (|U| < 2^48),
 *              result = floor(U / 2^(total - 16)).
 * total <= 16: result = P1 * 2^(16 - total) + floor((P2 + round) / 2^total); both terms are
 *              exact doubles and their sum is the int32 result, hence exact.
 * Fast path |x| <= 2^21: P = x * m is exact (|P| < 2^52). total <= 52: P + 2^(total - 1) < 2^53 is
 * exact, result = floor((P + round) / 2^total). total >= 53: |P / 2^total| < 1/2, result 0.
 */
export function mbqmSingle(x: number, m: number, shift: number): number {
  const total = 31 - shift;
  if (x <= EXACT_PRODUCT_LIMIT && x >= -EXACT_PRODUCT_LIMIT) {
    if (total >= 53) return 0;
    return Math.floor((x * m + POW2[total - 1]) * INV_POW2[total]);
  }
  const mh = m >>> 16;
  const ml = m & 0xffff;
  const p1 = x * mh;
  const p2 = x * ml;
  if (total >= 17) {
    const u = p1 + POW2[total - 17] + Math.floor(p2 / TWO_POW_16);
    return Math.floor(u * INV_POW2[total - 16]) | 0;
  }
  return (p1 * POW2[16 - total] + Math.floor((p2 + POW2[total - 1]) * INV_POW2[total])) | 0;
}

/** MultiplyByQuantizedMultiplier in the model's rounding mode. Ranges: see mbqmDouble / mbqmSingle. */
export function multiplyByQuantizedMultiplier(x: number, m: number, shift: number, rounding: RoundingMode): number {
  return rounding === 'single' ? mbqmSingle(x, m, shift) : mbqmDouble(x, m, shift);
}

/** The requantization function of a rounding mode, for hoisting the mode test out of loops. */
export function requantizer(rounding: RoundingMode): (x: number, m: number, shift: number) => number {
  return rounding === 'single' ? mbqmSingle : mbqmDouble;
}
