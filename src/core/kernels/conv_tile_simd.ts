/**
 * The register tile the direct conv1d SIMD kernels share (conv1d_simd.ts forward,
 * conv1d_input_grad_simd.ts input gradient): MR = 4 rows x NR = 8 lanes of f32x4 accumulators,
 * updated tap by tap from splatted row entries and one packed weight panel:
 *
 *   for k < taps:  rows[r] = tile + k * tapBytes + r * rowBytes
 *     for p < run:  b0 = panel[p, 0:4], b1 = panel[p, 4:8]
 *       for r < MR:  a = splat(rows[r][p]);  acc[r][0] += a * b0;  acc[r][1] += a * b1
 *
 * The panel pointer (bPtr) starts at wPanel and walks run * NR floats per tap. The caller
 * loads the accumulators before and stores them after.
 */
import type { FunctionBuilder, Local } from '../wasm/index.ts';

export const MR = 4;
export const NR = 8;
export const F32 = 4;

/** The locals the tile's tap loop uses (declared by the kernel that emits it). */
export interface TileLocals {
  k: Local; taps: Local; run: Local; tapBytes: Local; rowBytes: Local;
  /** first row of the tile (the input / output-gradient tile) */
  tile: Local;
  wPanel: Local; bPtr: Local; bEnd: Local;
  rows: Local[]; a: Local; b0: Local; b1: Local;
  acc: Local[][];
}

/** Emit the tap loop above into `f`. */
export function emitTileTaps(f: FunctionBuilder, t: TileLocals): void {
  const { k, taps, run, tapBytes, rowBytes, tile, wPanel, bPtr, bEnd, rows, a, b0, b1, acc } = t;
  f.get(wPanel).set(bPtr);
  f.forRange(k, 0, taps, 1, () => {
    // rows[r] = tile + k * tapBytes + r * rowBytes; bEnd = bPtr + run * NR * 4
    f.get(tile).get(k).get(tapBytes).op('i32.mul').op('i32.add').set(rows[0]);
    for (let r = 1; r < MR; r++) f.get(rows[r - 1]).get(rowBytes).op('i32.add').set(rows[r]);
    f.get(bPtr).get(run).i32Const(NR * F32).op('i32.mul').op('i32.add').set(bEnd);
    // acc[r][h] += splat(row r, entry p) * panel entry p, for p < run
    f.loop((top) => {
      f.get(bPtr).mem('v128.load', 0).set(b0);
      f.get(bPtr).mem('v128.load', 16).set(b1);
      for (let r = 0; r < MR; r++) {
        f.get(rows[r]).mem('v128.load32_splat', 0).set(a);
        f.get(acc[r][0]).get(a).get(b0).op('f32x4.mul').op('f32x4.add').set(acc[r][0]);
        f.get(acc[r][1]).get(a).get(b1).op('f32x4.mul').op('f32x4.add').set(acc[r][1]);
        f.get(rows[r]).i32Const(F32).op('i32.add').set(rows[r]);
      }
      f.get(bPtr).i32Const(NR * F32).op('i32.add').tee(bPtr).get(bEnd).op('i32.ne').brIf(top);
    });
  });
}
