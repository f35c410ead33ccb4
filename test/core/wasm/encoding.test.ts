import { describe, expect, it } from 'vitest';
import { float32Bytes, signedLeb128, signedLeb128BigInt, unsignedLeb128 } from '../../../src/core/wasm/index.ts';

// expected byte sequences worked out by hand from the LEB128 definition (spec 5.2.2)
describe('LEB128', () => {
  it('unsigned', () => {
    expect(unsignedLeb128(0)).toEqual([0x00]);
    expect(unsignedLeb128(127)).toEqual([0x7f]);
    expect(unsignedLeb128(128)).toEqual([0x80, 0x01]);
    expect(unsignedLeb128(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(unsignedLeb128(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => unsignedLeb128(-1)).toThrow(/u32/);
  });
  it('signed 32-bit', () => {
    expect(signedLeb128(0)).toEqual([0x00]);
    expect(signedLeb128(-1)).toEqual([0x7f]);
    expect(signedLeb128(63)).toEqual([0x3f]);
    expect(signedLeb128(64)).toEqual([0xc0, 0x00]); // bit 6 set would read as negative
    expect(signedLeb128(-64)).toEqual([0x40]);
    expect(signedLeb128(-65)).toEqual([0xbf, 0x7f]);
    expect(signedLeb128(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(signedLeb128(-0x80000000)).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
    expect(() => signedLeb128(0x80000000)).toThrow(/i32/);
  });
  it('signed 64-bit', () => {
    expect(signedLeb128BigInt(-(1n << 63n))).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]);
    expect(signedLeb128BigInt((1n << 63n) - 1n)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]);
  });
  it('f32 little-endian', () => {
    expect(float32Bytes(1)).toEqual([0x00, 0x00, 0x80, 0x3f]);
    expect(float32Bytes(-2.5)).toEqual([0x00, 0x00, 0x20, 0xc0]);
  });
});
