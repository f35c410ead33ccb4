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
 * WebAssembly SIMD shifts every lane by the same count, but the shift is per channel, so the
 * per-channel powers of two come from `table` (channelTable below) and variable shifts become
 * multiplications: x << left = x * 2^left (i32, wrapping alike), and for 0 <= right <= 31 and
 * |z| < 2^32, floor(z / 2^right) = (z * 2^(31 - right)) >> 31 in i64 lanes (no overflow).
 *
 * double (TFLite Micro default), left = max(shift, 0), right = max(-shift, 0):
 *   p = (i64) (x * 2^left) * m; p += p >= 0 ? 2^30 : 1 - 2^30
 *   q = p / 2^31 truncated toward zero: (p + (p < 0 ? 2^31 - 1 : 0)) >> 31   (SRDHM; m >= 0)
 *   v = floor(q / 2^right) + ((q & mask) > (mask >> 1) + (q < 0)), mask = 2^right - 1   (RoundingDivideByPOT)
 * single (TFLITE_SINGLE_ROUNDING), t = 31 - shift:
 *   v = floor(((i64) x * m + 2^(t - 1)) / 2^t) = floor(floor(((x * 2^left) * m + 2^(30 + right)) / 2^31) / 2^right)
 *   (shift > 0: scaling numerator and 2^t by 2^shift makes t 31; shift <= 0: t = 31 + right and
 *   nested floors of divisions compose exactly.)
 */
import type { FunctionBuilder, Local, ModuleBuilder } from '../../../core/wasm/index.ts';
import type { RoundingMode } from '../../int_model.ts';

/** Bytes of one 4-channel group of the table: i32x4 2^left, m, mask, mask >> 1; i64 2^(31 - right) x 4, 2^(30 + right) x 4 */
export const GROUP_BYTES = 128;
const T_POW2_LEFT = 0, T_MULT = 16, T_MASK = 32, T_MASK_HALF = 48, T_POW2_RIGHT = 64, T_ROUND = 96;
const CHANNELS_PER_GROUP = 4;

/** i64x2 constant of two equal lanes as 16 bytes */
function i64x2Bytes(value: bigint): Uint8Array {
  return new Uint8Array(new BigInt64Array([value, value]).buffer);
}

/**
 * The per-channel table of `requantize_*`: one GROUP_BYTES block per 4 channels (channels beyond
 * `channels` are zero), written into `i32` (the arena's Int32Array view) at byte offset `at`.
 */
export function writeChannelTable(i32: Int32Array, at: number, multiplier: Int32Array, shift: Int32Array, channels: number): void {
  const groups = Math.ceil(channels / CHANNELS_PER_GROUP);
  const base = at >> 2;
  i32.fill(0, base, base + (groups * GROUP_BYTES) / 4);
  /** writes a non-negative power of two 2^e (e <= 62) as an i64 lane (low word, high word) */
  const pow2i64 = (word: number, e: number) => {
    if (e < 32) i32[word] = 2 ** e | 0; else i32[word + 1] = 2 ** (e - 32);
  };
  for (let c = 0; c < channels; c++) {
    const g = base + (Math.floor(c / CHANNELS_PER_GROUP) * GROUP_BYTES) / 4;
    const lane = c % CHANNELS_PER_GROUP;
    const left = Math.max(shift[c], 0);
    const right = Math.max(-shift[c], 0);
    i32[g + T_POW2_LEFT / 4 + lane] = 2 ** left;
    i32[g + T_MULT / 4 + lane] = multiplier[c];
    i32[g + T_MASK / 4 + lane] = (2 ** right - 1) | 0;
    i32[g + T_MASK_HALF / 4 + lane] = ((2 ** right - 1) | 0) >> 1;
    pow2i64(g + T_POW2_RIGHT / 4 + 2 * lane, 31 - right);
    pow2i64(g + T_ROUND / 4 + 2 * lane, 30 + right);
  }
}

/** i8x16.shuffle byte indices selecting i32 lanes (0..3 of a, 4..7 of b). */
function i32Lanes(lanes: readonly number[]): number[] {
  return lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
}
/** the low 32 bits of the four i64 lanes of (a, b), as one i32x4 */
const LOW_WORDS = i32Lanes([0, 2, 4, 6]);

