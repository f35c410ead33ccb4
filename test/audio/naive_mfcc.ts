/**
 * An independent, straightforward float64 MFCC written from the formulas (no code shared with
 * src/data/audio): naive O(N^2) DFT, Hann, HTK mel triangles, log with floor, naive DCT-II.
 * The oracle for the front-end tests and the baseline of bench/mfcc.bench.ts.
 */
export interface NaiveConfig {
  sampleRate: number;
  clipSamples: number;
  window: number;
  hop: number;
  nfft: number;
  numMel: number;
  fLow: number;
  fHigh: number;
  logFloor: number;
  numCoeffs: number;
}

export const NAIVE_DEFAULT: NaiveConfig = {
  sampleRate: 16000, clipSamples: 16000, window: 640, hop: 320, nfft: 1024, numMel: 40, fLow: 20, fHigh: 4000, logFloor: 1e-6, numCoeffs: 10,
};

/** |X[k]|^2, k = 0 .. nfft/2, of x zero-padded to nfft, by the DFT definition. */
export function naivePower(x: ArrayLike<number>, nfft: number): number[] {
  const out: number[] = [];
  for (let k = 0; k <= nfft / 2; k++) {
    let re = 0, im = 0;
    for (let n = 0; n < x.length; n++) {
      const a = (-2 * Math.PI * k * n) / nfft;
      re += x[n] * Math.cos(a);
      im += x[n] * Math.sin(a);
    }
    out.push(re * re + im * im);
  }
  return out;
}

/** Dense mel weight matrix [numMel][nfft/2 + 1] from the HTK formula. */
export function naiveMelMatrix(c: NaiveConfig): number[][] {
  const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
  const hz = (m: number) => 700 * (Math.pow(10, m / 2595) - 1);
  const edges: number[] = [];
  for (let i = 0; i < c.numMel + 2; i++) edges.push(hz(mel(c.fLow) + (i * (mel(c.fHigh) - mel(c.fLow))) / (c.numMel + 1)));
  const m: number[][] = [];
  for (let j = 0; j < c.numMel; j++) {
    const row: number[] = [];
    for (let k = 0; k <= c.nfft / 2; k++) {
      const f = (k * c.sampleRate) / c.nfft;
      const up = (f - edges[j]) / (edges[j + 1] - edges[j]);
      const down = (edges[j + 2] - f) / (edges[j + 2] - edges[j + 1]);
      row.push(Math.max(0, Math.min(up, down)));
    }
    m.push(row);
  }
  return m;
}

export function naiveDct(v: number[], numCoeffs: number): number[] {
  const n = v.length;
  const out: number[] = [];
  for (let j = 0; j < numCoeffs; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += v[k] * Math.cos((Math.PI * j * (k + 0.5)) / n);
    out.push(s * Math.sqrt((j === 0 ? 1 : 2) / n));
  }
  return out;
}

/** [frames][numCoeffs] MFCC (or [frames][numMel] log-mel when logmel is true). */
export function naiveMfcc(clip: ArrayLike<number>, c: NaiveConfig = NAIVE_DEFAULT, logmel = false, melMatrix = naiveMelMatrix(c)): number[][] {
  const x: number[] = [];
  for (let i = 0; i < c.clipSamples; i++) x.push(i < clip.length ? clip[i] : 0);
  const frames: number[][] = [];
  for (let start = 0; start + c.window <= c.clipSamples; start += c.hop) {
    const f: number[] = [];
    for (let i = 0; i < c.window; i++) f.push(x[start + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / c.window)));
    const p = naivePower(f, c.nfft);
    const e = melMatrix.map((row) => Math.log(Math.max(c.logFloor, row.reduce((s, w, k) => s + w * p[k], 0))));
    frames.push(logmel ? e : naiveDct(e, c.numCoeffs));
  }
  return frames;
}

/** The deterministic test signal: two tones and a little pseudo-noise, 1 s at 16 kHz. */
export function testSignal(n = 16000): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / 16000) + 0.25 * Math.sin((2 * Math.PI * 1234.5 * i) / 16000 + 0.3) + 0.1 * (((i * 7919) % 1000) / 1000 - 0.5);
  }
  return x;
}
