import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { packSigned, packedBytes, readPacked, unpackSigned } from '../../src/hyper/pack.ts';

describe('sub-byte packing', () => {
  it('round-trips any signed values at 2..8 bits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }).chain((bits) => fc.tuple(fc.constant(bits), fc.array(fc.integer({ min: -(1 << (bits - 1)), max: (1 << (bits - 1)) - 1 }), { maxLength: 200 }))), ([bits, values]) => {
        const packed = packSigned(values, bits);
        expect(packed.length).toBe(packedBytes(values.length, bits));
        expect(Array.from(unpackSigned(packed, bits, values.length))).toEqual(values);
        values.forEach((v, i) => expect(readPacked(packed, bits, i)).toBe(v));
      }),
      { numRuns: 300 },
    );
  });

  it('lays fields out little-endian, straddling bytes at 6 bits, high bits of the last byte zero', () => {
    // 6-bit fields 1, -1 (0b111111), 5: stream = 000001 111111 000101 -> bits LSB first
    // byte0 = bits 0..7 = 000001 + low 2 of 111111 -> 0b11_000001 = 0xC1
    // byte1 = high 4 of 111111 + low 4 of 000101 -> 0b0101_1111 = 0x5F
    // byte2 = high 2 of 000101 (00) + zero padding = 0x00
    expect(Array.from(packSigned([1, -1, 5], 6))).toEqual([0xc1, 0x5f, 0x00]);
    expect(Array.from(packSigned([-7, 7, 3], 4))).toEqual([0x79, 0x03]);
    expect(Array.from(packSigned([-127, 127], 8))).toEqual([0x81, 0x7f]);
  });

  it('rejects values that do not fit and non-integer bit widths', () => {
    expect(() => packSigned([8], 4)).toThrow();
    expect(() => packSigned([-9], 4)).toThrow();
    expect(() => packSigned([0.5], 4)).toThrow();
    expect(() => packSigned([0], 9)).toThrow();
    expect(() => unpackSigned(new Uint8Array(1), 4, 3)).toThrow();
  });
});
