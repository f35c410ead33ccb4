/**
 * Sub-byte packing of signed integers for flash (SYNTHESIS.md, "Packed tensors").
 *
 * A tensor of n values at b bits (2 <= b <= 8) is a little-endian bit stream of ceil(n * b / 8)
 * bytes: value i is the two's-complement b-bit field occupying stream bits [i*b, i*b + b), where
 * stream bit k is bit (k % 8) (bit 0 = least significant) of byte floor(k / 8). Fields may straddle
 * a byte boundary (b = 6); the unused high bits of the last byte are 0. Stored values lie in the
 * symmetric range [-(2^(b-1) - 1), 2^(b-1) - 1] (the field value -2^(b-1) is never written, but
 * unpack reads it faithfully). At b = 8 the stream is exactly the int8 bytes.
 */

import { ArgumentError } from '../util/errors.ts';

/** Packed byte length of n values at `bits` bits. */
export function packedBytes(n: number, bits: number): number {
  return Math.ceil((n * bits) / 8);
}

/** Largest stored magnitude at `bits` bits: 2^(bits-1) - 1. */
export function qmaxOf(bits: number): number {
  return (1 << (bits - 1)) - 1;
}

function checkBits(where: string, bits: number): void {
  if (!(Number.isInteger(bits) && bits >= 2 && bits <= 8)) throw new ArgumentError(where, `bits must be an integer in [2, 8], got ${bits}`);
}

/** Pack signed integers in [-2^(bits-1), 2^(bits-1) - 1] into the little-endian bit stream. */
export function packSigned(values: ArrayLike<number>, bits: number): Uint8Array {
  checkBits('packSigned', bits);
  const lo = -(1 << (bits - 1));
  const hi = (1 << (bits - 1)) - 1;
  const out = new Uint8Array(packedBytes(values.length, bits));
  const mask = (1 << bits) - 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= lo && v <= hi)) throw new ArgumentError('packSigned', `value ${v} at index ${i} does not fit ${bits} bits`);
    const field = v & mask;
    const bit = i * bits;
    const byte = bit >> 3;
    const off = bit & 7;
    out[byte] |= (field << off) & 0xff;
    if (off + bits > 8) out[byte + 1] |= field >> (8 - off);
  }
  return out;
}

/** Read value i of a packed stream (sign-extended). */
export function readPacked(bytes: Uint8Array, bits: number, i: number): number {
  const bit = i * bits;
  const byte = bit >> 3;
  const off = bit & 7;
  let field = bytes[byte] >> off;
  if (off + bits > 8) field |= bytes[byte + 1] << (8 - off);
  field &= (1 << bits) - 1;
  return field >= 1 << (bits - 1) ? field - (1 << bits) : field;
}

/** Unpack n signed values from a packed stream. */
export function unpackSigned(bytes: Uint8Array, bits: number, n: number): Int8Array {
  checkBits('unpackSigned', bits);
  if (bytes.length < packedBytes(n, bits)) throw new ArgumentError('unpackSigned', `${bytes.length} bytes hold fewer than ${n} values of ${bits} bits`);
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = readPacked(bytes, bits, i);
  return out;
}
