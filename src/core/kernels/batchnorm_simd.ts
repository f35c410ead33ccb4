/**
 * WebAssembly SIMD twins of batchnorm.ts (same signatures, same formulas), over x [M, C] with
 * the channel axis contiguous, so each pass walks the rows and does a four-lane row operation
 * against the per-channel vectors:
 *
 *   stats     mean = (1/M) sum_i x[i, :];  var = (1/M) sum_i (x[i, :] - mean)^2      (two passes)
 *   affine    y[i, :] = x[i, :] * scale + shift
 *   backward  sg = sum_i g[i, :];  sgx = sum_i g[i, :] * (x[i, :] - mean) * invStd
 *             gx[i, :] += k * (g[i, :] - mg - (x[i, :] - mean) * invStd * mgx)
 *             (k = gamma * invStd, mg = sg / M, mgx = sgx / M; eval mode: mg = mgx = 0, so gx += k * g)
 *
 * The reference accumulates the per-channel sums in float64; here they are f32 (relative error
 * up to about M * 2^-24, typically sqrt(M) * 2^-24). The per-channel arithmetic on C values
 * (k, mg, mgx, the parameter gradients) stays in JS float64, as in the reference.
 */
import { ArenaLayout, ModuleBuilder, f32LaneLoop, sharedArena, type FunctionBuilder, type Local, type WasmFunction } from '../wasm/index.ts';
import { rowAdd, rowSet } from './simd_rows.ts';

const F32 = 4;

/** dst[0 : n] *= s (an f32 local); the pointer advances */
function rowScale(f: FunctionBuilder, n: Local, dst: Local, s: Local): void {
  f32LaneLoop(f, n, [dst], (v) => { f.get(dst).get(dst).mem(v.load).get(s); v.fromScalar(f); f.op(v.mul).mem(v.store); });
}

function buildModule(): Record<string, WasmFunction> {
  const m = new ModuleBuilder();
  m.function('bn_stats', ['i32', 'i32', 'i32', 'i32', 'i32', 'f32'], [], (f) => {
    const [x, M, C, mean, variance, invM] = [0, 1, 2, 3, 4, 5].map((i) => f.param(i));
    const i = f.local('i32'), xp = f.local('i32'), mp = f.local('i32'), vp = f.local('i32');
    // mean = (1/M) sum_i x[i, :]
    f.get(mean).set(mp); rowSet(f, C, mp, null);
    f.get(x).set(xp);
    f.forRange(i, 0, M, 1, () => { f.get(mean).set(mp); rowAdd(f, C, mp, xp); }); // xp runs on over the rows
    f.get(mean).set(mp); rowScale(f, C, mp, invM);
    // var = (1/M) sum_i (x[i, :] - mean)^2
    f.get(variance).set(vp); rowSet(f, C, vp, null);
    f.get(x).set(xp);
    f.forRange(i, 0, M, 1, () => {
      f.get(mean).set(mp); f.get(variance).set(vp);
      f32LaneLoop(f, C, [xp, mp, vp], (v) => {
        const d = v.width > 1 ? f.local('v128') : f.local('f32');
        f.get(xp).mem(v.load).get(mp).mem(v.load).op(v.sub).set(d);
        f.get(vp).get(vp).mem(v.load).get(d).get(d).op(v.mul).op(v.add).mem(v.store);
      });
    });
    f.get(variance).set(vp); rowScale(f, C, vp, invM);
  });
  m.function('bn_affine', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [x, M, C, scale, shift, y] = [0, 1, 2, 3, 4, 5].map((i) => f.param(i));
    const i = f.local('i32'), sp = f.local('i32'), tp = f.local('i32');
    f.forRange(i, 0, M, 1, () => {
      f.get(scale).set(sp); f.get(shift).set(tp);
      // y[i, :] = x[i, :] * scale + shift  (x and y run on over the rows)
      f32LaneLoop(f, C, [x, y, sp, tp], (v) => { f.get(y).get(x).mem(v.load).get(sp).mem(v.load).op(v.mul).get(tp).mem(v.load).op(v.add).mem(v.store); });
    });
  });
  m.function('bn_backward_sums', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [x, g, M, C, mean, invStd, sg, sgx] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => f.param(i));
    const i = f.local('i32'), mp = f.local('i32'), ip = f.local('i32'), a = f.local('i32'), b = f.local('i32');
    f.get(sg).set(a); rowSet(f, C, a, null);
    f.get(sgx).set(b); rowSet(f, C, b, null);
    f.forRange(i, 0, M, 1, () => {
      f.get(mean).set(mp); f.get(invStd).set(ip); f.get(sg).set(a); f.get(sgx).set(b);
      f32LaneLoop(f, C, [x, g, mp, ip, a, b], (v) => {
        // sg += g;  sgx += g * (x - mean) * invStd
        f.get(a).get(a).mem(v.load).get(g).mem(v.load).op(v.add).mem(v.store);
        f.get(b).get(b).mem(v.load)
          .get(g).mem(v.load).get(x).mem(v.load).get(mp).mem(v.load).op(v.sub).op(v.mul).get(ip).mem(v.load).op(v.mul)
          .op(v.add).mem(v.store);
      });
    });
  });
  m.function('bn_backward_dx', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [x, g, M, C, mean, invStd, k, mg, mgx, gx] = Array.from({ length: 10 }, (_, i) => f.param(i));
    const i = f.local('i32'), mp = f.local('i32'), ip = f.local('i32'), kp = f.local('i32'), gp = f.local('i32'), hp = f.local('i32');
    f.forRange(i, 0, M, 1, () => {
      f.get(mean).set(mp); f.get(invStd).set(ip); f.get(k).set(kp); f.get(mg).set(gp); f.get(mgx).set(hp);
      f32LaneLoop(f, C, [x, g, gx, mp, ip, kp, gp, hp], (v) => {
        // gx += k * (g - mg - (x - mean) * invStd * mgx)
        f.get(gx).get(gx).mem(v.load)
          .get(kp).mem(v.load)
          .get(g).mem(v.load).get(gp).mem(v.load).op(v.sub)
          .get(x).mem(v.load).get(mp).mem(v.load).op(v.sub).get(ip).mem(v.load).op(v.mul).get(hp).mem(v.load).op(v.mul)
          .op(v.sub).op(v.mul).op(v.add).mem(v.store);
      });
    });
  });
  return m.instantiate(sharedArena().memory);
}

