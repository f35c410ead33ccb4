/**
 * The INT8 kernels the simulator calls, per kernel set (src/core/wasm/kernel_set.ts: WebAssembly
 * SIMD by default where supported, HTPW_KERNELS=js forces the typed-array kernels). Both rows have
 * the same signatures and byte-identical outputs (test/quant/kernels_simd.test.ts).
 */
import { kernelSet } from '../../core/wasm/index.ts';
import { addS8 } from './add_s8.ts';
import { addS8Simd } from './add_s8_simd.ts';
import { avgpool1dS8 } from './avgpool1d_s8.ts';
import { conv1dS8 } from './conv1d_s8.ts';
import { conv1dS8Simd } from './conv1d_s8_simd.ts';
import { dwconv1dS8 } from './dwconv1d_s8.ts';
import { dwconv1dS8Simd } from './dwconv1d_s8_simd.ts';
import { fullyConnectedS8 } from './fully_connected_s8.ts';
import { fullyConnectedS8Simd } from './fully_connected_s8_simd.ts';
import { maxpool1dS8 } from './maxpool1d_s8.ts';
import { avgpool1dS8Simd, maxpool1dS8Simd } from './pool1d_s8_simd.ts';
import { pwconv1dS8Fast } from './pwconv1d_s8_fast.ts';
import { pwconv1dS8Simd } from './pwconv1d_s8_simd.ts';

export interface S8KernelTable {
  conv1d: typeof conv1dS8;
  dwconv1d: typeof dwconv1dS8;
  pwconv1d: typeof pwconv1dS8Fast;
  fullyConnected: typeof fullyConnectedS8;
  add: typeof addS8;
  avgpool1d: typeof avgpool1dS8;
  maxpool1d: typeof maxpool1dS8;
}

const JS_KERNELS: S8KernelTable = { conv1d: conv1dS8, dwconv1d: dwconv1dS8, pwconv1d: pwconv1dS8Fast, fullyConnected: fullyConnectedS8, add: addS8, avgpool1d: avgpool1dS8, maxpool1d: maxpool1dS8 };
const SIMD_KERNELS: S8KernelTable = { conv1d: conv1dS8Simd, dwconv1d: dwconv1dS8Simd, pwconv1d: pwconv1dS8Simd, fullyConnected: fullyConnectedS8Simd, add: addS8Simd, avgpool1d: avgpool1dS8Simd, maxpool1d: maxpool1dS8Simd };

/** The INT8 kernels of the set in use. */
export function s8Kernels(): S8KernelTable {
  return kernelSet() === 'simd' ? SIMD_KERNELS : JS_KERNELS;
}
