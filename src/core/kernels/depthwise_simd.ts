/**
 * WebAssembly SIMD twin of depthwise.ts (same DepthwiseDims, same arguments, same formulas):
 *
 *   forward   out[n, l, c] = bias[c] + sum_k x[n, t, c] * w[k, c],  t = l*stride + k*dil - padL in [0, L)
 *   backward  gx[n, t, c] += gOut[n, l, c] * w[k, c];  gw[k, c] += gOut[n, l, c] * x[n, t, c];  gb[c] += gOut[n, l, c]
 *
 * The channel axis is contiguous in x, w, out and gOut, so every inner loop is a row operation
 * over C floats, four lanes at a time (f32LaneLoop), with the loop nest over n, l, k in wasm too.
 * Operands are copied into the shared arena (TypedArray.set, a memcpy) and results copied back.
 * Sums are f32 (the reference rounds products in f64 first): results differ by rounding only.
 */
import { ArenaLayout, ModuleBuilder, sharedArena, type WasmFunction } from '../wasm/index.ts';
import { rowAdd, rowAddress, rowMulAdd, rowSet } from './simd_rows.ts';
import type { DepthwiseDims } from './depthwise.ts';

const F32 = 4;

const DIMS = ['N', 'L', 'C', 'K', 'stride', 'dilation', 'padL', 'Lout'] as const;

function buildModule(): Record<string, WasmFunction> {
  const m = new ModuleBuilder();
  m.function('depthwise_forward', [...DIMS.map(() => 'i32' as const), 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [N, L, C, K, stride, dilation, padL, Lout, x, w, bias, hasBias, out] = Array.from({ length: 13 }, (_, i) => f.param(i));
    const n = f.local('i32'), l = f.local('i32'), k = f.local('i32'), t = f.local('i32');
    const oRow = f.local('i32'), o = f.local('i32'), xp = f.local('i32'), wp = f.local('i32'), bp = f.local('i32');
    f.forRange(n, 0, N, 1, () => {
      f.forRange(l, 0, Lout, 1, () => {
        rowAddress(f, oRow, out, () => f.get(n).get(Lout).op('i32.mul').get(l).op('i32.add'), C);
        // out[n, l, :] = bias or 0
        f.get(oRow).set(o);
        f.get(hasBias).ifThen(() => { f.get(bias).set(bp); rowSet(f, C, o, bp); }, () => rowSet(f, C, o, null));
        f.forRange(k, 0, K, 1, () => {
          // t = l*stride + k*dil - padL; taps outside [0, L) are zero padding (unsigned t < L)
          f.get(l).get(stride).op('i32.mul').get(k).get(dilation).op('i32.mul').op('i32.add').get(padL).op('i32.sub').tee(t);
          f.get(L).op('i32.lt_u').ifThen(() => {
            f.get(oRow).set(o);
            rowAddress(f, xp, x, () => f.get(n).get(L).op('i32.mul').get(t).op('i32.add'), C);
            rowAddress(f, wp, w, () => f.get(k), C);
            rowMulAdd(f, C, o, xp, wp); // out[n, l, c] += x[n, t, c] * w[k, c]
          });
        });
      });
    });
  });
  m.function('depthwise_backward', [...DIMS.map(() => 'i32' as const), ...new Array<'i32'>(9).fill('i32')], [], (f) => {
    const [N, L, C, K, stride, dilation, padL, Lout, x, w, gOut, gx, gw, gb, hasGx, hasGw, hasGb] = Array.from({ length: 17 }, (_, i) => f.param(i));
    const n = f.local('i32'), l = f.local('i32'), k = f.local('i32'), t = f.local('i32');
    const goRow = f.local('i32'), go = f.local('i32'), xp = f.local('i32'), wp = f.local('i32'), dst = f.local('i32');
    f.forRange(n, 0, N, 1, () => {
      f.forRange(l, 0, Lout, 1, () => {
        rowAddress(f, goRow, gOut, () => f.get(n).get(Lout).op('i32.mul').get(l).op('i32.add'), C);
        // gb[c] += gOut[n, l, c]
        f.get(hasGb).ifThen(() => { f.get(gb).set(dst); f.get(goRow).set(go); rowAdd(f, C, dst, go); });
        f.forRange(k, 0, K, 1, () => {
          f.get(l).get(stride).op('i32.mul').get(k).get(dilation).op('i32.mul').op('i32.add').get(padL).op('i32.sub').tee(t);
          f.get(L).op('i32.lt_u').ifThen(() => {
            // gx[n, t, c] += gOut[n, l, c] * w[k, c]
            f.get(hasGx).ifThen(() => {
              rowAddress(f, dst, gx, () => f.get(n).get(L).op('i32.mul').get(t).op('i32.add'), C);
              rowAddress(f, wp, w, () => f.get(k), C);
              f.get(goRow).set(go);
              rowMulAdd(f, C, dst, go, wp);
            });
            // gw[k, c] += gOut[n, l, c] * x[n, t, c]
            f.get(hasGw).ifThen(() => {
              rowAddress(f, dst, gw, () => f.get(k), C);
              rowAddress(f, xp, x, () => f.get(n).get(L).op('i32.mul').get(t).op('i32.add'), C);
              f.get(goRow).set(go);
              rowMulAdd(f, C, dst, go, xp);
            });
          });
        });
      });
    });
  });
  return m.instantiate(sharedArena().memory);
}

