/**
 * The loop shape every elementwise / per-channel SIMD kernel uses: walk n f32 values four lanes
 * at a time, then the n mod 4 remaining ones one at a time.
 *
 *   for (i = 0; i + 4 <= n; i += 4) { vector(); every pointer += 16 }
 *   for (; i < n; i++)              { scalar(); every pointer += 4 }
 *
 * The pointers are i32 locals holding byte addresses; they are advanced in place, so pass copies
 * if the caller needs the start addresses again.
 */
import type { FunctionBuilder, Local } from './function_builder.ts';

const LANES = 4;
const F32_BYTES = 4;

export function f32LaneLoop(f: FunctionBuilder, n: Local, pointers: readonly Local[], vector: () => void, scalar: () => void): void {
  const i = f.local('i32');
  const nVector = f.local('i32');
  const advance = (bytes: number) => { for (const p of pointers) f.get(p).i32Const(bytes).op('i32.add').set(p); };
  f.get(n).i32Const(~(LANES - 1)).op('i32.and').set(nVector); // n rounded down to a multiple of 4
  f.forRange(i, 0, nVector, LANES, () => { vector(); advance(LANES * F32_BYTES); });
  f.forRange(i, nVector, n, 1, () => { scalar(); advance(F32_BYTES); });
}
