/**
 * The one table of kernels each kernel set provides. Ops call e.g. `kernels().gemm(...)`; which
 * implementation runs is decided here, from `kernelSet()` (src/core/wasm/kernel_set.ts:
 * WebAssembly SIMD by default where supported, HTPW_KERNELS=js forces the typed-array reference).
 * Both entries of every row have the same signature, so the compiler checks the table.
 */
import { kernelSet } from '../wasm/index.ts';
import { affineChannels, batchNormBackward, channelStats } from './batchnorm.ts';
import { affineChannelsSimd, batchNormBackwardSimd, channelStatsSimd } from './batchnorm_simd.ts';
import { conv1dBackward, conv1dForward } from './conv1d.ts';
import { conv1dBackwardSimd } from './conv1d_backward_simd.ts';
import { conv1dForwardSimd } from './conv1d_simd.ts';
import { depthwiseBackward, depthwiseForward } from './depthwise.ts';
import { depthwiseBackwardSimd, depthwiseForwardSimd } from './depthwise_simd.ts';
import { gemm } from './gemm.ts';
import { gemmSimd } from './gemm_simd.ts';
import { reluBackward, reluForward } from './relu.ts';
import { reluBackwardSimd, reluForwardSimd } from './relu_simd.ts';

export interface KernelTable {
  gemm: typeof gemm;
  conv1dForward: typeof conv1dForward;
  conv1dBackward: typeof conv1dBackward;
  depthwiseForward: typeof depthwiseForward;
  depthwiseBackward: typeof depthwiseBackward;
  reluForward: typeof reluForward;
  reluBackward: typeof reluBackward;
  channelStats: typeof channelStats;
  affineChannels: typeof affineChannels;
  batchNormBackward: typeof batchNormBackward;
}

const JS_KERNELS: KernelTable = {
  gemm, conv1dForward, conv1dBackward, depthwiseForward, depthwiseBackward, reluForward, reluBackward,
  channelStats, affineChannels, batchNormBackward,
};

const SIMD_KERNELS: KernelTable = {
  gemm: gemmSimd,
  // conv1d forward, weight and input gradients: direct, no im2col (conv1d_simd.ts,
  // conv1d_backward_simd.ts, conv1d_input_grad_simd.ts)
  conv1dForward: conv1dForwardSimd,
  conv1dBackward: conv1dBackwardSimd,
  depthwiseForward: depthwiseForwardSimd,
  depthwiseBackward: depthwiseBackwardSimd,
  reluForward: reluForwardSimd,
  reluBackward: reluBackwardSimd,
  channelStats: channelStatsSimd,
  affineChannels: affineChannelsSimd,
  batchNormBackward: batchNormBackwardSimd,
};

/** The kernels of the set in use. */
export function kernels(): KernelTable {
  return kernelSet() === 'simd' ? SIMD_KERNELS : JS_KERNELS;
}
