/**
 * The integer helpers of HyperTinyPW synthesis (SYNTHESIS.md, "Integer helpers"), exact in
 * JavaScript: 64-bit intermediates use BigInt, everything else stays below 2^53.
 * Host-side float -> integer conversions (QuantizeMultiplier, frexp) come from
 * src/quant/fixed_point.ts; the device-side helpers below are this folder's own because their
 * saturation and rounding rules are part of the synthesis spec.
 */

import { frexp, roundHalfAway } from '../quant/fixed_point.ts';

export const INT32_MAX = 2147483647;
const TWO31 = 2147483648;
const BIG_INT32_MAX = 2147483647n;
const BIG_INT32_MIN = -2147483648n;

/** bitlen(x) for x >= 0: the number of significant bits (bitlen(0) = 0). */
export function bitLength(x: number): number {
  return x < 4294967296 ? 32 - Math.clz32(x) : x.toString(2).length;
}

export function bitLengthBig(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/**
 * requantSat(acc, m, s): TFLite single-rounding MultiplyByQuantizedMultiplier, saturated to int32:
 *   m == 0 -> 0; total = 31 - s (s in [-31, 30]); y = (acc * m + 2^(total-1)) >> total
 *   (int64 product, arithmetic shift = floor), then saturate y to [INT32_MIN, INT32_MAX].
 */
export function requantSat(acc: number, m: number, s: number): number {
  if (m === 0) return 0;
  const total = BigInt(31 - s);
  let y = (BigInt(acc) * BigInt(m) + (1n << (total - 1n))) >> total;
  if (y > BIG_INT32_MAX) y = BIG_INT32_MAX;
  if (y < BIG_INT32_MIN) y = BIG_INT32_MIN;
  return Number(y);
}

/** Round x / 2^s half away from zero (s >= 0): sign(x) * ((|x| + 2^(s-1)) >> s). |x| < 2^52, s <= 52. */
export function roundShift(x: number, s: number): number {
  if (s === 0) return x;
  const a = Math.abs(x);
  const q = Math.floor((a + 2 ** (s - 1)) / 2 ** s);
  return x < 0 ? -q : q;
}

/**
 * Normalize the per-channel multiplier: X = mK * A (uint64, < 2^62), t = bitlen(X) - 31;
 * t > 0: mult = (X + 2^(t-1)) >> t, and if mult == 2^31 then mult = 2^30, t = t + 1;
 * t <= 0: mult = X << -t. Returns mult in [2^30, 2^31) and t. Requires mK in [2^30, 2^31) and
 * A in [1, 2^31] (so X < 2^62 and t >= 0).
 */
export function normalizeProduct(mK: number, a: number): { mult: number; t: number } {
  const x = BigInt(mK) * BigInt(a);
  let t = bitLengthBig(x) - 31;
  let mult: bigint;
  if (t > 0) {
    mult = (x + (1n << BigInt(t - 1))) >> BigInt(t);
    if (mult === 1n << 31n) {
      mult = 1n << 30n;
      t += 1;
    }
  } else mult = x << BigInt(-t);
  return { mult: Number(mult), t };
}

/**
 * rdivPow2(q, k, d) = round_half_away(q * 2^k / d) saturated to [-(2^31-1), 2^31-1], for q an int32
 * with |q| <= 2^31 - 1, any integer k, and d in [2^30, 2^31) (a normalized multiplier):
 *   q == 0 -> 0;  n = |q|
 *   k >= 0: bitlen(n) + k >= 63 -> saturate; else r = (n * 2^k + (d >> 1)) / d (uint64, floor)
 *   k == -1: r = (n + d) / (2d)   [= (n + ((2d) >> 1)) / (2d)]
 *   k <= -2: r = 0   (2^-k * d >= 2^32 > 2n)
 *   result = sign(q) * min(r, 2^31 - 1)
 */
export function rdivPow2(q: number, k: number, d: number): number {
  if (q === 0) return 0;
  const n = BigInt(Math.abs(q));
  const D = BigInt(d);
  let r: bigint;
  if (k >= 0) {
    if (bitLengthBig(n) + k >= 63) r = BIG_INT32_MAX;
    else r = ((n << BigInt(k)) + (D >> 1n)) / D;
  } else if (k === -1) {
    r = (n + D) / (2n * D);
  } else r = 0n;
  if (r > BIG_INT32_MAX) r = BIG_INT32_MAX;
  const v = Number(r);
  return q < 0 ? -v : v;
}

/**
 * Host side: a positive real K as K = mK * 2^(eK - 31), mK in [2^30, 2^31) (frexp, then
 * round half away; 2^31 -> 2^30 with eK + 1). Unlike QuantizeMultiplier, eK is not clamped.
 */
export function splitMultiplier(k: number): { mK: number; eK: number } {
  const [fraction, exponent] = frexp(k);
  let mK = roundHalfAway(fraction * TWO31);
  let eK = exponent;
  if (mK === TWO31) {
    mK /= 2;
    eK++;
  }
  return { mK, eK };
}
