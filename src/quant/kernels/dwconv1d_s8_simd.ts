/**
 * WebAssembly SIMD twin of dwconv1d_s8.ts, same arguments, byte-identical output (the reference is
 * the readable kernel and the test oracle). Accumulators: simd/depthwise_wasm.ts, 8 channels per
 * step; requantization: simd/requantize_wasm.ts.
 */
import { ArenaLayout, sharedArena } from '../../core/wasm/index.ts';
import { checkDwconv1d } from './dwconv1d_s8.ts';
import { requantizeInto, reservePaddedInput, reserveRequantize, roundUp, s8Wasm, writePaddedInput } from './simd/s8_wasm.ts';
import type { ConvParams, Dims, FilterDims, PerChannelQuantParams } from './types.ts';

const LANES16 = 8;

export function dwconv1dS8Simd(
  params: ConvParams, quant: PerChannelQuantParams,
  inputDims: Dims, input: Int8Array,
  filterDims: FilterDims, filter: Int8Array, bias: Int32Array,
  outputDims: Dims, output: Int8Array,
): void {
  checkDwconv1d('dwconv1dS8Simd', params, inputDims, input, filterDims, filter, bias, outputDims, output);
  const { stride, dilation, padBefore, padAfter, inputOffset } = params;
  const { n: batches, l: inLen, c: ch } = inputDims;
  const kSize = filterDims.k;
  const outLen = outputDims.l;
  const chPadded = roundUp(ch, LANES16);
  const rows = batches * outLen;

  const layout = new ArenaLayout();
  const x = reservePaddedInput(layout, batches, inLen, ch, padBefore, padAfter);
  const wAt = layout.i8(kSize * chPadded);
  const biasAt = layout.i32(chPadded);
  const regions = reserveRequantize(layout, rows, chPadded, ch);
  const arena = sharedArena();
  arena.ensure(layout.end);

  writePaddedInput(x, input, batches, inLen, ch, padBefore, padAfter, inputOffset);
  const i8 = arena.i8();
  i8.fill(0, wAt, wAt + kSize * chPadded);
  for (let k = 0; k < kSize; k++) i8.set(filter.subarray(k * ch, (k + 1) * ch), wAt + k * chPadded);
  const i32 = arena.i32();
  i32.fill(0, biasAt >> 2, (biasAt >> 2) + chPadded);
  i32.set(bias.subarray(0, ch), biasAt >> 2);

  s8Wasm().dw_mac(x.at, wAt, biasAt, regions.accAt, batches, outLen, x.batchBytes, stride * ch, kSize, dilation * ch, chPadded, inputOffset);
  requantizeInto(regions, rows, chPadded, ch, params, quant, output);
}
