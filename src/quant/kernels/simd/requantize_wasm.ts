/**
 * Requantization of int32 accumulators to int8 in WebAssembly SIMD, 4 channels per step,
 * bit-exact with src/quant/fixed_point.ts (TFLite MultiplyByQuantizedMultiplier) in both rounding
 * modes wherever validate.ts admits the model (|x * 2^max(shift, 0)| < 2^31).
 *
 *   requantize_<rounding>(acc, accStride, out, rows, channels, table, outOffset, actMin, actMax):
 *     out[r * channels + c] = clamp(MBQM(acc[r * accStride + c], m[c], shift[c]) + outOffset, actMin, actMax)
 *   (acc: i32 at a byte offset, accStride in i32 elements, a multiple of 4; out: int8, written 4
 *   bytes at a time, so up to 3 bytes past rows * channels are scratch.)
 *
 * Only operations x86 SSE4.1 / ARM NEON have as single instructions: the 64-bit products come
 * from i64x2.extmul_{low,high}_i32x4_s, and a 64-bit value w is shifted right by 31 as
 *   floor(w / 2^31) = high 32 bits of (w << 1)       (i64x2.shl, a shuffle; exact when the result fits int32)
 * (no i64x2.mul / i64x2.shr_s, which the engines emulate with several instructions).
 * WebAssembly SIMD shifts every lane by the same count, but the shift is per channel, so a
 * per-channel right shift is a product: floor(v / 2^s) = floor(v * 2^(31 - s) / 2^31) for
 * 1 <= s <= 31; s = 0 (2^31 is no int32) takes v itself through a table mask (v128.bitselect).
 *
 * double (TFLite Micro default), left = max(shift, 0), right = max(-shift, 0):
 *   p = (i64) (x * 2^left) * m
 *   q = SRDHM = trunc((p + (p >= 0 ? 2^30 : 1 - 2^30)) / 2^31) = floor((p + 2^30) / 2^31)
 *       (for p < 0, trunc(a / D) = floor((a + D - 1) / D) with a = p + 1 - 2^30; m >= 0)
 *   v = RoundingDivideByPOT(q, right), i.e. q / 2^right rounded half away from zero:
 *       right = 0: q;  right >= 1: floor((q - (q < 0) + 2^(right - 1)) / 2^right)
 *         = floor(((q - (q < 0)) * 2^(31 - right) + 2^30) / 2^31)
 *       (q > -2^31 since |x * 2^left| < 2^31, so q - 1 does not wrap)
 * single (TFLITE_SINGLE_ROUNDING), t = 31 - shift:
 *   v = floor(((i64) x * m + 2^(t - 1)) / 2^t) = floor(w / 2^(31 + right)), w = (x * 2^left) * m + 2^(30 + right)
 *   (shift > 0: scaling numerator and 2^t by 2^shift makes t 31). With H = hi(w), b = lo(w) >>> 31:
 *   right = 0: v = 2H + b = floor(w / 2^31);  right >= 1: v = floor((2H + b) / 2^right) = floor(H / 2^(right - 1)).
 */
import type { FunctionBuilder, Local, ModuleBuilder } from '../../../core/wasm/index.ts';
import type { RoundingMode } from '../../int_model.ts';

/** Bytes of one 4-channel group of the table (i32x4 entries; see writeChannelTable). */
export const GROUP_BYTES = 112;
const T_POW2_LEFT = 0, T_MULT = 16, T_FLOOR_MUL = 32, T_FLOOR_SKIP = 48, T_RIGHT_ZERO = 64, T_ROUND = 80;
const CHANNELS_PER_GROUP = 4;

/**
 * The per-channel table of `requantize_<rounding>`: one GROUP_BYTES block per 4 channels
 * (channels beyond `channels` are zero), written into `i32` (the arena's Int32Array view) at byte
 * offset `at`. Entries (lane = channel):
 *   POW2_LEFT 2^left; MULT m;
 *   FLOOR_MUL / FLOOR_SKIP: the divisor exponent s (double: right; single: right - 1) as
 *     2^(31 - s) when s >= 1, with SKIP = -1 (take the value undivided) when s <= 0;
 *   single only: RIGHT_ZERO = -1 when right = 0, ROUND 2^(30 + right) as 4 i64 lanes (2 entries).
 */
