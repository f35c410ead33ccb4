/**
 * The int32 accumulators of conv1d / pointwise / fully connected in WebAssembly SIMD: each output
 * is a dot product of a filter row with a window of the (padded) input, on i16x8 lanes with
 * i32x4.dot_i16x8_s (8 int8 products per instruction, summed pairwise into 4 i32 lanes).
 *
 *   conv_dot(x, w, bias, acc, batches, outLen, batchBytes, posStep, segments, segInStep, segPad, coutPadded, inOffset):
 *     acc[(b * outLen + o) * coutPadded + co] = bias[co]
 *         + sum_{s < segments, j < segPad} w[(co * segments + s) * segPad + j] * (x[b * batchBytes + o * posStep + s * segInStep + j] + inOffset)
 *
 * The JS side lays the operands out so that this is exactly the reference sum (conv_pack.ts):
 * the input has its padding rows stored as the zero point (x + inOffset = 0 there), a window is
 * `segments` runs of bytes (one run of K * Cin when dilation is 1, else K runs of Cin), and every
 * filter run is zero-padded to segPad (a multiple of 8), so the bytes read past a run's end (into
 * the next row, or the 16 bytes of slack after the input) are multiplied by 0. coutPadded is a
 * multiple of 4 (filter rows and bias beyond Cout are 0). int8 + inOffset is in [-255, 255], an
 * i16 lane; i32 sums wrap, and the true sum fits int32 (validate.ts), so the wrapped sum is exact.
 *
 * Register tile: 4 output channels x 1 position, one i32x4 accumulator per channel, reduced
 * across lanes at the end (two rounds of shuffle + add).
 */
import type { FunctionBuilder, Local, ModuleBuilder } from '../../../core/wasm/index.ts';

const COUT_TILE = 4;
const LANES16 = 8;

/** i8x16.shuffle byte indices selecting i32 lanes (0..3 of a, 4..7 of b). */
function i32Lanes(lanes: readonly number[]): number[] {
  return lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
}

/** [sum(a0), sum(a1), sum(a2), sum(a3)] of four i32x4 vectors, left on the stack. */
function horizontalSum4(f: FunctionBuilder, a: readonly Local[], t: Local): void {
  // t = [a0.0 + a0.1, a1.0 + a1.1, a0.2 + a0.3, a1.2 + a1.3]
  f.get(a[0]).get(a[1]).shuffle(i32Lanes([0, 4, 2, 6])).get(a[0]).get(a[1]).shuffle(i32Lanes([1, 5, 3, 7])).op('i32x4.add').set(t);
  // a0 = [a2.0 + a2.1, a3.0 + a3.1, a2.2 + a2.3, a3.2 + a3.3]   (a0 is free now)
  f.get(a[2]).get(a[3]).shuffle(i32Lanes([0, 4, 2, 6])).get(a[2]).get(a[3]).shuffle(i32Lanes([1, 5, 3, 7])).op('i32x4.add').set(a[0]);
  f.get(t).get(a[0]).shuffle(i32Lanes([0, 1, 4, 5])).get(t).get(a[0]).shuffle(i32Lanes([2, 3, 6, 7])).op('i32x4.add');
}

export function buildConvDot(m: ModuleBuilder): void {
  m.function('conv_dot', Array<'i32'>(13).fill('i32'), [], (f) => {
    const [x, w, bias, acc, batches, outLen, batchBytes, posStep, segments, segInStep, segPad, coutPadded, inOffset] =
      Array.from({ length: 13 }, (_, i) => f.param(i));
    const b = f.local('i32'), o = f.local('i32'), cq = f.local('i32'), s = f.local('i32'), j = f.local('i32');
    const xBatch = f.local('i32'), xPos = f.local('i32'), xSeg = f.local('i32'), rowBytes = f.local('i32'), accPtr = f.local('i32');
    const wp = Array.from({ length: COUT_TILE }, () => f.local('i32'));
    const off = f.local('v128'), xv = f.local('v128'), t = f.local('v128');
    const a = Array.from({ length: COUT_TILE }, () => f.local('v128'));

    f.get(inOffset).op('i16x8.splat').set(off);
    f.get(segments).get(segPad).op('i32.mul').set(rowBytes);
    f.get(acc).set(accPtr);
    f.forRange(b, 0, batches, 1, () => {
      f.get(x).get(b).get(batchBytes).op('i32.mul').op('i32.add').set(xBatch);
      f.forRange(o, 0, outLen, 1, () => {
        f.get(xBatch).get(o).get(posStep).op('i32.mul').op('i32.add').set(xPos);
        f.forRange(cq, 0, coutPadded, COUT_TILE, () => {
          // wp[r] = w + (cq + r) * rowBytes; a[r] = 0
          for (let r = 0; r < COUT_TILE; r++) {
            f.get(w).get(cq).i32Const(r).op('i32.add').get(rowBytes).op('i32.mul').op('i32.add').set(wp[r]);
            f.i32x4Const(0, 0, 0, 0).set(a[r]);
          }
          f.forRange(s, 0, segments, 1, () => {
            f.get(xPos).get(s).get(segInStep).op('i32.mul').op('i32.add').set(xSeg);
            f.forRange(j, 0, segPad, LANES16, () => {
              // xv = x[xSeg + j .. + 8] + inOffset (i16x8); a[r] += dot(xv, w row r [.. + 8])
              f.get(xSeg).get(j).op('i32.add').mem('v128.load8x8_s').get(off).op('i16x8.add').set(xv);
              for (let r = 0; r < COUT_TILE; r++) {
                f.get(a[r]).get(xv).get(wp[r]).mem('v128.load8x8_s').op('i32x4.dot_i16x8_s').op('i32x4.add').set(a[r]);
                f.get(wp[r]).i32Const(LANES16).op('i32.add').set(wp[r]);
              }
            });
          });
          // acc[.., cq .. cq + 4] = bias[cq .. cq + 4] + [sum a0, sum a1, sum a2, sum a3]
          f.get(accPtr);
          horizontalSum4(f, a, t);
          f.get(bias).get(cq).i32Const(2).op('i32.shl').op('i32.add').mem('v128.load').op('i32x4.add');
          f.mem('v128.store');
          f.get(accPtr).i32Const(4 * COUT_TILE).op('i32.add').set(accPtr);
        });
      });
    });
  });
}
