/**
 * The int32 accumulators of the depthwise conv1d in WebAssembly SIMD: 8 channels per step, the
 * products widened with i32x4.extmul_{low,high}_i16x8_s into two i32x4 accumulators.
 *
 *   dw_mac(x, w, bias, acc, batches, outLen, batchBytes, posStep, taps, tapStep, channelsPadded, inOffset):
 *     acc[(b * outLen + o) * channelsPadded + c] = bias[c]
 *         + sum_{k < taps} w[k * channelsPadded + c] * (x[b * batchBytes + o * posStep + k * tapStep + c] + inOffset)
 *
 * Layout (conv_pack.ts): input rows of C channels with padding rows stored as the zero point;
 * filter [K, channelsPadded] and bias [channelsPadded] zero beyond C, channelsPadded a multiple of
 * 8. Lanes c >= C read the next row's bytes (or the slack after the input) and are discarded.
 * i32 sums wrap; the true sum fits int32 (validate.ts), so the result is exact.
 */
import type { ModuleBuilder } from '../../../core/wasm/index.ts';

const LANES16 = 8;

export function buildDepthwise(m: ModuleBuilder): void {
  m.function('dw_mac', Array<'i32'>(12).fill('i32'), [], (f) => {
    const [x, w, bias, acc, batches, outLen, batchBytes, posStep, taps, tapStep, channelsPadded, inOffset] =
      Array.from({ length: 12 }, (_, i) => f.param(i));
    const b = f.local('i32'), o = f.local('i32'), c = f.local('i32'), k = f.local('i32');
    const xBatch = f.local('i32'), xPos = f.local('i32'), xp = f.local('i32'), wp = f.local('i32'), accPtr = f.local('i32');
    const off = f.local('v128'), xv = f.local('v128'), wv = f.local('v128'), lo = f.local('v128'), hi = f.local('v128');

    f.get(inOffset).op('i16x8.splat').set(off);
    f.get(acc).set(accPtr);
    f.forRange(b, 0, batches, 1, () => {
      f.get(x).get(b).get(batchBytes).op('i32.mul').op('i32.add').set(xBatch);
      f.forRange(o, 0, outLen, 1, () => {
        f.get(xBatch).get(o).get(posStep).op('i32.mul').op('i32.add').set(xPos);
        f.forRange(c, 0, channelsPadded, LANES16, () => {
          // lo, hi = bias[c .. c + 4], bias[c + 4 .. c + 8]
          f.get(bias).get(c).i32Const(2).op('i32.shl').op('i32.add').mem('v128.load').set(lo);
          f.get(bias).get(c).i32Const(2).op('i32.shl').op('i32.add').mem('v128.load', 16).set(hi);
          f.get(xPos).get(c).op('i32.add').set(xp);
          f.get(w).get(c).op('i32.add').set(wp);
          f.forRange(k, 0, taps, 1, () => {
            // xv = x[xp .. + 8] + inOffset; wv = w[wp .. + 8]; lo += xv[0:4] * wv[0:4]; hi += xv[4:8] * wv[4:8]
            f.get(xp).mem('v128.load8x8_s').get(off).op('i16x8.add').set(xv);
            f.get(wp).mem('v128.load8x8_s').set(wv);
            f.get(lo).get(xv).get(wv).op('i32x4.extmul_low_i16x8_s').op('i32x4.add').set(lo);
            f.get(hi).get(xv).get(wv).op('i32x4.extmul_high_i16x8_s').op('i32x4.add').set(hi);
            f.get(xp).get(tapStep).op('i32.add').set(xp);
            f.get(wp).get(channelsPadded).op('i32.add').set(wp);
          });
          f.get(accPtr).get(lo).mem('v128.store');
          f.get(accPtr).get(hi).mem('v128.store', 16);
          f.get(accPtr).i32Const(2 * 4 * 4).op('i32.add').set(accPtr);
        });
      });
    });
  });
}
