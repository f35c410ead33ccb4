/**
 * ADD of two int8 tensors in WebAssembly SIMD, 4 elements per step, bit-exact with add_s8.ts
 * (TFLite Micro reference_integer_ops::Add):
 *
 *   add_s8(in1, in2, out, count, table, offset1, offset2, pow2LeftShift, outOffset, actMin, actMax):
 *     shifted_i = (in_i[k] + offset_i) * 2^leftShift
 *     out[k] = clamp(MBQM(MBQM(shifted_1, m1, s1) + MBQM(shifted_2, m2, s2), mOut, sOut) + outOffset, actMin, actMax)
 *
 * `table` holds three 4-lane groups of requantize_wasm.ts's table (input 1, input 2, output), each
 * with the same multiplier / shift in all lanes. Reads up to 3 bytes past count of each input and
 * writes up to 3 bytes past count of the output (the caller's slack). Ranges: add_s8.ts.
 */
import type { ModuleBuilder } from '../../../core/wasm/index.ts';
import type { RoundingMode } from '../../int_model.ts';
import { emitMultiplyByQuantizedMultiplier, GROUP_BYTES, half30Local } from './requantize_wasm.ts';

export function buildAdd(m: ModuleBuilder, rounding: RoundingMode): void {
  m.function(`add_s8_${rounding}`, Array<'i32'>(11).fill('i32'), [], (f) => {
    const [in1, in2, out, count, table, offset1, offset2, pow2LeftShift, outOffset, actMin, actMax] = Array.from({ length: 11 }, (_, i) => f.param(i));
    const k = f.local('i32');
    const a = f.local('v128'), b = f.local('v128'), off1 = f.local('v128'), off2 = f.local('v128'), scale = f.local('v128');
    const off = f.local('v128'), vMin = f.local('v128'), vMax = f.local('v128');
    const half30 = half30Local(f);
    const group = (g: number) => (offset: number) => { f.get(table).mem('v128.load', g * GROUP_BYTES + offset); };

    f.get(offset1).op('i32x4.splat').set(off1);
    f.get(offset2).op('i32x4.splat').set(off2);
    f.get(pow2LeftShift).op('i32x4.splat').set(scale);
    // clamp(v + outOffset, actMin, actMax) = clamp(v, actMin - outOffset, actMax - outOffset) + outOffset
    f.get(outOffset).op('i32x4.splat').set(off);
    f.get(actMin).get(outOffset).op('i32.sub').op('i32x4.splat').set(vMin);
    f.get(actMax).get(outOffset).op('i32.sub').op('i32x4.splat').set(vMax);
    f.forRange(k, 0, count, 4, () => {
      // a = MBQM((in1[k .. k + 4] + offset1) * 2^leftShift, m1, s1); b likewise for in2
      for (const [v, input, offset, g] of [[a, in1, off1, 0], [b, in2, off2, 1]] as const) {
        f.get(input).get(k).op('i32.add').mem('v128.load32_splat').op('i16x8.extend_low_i8x16_s').op('i32x4.extend_low_i16x8_s');
        f.get(offset).op('i32x4.add').get(scale).op('i32x4.mul').set(v);
        emitMultiplyByQuantizedMultiplier(f, rounding, v, group(g), half30);
      }
      // a = MBQM(a + b, mOut, sOut)
      f.get(a).get(b).op('i32x4.add').set(a);
      emitMultiplyByQuantizedMultiplier(f, rounding, a, group(2), half30);
      // out[k .. k + 4] = clamp(a + outOffset, actMin, actMax) as 4 bytes
      f.get(out).get(k).op('i32.add');
      f.get(a).get(vMin).op('i32x4.max_s').get(vMax).op('i32x4.min_s').get(off).op('i32x4.add').set(a);
      f.get(a).get(a).op('i16x8.narrow_i32x4_s').set(a);
      f.get(a).get(a).op('i8x16.narrow_i16x8_s').lane('i32x4.extract_lane', 0).mem('i32.store');
    });
  });
}
