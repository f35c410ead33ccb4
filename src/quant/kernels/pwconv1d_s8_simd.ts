/**
 * WebAssembly SIMD twin of pwconv1dS8 (pwconv1d_s8.ts), same arguments, byte-identical output:
 * the N * L positions are the rows of one K = 1 convolution (conv1d_s8_simd.ts).
 */
import { convDotS8 } from './conv1d_s8_simd.ts';
import { checkPw } from './pwconv1d_s8.ts';
import type { ConvParams, Dims, FilterDims, PerChannelQuantParams } from './types.ts';

export function pwconv1dS8Simd(
  params: ConvParams, quant: PerChannelQuantParams,
  inputDims: Dims, input: Int8Array,
  filterDims: FilterDims, filter: Int8Array, bias: Int32Array,
  outputDims: Dims, output: Int8Array,
): void {
  const positions = checkPw('pwconv1dS8Simd', params, inputDims, input, filterDims, filter, bias, outputDims, output);
  const pointwise = { ...params, stride: 1, dilation: 1, padBefore: 0, padAfter: 0 };
  convDotS8(pointwise, quant, 1, positions, inputDims.c, filterDims.out, 1, positions, input, filter, bias, output);
}
