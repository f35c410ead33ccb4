/**
 * WebAssembly SIMD twin of conv1d_s8.ts, same arguments, byte-identical output (the reference is
 * the readable kernel and the test oracle). Accumulators: simd/conv_pairs_wasm.ts (dilation 1,
 * lanes over output channels) or simd/conv_dot_wasm.ts (dilated windows, lanes over the window);
 * requantization: simd/requantize_wasm.ts. pwconv1d / fully connected are the same convolution
 * with K = 1.
 */
import { ArenaLayout, sharedArena } from '../../core/wasm/index.ts';
import { checkConv1d } from './conv1d_s8.ts';
import { CHANNEL_TILE, POSITION_TILE } from './simd/conv_pairs_wasm.ts';
import { requantizeInto, reservePaddedInput, reserveRequantize, roundUp, s8Wasm, writePaddedInput } from './simd/s8_wasm.ts';
import type { ConvParams, Dims, FilterDims, PerChannelQuantParams } from './types.ts';

const COUT_TILE = 4;
const LANES16 = 8;

export function conv1dS8Simd(
  params: ConvParams, quant: PerChannelQuantParams,
  inputDims: Dims, input: Int8Array,
  filterDims: FilterDims, filter: Int8Array, bias: Int32Array,
  outputDims: Dims, output: Int8Array,
): void {
  checkConv1d('conv1dS8Simd', params, inputDims, input, filterDims, filter, bias, outputDims, output);
  convDotS8(params, quant, inputDims.n, inputDims.l, inputDims.c, filterDims.out, filterDims.k, outputDims.l, input, filter, bias, output);
}

/**
 * Dilation 1 (every pointwise / fully connected layer and most convolutions): convPairsS8, lanes
 * over output channels. Dilated windows: the dot-product kernel below.
 */
export function convDotS8(
  params: ConvParams, quant: PerChannelQuantParams,
  batches: number, inLen: number, inCh: number, outCh: number, kSize: number, outLen: number,
  input: Int8Array, filter: Int8Array, bias: Int32Array, output: Int8Array,
): void {
  if (params.dilation === 1) convPairsS8(params, quant, batches, inLen, inCh, outCh, kSize, outLen, input, filter, bias, output);
  else convWindowDotS8(params, quant, batches, inLen, inCh, outCh, kSize, outLen, input, filter, bias, output);
}

/** filter [outCh, window] -> i16 at element w16: filter[co, t] at block co / 8, pair t / 2, lane co % 8, tap t % 2 (zeros elsewhere) */
function packPairs(i16: Int16Array, w16: number, filter: Int8Array, outCh: number, coutPadded: number, window: number, pairs: number): void {
  const pairStride = 2 * CHANNEL_TILE;
  i16.fill(0, w16, w16 + coutPadded * 2 * pairs);
  for (let co = 0; co < outCh; co++) {
    const lane = w16 + Math.floor(co / CHANNEL_TILE) * pairStride * pairs + (co % CHANNEL_TILE) * 2;
    const row = co * window;
    for (let t = 0; t < window; t++) i16[lane + (t >> 1) * pairStride + (t & 1)] = filter[row + t];
  }
}

/**
 * acc[b, o, co] = bias[co] + sum_{t < K * Cin} filter[co, t] * (xpad[b, o * stride * Cin + t] + inputOffset),
 * then requantized; arguments already checked; dilation 1 (the window is one run of K * Cin bytes
 * of the padded input). The input is widened to i16 with the offset added (simd/conv_pairs_wasm.ts);
 * the filter is packed per 8-channel block and tap pair: [co0 t, co0 t + 1, co1 t, ...], zero past
 * K * Cin and past Cout.
 */
