/**
 * WebAssembly SIMD twin of fully_connected_s8.ts, same arguments, byte-identical output: the N
 * rows of Cin = L * C inputs are the positions of one K = 1 convolution (conv1d_s8_simd.ts).
 */
import { convDotS8 } from './conv1d_s8_simd.ts';
import { checkFullyConnected } from './fully_connected_s8.ts';
import type { ConvParams, Dims, FilterDims, PerChannelQuantParams } from './types.ts';

export function fullyConnectedS8Simd(
  params: ConvParams, quant: PerChannelQuantParams,
  inputDims: Dims, input: Int8Array,
  filterDims: FilterDims, filter: Int8Array, bias: Int32Array,
  outputDims: Dims, output: Int8Array,
): void {
  checkFullyConnected('fullyConnectedS8Simd', params, inputDims, input, filterDims, filter, bias, outputDims, output);
  const rows = { ...params, stride: 1, dilation: 1, padBefore: 0, padAfter: 0 };
  convDotS8(rows, quant, 1, inputDims.n, inputDims.l * inputDims.c, filterDims.out, 1, inputDims.n, input, filter, bias, output);
}
