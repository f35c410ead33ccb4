/**
 * WebAssembly SIMD twin of gemm.ts: C[M, N] (+)= A[M, K] · B[K, N], same arguments, same
 * strided operand views. The typed-array gemm.ts is the reference and the test oracle.
 *
 * Scheme (Goto / BLIS, as gemm.ts): per (KC x NC) block, B is packed into column panels of
 * NR = 8, per (MC x KC) block A into row panels of MR = 4, both as f32 in the shared arena
 * (src/core/wasm/arena.ts). The packing is the one copy per call; it is done in JS because it
 * reads arbitrary strides. The wasm macro-kernel walks all (row panel, column panel) pairs of a
 * block; its 4 x 8 micro-kernel keeps the tile in 8 f32x4 accumulators:
 *
 *   for p < kc:  b0 = B[p, 0:4], b1 = B[p, 4:8]
 *                for r < 4:  a = splat(A[r, p]);  acc[r][0] += a * b0;  acc[r][1] += a * b1
 *
 * and writes the tile into a C block in the arena (padded to whole tiles), which JS copies (or
 * adds) into c at the end of the K loop. Sums run in f32 (gemm.ts sums in f64): results differ by
 * rounding, about K * 2^-24 relative to sum |A[i, p] B[p, j]|.
 */
import { emptyGemm } from './gemm.ts';
import { ArenaLayout, ModuleBuilder, sharedArena, type WasmFunction } from '../wasm/index.ts';

const MR = 4;
const NR = 8;
const KC = 256;
const MC = 128;
const NC = 512;
const F32 = 4;

/**
 * macro(mPanels, nPanels, kc, pa, pb, c, ldcBytes, accumulate): for every column panel jp and
 * row panel ip, tile = (accumulate ? C tile : 0) + Apanel[ip] · Bpanel[jp], where
 * Apanel[ip] is at pa + ip*kc*MR*4 (p-major, MR floats per p), Bpanel[jp] at pb + jp*kc*NR*4
 * (NR floats per p), and the tile at c + ip*MR*ldcBytes + jp*NR*4.
 */
function buildMacroKernel(m: ModuleBuilder): void {
  m.function('gemm_macro', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [mPanels, nPanels, kc, pa, pb, c, ldcBytes, accumulate] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => f.param(i));
    const ip = f.local('i32'), jp = f.local('i32'), p = f.local('i32');
    const aPtr = f.local('i32'), bPtr = f.local('i32'), cPtr = f.local('i32');
    const a = f.local('v128'), b0 = f.local('v128'), b1 = f.local('v128');
    const acc = Array.from({ length: MR }, () => [f.local('v128'), f.local('v128')]);
    /** address of tile row r: cPtr + r * ldcBytes (pushed on the stack) */
    const rowAddress = (r: number) => { f.get(cPtr); if (r > 0) f.get(ldcBytes).i32Const(r).op('i32.mul').op('i32.add'); };

    f.forRange(jp, 0, nPanels, 1, () => {
      f.forRange(ip, 0, mPanels, 1, () => {
        // aPtr = pa + ip * kc * MR * 4; bPtr = pb + jp * kc * NR * 4; cPtr = c + ip * MR * ldcBytes + jp * NR * 4
        f.get(pa).get(ip).get(kc).op('i32.mul').i32Const(MR * F32).op('i32.mul').op('i32.add').set(aPtr);
        f.get(pb).get(jp).get(kc).op('i32.mul').i32Const(NR * F32).op('i32.mul').op('i32.add').set(bPtr);
        f.get(c).get(ip).i32Const(MR).op('i32.mul').get(ldcBytes).op('i32.mul').op('i32.add')
          .get(jp).i32Const(NR * F32).op('i32.mul').op('i32.add').set(cPtr);
        // acc = accumulate ? C tile : 0
        f.get(accumulate).ifThen(() => {
          for (let r = 0; r < MR; r++) {
            rowAddress(r); f.mem('v128.load', 0).set(acc[r][0]);
            rowAddress(r); f.mem('v128.load', 16).set(acc[r][1]);
          }
        }, () => {
          for (let r = 0; r < MR; r++) for (const v of acc[r]) f.f32x4Const(0, 0, 0, 0).set(v);
        });
        // acc[r][h] += splat(A[r, p]) * B[p, 4h : 4h + 4] for p < kc (kc >= 1)
        f.get(kc).set(p);
        f.loop((top) => {
          f.get(bPtr).mem('v128.load', 0).set(b0);
          f.get(bPtr).mem('v128.load', 16).set(b1);
          for (let r = 0; r < MR; r++) {
            f.get(aPtr).mem('v128.load32_splat', r * F32).set(a);
            f.get(acc[r][0]).get(a).get(b0).op('f32x4.mul').op('f32x4.add').set(acc[r][0]);
            f.get(acc[r][1]).get(a).get(b1).op('f32x4.mul').op('f32x4.add').set(acc[r][1]);
          }
          f.get(aPtr).i32Const(MR * F32).op('i32.add').set(aPtr);
          f.get(bPtr).i32Const(NR * F32).op('i32.add').set(bPtr);
          f.get(p).i32Const(1).op('i32.sub').tee(p).brIf(top);
        });
        for (let r = 0; r < MR; r++) {
          rowAddress(r); f.get(acc[r][0]).mem('v128.store', 0);
          rowAddress(r); f.get(acc[r][1]).mem('v128.store', 16);
        }
      });
    });
  });
}

