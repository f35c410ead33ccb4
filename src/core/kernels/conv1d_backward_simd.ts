/**
 * WebAssembly SIMD conv1d backward: the twin of conv1dBackward in conv1d.ts, same arguments, same
 * accumulating (+=) contract. The weight gradient is computed directly (no im2col), below; the
 * input gradient directly too, as a transposed convolution (conv1d_input_grad_simd.ts); the bias
 * gradient is conv1d.ts's loop.
 *
 *   gw[g*Og + o, k, ci] += sum_{n, l} gOut[n, l, g*Og + o] * xp[n, l*stride + k*dil, g*Cg + ci]
 *
 * Write q = k*Cg + ci (the weight's last two axes flattened, KCg = K*Cg values). Per group, the
 * gradient is accumulated transposed, gT[q, o], in the shared arena, over every sample, and added
 * into gw once at the end. Layout in the arena, per call:
 *   xp    ONE padded sample, rows [Lp, Cin] (zero rows written once, each sample copied in)
 *   gp    ONE sample of gOut for one group, [Lout, P*NR] (P panels of NR = 8 channels, 0 beyond Og)
 *   qOff  byte offset of q inside a padded row block: (k*dil*Cin + ci)*4 (0 for the tile padding)
 *   gT    per group [KCgP, P*NR], KCgP = KCg rounded up to whole MR = 4 tiles
 *
 * Micro-kernel: a tile of MR = 4 values of q x NR = 8 output channels in 8 f32x4 accumulators,
 * reduced over the output positions l of one block (rows of gOut are contiguous in o):
 *
 *   acc[r][h] = gT[q0 + r, j*NR + 4h : +4]
 *   for l in block:  b0 = gOut[l, j*NR : +4], b1 = gOut[l, j*NR + 4 : +4]
 *       for r < 4:  a = splat(xp[l*stride, g*Cg] at byte offset qOff[q0 + r]);  acc[r][h] += a * b_h
 *
 * The l axis is walked in blocks of LB rows (gOut and x rows of a block stay in L1). Sums run in
 * f32 over blocks of positions (the reference sums in f64): results differ by rounding only,
 * about (N*Lout + 2) * 2^-24 relative to sum |gOut x|.
 */
import { ArenaLayout, ModuleBuilder, sharedArena, type WasmFunction } from '../wasm/index.ts';
import { conv1dBackward, type Conv1dDims } from './conv1d.ts';
import { conv1dInputGradSimd } from './conv1d_input_grad_simd.ts';

const MR = 4;
const NR = 8;
const LB = 64;
const F32 = 4;

/**
 * conv1d_weight_grad(panels, qTiles, rows, rowBytes, ldgBytes, xp, gp, qOff, gT, ldtBytes): for
 * every panel j and q tile i, the tile at gT + i*MR*ldtBytes + j*NR*4 += sum over l < rows of
 * splat(f32 at xp + l*rowBytes + qOff[i*MR + r]) * (gp + l*ldgBytes + j*NR*4, 8 floats). rows >= 1.
 */
function buildModule(): Record<string, WasmFunction> {
  const m = new ModuleBuilder();
  m.function('conv1d_weight_grad', new Array<'i32'>(10).fill('i32'), [], (f) => {
    const [panels, qTiles, rows, rowBytes, ldgBytes, xp, gp, qOff, gT, ldtBytes] = Array.from({ length: 10 }, (_, i) => f.param(i));
    const j = f.local('i32'), i = f.local('i32'), l = f.local('i32'), tile = f.local('i32'), gPtr = f.local('i32');
    const xr = Array.from({ length: MR }, () => f.local('i32'));
    const a = f.local('v128'), b0 = f.local('v128'), b1 = f.local('v128');
    const acc = Array.from({ length: MR }, () => [f.local('v128'), f.local('v128')]);
    /** address of tile row r: tile + r * ldtBytes (pushed on the stack) */
    const tileRow = (r: number) => { f.get(tile); if (r > 0) f.get(ldtBytes).i32Const(r).op('i32.mul').op('i32.add'); };

    f.forRange(j, 0, panels, 1, () => {
      f.forRange(i, 0, qTiles, 1, () => {
        // tile = gT + i * MR * ldtBytes + j * NR * 4; acc = tile
        f.get(gT).get(i).i32Const(MR).op('i32.mul').get(ldtBytes).op('i32.mul').op('i32.add')
          .get(j).i32Const(NR * F32).op('i32.mul').op('i32.add').set(tile);
        for (let r = 0; r < MR; r++) {
          tileRow(r); f.mem('v128.load', 0).set(acc[r][0]);
          tileRow(r); f.mem('v128.load', 16).set(acc[r][1]);
        }
        // xr[r] = xp + qOff[i*MR + r]; gPtr = gp + j * NR * 4
        for (let r = 0; r < MR; r++) {
          f.get(xp).get(qOff).get(i).i32Const(MR * F32).op('i32.mul').op('i32.add').mem('i32.load', r * F32).op('i32.add').set(xr[r]);
        }
        f.get(gp).get(j).i32Const(NR * F32).op('i32.mul').op('i32.add').set(gPtr);
        // acc[r][h] += splat(x at xr[r]) * gOut row l, for l < rows
        f.get(rows).set(l);
        f.loop((top) => {
          f.get(gPtr).mem('v128.load', 0).set(b0);
          f.get(gPtr).mem('v128.load', 16).set(b1);
          for (let r = 0; r < MR; r++) {
            f.get(xr[r]).mem('v128.load32_splat', 0).set(a);
            f.get(acc[r][0]).get(a).get(b0).op('f32x4.mul').op('f32x4.add').set(acc[r][0]);
            f.get(acc[r][1]).get(a).get(b1).op('f32x4.mul').op('f32x4.add').set(acc[r][1]);
            f.get(xr[r]).get(rowBytes).op('i32.add').set(xr[r]);
          }
          f.get(gPtr).get(ldgBytes).op('i32.add').set(gPtr);
          f.get(l).i32Const(1).op('i32.sub').tee(l).brIf(top);
        });
        for (let r = 0; r < MR; r++) {
          tileRow(r); f.get(acc[r][0]).mem('v128.store', 0);
          tileRow(r); f.get(acc[r][1]).mem('v128.store', 16);
        }
      });
    });
  });
  return m.instantiate(sharedArena().memory);
}