function convPairsS8(
  params: ConvParams, quant: PerChannelQuantParams,
  batches: number, inLen: number, inCh: number, outCh: number, kSize: number, outLen: number,
  input: Int8Array, filter: Int8Array, bias: Int32Array, output: Int8Array,
): void {
  const { stride, padBefore, padAfter, inputOffset } = params;
  const window = kSize * inCh;
  const pairs = Math.ceil(window / 2);
  const coutPadded = roundUp(outCh, CHANNEL_TILE);
  const rows = batches * outLen;
  const posStep = 2 * stride * inCh; // bytes between the i16 windows of consecutive positions

  const layout = new ArenaLayout();
  const x = reservePaddedInput(layout, batches, inLen, inCh, padBefore, padAfter);
  const widened = roundUp(batches * x.batchBytes, LANES16);
  // the last tile reads up to POSITION_TILE - 1 positions past the last row (results discarded)
  const x16At = layout.i16(widened + ((POSITION_TILE - 1) * posStep) / 2 + LANES16);
  const wAt = layout.i16(coutPadded * 2 * pairs);
  const biasAt = layout.i32(coutPadded);
  const regions = reserveRequantize(layout, rows, coutPadded, outCh, rows + POSITION_TILE - 1);
  const arena = sharedArena();
  arena.ensure(layout.end);

  writePaddedInput(x, input, batches, inLen, inCh, padBefore, padAfter, inputOffset);
  packPairs(arena.i16(), wAt >> 1, filter, outCh, coutPadded, window, pairs);
  const i32 = arena.i32();
  i32.fill(0, biasAt >> 2, (biasAt >> 2) + coutPadded);
  i32.set(bias.subarray(0, outCh), biasAt >> 2);

  const wasm = s8Wasm();
  wasm.widen_s8(x.at, x16At, widened, inputOffset);
  wasm.conv_pairs(x16At, wAt, biasAt, regions.accAt, batches, outLen, 2 * x.batchBytes, posStep, pairs, coutPadded);
  requantizeInto(regions, rows, coutPadded, outCh, params, quant, output);
}

/**
 * acc[b, o, co] = bias[co] + sum_{k, ci} filter[co, k, ci] * (x[b, o * stride - padBefore + k * dilation, ci] + inputOffset),
 * then requantized; arguments already checked. The window of an output is `segments` byte runs of
 * the padded input: one run of K * Cin when dilation is 1 (rows o * stride .. + K are contiguous),
 * else K runs of Cin, dilation * Cin apart. Filter runs are zero-padded to a multiple of 8.
 */
function convWindowDotS8(
  params: ConvParams, quant: PerChannelQuantParams,
  batches: number, inLen: number, inCh: number, outCh: number, kSize: number, outLen: number,
  input: Int8Array, filter: Int8Array, bias: Int32Array, output: Int8Array,
): void {
  const { stride, dilation, padBefore, padAfter, inputOffset } = params;
  const segments = dilation === 1 ? 1 : kSize;
  const segLen = dilation === 1 ? kSize * inCh : inCh;
  const segPad = roundUp(segLen, LANES16);
  const coutPadded = roundUp(outCh, COUT_TILE);
  const rows = batches * outLen;

  const layout = new ArenaLayout();
  const x = reservePaddedInput(layout, batches, inLen, inCh, padBefore, padAfter);
  const wAt = layout.i8(coutPadded * segments * segPad);
  const biasAt = layout.i32(coutPadded);
  const regions = reserveRequantize(layout, rows, coutPadded, outCh);
  const arena = sharedArena();
  arena.ensure(layout.end);

  writePaddedInput(x, input, batches, inLen, inCh, padBefore, padAfter, inputOffset);
  const i8 = arena.i8();
  i8.fill(0, wAt, wAt + coutPadded * segments * segPad);
  for (let co = 0; co < outCh; co++) {
    for (let s = 0; s < segments; s++) {
      const src = co * kSize * inCh + s * segLen;
      i8.set(filter.subarray(src, src + segLen), wAt + (co * segments + s) * segPad);
    }
  }
  const i32 = arena.i32();
  i32.fill(0, biasAt >> 2, (biasAt >> 2) + coutPadded);
  i32.set(bias.subarray(0, outCh), biasAt >> 2);

  s8Wasm().conv_dot(x.at, wAt, biasAt, regions.accAt, batches, outLen, x.batchBytes, stride * inCh, segments, dilation * inCh, segPad, coutPadded, inputOffset);
  requantizeInto(regions, rows, coutPadded, outCh, params, quant, output);
}