let macroKernel: WasmFunction | null = null;

function kernel(): WasmFunction {
  if (!macroKernel) {
    const m = new ModuleBuilder();
    buildMacroKernel(m);
    macroKernel = m.instantiate(sharedArena().memory).gemm_macro;
  }
  return macroKernel;
}

/**
 * C[i, j] = (accumulate ? C[i, j] : 0) + sum_p A[i, p] * B[p, j], with
 * A[i, p] = a[aOff + i*aRs + p*aCs], B[p, j] = b[bOff + p*bRs + j*bCs], C[i, j] = c[cOff + i*ldc + j].
 */
export function gemmSimd(
  M: number, N: number, K: number,
  a: Float32Array, aOff: number, aRs: number, aCs: number,
  b: Float32Array, bOff: number, bRs: number, bCs: number,
  c: Float32Array, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  if (emptyGemm(M, N, K, c, cOff, ldc, accumulate)) return;
  const macro = kernel();
  const arena = sharedArena();
  // arena layout: all K-blocks of one B column block, one A block, one C block
  const kBlocks = Math.ceil(K / KC);
  const ncMax = Math.min(NC, N), mcMax = Math.min(MC, M);
  const nPanelsMax = Math.ceil(ncMax / NR), mPanelsMax = Math.ceil(mcMax / MR);
  const layout = new ArenaLayout();
  const pbAt = layout.f32(kBlocks * KC * nPanelsMax * NR);
  const paAt = layout.f32(KC * mPanelsMax * MR);
  const cAt = layout.f32(mPanelsMax * MR * nPanelsMax * NR);
  arena.ensure(layout.end);
  const mem = arena.f32();

  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = Math.min(NC, N - j0);
    const nPanels = Math.ceil(nc / NR);
    const ldcBlock = nPanels * NR;
    // pack B[p0 : p0 + kc, j0 : j0 + nc] for every K block: region kb at pbAt + kb*KC*nPanels*NR floats,
    // panel q holds B[p0 + p, j0 + q*NR + t] at (q*kc + p)*NR + t (0 beyond column nc)
    for (let kb = 0; kb < kBlocks; kb++) {
      const p0 = kb * KC, kc = Math.min(KC, K - p0);
      const region = pbAt / F32 + kb * KC * nPanels * NR;
      for (let q = 0; q < nPanels; q++) {
        for (let p = 0; p < kc; p++) {
          const dst = region + (q * kc + p) * NR;
          const src = bOff + (p0 + p) * bRs + (j0 + q * NR) * bCs;
          for (let t = 0; t < NR; t++) mem[dst + t] = q * NR + t < nc ? b[src + t * bCs] : 0;
        }
      }
    }
    for (let i0 = 0; i0 < M; i0 += MC) {
      const mc = Math.min(MC, M - i0);
      const mPanels = Math.ceil(mc / MR);
      for (let kb = 0; kb < kBlocks; kb++) {
        const p0 = kb * KC, kc = Math.min(KC, K - p0);
        // pack A[i0 : i0 + mc, p0 : p0 + kc]: panel q holds A[i0 + q*MR + r, p0 + p] at (q*kc + p)*MR + r
        const pa = paAt / F32;
        for (let q = 0; q < mPanels; q++) {
          for (let r = 0; r < MR; r++) {
            const i = q * MR + r;
            let dst = pa + q * kc * MR + r;
            if (i < mc) {
              let src = aOff + (i0 + i) * aRs + p0 * aCs;
              for (let p = 0; p < kc; p++, src += aCs, dst += MR) mem[dst] = a[src];
            } else {
              for (let p = 0; p < kc; p++, dst += MR) mem[dst] = 0;
            }
          }
        }
        macro(mPanels, nPanels, kc, paAt, pbAt + kb * KC * nPanels * NR * F32, cAt, ldcBlock * F32, kb > 0 ? 1 : 0);
      }
      // C[i0 + i, j0 + j] (+)= block[i, j]
      const cb = cAt / F32;
      for (let i = 0; i < mc; i++) {
        const dst = cOff + (i0 + i) * ldc + j0;
        const src = cb + i * ldcBlock;
        if (accumulate) for (let j = 0; j < nc; j++) c[dst + j] += mem[src + j];
        else for (let j = 0; j < nc; j++) c[dst + j] = mem[src + j];
      }
    }
  }
}