export function buildRequantize(m: ModuleBuilder, rounding: RoundingMode): void {
  m.function(`requantize_${rounding}`, Array<'i32'>(9).fill('i32'), [], (f) => {
    const [acc, accStride, out, rows, channels, table, outOffset, actMin, actMax] = Array.from({ length: 9 }, (_, i) => f.param(i));
    const r = f.local('i32'), c = f.local('i32'), accRow = f.local('i32'), outRow = f.local('i32'), t = f.local('i32');
    const x = f.local('v128'), lo = f.local('v128'), hi = f.local('v128'), q = f.local('v128'), s = f.local('v128');
    const off = f.local('v128'), vMin = f.local('v128'), vMax = f.local('v128');
    /** pushes the table entry at `offset` of the current group (t) as a v128 */
    const entry = (offset: number) => f.get(t).mem('v128.load', offset);
    /** half = floor(half / 2^right) for the i64 lanes of channel pair `pair` (0: lanes 0, 1; 1: lanes 2, 3) */
    const divideByPow2 = (half: Local, pair: number) => {
      f.get(half); entry(T_POW2_RIGHT + 16 * pair).op('i64x2.mul').i32Const(31).op('i64x2.shr_s').set(half);
    };

    f.get(outOffset).op('i32x4.splat').set(off);
    f.get(actMin).op('i32x4.splat').set(vMin);
    f.get(actMax).op('i32x4.splat').set(vMax);
    f.get(acc).set(accRow);
    f.get(out).set(outRow);
    f.forRange(r, 0, rows, 1, () => {
      f.get(table).set(t);
      f.forRange(c, 0, channels, CHANNELS_PER_GROUP, () => {
        // x = acc[r, c .. c + 4] * 2^left
        f.get(accRow).get(c).i32Const(2).op('i32.shl').op('i32.add').mem('v128.load');
        entry(T_POW2_LEFT).op('i32x4.mul').set(x);
        for (const [half, ext] of [[lo, 'i64x2.extmul_low_i32x4_s'], [hi, 'i64x2.extmul_high_i32x4_s']] as const) {
          f.get(x); entry(T_MULT).op(ext).set(half); // (i64) x * m
          if (rounding === 'double') {
            // p += p >= 0 ? 2^30 : 1 - 2^30  ==  p + 2^30 + (sign(p) & (1 - 2^31))
            f.get(half).i32Const(63).op('i64x2.shr_s').set(s);
            f.get(half).v128Const(i64x2Bytes(1n << 30n)).op('i64x2.add').get(s).v128Const(i64x2Bytes(1n - (1n << 31n))).op('v128.and').op('i64x2.add').set(half);
            // q = (p + (sign(p) & (2^31 - 1))) >> 31   (division truncated toward zero)
            f.get(half).i32Const(63).op('i64x2.shr_s').set(s);
            f.get(half).get(s).v128Const(i64x2Bytes((1n << 31n) - 1n)).op('v128.and').op('i64x2.add').i32Const(31).op('i64x2.shr_s').set(half);
          } else {
            // z = (p + 2^(30 + right)) >> 31; then floor(z / 2^right)
            const pair = half === lo ? 0 : 1;
            f.get(half); entry(T_ROUND + 16 * pair).op('i64x2.add').i32Const(31).op('i64x2.shr_s').set(half);
            divideByPow2(half, pair);
          }
        }
        f.get(lo).get(hi).shuffle(LOW_WORDS).set(q);
        if (rounding === 'double') {
          // v = floor(q / 2^right) + ((q & mask) > (mask >> 1) + (q < 0))
          f.get(q).op('i64x2.extend_low_i32x4_s').set(lo);
          f.get(q).op('i64x2.extend_high_i32x4_s').set(hi);
          divideByPow2(lo, 0);
          divideByPow2(hi, 1);
          f.get(lo).get(hi).shuffle(LOW_WORDS);
          f.get(q); entry(T_MASK).op('v128.and');
          entry(T_MASK_HALF).get(q).i32Const(31).op('i32x4.shr_s').op('i32x4.sub');
          f.op('i32x4.gt_s').op('i32x4.sub').set(q); // a true comparison is -1
        }
        // out[r, c .. c + 4] = clamp(v + outOffset, actMin, actMax) as 4 bytes
        f.get(outRow).get(c).op('i32.add');
        f.get(q).get(off).op('i32x4.add').get(vMin).op('i32x4.max_s').get(vMax).op('i32x4.min_s').set(q);
        f.get(q).get(q).op('i16x8.narrow_i32x4_s').set(q);
        f.get(q).get(q).op('i8x16.narrow_i16x8_s').lane('i32x4.extract_lane', 0).mem('i32.store');
        f.get(t).i32Const(GROUP_BYTES).op('i32.add').set(t);
      });
      f.get(accRow).get(accStride).i32Const(2).op('i32.shl').op('i32.add').set(accRow);
      f.get(outRow).get(channels).op('i32.add').set(outRow);
    });
  });
}