export function writeChannelTable(i32: Int32Array, at: number, multiplier: Int32Array, shift: Int32Array, channels: number, rounding: RoundingMode): void {
  const groups = Math.ceil(channels / CHANNELS_PER_GROUP);
  const base = at >> 2;
  i32.fill(0, base, base + (groups * GROUP_BYTES) / 4);
  for (let c = 0; c < channels; c++) {
    const g = base + (Math.floor(c / CHANNELS_PER_GROUP) * GROUP_BYTES) / 4;
    const lane = c % CHANNELS_PER_GROUP;
    const left = Math.max(shift[c], 0);
    const right = Math.max(-shift[c], 0);
    const s = rounding === 'double' ? right : right - 1;
    i32[g + T_POW2_LEFT / 4 + lane] = 2 ** left;
    i32[g + T_MULT / 4 + lane] = multiplier[c];
    i32[g + T_FLOOR_MUL / 4 + lane] = s >= 1 ? 2 ** (31 - s) : 0;
    i32[g + T_FLOOR_SKIP / 4 + lane] = s >= 1 ? 0 : -1;
    if (rounding === 'single') {
      i32[g + T_RIGHT_ZERO / 4 + lane] = right === 0 ? -1 : 0;
      // 2^(30 + right), right in [0, 31]: bit 30 + right of the little-endian i64 lane
      const e = 30 + right;
      const word = g + T_ROUND / 4 + 2 * lane;
      if (e < 32) i32[word] = 2 ** e | 0; else i32[word + 1] = 2 ** (e - 32);
    }
  }
}

/** i8x16.shuffle byte indices selecting i32 lanes (0..3 of a, 4..7 of b). */
function i32Lanes(lanes: readonly number[]): number[] {
  return lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
}
/** the high 32 bits of the four i64 lanes of (a, b), as one i32x4 */
const HIGH_WORDS = i32Lanes([1, 3, 5, 7]);

/** pushes floor([lo, hi] / 2^31) as i32x4: the high words of [lo, hi] << 1 */
function shiftRight31(f: FunctionBuilder, lo: Local, hi: Local): void {
  f.get(lo).i32Const(1).op('i64x2.shl').get(hi).i32Const(1).op('i64x2.shl').shuffle(HIGH_WORDS);
}

/**
 * Emits v = MBQM(x, m, shift) per lane (the formulas at the top of this file), x an i32x4 local,
 * the result left in `x`. `entry(offset)` pushes the entry at `offset` of the 4-lane table group
 * (writeChannelTable layout); `half30` holds the i64x2 constant [2^30, 2^30].
 */
export function emitMultiplyByQuantizedMultiplier(f: FunctionBuilder, rounding: RoundingMode, x: Local, entry: (offset: number) => void, half30: Local): void {
  const lo = f.local('v128'), hi = f.local('v128'), h = f.local('v128');
  /** lo, hi = (i64) v * table entry at `offset` (lanes 0, 1 and 2, 3) */
  const products = (v: Local, offset: number) => {
    f.get(v); entry(offset); f.op('i64x2.extmul_low_i32x4_s').set(lo);
    f.get(v); entry(offset); f.op('i64x2.extmul_high_i32x4_s').set(hi);
  };
  /** lo, hi += 2^30 */
  const addHalf = () => {
    f.get(lo).get(half30).op('i64x2.add').set(lo);
    f.get(hi).get(half30).op('i64x2.add').set(hi);
  };
  // x = x * 2^left; lo, hi = (i64) x * m
  f.get(x); entry(T_POW2_LEFT); f.op('i32x4.mul').set(x);
  products(x, T_MULT);
  if (rounding === 'double') {
    // x = q = floor((p + 2^30) / 2^31)   (SRDHM)
    addHalf();
    shiftRight31(f, lo, hi);
    f.set(x);
    // x = right == 0 ? q : floor(((q - (q < 0)) * 2^(31 - right) + 2^30) / 2^31)   (RoundingDivideByPOT)
    f.get(x).get(x).i32Const(31).op('i32x4.shr_s').op('i32x4.add').set(h);
    products(h, T_FLOOR_MUL);
    addHalf();
    f.get(x);
    shiftRight31(f, lo, hi);
    entry(T_FLOOR_SKIP); f.op('v128.bitselect').set(x);
  } else {
    // w = p + 2^(30 + right); h = hi(w); x = right == 0 ? floor(w / 2^31) : floor(h / 2^(right - 1))
    f.get(lo); entry(T_ROUND); f.op('i64x2.add').set(lo);
    f.get(hi); entry(T_ROUND + 16); f.op('i64x2.add').set(hi);
    f.get(lo).get(hi).shuffle(HIGH_WORDS).set(h);
    shiftRight31(f, lo, hi); // the right == 0 value
    // floor(h / 2^s), s = right - 1: h * 2^(31 - s) shifted right by 31, or h where s = 0 (FLOOR_SKIP)
    products(h, T_FLOOR_MUL);
    f.get(h);
    shiftRight31(f, lo, hi);
    entry(T_FLOOR_SKIP); f.op('v128.bitselect');
    entry(T_RIGHT_ZERO); f.op('v128.bitselect').set(x);
  }
}

