/**
 * The loop shape every elementwise / per-channel SIMD kernel uses: walk n f32 values four lanes
 * at a time, then the n mod 4 remaining ones one at a time, with ONE body written against
 * `LaneOps` (the f32x4 instructions in the first loop, the scalar f32 ones in the tail):
 *
 *   for (i = 0; i + 4 <= n; i += 4) { body(F32X4); every pointer += 16 }
 *   for (; i < n; i++)              { body(F32);   every pointer += 4 }
 *
 * The pointers are i32 locals holding byte addresses; they are advanced in place, so pass copies
 * if the caller needs the start addresses again.
 */
import type { FunctionBuilder, Local } from './function_builder.ts';
import type { MemoryOp, PlainOp, SimdMemoryOp, SimdOp } from './opcodes.ts';

export interface LaneOps {
  readonly width: number;
  readonly load: MemoryOp | SimdMemoryOp;
  readonly store: MemoryOp | SimdMemoryOp;
  readonly add: PlainOp | SimdOp;
  readonly sub: PlainOp | SimdOp;
  readonly mul: PlainOp | SimdOp;
  readonly max: PlainOp | SimdOp;
  /** turns an f32 on the stack into this lane shape (a splat for f32x4, nothing for f32) */
  readonly fromScalar: (f: FunctionBuilder) => void;
}

export const F32X4: LaneOps = {
  width: 4, load: 'v128.load', store: 'v128.store', add: 'f32x4.add', sub: 'f32x4.sub', mul: 'f32x4.mul', max: 'f32x4.max',
  fromScalar: (f) => { f.op('f32x4.splat'); },
};
export const F32: LaneOps = {
  width: 1, load: 'f32.load', store: 'f32.store', add: 'f32.add', sub: 'f32.sub', mul: 'f32.mul', max: 'f32.max',
  fromScalar: () => {},
};

const F32_BYTES = 4;

export function f32LaneLoop(f: FunctionBuilder, n: Local, pointers: readonly Local[], body: (lane: LaneOps) => void): void {
  const i = f.local('i32');
  const nVector = f.local('i32');
  const advance = (bytes: number) => { for (const p of pointers) f.get(p).i32Const(bytes).op('i32.add').set(p); };
  f.get(n).i32Const(~(F32X4.width - 1)).op('i32.and').set(nVector); // n rounded down to a multiple of 4
  f.forRange(i, 0, nVector, F32X4.width, () => { body(F32X4); advance(F32X4.width * F32_BYTES); });
  f.forRange(i, nVector, n, 1, () => { body(F32); advance(F32_BYTES); });
}
