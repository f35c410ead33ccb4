/**
 * Row operations over n contiguous f32 values, emitted into a wasm function (four lanes at a
 * time, scalar tail: f32LaneLoop). Shared by the SIMD kernels whose inner loop runs along the
 * contiguous channel axis. Every pointer argument is an i32 local that the loop advances.
 */
import { f32LaneLoop, type FunctionBuilder, type Local } from '../wasm/index.ts';

const F32_BYTES = 4;

/** dst[0 : n] += a[0 : n] * b[0 : n] */
export function rowMulAdd(f: FunctionBuilder, n: Local, dst: Local, a: Local, b: Local): void {
  f32LaneLoop(f, n, [dst, a, b], (v) => { f.get(dst).get(dst).mem(v.load).get(a).mem(v.load).get(b).mem(v.load).op(v.mul).op(v.add).mem(v.store); });
}

/** dst[0 : n] += a[0 : n] */
export function rowAdd(f: FunctionBuilder, n: Local, dst: Local, a: Local): void {
  f32LaneLoop(f, n, [dst, a], (v) => { f.get(dst).get(dst).mem(v.load).get(a).mem(v.load).op(v.add).mem(v.store); });
}

/** dst[0 : n] = a[0 : n], or 0 when `a` is null */
export function rowSet(f: FunctionBuilder, n: Local, dst: Local, a: Local | null): void {
  f32LaneLoop(f, n, a === null ? [dst] : [dst, a], (v) => {
    f.get(dst);
    if (a === null) { f.f32Const(0); v.fromScalar(f); } else f.get(a).mem(v.load);
    f.mem(v.store);
  });
}

/** into = base + row * n * 4: the byte address of row `row` (pushed by `row()`) of an [*, n] f32 array */
export function rowAddress(f: FunctionBuilder, into: Local, base: Local, row: () => void, n: Local): void {
  f.get(base); row(); f.get(n).op('i32.mul').i32Const(F32_BYTES).op('i32.mul').op('i32.add').set(into);
}