let module: Record<string, WasmFunction> | null = null;
const kernels = () => (module ??= buildModule());

export function channelStatsSimd(x: Float32Array, M: number, C: number, mean: Float64Array, variance: Float64Array): void {
  const fns = kernels();
  const layout = new ArenaLayout();
  const xAt = layout.f32(M * C), mAt = layout.f32(C), vAt = layout.f32(C);
  const arena = sharedArena();
  arena.ensure(layout.end);
  const mem = arena.f32();
  mem.set(x.subarray(0, M * C), xAt / F32);
  fns.bn_stats(xAt, M, C, mAt, vAt, 1 / Math.max(1, M));
  mean.set(mem.subarray(mAt / F32, mAt / F32 + C));
  variance.set(mem.subarray(vAt / F32, vAt / F32 + C));
}

export function affineChannelsSimd(x: Float32Array, M: number, C: number, scale: Float64Array, shift: Float64Array, y: Float32Array): void {
  const fns = kernels();
  const layout = new ArenaLayout();
  const xAt = layout.f32(M * C), sAt = layout.f32(C), tAt = layout.f32(C), yAt = layout.f32(M * C);
  const arena = sharedArena();
  arena.ensure(layout.end);
  const mem = arena.f32();
  mem.set(x.subarray(0, M * C), xAt / F32);
  mem.set(scale, sAt / F32);
  mem.set(shift, tAt / F32);
  fns.bn_affine(xAt, M, C, sAt, tAt, yAt);
  y.set(mem.subarray(yAt / F32, yAt / F32 + M * C));
}

export function batchNormBackwardSimd(
  x: Float32Array, g: Float32Array, M: number, C: number, mean: Float64Array, invStd: Float64Array, gamma: Float32Array,
  batchStats: boolean, gx: Float32Array | null, ggamma: Float32Array | null, gbeta: Float32Array | null,
): void {
  const fns = kernels();
  const layout = new ArenaLayout();
  const xAt = layout.f32(M * C), gAt = layout.f32(M * C), gxAt = layout.f32(gx === null ? 0 : M * C);
  const [meanAt, invAt, sgAt, sgxAt, kAt, mgAt, mgxAt] = Array.from({ length: 7 }, () => layout.f32(C));
  const arena = sharedArena();
  arena.ensure(layout.end);
  const mem = arena.f32();
  mem.set(x.subarray(0, M * C), xAt / F32);
  mem.set(g.subarray(0, M * C), gAt / F32);
  mem.set(mean, meanAt / F32);
  mem.set(invStd, invAt / F32);
  fns.bn_backward_sums(xAt, gAt, M, C, meanAt, invAt, sgAt, sgxAt);
  const sg = Float64Array.from(mem.subarray(sgAt / F32, sgAt / F32 + C));
  const sgx = Float64Array.from(mem.subarray(sgxAt / F32, sgxAt / F32 + C));
  if (gbeta !== null) for (let c = 0; c < C; c++) gbeta[c] += sg[c];
  if (ggamma !== null) for (let c = 0; c < C; c++) ggamma[c] += sgx[c];
  if (gx === null) return;
  for (let c = 0; c < C; c++) {
    mem[kAt / F32 + c] = gamma[c] * invStd[c];
    mem[mgAt / F32 + c] = batchStats ? sg[c] / M : 0;
    mem[mgxAt / F32 + c] = batchStats ? sgx[c] / M : 0;
  }
  mem.set(gx.subarray(0, M * C), gxAt / F32);
  fns.bn_backward_dx(xAt, gAt, M, C, meanAt, invAt, kAt, mgAt, mgxAt, gxAt);
  gx.set(mem.subarray(gxAt / F32, gxAt / F32 + M * C));
}