/** the i64x2 constant [2^30, 2^30] into a new local */
export function half30Local(f: FunctionBuilder): Local {
  const half30 = f.local('v128');
  f.i32x4Const(1 << 30, 0, 1 << 30, 0).set(half30);
  return half30;
}

export function buildRequantize(m: ModuleBuilder, rounding: RoundingMode): void {
  m.function(`requantize_${rounding}`, Array<'i32'>(9).fill('i32'), [], (f) => {
    const [acc, accStride, out, rows, channels, table, outOffset, actMin, actMax] = Array.from({ length: 9 }, (_, i) => f.param(i));
    const r = f.local('i32'), c = f.local('i32'), accRow = f.local('i32'), outRow = f.local('i32'), t = f.local('i32');
    const q = f.local('v128'), off = f.local('v128'), vMin = f.local('v128'), vMax = f.local('v128');
    /** pushes the table entry at `offset` of the current group (t) as a v128 */
    const entry = (offset: number) => { f.get(t).mem('v128.load', offset); };

    // clamp(v + outOffset, actMin, actMax) = clamp(v, actMin - outOffset, actMax - outOffset) + outOffset,
    // and the right side cannot overflow int32 (v + outOffset can, for v near 2^31)
    f.get(outOffset).op('i32x4.splat').set(off);
    f.get(actMin).get(outOffset).op('i32.sub').op('i32x4.splat').set(vMin);
    f.get(actMax).get(outOffset).op('i32.sub').op('i32x4.splat').set(vMax);
    const half30 = half30Local(f);
    f.get(acc).set(accRow);
    f.get(out).set(outRow);
    f.forRange(r, 0, rows, 1, () => {
      f.get(table).set(t);
      f.forRange(c, 0, channels, CHANNELS_PER_GROUP, () => {
        // q = MBQM(acc[r, c .. c + 4], m, shift)
        f.get(accRow).get(c).i32Const(2).op('i32.shl').op('i32.add').mem('v128.load').set(q);
        emitMultiplyByQuantizedMultiplier(f, rounding, q, entry, half30);
        // out[r, c .. c + 4] = clamp(q + outOffset, actMin, actMax) as 4 bytes
        f.get(outRow).get(c).op('i32.add');
        f.get(q).get(vMin).op('i32x4.max_s').get(vMax).op('i32x4.min_s').get(off).op('i32x4.add').set(q);
        f.get(q).get(q).op('i16x8.narrow_i32x4_s').set(q);
        f.get(q).get(q).op('i8x16.narrow_i16x8_s').lane('i32x4.extract_lane', 0).mem('i32.store');
        f.get(t).i32Const(GROUP_BYTES).op('i32.add').set(t);
      });
      f.get(accRow).get(accStride).i32Const(2).op('i32.shl').op('i32.add').set(accRow);
      f.get(outRow).get(channels).op('i32.add').set(outRow);
    });
  });
}
