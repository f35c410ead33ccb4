/**
 * The int32 accumulators of conv1d (dilation 1) / pointwise / fully connected in WebAssembly SIMD,
 * vectorized over output channels: the lanes hold channels, so no horizontal sums are needed.
 *
 *   widen_s8(x8, x16, count, inOffset):   x16[i] = x8[i] + inOffset  (i16, count rounded up to 8)
 *
 *   conv_pairs(x16, w, bias, acc, batches, outLen, batchBytes, posStep, pairs, coutPadded):
 *     acc[(b * outLen + o) * coutPadded + co] = bias[co]
 *         + sum_{j < pairs, t < 2} w[co, 2j + t] * x16[b * batchBytes + o * posStep + 2 * (2j + t)]
 *
 * The window of an output position is one contiguous run of K * Cin i16 values (dilation 1; the
 * padding rows of the input were stored as the zero point, so they widen to 0). A pair of window
 * values is one i32, splat to all 4 lanes (v128.load32_splat); the filter holds, per 8-channel
 * block and pair, [co0 t0, co0 t1, co1 t0, ...] as two i16x8 vectors, so i32x4.dot_i16x8_s adds
 * w[co, 2j] * x[2j] + w[co, 2j + 1] * x[2j + 1] into channel co's lane. Filter taps past K * Cin
 * and channels past Cout are 0 (the x value read there is multiplied by 0).
 *
 * Register tile: 4 positions x 8 channels (8 i32x4 accumulators). The last tile of a row may run
 * past outLen: those positions are computed from bytes past the row (the next batch, or the
 * caller's slack) and written to the next rows of acc, which the next batch overwrites; the caller
 * reserves 3 extra acc rows and 3 * posStep + 16 bytes of input slack for the last batch.
 * int16 products summed in int32 wrap; the true sum fits int32 (validate.ts), so the result is exact.
 */
import type { ModuleBuilder } from '../../../core/wasm/index.ts';

export const POSITION_TILE = 4;
export const CHANNEL_TILE = 8;
const LANES16 = 8;

export function buildConvPairs(m: ModuleBuilder): void {
  m.function('widen_s8', ['i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [x8, x16, count, inOffset] = [0, 1, 2, 3].map((i) => f.param(i));
    const i = f.local('i32'), off = f.local('v128');
    f.get(inOffset).op('i16x8.splat').set(off);
    f.forRange(i, 0, count, LANES16, () => {
      // x16[i .. i + 8] = x8[i .. i + 8] + inOffset
      f.get(x16).get(i).i32Const(1).op('i32.shl').op('i32.add');
      f.get(x8).get(i).op('i32.add').mem('v128.load8x8_s').get(off).op('i16x8.add');
      f.mem('v128.store');
    });
  });

  m.function('conv_pairs', Array<'i32'>(10).fill('i32'), [], (f) => {
    const [x16, w, bias, acc, batches, outLen, batchBytes, posStep, pairs, coutPadded] = Array.from({ length: 10 }, (_, i) => f.param(i));
    const b = f.local('i32'), o = f.local('i32'), cb = f.local('i32'), j = f.local('i32');
    const xPos = f.local('i32'), xp = f.local('i32'), wp = f.local('i32'), accRow = f.local('i32'), accP = f.local('i32'), rowBytes = f.local('i32');
    const step = [f.local('i32'), f.local('i32'), f.local('i32')]; // 1, 2, 3 * posStep
    const wA = f.local('v128'), wB = f.local('v128'), s = f.local('v128');
    const a = Array.from({ length: POSITION_TILE }, () => [f.local('v128'), f.local('v128')]);

    f.get(coutPadded).i32Const(2).op('i32.shl').set(rowBytes);
    for (let p = 1; p < POSITION_TILE; p++) f.get(posStep).i32Const(p).op('i32.mul').set(step[p - 1]);
    f.forRange(b, 0, batches, 1, () => {
      f.forRange(o, 0, outLen, POSITION_TILE, () => {
        // xPos = x16 + b * batchBytes + o * posStep; accRow = acc + (b * outLen + o) * rowBytes
        f.get(x16).get(b).get(batchBytes).op('i32.mul').op('i32.add').get(o).get(posStep).op('i32.mul').op('i32.add').set(xPos);
        f.get(acc).get(b).get(outLen).op('i32.mul').get(o).op('i32.add').get(rowBytes).op('i32.mul').op('i32.add').set(accRow);
        f.forRange(cb, 0, coutPadded, CHANNEL_TILE, () => {
          // a[p] = bias[cb .. cb + 8]
          f.get(bias).get(cb).i32Const(2).op('i32.shl').op('i32.add').set(accP);
          for (let p = 0; p < POSITION_TILE; p++) {
            f.get(accP).mem('v128.load').set(a[p][0]);
            f.get(accP).mem('v128.load', 16).set(a[p][1]);
          }
          // wp = w + cb * pairs * 4 (the 8-channel block: pairs x 32 bytes)
          f.get(w).get(cb).get(pairs).op('i32.mul').i32Const(2).op('i32.shl').op('i32.add').set(wp);
          f.get(xPos).set(xp);
          f.forRange(j, 0, pairs, 1, () => {
            // a[p] += dot(splat(x pair j of position o + p), w pair j of channels cb .. cb + 8)
            f.get(wp).mem('v128.load').set(wA);
            f.get(wp).mem('v128.load', 16).set(wB);
            for (let p = 0; p < POSITION_TILE; p++) {
              f.get(xp);
              if (p > 0) f.get(step[p - 1]).op('i32.add');
              f.mem('v128.load32_splat').set(s);
              f.get(a[p][0]).get(s).get(wA).op('i32x4.dot_i16x8_s').op('i32x4.add').set(a[p][0]);
              f.get(a[p][1]).get(s).get(wB).op('i32x4.dot_i16x8_s').op('i32x4.add').set(a[p][1]);
            }
            f.get(xp).i32Const(4).op('i32.add').set(xp);
            f.get(wp).i32Const(32).op('i32.add').set(wp);
          });
          // acc[row o + p, cb .. cb + 8] = a[p]
          f.get(accRow).get(cb).i32Const(2).op('i32.shl').op('i32.add').set(accP);
          for (let p = 0; p < POSITION_TILE; p++) {
            f.get(accP).get(a[p][0]).mem('v128.store');
            f.get(accP).get(a[p][1]).mem('v128.store', 16);
            if (p < POSITION_TILE - 1) f.get(accP).get(rowBytes).op('i32.add').set(accP);
          }
        });
      });
    });
  });
}