let module: Record<string, WasmFunction> | null = null;
const kernels = () => (module ??= buildModule());
const dimArgs = (d: DepthwiseDims) => [d.N, d.L, d.C, d.K, d.stride, d.dilation, d.padL, d.Lout];

export function depthwiseForwardSimd(d: DepthwiseDims, x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array): void {
  const { N, L, C, K, Lout } = d;
  const fns = kernels();
  const layout = new ArenaLayout();
  const xAt = layout.f32(N * L * C), wAt = layout.f32(K * C), bAt = layout.f32(C), oAt = layout.f32(N * Lout * C);
  const arena = sharedArena();
  arena.ensure(layout.end);
  const mem = arena.f32();
  mem.set(x.subarray(0, N * L * C), xAt / F32);
  mem.set(w.subarray(0, K * C), wAt / F32);
  if (bias !== null) mem.set(bias.subarray(0, C), bAt / F32);
  fns.depthwise_forward(...dimArgs(d), xAt, wAt, bAt, bias !== null ? 1 : 0, oAt);
  out.set(mem.subarray(oAt / F32, oAt / F32 + N * Lout * C));
}

export function depthwiseBackwardSimd(
  d: DepthwiseDims, x: Float32Array, w: Float32Array, gOut: Float32Array,
  gx: Float32Array | null, gw: Float32Array | null, gb: Float32Array | null,
): void {
  const { N, L, C, K, Lout } = d;
  const fns = kernels();
  const layout = new ArenaLayout();
  const xAt = layout.f32(N * L * C), wAt = layout.f32(K * C), gAt = layout.f32(N * Lout * C);
  const gxAt = layout.f32(gx === null ? 0 : N * L * C), gwAt = layout.f32(K * C), gbAt = layout.f32(C);
  const arena = sharedArena();
  arena.ensure(layout.end);
  const mem = arena.f32();
  mem.set(x.subarray(0, N * L * C), xAt / F32);
  mem.set(w.subarray(0, K * C), wAt / F32);
  mem.set(gOut.subarray(0, N * Lout * C), gAt / F32);
  // the gradients accumulate (+=): bring their current values in, take the sums back out
  const pairs: [Float32Array | null, number, number][] = [[gx, gxAt, N * L * C], [gw, gwAt, K * C], [gb, gbAt, C]];
  for (const [g, at, n] of pairs) if (g !== null) mem.set(g.subarray(0, n), at / F32);
  fns.depthwise_backward(...dimArgs(d), xAt, wAt, gAt, gxAt, gwAt, gbAt, gx !== null ? 1 : 0, gw !== null ? 1 : 0, gb !== null ? 1 : 0);
  for (const [g, at, n] of pairs) if (g !== null) g.set(mem.subarray(at / F32, at / F32 + n));
}
