import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readWav, writeWav } from '../../src/data/audio/wav.ts';
import { ArgumentError, FormatError } from '../../src/util/errors.ts';

/** A hand-built WAV (independent of writeWav): header fields given explicitly. */
function handWav(o: { format?: number; channels?: number; rate?: number; bits?: number; data: Uint8Array; riffDelta?: number; chunks?: Uint8Array[] }): Uint8Array {
  const channels = o.channels ?? 1, rate = o.rate ?? 16000, bits = o.bits ?? 16;
  const extra = (o.chunks ?? []).reduce((a, c) => a + c.length, 0);
  const pad = o.data.length & 1;
  const total = 12 + 24 + extra + 8 + o.data.length + pad;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  b.set([82, 73, 70, 70], 0); // RIFF
  v.setUint32(4, total - 8 + (o.riffDelta ?? 0), true);
  b.set([87, 65, 86, 69], 8); // WAVE
  b.set([102, 109, 116, 32], 12); // 'fmt '
  v.setUint32(16, 16, true);
  v.setUint16(20, o.format ?? 1, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, (rate * channels * bits) / 8, true);
  v.setUint16(32, (channels * bits) / 8, true);
  v.setUint16(34, bits, true);
  let p = 36;
  for (const c of o.chunks ?? []) {
    b.set(c, p);
    p += c.length;
  }
  b.set([100, 97, 116, 97], p); // data
  v.setUint32(p + 4, o.data.length, true);
  b.set(o.data, p + 8);
  return b;
}

function chunk(id: string, payload: number[]): Uint8Array {
  const out = new Uint8Array(8 + payload.length + (payload.length & 1));
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, payload.length, true);
  out.set(payload, 8);
  return out;
}

const expectFormatError = (f: () => unknown, match?: RegExp) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    if (match) expect((e as Error).message).toMatch(match);
    return;
  }
  throw new Error('expected a FormatError');
};

describe('readWav', () => {
  it('decodes hand-built 16-bit, 8-bit unsigned, 24-bit and float32 PCM', () => {
    const i16 = new Uint8Array(new Int16Array([0, 16384, -32768, 32767]).buffer);
    expect(Array.from(readWav(handWav({ data: i16 })).samples)).toEqual([0, 0.5, -1, 32767 / 32768]);
    expect(Array.from(readWav(handWav({ bits: 8, data: new Uint8Array([128, 192, 0, 255]) })).samples)).toEqual([0, 0.5, -1, 127 / 128]);
    const d24 = new Uint8Array([0, 0, 0x40, 0, 0, 0x80, 0xff, 0xff, 0xff]);
    expect(Array.from(readWav(handWav({ bits: 24, data: d24 })).samples)).toEqual([0.5, -1, -1 / 8388608]);
    const f32 = new Uint8Array(new Float32Array([0.25, -0.75]).buffer);
    const w = readWav(handWav({ format: 3, bits: 32, data: f32 }));
    expect(w.encoding).toBe('float');
    expect(Array.from(w.samples)).toEqual([0.25, -0.75]);
  });

  it('returns the first channel of a stereo file (or the one asked for)', () => {
    const data = new Uint8Array(new Int16Array([100, -1, 200, -2, 300, -3]).buffer);
    const bytes = handWav({ channels: 2, data });
    const w = readWav(bytes);
    expect(w.channels).toBe(2);
    expect(Array.from(w.samples, (s) => s * 32768)).toEqual([100, 200, 300]);
    expect(Array.from(readWav(bytes, 'x', { channel: 1 }).samples, (s) => s * 32768)).toEqual([-1, -2, -3]);
    expect(() => readWav(bytes, 'x', { channel: 2 })).toThrow(ArgumentError);
  });

  it('skips unknown chunks, including odd-sized ones with their pad byte', () => {
    const data = new Uint8Array(new Int16Array([7, 8, 9]).buffer);
    const bytes = handWav({ data, chunks: [chunk('LIST', [1, 2, 3]), chunk('junk', []), chunk('id3 ', [9, 9, 9, 9, 9])] });
    expect(Array.from(readWav(bytes).samples, (s) => s * 32768)).toEqual([7, 8, 9]);
    // an odd-sized data chunk (8-bit) whose pad byte is missing at the very end is accepted
    const odd = handWav({ bits: 8, data: new Uint8Array([128, 129, 130]) });
    const cut = odd.slice(0, odd.length - 1);
    new DataView(cut.buffer).setUint32(4, cut.length - 8, true);
    expect(Array.from(readWav(cut).samples)).toEqual([0, 1 / 128, 2 / 128]);
  });

  it('rejects a wrong sample rate with a clear message', () => {
    const bytes = handWav({ rate: 8000, data: new Uint8Array(4) });
    expectFormatError(() => readWav(bytes, 'clip.wav', { expectedSampleRate: 16000 }), /clip\.wav: sample rate 8000 Hz, expected 16000 Hz/);
    expect(readWav(bytes, 'clip.wav').sampleRate).toBe(8000);
  });

  it('rejects malformed headers with FormatError', () => {
    const good = handWav({ data: new Uint8Array(8) });
    expectFormatError(() => readWav(good.subarray(0, 30)), /truncated/);
    expectFormatError(() => readWav(handWav({ data: new Uint8Array(8), riffDelta: 100 })), /truncated/);
    const bad = good.slice();
    bad[0] = 0x52 ^ 1;
    expectFormatError(() => readWav(bad), /not a RIFF/);
    expectFormatError(() => readWav(handWav({ format: 2, data: new Uint8Array(8) })), /encoding/);
    expectFormatError(() => readWav(handWav({ bits: 12, data: new Uint8Array(8) })), /bit depth/);
    expectFormatError(() => readWav(handWav({ data: new Uint8Array(3) })), /whole number/);
    const lying = good.slice();
    new DataView(lying.buffer).setUint32(40, 0xfffffff0, true); // data chunk size
    expectFormatError(() => readWav(lying), /declares/);
    const noFmt = good.slice();
    noFmt.set([120, 120, 120, 120], 12);
    expectFormatError(() => readWav(noFmt), /no 'fmt '/);
  });
});

