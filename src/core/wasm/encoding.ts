/**
 * WebAssembly binary encoding primitives (spec section 5.2 "Values"): LEB128 integers,
 * little-endian f32, and length-prefixed vectors. Everything the assembler writes goes through
 * these few functions, so a byte sequence can be checked against the spec in one place.
 */

/** Unsigned LEB128: 7 bits per byte, low group first, high bit set on every byte but the last. */
export function unsignedLeb128(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`unsignedLeb128: ${value} is not a u32`);
  const out: number[] = [];
  let v = value;
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/**
 * Signed LEB128 of a 32-bit integer: 7 bits per byte, two's complement; stops when the rest is
 * pure sign extension of the last byte's bit 6.
 */
export function signedLeb128(value: number): number[] {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw new RangeError(`signedLeb128: ${value} is not an i32`);
  return signedLeb128BigInt(BigInt(value));
}

/** Signed LEB128 of a 64-bit integer (for i64.const). */
export function signedLeb128BigInt(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const signBit = (byte & 0x40) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** IEEE 754 binary32, little-endian (f32.const immediate). */
export function float32Bytes(value: number): number[] {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return Array.from(bytes);
}

/** UTF-8 name: byte length then bytes. */
export function nameBytes(name: string): number[] {
  const utf8 = Array.from(new TextEncoder().encode(name));
  return [...unsignedLeb128(utf8.length), ...utf8];
}

/** vec(B): element count then the concatenated elements. */
export function vector(items: number[][]): number[] {
  return [...unsignedLeb128(items.length), ...items.flat()];
}

/** A section: id byte, byte size, contents. */
export function section(id: number, contents: number[]): number[] {
  return [id, ...unsignedLeb128(contents.length), ...contents];
}
