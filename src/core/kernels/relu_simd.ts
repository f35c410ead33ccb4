/**
 * WebAssembly SIMD twin of relu.ts, bit-identical to it: the comparison x > 0 gives an
 * all-ones / all-zeros lane mask m (false for NaN and -0), and
 *   forward   out = x AND m                  (x where x > 0, +0 elsewhere)
 *   backward  gx  = gx + (g AND m)           (adding +0 leaves gx unchanged)
 * The scalar tail uses select(a, 0, x > 0) for the same result.
 */
import { ArenaLayout, ModuleBuilder, f32LaneLoop, sharedArena, type FunctionBuilder, type Local, type WasmFunction } from '../wasm/index.ts';

const F32 = 4;

/** pushes (value where x > 0, else +0); value and x are loaded from the two pointers */
function masked(f: FunctionBuilder, vector: boolean, value: Local, x: Local): void {
  if (vector) {
    f.get(value).mem('v128.load').get(x).mem('v128.load').f32x4Const(0, 0, 0, 0).op('f32x4.gt').op('v128.and');
  } else {
    f.get(value).mem('f32.load').f32Const(0).get(x).mem('f32.load').f32Const(0).op('f32.gt').op('select');
  }
}

function buildModule(): Record<string, WasmFunction> {
  const m = new ModuleBuilder();
  m.function('relu_forward', ['i32', 'i32', 'i32'], [], (f) => {
    const [x, out, n] = [f.param(0), f.param(1), f.param(2)];
    const xv = f.local('i32');
    f.get(x).set(xv);
    f32LaneLoop(f, n, [x, out, xv], (v) => { f.get(out); masked(f, v.width > 1, x, xv); f.mem(v.store); });
  });
  m.function('relu_backward', ['i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [x, g, gx, n] = [f.param(0), f.param(1), f.param(2), f.param(3)];
    f32LaneLoop(f, n, [x, g, gx], (v) => { f.get(gx).get(gx).mem(v.load); masked(f, v.width > 1, g, x); f.op(v.add).mem(v.store); });
  });
  return m.instantiate(sharedArena().memory);
}

let module: Record<string, WasmFunction> | null = null;
const kernels = () => (module ??= buildModule());

export function reluForwardSimd(x: Float32Array, out: Float32Array, n: number): void {
  const fns = kernels();
  const layout = new ArenaLayout();
  const xAt = layout.f32(n), oAt = layout.f32(n);
  const arena = sharedArena();
  arena.ensure(layout.end);
  const mem = arena.f32();
  mem.set(x.subarray(0, n), xAt / F32);
  fns.relu_forward(xAt, oAt, n);
  out.set(mem.subarray(oAt / F32, oAt / F32 + n));
}

export function reluBackwardSimd(x: Float32Array, g: Float32Array, gx: Float32Array, n: number): void {
  const fns = kernels();
  const layout = new ArenaLayout();
  const xAt = layout.f32(n), gAt = layout.f32(n), gxAt = layout.f32(n);
  const arena = sharedArena();
  arena.ensure(layout.end);
  const mem = arena.f32();
  mem.set(x.subarray(0, n), xAt / F32);
  mem.set(g.subarray(0, n), gAt / F32);
  mem.set(gx.subarray(0, n), gxAt / F32);
  fns.relu_backward(xAt, gAt, gxAt, n);
  gx.set(mem.subarray(gxAt / F32, gxAt / F32 + n));
}