describe('writeWav', () => {
  it('round-trips through readWav for pcm16, pcm8, float32 and stereo', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 300 }), fc.integer({ min: 1, max: 96000 }), (ints, rate) => {
        const f = Float32Array.from(ints, (v) => v / 32768);
        const w = readWav(writeWav(f, rate), 'rt', { expectedSampleRate: rate });
        expect(w.samples).toEqual(f);
        expect(readWav(writeWav(Int16Array.from(ints), rate)).samples).toEqual(f);
        expect(readWav(writeWav(f, rate, { format: 'float32' })).samples).toEqual(f);
        const f8 = Float32Array.from(ints, (v) => Math.round(v / 256) / 128 || 0);
        for (let i = 0; i < f8.length; i++) if (f8[i] >= 1) f8[i] = 127 / 128;
        expect(readWav(writeWav(f8, rate, { format: 'pcm8' })).samples).toEqual(f8);
      }),
      { numRuns: 200 },
    );
    const st = readWav(writeWav(Float32Array.from([0.5, -0.5, 0.25, -0.25]), 16000, { channels: 2, extraChunks: [{ id: 'LIST', data: new Uint8Array(3) }] }));
    expect(Array.from(st.samples)).toEqual([0.5, 0.25]);
  });

  it('clamps out-of-range floats', () => {
    expect(Array.from(readWav(writeWav(Float32Array.from([2, -2]), 16000)).samples)).toEqual([32767 / 32768, -1]);
  });
});

describe('readWav fuzzing: any byte string gives a WavData or a FormatError', () => {
  const base = writeWav(Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) / 2), 16000, { extraChunks: [{ id: 'LIST', data: new Uint8Array(5) }] });
  // Bounded work is shown by the output bound (never more samples than input bytes, so a lying
  // length cannot make the reader allocate or loop on what is not there), not by wall-clock time:
  // timing belongs in benchmarks, and this machine is shared.
  const check = (bytes: Uint8Array) => {
    try {
      const w = readWav(bytes, 'fuzz');
      expect(w.samples.length).toBeLessThanOrEqual(bytes.length);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
    }
  };

  it('random bytes (with and without a valid RIFF/WAVE prefix)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => check(b)), { numRuns: 1000 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        const b = new Uint8Array(12 + tail.length);
        b.set(base.subarray(0, 12));
        new DataView(b.buffer).setUint32(4, 4 + tail.length, true);
        b.set(tail, 12);
        check(b);
      }),
      { numRuns: 1000 },
    );
  });

  it('truncations of a valid file', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: base.length - 1 }), (n) => check(base.subarray(0, n))), { numRuns: 500 });
  });

  it('mutated bytes and size fields, including huge declared lengths', () => {
    const sizeOffsets = [4, 16, 40, 54]; // RIFF, fmt, LIST, data sizes
    expect(new TextDecoder().decode(base.subarray(50, 54))).toBe('data');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.option(fc.tuple(fc.constantFrom(...sizeOffsets), fc.oneof(fc.constant(0xffffffff), fc.constant(0x7fffffff), fc.nat(), fc.integer({ min: 0, max: 300 }))), { nil: undefined }),
        (edits, sizeEdit) => {
          const b = base.slice();
          for (const [at, v] of edits) b[at] = v;
          if (sizeEdit) new DataView(b.buffer).setUint32(sizeEdit[0], sizeEdit[1] >>> 0, true);
          check(b);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
