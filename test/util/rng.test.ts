import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';

describe('Rng (xoshiro128**)', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
  });

  it('fillInt draws the same values as repeated int(n), and leaves the stream where they would', () => {
    for (const n of [1, 3, 49705, 2 ** 31 - 1, 3 * 2 ** 29]) {
      const a = new Rng(7), b = new Rng(7);
      const filled = Array.from(a.fillInt(new Int32Array(500), n));
      expect(filled).toEqual(Array.from({ length: 500 }, () => b.int(n)));
      expect(a.nextU32()).toBe(b.nextU32());
    }
    expect(() => new Rng(1).fillInt(new Int32Array(1), 0)).toThrow(/fillInt/);
  });

  it('matches the reference xoshiro128** sequence for state {1, 2, 3, 4}', () => {
    // Reference values computed from the published C code (xoshiro128starstar.c) with s = {1, 2, 3, 4}.
    const r = new Rng(0);
    r.setState([1, 2, 3, 4, NaN]);
    const got = Array.from({ length: 4 }, () => r.nextU32());
    // first output: rotl(2 * 5, 7) * 9 = 1280 * 9 = 11520
    expect(got[0]).toBe(11520);
    // second output from the next state: s1 = 2 ^ (3 ^ 1) = 0 after step? computed independently below
    const s = [1, 2, 3, 4];
    const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
    const ref: number[] = [];
    for (let i = 0; i < 4; i++) {
      ref.push(Number((BigInt(rotl(Number((BigInt(s[1]) * 5n) & 0xffffffffn), 7)) * 9n) & 0xffffffffn));
      const t = (s[1] << 9) >>> 0;
      s[2] = (s[2] ^ s[0]) >>> 0; s[3] = (s[3] ^ s[1]) >>> 0; s[1] = (s[1] ^ s[2]) >>> 0; s[0] = (s[0] ^ s[3]) >>> 0;
      s[2] = (s[2] ^ t) >>> 0; s[3] = rotl(s[3], 11);
    }
    expect(got).toEqual(ref);
  });

  it('resumes exactly from a saved state', () => {
    const a = new Rng(7);
    for (let i = 0; i < 10; i++) a.normal();
    a.normal(); // leaves a cached spare
    const st = a.getState();
    const b = new Rng(999);
    b.setState(st);
    expect(Array.from({ length: 5 }, () => b.normal())).toEqual(Array.from({ length: 5 }, () => a.normal()));
  });

  it('int() is in range and roughly uniform; next() in [0,1)', () => {
    const r = new Rng(1);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70000; i++) counts[r.int(7)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500);
    for (let i = 0; i < 1000; i++) {
      const v = r.next();
      expect(v >= 0 && v < 1).toBe(true);
    }
  });
});
