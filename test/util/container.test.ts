import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeContainer, encodeContainer } from '../../src/util/container.ts';
import { crc32 } from '../../src/util/crc32.ts';
import { FormatError } from '../../src/util/errors.ts';

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('container', () => {
  const blobs = { w: new Int8Array([1, -2, 3]), s: new Float32Array([0.5, 1.25]), b: new Int32Array([-7, 2 ** 31 - 1]) };
  const bytes = encodeContainer('HTPWTEST', 3, { hello: 'world', n: 4 }, blobs);

  it('round-trips meta and typed arrays', () => {
    const c = decodeContainer(bytes, 'HTPWTEST', 3);
    expect(c.meta).toEqual({ hello: 'world', n: 4 });
    expect(c.blobs.get('w')).toEqual(blobs.w);
    expect(c.blobs.get('s')).toEqual(blobs.s);
    expect(c.blobs.get('b')).toEqual(blobs.b);
  });

  it('rejects wrong magic, wrong version, truncation, trailing bytes', () => {
    expect(() => decodeContainer(bytes, 'HTPWXXXX', 3)).toThrow(/not a HTPWXXXX file/);
    expect(() => decodeContainer(bytes, 'HTPWTEST', 4)).toThrow(/version 3, this build reads version 4/);
    expect(() => decodeContainer(bytes.subarray(0, bytes.length - 1), 'HTPWTEST', 3)).toThrow(/truncated/);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(() => decodeContainer(longer, 'HTPWTEST', 3)).toThrow(/trailing/);
  });

  it('detects any single flipped bit after the fixed header', () => {
    fc.assert(
      fc.property(fc.integer({ min: 32, max: bytes.length - 1 }), fc.integer({ min: 0, max: 7 }), (pos, bit) => {
        const bad = bytes.slice();
        bad[pos] ^= 1 << bit;
        expect(() => decodeContainer(bad, 'HTPWTEST', 3, 'bad.bin')).toThrow(FormatError);
      }),
    );
  });

  it('never throws anything but FormatError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
        try {
          decodeContainer(junk, 'HTPWTEST', 3);
        } catch (e) {
          expect(e).toBeInstanceOf(FormatError);
        }
      }),
    );
  });
});

describe('container files', () => {
  it('readContainer returns blobs that own exactly their bytes (regression: Buffer.slice aliasing)', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { readContainer, writeContainer } = await import('../../src/util/container.ts');
    const path = join(mkdtempSync(join(tmpdir(), 'htpw-container-')), 'x.bin');
    writeContainer(path, 'HTPWTEST', 1, {}, { a: new Int8Array([5, 6, 7]), b: new Float32Array([1.5]) });
    const c = readContainer(path, 'HTPWTEST', 1);
    const a = c.blobs.get('a')!;
    expect(a.length).toBe(3);
    expect(a.buffer.byteLength).toBe(3);
    expect(Array.from(a)).toEqual([5, 6, 7]);
    expect(Array.from(c.blobs.get('b')!)).toEqual([1.5]);
  });
});
