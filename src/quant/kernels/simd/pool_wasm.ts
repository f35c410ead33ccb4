/**
 * Average and max pooling over positions in WebAssembly SIMD, bit-exact with avgpool1d_s8.ts /
 * maxpool1d_s8.ts (same formulas; [N, L, C] int8, channels last, a window of `poolSize` taps every
 * `stride` positions, padding taps skipped):
 *
 *   avgpool_s8(x, out, batches, inLen, outLen, ch, poolSize, stride, padBefore, actMin, actMax):
 *     acc = sum of the valid taps (i32 lanes, 8 channels per step), count = number of valid taps
 *     out = clamp(trunc((acc + (acc > 0 ? count / 2 : -(count / 2))) / count), actMin, actMax)
 *     The division is f32: numerator a and count are exact in f32 when |a| < 2^24 (the caller
 *     keeps poolSize <= 2^16), and then trunc of the correctly rounded quotient is trunc(a / count):
 *     a non-integer a / count is at least 1 / count from every integer, the rounding error at most
 *     |a / count| * 2^-24 < 1 / count.
 *   maxpool_s8(same arguments): out = clamp(max of the valid taps, actMin, actMax), 16 channels per step.
 *
 * Lanes past C read the next position's bytes (or the caller's slack, 16 bytes) and write into
 * the next output position (rewritten after) or the caller's slack (16 bytes).
 */
import type { FunctionBuilder, Local, ModuleBuilder } from '../../../core/wasm/index.ts';

const LANES8 = 16;
const LANES16 = 8;

/** The loops over batches, output positions and channel blocks shared by both pools. */
function poolLoops(f: FunctionBuilder, params: Local[], laneStep: number, window: (xRow: Local, tCount: Local, outAt: Local, c: Local) => void): void {
  const [x, out, batches, inLen, outLen, ch, poolSize, stride, padBefore] = params;
  const b = f.local('i32'), o = f.local('i32'), c = f.local('i32'), start = f.local('i32'), tStart = f.local('i32'), tEnd = f.local('i32');
  const tCount = f.local('i32'), xRow = f.local('i32'), outAt = f.local('i32');
  f.get(out).set(outAt);
  f.forRange(b, 0, batches, 1, () => {
    f.forRange(o, 0, outLen, 1, () => {
      // start = o * stride - padBefore; tStart = max(0, -start); tEnd = min(poolSize, inLen - start)
      f.get(o).get(stride).op('i32.mul').get(padBefore).op('i32.sub').set(start);
      f.i32Const(0).set(tStart);
      f.get(start).i32Const(0).op('i32.lt_s').ifThen(() => { f.i32Const(0).get(start).op('i32.sub').set(tStart); });
      f.get(inLen).get(start).op('i32.sub').set(tEnd);
      f.get(poolSize).get(tEnd).op('i32.lt_s').ifThen(() => { f.get(poolSize).set(tEnd); });
      f.get(tEnd).get(tStart).op('i32.sub').set(tCount);
      // xRow = x + (b * inLen + start + tStart) * ch
      f.get(x).get(b).get(inLen).op('i32.mul').get(start).op('i32.add').get(tStart).op('i32.add').get(ch).op('i32.mul').op('i32.add').set(xRow);
      f.forRange(c, 0, ch, laneStep, () => window(xRow, tCount, outAt, c));
      f.get(outAt).get(ch).op('i32.add').set(outAt);
    });
  });
}

export function buildPools(m: ModuleBuilder): void {
  m.function('avgpool_s8', Array<'i32'>(11).fill('i32'), [], (f) => {
    const params = Array.from({ length: 11 }, (_, i) => f.param(i));
    const [ch, actMin, actMax] = [params[5], params[9], params[10]];
    const t = f.local('i32'), p = f.local('i32');
    const lo = f.local('v128'), hi = f.local('v128'), v = f.local('v128'), half = f.local('v128'), count = f.local('v128');
    const vMin = f.local('v128'), vMax = f.local('v128');
    f.get(actMin).op('i32x4.splat').set(vMin);
    f.get(actMax).op('i32x4.splat').set(vMax);
    /** acc = clamp(trunc((acc + (acc > 0 ? half : -half)) / count), actMin, actMax) */
    const average = (acc: Local) => {
      f.get(acc).get(half).i32x4Const(0, 0, 0, 0).get(half).op('i32x4.sub').get(acc).i32x4Const(0, 0, 0, 0).op('i32x4.gt_s').op('v128.bitselect');
      f.op('i32x4.add').op('f32x4.convert_i32x4_s').get(count).op('f32x4.div').op('i32x4.trunc_sat_f32x4_s');
      f.get(vMin).op('i32x4.max_s').get(vMax).op('i32x4.min_s').set(acc);
    };
    poolLoops(f, params, LANES16, (xRow, tCount, outAt, c) => {
      f.get(tCount).i32Const(1).op('i32.shr_s').op('i32x4.splat').set(half);
      f.get(tCount).op('f32.convert_i32_s').op('f32x4.splat').set(count);
      // lo, hi = sum over the valid taps of x[.., c .. c + 8] (i32)
      f.i32x4Const(0, 0, 0, 0).set(lo);
      f.i32x4Const(0, 0, 0, 0).set(hi);
      f.get(xRow).get(c).op('i32.add').set(p);
      f.forRange(t, 0, tCount, 1, () => {
        f.get(p).mem('v128.load8x8_s').set(v);
        f.get(lo).get(v).op('i32x4.extend_low_i16x8_s').op('i32x4.add').set(lo);
        f.get(hi).get(v).op('i32x4.extend_high_i16x8_s').op('i32x4.add').set(hi);
        f.get(p).get(ch).op('i32.add').set(p);
      });
      average(lo);
      average(hi);
      // out[.., c .. c + 8] = the 8 averages as bytes
      f.get(outAt).get(c).op('i32.add');
      f.get(lo).get(hi).op('i16x8.narrow_i32x4_s').set(v);
      f.get(v).get(v).op('i8x16.narrow_i16x8_s').lane('i64x2.extract_lane', 0).mem('i64.store');
    });
  });

  m.function('maxpool_s8', Array<'i32'>(11).fill('i32'), [], (f) => {
    const params = Array.from({ length: 11 }, (_, i) => f.param(i));
    const [ch, actMin, actMax] = [params[5], params[9], params[10]];
    const t = f.local('i32'), p = f.local('i32');
    const mx = f.local('v128'), vMin = f.local('v128'), vMax = f.local('v128');
    f.get(actMin).op('i8x16.splat').set(vMin);
    f.get(actMax).op('i8x16.splat').set(vMax);
    poolLoops(f, params, LANES8, (xRow, tCount, outAt, c) => {
      // mx = max(-128, taps of x[.., c .. c + 16]); out = clamp(mx, actMin, actMax)
      f.i32Const(-128).op('i8x16.splat').set(mx);
      f.get(xRow).get(c).op('i32.add').set(p);
      f.forRange(t, 0, tCount, 1, () => {
        f.get(mx).get(p).mem('v128.load').op('i8x16.max_s').set(mx);
        f.get(p).get(ch).op('i32.add').set(p);
      });
      f.get(outAt).get(c).op('i32.add');
      f.get(mx).get(vMin).op('i8x16.max_s').get(vMax).op('i8x16.min_s');
      f.mem('v128.store');
    });
  });
}
