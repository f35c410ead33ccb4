/**
 * The one table of kernels each kernel set provides. Ops call `kernels().gemm(...)`; which
 * implementation runs is decided here, from `kernelSet()` (src/core/wasm/kernel_set.ts:
 * WebAssembly SIMD by default where supported, HTPW_KERNELS=js forces the typed-array reference).
 * Both entries of every row have the same signature, so the compiler checks the table.
 */
import { kernelSet } from '../wasm/index.ts';
import { gemm } from './gemm.ts';
import { gemmSimd } from './gemm_simd.ts';

export interface KernelTable {
  gemm: typeof gemm;
}

const JS_KERNELS: KernelTable = { gemm };
const SIMD_KERNELS: KernelTable = { gemm: gemmSimd };

/** The kernels of the set in use. */
export function kernels(): KernelTable {
  return kernelSet() === 'simd' ? SIMD_KERNELS : JS_KERNELS;
}
