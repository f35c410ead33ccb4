/**
 * Radix-2 FFT of a real signal.
 *
 * A real sequence x of even length N is packed as N/2 complex numbers z[m] = x[2m] + i x[2m+1],
 * transformed by an iterative in-place radix-2 complex FFT of size M = N/2 (bit-reversal
 * permutation, then log2(M) butterfly stages), and unpacked: with E = (Z[k] + conj(Z[M-k])) / 2
 * (spectrum of the even samples) and O = (Z[k] - conj(Z[M-k])) / 2i (odd samples),
 *     X[k] = E[k] + W_N^k O[k],   W_N = exp(-2 pi i / N),   k = 0 .. N/2   (Z[M] = Z[0]).
 * The other half follows from X[N-k] = conj(X[k]). Sign convention: X[k] = sum_n x[n] e^{-2 pi i k n / N},
 * unnormalized. Arithmetic is float64 throughout; twiddles are precomputed with Math.cos/sin.
 */
import { ArgumentError } from '../../util/errors.ts';

export class RealFft {
  /** transform length N (power of two, >= 4) */
  readonly n: number;
  /** number of non-redundant bins, N/2 + 1 */
  readonly bins: number;
  private readonly m: number;
  private readonly rev: Uint32Array;
  private readonly twRe: Float64Array; // exp(-2 pi i j / M), j < M/2
  private readonly twIm: Float64Array;
  private readonly wRe: Float64Array; // exp(-2 pi i k / N), k <= N/2
  private readonly wIm: Float64Array;
  private readonly zRe: Float64Array;
  private readonly zIm: Float64Array;

  constructor(n: number) {
    if (!(Number.isInteger(n) && n >= 4 && (n & (n - 1)) === 0)) throw new ArgumentError('RealFft', `length must be a power of two >= 4, got ${n}`);
    this.n = n;
    this.bins = n / 2 + 1;
    const m = (this.m = n / 2);
    const bitsM = Math.log2(m);
    this.rev = new Uint32Array(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bitsM; b++) r |= ((i >>> b) & 1) << (bitsM - 1 - b);
      this.rev[i] = r;
    }
    this.twRe = new Float64Array(Math.max(1, m / 2));
    this.twIm = new Float64Array(Math.max(1, m / 2));
    for (let j = 0; j < m / 2; j++) {
      this.twRe[j] = Math.cos((2 * Math.PI * j) / m);
      this.twIm[j] = -Math.sin((2 * Math.PI * j) / m);
    }
    this.wRe = new Float64Array(m + 1);
    this.wIm = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.wRe[k] = Math.cos((2 * Math.PI * k) / n);
      this.wIm[k] = -Math.sin((2 * Math.PI * k) / n);
    }
    this.zRe = new Float64Array(m);
    this.zIm = new Float64Array(m);
  }

  /** Pack x (zero-padded to N; longer input is an error) into z and run the complex FFT. */
  private complexStage(x: ArrayLike<number>): void {
    const { m, rev, zRe, zIm, twRe, twIm } = this;
    const len = x.length;
    if (len > this.n) throw new ArgumentError('RealFft', `input has ${len} samples, transform length is ${this.n}`);
    for (let i = 0; i < m; i++) {
      const r = rev[i];
      const a = 2 * i;
      zRe[r] = a < len ? x[a] : 0;
      zIm[r] = a + 1 < len ? x[a + 1] : 0;
    }
    for (let size = 2; size <= m; size <<= 1) {
      const half = size >>> 1;
      const step = m / size;
      for (let start = 0; start < m; start += size) {
        for (let j = 0, t = 0; j < half; j++, t += step) {
          const i0 = start + j, i1 = i0 + half;
          const wr = twRe[t], wi = twIm[t];
          const br = zRe[i1] * wr - zIm[i1] * wi;
          const bi = zRe[i1] * wi + zIm[i1] * wr;
          zRe[i1] = zRe[i0] - br;
          zIm[i1] = zIm[i0] - bi;
          zRe[i0] += br;
          zIm[i0] += bi;
        }
      }
    }
  }

  /** X[k] for k = 0 .. N/2 into re, im (each of length >= N/2 + 1). */
  forward(x: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
    this.complexStage(x);
    const { m, zRe, zIm, wRe, wIm } = this;
    for (let k = 0; k <= m; k++) {
      const a = zRe[k === m ? 0 : k], b = zIm[k === m ? 0 : k];
      const c = zRe[k === 0 ? 0 : m - k], d = zIm[k === 0 ? 0 : m - k];
      const er = 0.5 * (a + c), ei = 0.5 * (b - d); // E = (Z[k] + conj Z[M-k]) / 2
      const or = 0.5 * (b + d), oi = -0.5 * (a - c); // O = (Z[k] - conj Z[M-k]) / 2i
      re[k] = er + wRe[k] * or - wIm[k] * oi;
      im[k] = ei + wRe[k] * oi + wIm[k] * or;
    }
  }

  /** Power spectrum |X[k]|^2 for k = 0 .. N/2 into out (length >= N/2 + 1). */
  power(x: ArrayLike<number>, out: Float64Array | Float32Array): void {
    this.complexStage(x);
    const { m, zRe, zIm, wRe, wIm } = this;
    for (let k = 0; k <= m; k++) {
      const a = zRe[k === m ? 0 : k], b = zIm[k === m ? 0 : k];
      const c = zRe[k === 0 ? 0 : m - k], d = zIm[k === 0 ? 0 : m - k];
      const er = 0.5 * (a + c), ei = 0.5 * (b - d);
      const or = 0.5 * (b + d), oi = -0.5 * (a - c);
      const xr = er + wRe[k] * or - wIm[k] * oi;
      const xi = ei + wRe[k] * oi + wIm[k] * or;
      out[k] = xr * xr + xi * xi;
    }
  }
}
