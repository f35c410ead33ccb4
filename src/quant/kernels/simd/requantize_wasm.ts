/**
 * Requantization of int32 accumulators to int8 in WebAssembly, bit-exact with
 * src/quant/fixed_point.ts (TFLite MultiplyByQuantizedMultiplier) in both rounding modes. Scalar
 * i64 arithmetic: WebAssembly SIMD has no per-lane variable shift, and the shift is per channel.
 *
 *   requantize_<rounding>(acc, accStride, out, rows, channels, mult, shift, outOffset, actMin, actMax):
 *     out[r * channels + c] = clamp(MBQM(acc[r * accStride + c], mult[c], shift[c]) + outOffset, actMin, actMax)
 *   (acc, mult, shift: i32 arrays at byte offsets; accStride in i32 elements; out: int8)
 *
 * double (TFLite Micro default):
 *   a = x << max(shift, 0); p = (i64) a * m; p += p >= 0 ? 2^30 : 1 - 2^30
 *   q = p / 2^31 truncated toward zero                       (SaturatingRoundingDoublingHighMul; m >= 0,
 *                                                             so the INT32_MIN * INT32_MIN case cannot occur)
 *   right = max(-shift, 0); mask = 2^right - 1
 *   v = (q >> right) + ((q & mask) > (mask >> 1) + (q < 0))  (RoundingDivideByPOT)
 * single (TFLITE_SINGLE_ROUNDING):
 *   total = 31 - shift; v = (int32) (((i64) x * m + 2^(total - 1)) >> total)
 * Ranges: as fixed_point.ts (validate.ts keeps every result within int32).
 */
import type { ModuleBuilder } from '../../../core/wasm/index.ts';
import type { RoundingMode } from '../../int_model.ts';

const TWO_POW_30 = 1n << 30n;
const TWO_POW_31_MINUS_1 = (1n << 31n) - 1n;

export function buildRequantize(m: ModuleBuilder, rounding: RoundingMode): void {
  m.function(`requantize_${rounding}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [acc, accStride, out, rows, channels, mult, shift, outOffset, actMin, actMax] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => f.param(i));
    const r = f.local('i32'), c = f.local('i32'), accRow = f.local('i32'), outRow = f.local('i32');
    const x = f.local('i32'), sh = f.local('i32'), mask = f.local('i32'), v = f.local('i32');
    const p = f.local('i64');
    /** pushes the address of the i32 element c of the array at `base` */
    const element = (base: typeof acc) => f.get(base).get(c).i32Const(2).op('i32.shl').op('i32.add');

    f.get(acc).set(accRow);
    f.get(out).set(outRow);
    f.forRange(r, 0, rows, 1, () => {
      f.forRange(c, 0, channels, 1, () => {
        element(accRow).mem('i32.load').set(x);
        element(shift).mem('i32.load').set(sh);
        if (rounding === 'double') {
          // p = (i64) (x << max(sh, 0)) * m
          f.get(x).get(sh).i32Const(0).get(sh).i32Const(0).op('i32.gt_s').op('select').op('i32.shl').op('i64.extend_i32_s');
          element(mult).mem('i32.load').op('i64.extend_i32_s').op('i64.mul').set(p);
          // p += p >= 0 ? 2^30 : 1 - 2^30
          f.get(p).i64Const(TWO_POW_30).i64Const(1n - TWO_POW_30).get(p).i64Const(0n).op('i64.ge_s').op('select').op('i64.add').set(p);
          // x = q = (p + (p < 0 ? 2^31 - 1 : 0)) >> 31   (division by 2^31 truncated toward zero)
          f.get(p).i64Const(TWO_POW_31_MINUS_1).i64Const(0n).get(p).i64Const(0n).op('i64.lt_s').op('select').op('i64.add')
            .i64Const(31n).op('i64.shr_s').op('i32.wrap_i64').set(x);
          // sh = right = max(-shift, 0); mask = 2^right - 1
          f.i32Const(0).get(sh).op('i32.sub').set(sh);
          f.get(sh).i32Const(0).get(sh).i32Const(0).op('i32.gt_s').op('select').set(sh);
          f.i32Const(1).get(sh).op('i32.shl').i32Const(1).op('i32.sub').set(mask);
          // v = (q >> right) + ((q & mask) > (mask >> 1) + (q < 0))
          f.get(x).get(sh).op('i32.shr_s')
            .get(x).get(mask).op('i32.and')
            .get(mask).i32Const(1).op('i32.shr_s').get(x).i32Const(0).op('i32.lt_s').op('i32.add')
            .op('i32.gt_s').op('i32.add').set(v);
        } else {
          // sh = total = 31 - shift; v = (int32) (((i64) x * m + 2^(total - 1)) >> total)
          f.i32Const(31).get(sh).op('i32.sub').set(sh);
          f.get(x).op('i64.extend_i32_s');
          element(mult).mem('i32.load').op('i64.extend_i32_s').op('i64.mul');
          f.i64Const(1n).get(sh).i32Const(1).op('i32.sub').op('i64.extend_i32_u').op('i64.shl').op('i64.add');
          f.get(sh).op('i64.extend_i32_u').op('i64.shr_s').op('i32.wrap_i64').set(v);
        }
        // v = clamp(v + outOffset, actMin, actMax)
        f.get(v).get(outOffset).op('i32.add').set(v);
        f.get(v).get(actMin).get(v).get(actMin).op('i32.gt_s').op('select').set(v);
        f.get(v).get(actMax).get(v).get(actMax).op('i32.lt_s').op('select').set(v);
        f.get(outRow).get(c).op('i32.add').get(v).mem('i32.store8');
      });
      f.get(accRow).get(accStride).i32Const(2).op('i32.shl').op('i32.add').set(accRow);
      f.get(outRow).get(channels).op('i32.add').set(outRow);
    });
  });
}
