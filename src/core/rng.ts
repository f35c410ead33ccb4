/**
 * Seeded pseudo-random numbers for every random choice in the project (initialization,
 * shuffling, dropout, augmentation, bootstrap resampling).
 *
 * Algorithm: xoshiro128** 1.1 (Blackman & Vigna, 2018), 32-bit state words, period 2^128 - 1.
 * The 128-bit state is filled from the seed by SplitMix32 so that nearby seeds give unrelated
 * streams. The whole state is four uint32 words: `getState` / `setState` make a stream resumable
 * (checkpoints store it), and `fork` derives an independent stream for a worker or a purpose.
 */

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** SplitMix32 step (Steele, Lea & Flood's SplitMix, 32-bit variant with Murmur3's finalizer). */
function splitMix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private readonly s = new Uint32Array(4);
  /** cached second value of the Box-Muller pair (NaN when empty) */
  private spare = NaN;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`Rng seed must be an integer, got ${seed}`);
    const sm = { s: seed >>> 0 ^ Math.floor(seed / 2 ** 32) >>> 0 };
    for (let i = 0; i < 4; i++) this.s[i] = splitMix32(sm);
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next uint32: result = rotl(s1 * 5, 7) * 9, then the xoshiro128 state transition. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float64 in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Fill `out` with out.length draws of int(n): the same values, in the same order, as that many int(n) calls. */
  fillInt(out: Int32Array, n: number): Int32Array {
    if (!(n > 0 && n <= 2 ** 31 && Number.isInteger(n))) throw new Error(`Rng.fillInt: n must be an integer in [1, 2^31], got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (let i = 0; i < out.length; i++) {
      let x = this.nextU32();
      while (x >= limit) x = this.nextU32();
      out[i] = x % n;
    }
    return out;
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling). n <= 2^32. */
  int(n: number): number {
    if (!(n > 0 && n <= 2 ** 32 && Number.isInteger(n))) throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** Standard normal (Box-Muller; the pair's second value is cached). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** An independent stream derived from this one (advances this stream by four draws). */
  fork(): Rng {
    const child = new Rng(0);
    for (let i = 0; i < 4; i++) child.s[i] = splitMix32({ s: this.nextU32() });
    if ((child.s[0] | child.s[1] | child.s[2] | child.s[3]) === 0) child.s[0] = 1;
    return child;
  }

  /** The complete state (4 state words and the cached normal), for checkpoints. */
  getState(): number[] {
    return [...this.s, this.spare];
  }

  setState(state: number[]): void {
    if (state.length !== 5) throw new Error(`Rng.setState: expected 5 numbers, got ${state.length}`);
    for (let i = 0; i < 4; i++) this.s[i] = state[i] >>> 0;
    this.spare = state[4] ?? NaN;
  }
}
