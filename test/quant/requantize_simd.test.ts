import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArenaLayout, sharedArena } from '../../src/core/wasm/index.ts';
import { multiplyByQuantizedMultiplier } from '../../src/quant/fixed_point.ts';
import type { RoundingMode } from '../../src/quant/int_model.ts';
import { requantizeInto, reserveRequantize } from '../../src/quant/kernels/simd/s8_wasm.ts';

/**
 * The WebAssembly SIMD requantization (simd/requantize_wasm.ts) against fixed_point.ts over the
 * whole range validate.ts admits, not only the accumulators real layers produce: any multiplier
 * in [0, 2^31 - 1], any shift in [-31, 30] (neighbouring channels of one 4-lane group differ),
 * any x with |x * 2^max(shift, 0)| < 2^31 (extremes included), both rounding modes.
 * The int8 clamp would hide a wrong int32, so besides the clamped bytes each run checks one
 * element's full value: with outputOffset = -expected, the output byte is 0 exactly when it is right.
 */
const INT32_MAX = 2 ** 31 - 1;

const channelArb = fc.record({
  multiplier: fc.oneof(fc.constantFrom(0, 1, 1 << 30, INT32_MAX), fc.integer({ min: 1 << 30, max: INT32_MAX }), fc.integer({ min: 0, max: INT32_MAX })),
  shift: fc.oneof(fc.constantFrom(-31, -1, 0, 1, 30), fc.integer({ min: -31, max: 30 })),
});
/** an accumulator valid for `shift`, as a fraction of its range (extremes likely) */
const fractionArb = fc.oneof(fc.constantFrom(-1, 1, 0), fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: -300, max: 300 }).map((k) => k * 1e-9));

function accumulator(fraction: number, shift: number): number {
  const limit = Math.floor(INT32_MAX / 2 ** Math.max(shift, 0));
  return Math.round(fraction * limit);
}

function runSimd(acc: Int32Array, rows: number, channels: number, multiplier: Int32Array, shift: Int32Array, rounding: RoundingMode, outputOffset: number, actMin: number, actMax: number): Int8Array {
  const accStride = Math.ceil(channels / 4) * 4;
  const layout = new ArenaLayout();
  const regions = reserveRequantize(layout, rows, accStride, channels);
  const arena = sharedArena();
  arena.ensure(layout.end);
  const i32 = arena.i32();
  for (let r = 0; r < rows; r++) i32.set(acc.subarray(r * channels, (r + 1) * channels), (regions.accAt >> 2) + r * accStride);
  const out = new Int8Array(rows * channels);
  requantizeInto(regions, rows, accStride, channels, { stride: 1, dilation: 1, padBefore: 0, padAfter: 0, inputOffset: 0, outputOffset, actMin, actMax }, { multiplier, shift, rounding }, out);
  return out;
}

describe('SIMD requantization = MultiplyByQuantizedMultiplier', () => {
  it('any valid multiplier, shift and accumulator, both rounding modes', () => {
    const caseArb = fc.record({
      rounding: fc.constantFrom<RoundingMode>('double', 'single'),
      rows: fc.integer({ min: 1, max: 3 }),
      channels: fc.array(channelArb, { minLength: 1, maxLength: 11 }),
      fractions: fc.array(fractionArb, { minLength: 33, maxLength: 33 }),
      outputOffset: fc.integer({ min: -128, max: 127 }),
      pick: fc.nat(),
    });
    fc.assert(fc.property(caseArb, ({ rounding, rows, channels, fractions, outputOffset, pick }) => {
      const ch = channels.length;
      const multiplier = Int32Array.from(channels, (c) => c.multiplier);
      const shift = Int32Array.from(channels, (c) => c.shift);
      const acc = new Int32Array(rows * ch).map((_, i) => accumulator(fractions[i % fractions.length], shift[i % ch]));
      const exact = Array.from(acc, (x, i) => multiplyByQuantizedMultiplier(x, multiplier[i % ch], shift[i % ch], rounding));
      const want = Int8Array.from(exact, (v) => Math.max(-128, Math.min(127, v + outputOffset)));
      expect(Array.from(runSimd(acc, rows, ch, multiplier, shift, rounding, outputOffset, -128, 127))).toEqual(Array.from(want));
      const k = pick % acc.length;
      if (Math.abs(exact[k]) > INT32_MAX - 255) return; // the offset trick needs actMin / actMax - offset in int32
      expect(runSimd(acc, rows, ch, multiplier, shift, rounding, -exact[k], -128, 127)[k], `element ${k}: x ${acc[k]}, m ${multiplier[k % ch]}, shift ${shift[k % ch]}, expected ${exact[k]}`).toBe(0);
    }), { numRuns: 2000, seed: 21 });
  });
});
