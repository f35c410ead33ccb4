/**
 * The WebAssembly module of the SIMD INT8 kernels, assembled once on first use against the
 * shared arena (src/core/wasm/arena.ts), and the arena plumbing every SIMD s8 kernel shares:
 * the padded input copy and the requantization of the accumulators into the output.
 *
 * How JS and wasm share memory (per call; nothing survives between calls): the JS wrapper plans
 * byte offsets with ArenaLayout, `ensure`s the arena, copies the input (with its padding rows),
 * the filter (zero-padded) and bias in, calls the accumulator kernel, then `requantize_<mode>`
 * writes the int8 result into the arena and JS copies it into the caller's output.
 */
import { ArenaLayout, ModuleBuilder, sharedArena, type WasmFunction } from '../../../core/wasm/index.ts';
import type { ConvParams, PerChannelQuantParams } from '../types.ts';
import { buildAdd } from './add_wasm.ts';
import { buildConvDot } from './conv_dot_wasm.ts';
import { buildConvPairs } from './conv_pairs_wasm.ts';
import { buildDepthwise } from './depthwise_wasm.ts';
import { buildPools } from './pool_wasm.ts';
import { buildRequantize, GROUP_BYTES, writeChannelTable } from './requantize_wasm.ts';

/** bytes a kernel may read past the end of the input (a v128.load8x8_s at the last position) */
export const INPUT_SLACK = 16;

interface S8Functions {
  conv_dot: WasmFunction; conv_pairs: WasmFunction; widen_s8: WasmFunction; dw_mac: WasmFunction;
  requantize_double: WasmFunction; requantize_single: WasmFunction; add_s8_double: WasmFunction; add_s8_single: WasmFunction;
  avgpool_s8: WasmFunction; maxpool_s8: WasmFunction;
}

let functions: S8Functions | null = null;

export function s8Wasm(): S8Functions {
  if (!functions) {
    const m = new ModuleBuilder();
    buildConvDot(m);
    buildConvPairs(m);
    buildDepthwise(m);
    buildRequantize(m, 'double');
    buildRequantize(m, 'single');
    buildAdd(m, 'double');
    buildAdd(m, 'single');
    buildPools(m);
    const f = m.instantiate(sharedArena().memory);
    functions = { conv_dot: f.conv_dot, conv_pairs: f.conv_pairs, widen_s8: f.widen_s8, dw_mac: f.dw_mac, requantize_double: f.requantize_double, requantize_single: f.requantize_single,
      add_s8_double: f.add_s8_double, add_s8_single: f.add_s8_single,
      avgpool_s8: f.avgpool_s8, maxpool_s8: f.maxpool_s8 };
  }
  return functions;
}

/** Rounds n up to a multiple of `multiple`. */
export function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

/** An [N, padBefore + L + padAfter, C] int8 copy of the input in the arena (+ INPUT_SLACK bytes). */
export interface PaddedInput { at: number; batchBytes: number }

export function reservePaddedInput(layout: ArenaLayout, batches: number, inLen: number, ch: number, padBefore: number, padAfter: number): PaddedInput {
  const batchBytes = (padBefore + inLen + padAfter) * ch;
  return { at: layout.i8(batches * batchBytes + INPUT_SLACK), batchBytes };
}

/**
 * Fills the padded copy: padding rows hold the zero point -inputOffset, so (x + inputOffset) is 0
 * there and a padded tap adds nothing, exactly as the reference kernel skipping it. The slack is
 * zeroed (its products are multiplied by zero weights; zeroing keeps runs deterministic).
 */
export function writePaddedInput(p: PaddedInput, input: Int8Array, batches: number, inLen: number, ch: number, padBefore: number, padAfter: number, inputOffset: number): void {
  const mem = sharedArena().i8();
  const rowBytes = inLen * ch;
  if (padBefore === 0 && padAfter === 0) {
    mem.set(input.subarray(0, batches * rowBytes), p.at);
  } else {
    const zeroPoint = -inputOffset;
    for (let b = 0; b < batches; b++) {
      const base = p.at + b * p.batchBytes;
      mem.fill(zeroPoint, base, base + padBefore * ch);
      mem.set(input.subarray(b * rowBytes, (b + 1) * rowBytes), base + padBefore * ch);
      mem.fill(zeroPoint, base + padBefore * ch + rowBytes, base + p.batchBytes);
    }
  }
  mem.fill(0, p.at + batches * p.batchBytes, p.at + batches * p.batchBytes + INPUT_SLACK);
}

/** bytes the requantization may write past the output (4 channels per store) */
const OUTPUT_SLACK = 4;

/** Arena regions of the requantization: accumulators [rows, accStride], per-channel table, output. */
export interface RequantizeRegions { accAt: number; tableAt: number; outAt: number }

/** accRows >= rows: room for accumulator rows a kernel writes past the last (its tile's overhang) */
export function reserveRequantize(layout: ArenaLayout, rows: number, accStride: number, channels: number, accRows = rows): RequantizeRegions {
  const tableBytes = Math.ceil(channels / 4) * GROUP_BYTES;
  return { accAt: layout.i32(accRows * accStride), tableAt: layout.reserve(tableBytes), outAt: layout.i8(rows * channels + OUTPUT_SLACK) };
}

/**
 * output[r, c] = clamp(MBQM(acc[r, c], multiplier[c], shift[c]) + outputOffset, actMin, actMax)
 * in wasm (requantize_wasm.ts, bit-exact with fixed_point.ts), then copied into `output`.
 */
export function requantizeInto(regions: RequantizeRegions, rows: number, accStride: number, channels: number, params: ConvParams, quant: PerChannelQuantParams, output: Int8Array): void {
  const arena = sharedArena();
  writeChannelTable(arena.i32(), regions.tableAt, quant.multiplier, quant.shift, channels, quant.rounding);
  const wasm = s8Wasm();
  const requantize = quant.rounding === 'single' ? wasm.requantize_single : wasm.requantize_double;
  requantize(regions.accAt, accStride, regions.outAt, rows, channels, regions.tableAt, params.outputOffset, params.actMin, params.actMax);
  output.set(arena.i8().subarray(regions.outAt, regions.outAt + rows * channels));
}