let module: Record<string, WasmFunction> | null = null;
const kernels = () => (module ??= buildModule());

/** gw[g*Og + o, k, ci] += sum_{n, l} gOut[n, l, g*Og + o] * xp[n, l*stride + k*dil, g*Cg + ci] */
export function conv1dWeightGradSimd(d: Conv1dDims, x: Float32Array, gOut: Float32Array, gw: Float32Array): void {
  const { N, L, Cin, Cout, K, stride, dilation, groups, padL, padR, Lout } = d;
  const Cg = Cin / groups, Og = Cout / groups, KCg = K * Cg;
  if (N * Lout * KCg * Og === 0) return; // nothing to add
  const fns = kernels();
  const panels = Math.ceil(Og / NR), OgP = panels * NR;
  const qTiles = Math.ceil(KCg / MR), KCgP = qTiles * MR;
  const Lp = L + padL + padR;
  const layout = new ArenaLayout();
  const xAt = layout.f32(Lp * Cin), gAt = layout.f32(Lout * OgP), qAt = layout.i32(KCgP), tAt = layout.f32(groups * KCgP * OgP);
  const arena = sharedArena();
  arena.ensure(layout.end);
  const mem = arena.f32(), memI = arena.i32();
  const xp = xAt / F32, gp = gAt / F32, gt = tAt / F32;
  // qOff[k*Cg + ci] = (k*dil*Cin + ci) * 4 bytes, 0 past KCg; gT = 0; zero rows of xp; gp's padding columns 0
  for (let q = 0; q < KCgP; q++) memI[qAt / 4 + q] = q < KCg ? (Math.floor(q / Cg) * dilation * Cin + (q % Cg)) * F32 : 0;
  mem.fill(0, gt, gt + groups * KCgP * OgP);
  mem.fill(0, xp, xp + padL * Cin);
  mem.fill(0, xp + (padL + L) * Cin, xp + Lp * Cin);
  mem.fill(0, gp, gp + Lout * OgP);
  const oneCopy = groups === 1 && OgP === Cout;
  for (let n = 0; n < N; n++) {
    mem.set(x.subarray(n * L * Cin, (n + 1) * L * Cin), xp + padL * Cin);
    for (let g = 0; g < groups; g++) {
      // gp[l, o] = gOut[n, l, g*Og + o]
      const g0 = n * Lout * Cout + g * Og;
      if (oneCopy) mem.set(gOut.subarray(g0, g0 + Lout * Cout), gp);
      else for (let l = 0; l < Lout; l++) for (let o = 0; o < Og; o++) mem[gp + l * OgP + o] = gOut[g0 + l * Cout + o];
      for (let l0 = 0; l0 < Lout; l0 += LB) {
        fns.conv1d_weight_grad(panels, qTiles, Math.min(LB, Lout - l0), stride * Cin * F32, OgP * F32,
          xAt + (l0 * stride * Cin + g * Cg) * F32, gAt + l0 * OgP * F32, qAt, tAt + g * KCgP * OgP * F32, OgP * F32);
      }
    }
  }
  // gw[(g*Og + o)*KCg + q] += gT[g][q, o]
  for (let g = 0; g < groups; g++) {
    for (let o = 0; o < Og; o++) {
      const dst = (g * Og + o) * KCg, src = gt + g * KCgP * OgP + o;
      for (let q = 0; q < KCg; q++) gw[dst + q] += mem[src + q * OgP];
    }
  }
}

export function conv1dBackwardSimd(
  d: Conv1dDims, x: Float32Array, w: Float32Array, gOut: Float32Array,
  gx: Float32Array | null, gw: Float32Array | null, gb: Float32Array | null,
): void {
  if (gw !== null) conv1dWeightGradSimd(d, x, gOut, gw);
  if (gx !== null) conv1dInputGradSimd(d, w, gOut, gx);
  if (gb !== null) conv1dBackward(d, x, w, gOut, null, null, gb);
}
