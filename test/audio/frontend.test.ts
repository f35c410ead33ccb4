import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RealFft } from '../../src/data/audio/fft.ts';
import { applyMel, hzToMel, melFilterbank, melToHz } from '../../src/data/audio/mel.ts';
import { dctMatrix, fitClip, MfccFrontEnd } from '../../src/data/audio/mfcc.ts';
import { hannWindow } from '../../src/data/audio/window.ts';
import { ArgumentError } from '../../src/util/errors.ts';
import { NAIVE_DEFAULT, naiveDct, naiveMelMatrix, naiveMfcc, testSignal } from './naive_mfcc.ts';

function naiveDft(x: ArrayLike<number>, n: number): { re: number[]; im: number[] } {
  const re: number[] = [], im: number[] = [];
  for (let k = 0; k <= n / 2; k++) {
    let r = 0, i = 0;
    for (let t = 0; t < x.length; t++) {
      r += x[t] * Math.cos((2 * Math.PI * k * t) / n);
      i -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
    }
    re.push(r);
    im.push(i);
  }
  return { re, im };
}

describe('RealFft', () => {
  it('matches a naive DFT for every size 4 .. 1024, with zero padding', () => {
    for (let n = 4; n <= 1024; n *= 2) {
      const fft = new RealFft(n);
      for (const len of [n, Math.max(1, n - 3), n >> 1]) {
        const x = Float64Array.from({ length: len }, (_, i) => Math.sin(i * 1.7) + ((i * 31) % 7) / 7 - 0.4);
        const re = new Float64Array(fft.bins), im = new Float64Array(fft.bins), pw = new Float64Array(fft.bins);
        fft.forward(x, re, im);
        fft.power(x, pw);
        const ref = naiveDft(x, n);
        const scale = len; // |X| <= sum |x| <= ~2 len
        for (let k = 0; k < fft.bins; k++) {
          expect(Math.abs(re[k] - ref.re[k])).toBeLessThan(1e-10 * scale);
          expect(Math.abs(im[k] - ref.im[k])).toBeLessThan(1e-10 * scale);
          expect(Math.abs(pw[k] - (ref.re[k] ** 2 + ref.im[k] ** 2))).toBeLessThan(1e-9 * scale * scale);
        }
      }
    }
  });

  it('satisfies Parseval: sum x^2 = (1/N) sum_k |X[k]|^2 over the full spectrum', () => {
    fc.assert(
      fc.property(fc.constantFrom(8, 64, 512, 1024), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 1024 }), (n, xs) => {
        const x = xs.slice(0, n);
        const fft = new RealFft(n);
        const p = new Float64Array(fft.bins);
        fft.power(x, p);
        let energy = 0;
        for (const v of x) energy += v * v;
        let spec = p[0] + p[n / 2];
        for (let k = 1; k < n / 2; k++) spec += 2 * p[k]; // X[N-k] = conj X[k]
        expect(Math.abs(spec / n - energy)).toBeLessThan(1e-9 * (1 + energy));
      }),
      { numRuns: 100 },
    );
  });

  it('rejects lengths that are not powers of two and over-long input', () => {
    expect(() => new RealFft(600)).toThrow(ArgumentError);
    expect(() => new RealFft(2)).toThrow(ArgumentError);
    expect(() => new RealFft(8).power(new Float64Array(9), new Float64Array(5))).toThrow(ArgumentError);
  });
});

describe('window, mel, DCT', () => {
  it('Hann: periodic and symmetric forms', () => {
    const p = hannWindow(8), s = hannWindow(9, 'symmetric');
    expect(p[0]).toBe(0);
    expect(p[4]).toBeCloseTo(1, 15);
    expect(s[0]).toBe(0);
    expect(s[8]).toBeCloseTo(0, 15);
    expect(s[4]).toBeCloseTo(1, 15);
    // periodic Hann at 50 % overlap sums to 1
    for (let i = 0; i < 4; i++) expect(p[i] + p[i + 4]).toBeCloseTo(1, 14);
  });

  it('HTK mel scale: mel(700) = 2595 log10 2, inverse round-trips, 1000 Hz ~ 1000 mel', () => {
    expect(hzToMel(700)).toBeCloseTo(2595 * Math.log10(2), 10);
    expect(hzToMel(1000)).toBeCloseTo(999.99, 1);
    for (const f of [0, 20, 440, 4000, 8000]) expect(melToHz(hzToMel(f))).toBeCloseTo(f, 8);
  });

  it('filterbank equals the dense naive matrix', () => {
    const fb = melFilterbank(40, 1024, 16000, 20, 4000);
    const dense = naiveMelMatrix(NAIVE_DEFAULT);
    for (let k = 0; k < 40; k++) {
      for (let i = 0; i <= 512; i++) {
        const j = i - fb.first[k];
        const w = j >= 0 && j < fb.weights[k].length ? fb.weights[k][j] : 0;
        expect(Math.abs(w - dense[k][i])).toBeLessThan(1e-12);
      }
    }
  });

  it('a pure tone lands in the mel band whose centre is nearest to it', () => {
    const fe = new MfccFrontEnd({ output: 'logmel' });
    const fb = fe.filterbank;
    for (const f of [150, 440, 1000, 2500, 3700]) {
      const x = Float32Array.from({ length: 16000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * f * i) / 16000));
      const out = fe.process(x);
      const frame = out.subarray(20 * 40, 21 * 40);
      let best = 0;
      for (let k = 1; k < 40; k++) if (frame[k] > frame[best]) best = k;
      let nearest = 0;
      for (let k = 1; k < 40; k++) if (Math.abs(fb.edgesHz[k + 1] - f) < Math.abs(fb.edgesHz[nearest + 1] - f)) nearest = k;
      expect(best).toBe(nearest);
      expect(fb.edgesHz[best]).toBeLessThan(f);
      expect(fb.edgesHz[best + 2]).toBeGreaterThan(f);
    }
  });

  it('applyMel equals dense matrix times power', () => {
    const fb = melFilterbank(10, 64, 8000, 0, 4000);
    const p = Float64Array.from({ length: 33 }, (_, i) => (i * 13) % 5);
    const out = new Float64Array(10);
    applyMel(fb, p, out);
    const dense = naiveMelMatrix({ ...NAIVE_DEFAULT, nfft: 64, sampleRate: 8000, numMel: 10, fLow: 0, fHigh: 4000 });
    for (let k = 0; k < 10; k++) expect(out[k]).toBeCloseTo(dense[k].reduce((s, w, i) => s + w * p[i], 0), 12);
  });

  it('orthonormal DCT-II matches the naive formula and is orthogonal', () => {
    const m = dctMatrix(40, 40);
    const v = Array.from({ length: 40 }, (_, i) => Math.cos(i * 0.37) * 3 - i / 10);
    const ref = naiveDct(v, 40);
    for (let j = 0; j < 40; j++) {
      let s = 0;
      for (let k = 0; k < 40; k++) s += m[j * 40 + k] * v[k];
      expect(s).toBeCloseTo(ref[j], 12);
      for (let j2 = 0; j2 < 40; j2++) {
        let d = 0;
        for (let k = 0; k < 40; k++) d += m[j * 40 + k] * m[j2 * 40 + k];
        expect(d).toBeCloseTo(j === j2 ? 1 : 0, 12);
      }
    }
  });
});

describe('MfccFrontEnd', () => {
  // Stored once from naiveMfcc(testSignal()) (test/audio/naive_mfcc.ts, float64, naive DFT),
  // frames 0, 24 and 48, 10 significant digits. Guards both the oracle and the front end.
  const EXPECTED: Record<number, number[]> = {
    0: [-5.783461026, -0.7588936767, -4.03800421, -5.356140523, -3.387652864, -8.637580938, -7.257848338, 7.210530154, 11.01724388, 2.924529054],
    24: [-5.79645344, -0.7938900302, -4.08497771, -5.383324493, -3.382409292, -8.607932349, -7.216643733, 7.246382529, 11.0334749, 2.927524024],
    48: [-5.789200222, -0.7602949651, -4.032681081, -5.359862813, -3.402118465, -8.640463674, -7.238722993, 7.225810096, 11.00636906, 2.909399326],
  };

  it('defaults: 49 frames x 10 MFCC, 40 log-mel available', () => {
    const fe = new MfccFrontEnd();
    expect([fe.numFrames, fe.numFeatures, fe.windowSamples, fe.hopSamples]).toEqual([49, 10, 640, 320]);
    expect(new MfccFrontEnd({ output: 'logmel' }).numFeatures).toBe(40);
  });

  it('fixed vectors: the oracle still gives the stored values, and the front end matches them', () => {
    const x = testSignal();
    const ref = naiveMfcc(x);
    const out = new MfccFrontEnd().process(x);
    for (const t of [0, 24, 48]) {
      for (let j = 0; j < 10; j++) {
        expect(Math.abs(ref[t][j] - EXPECTED[t][j])).toBeLessThan(1e-8);
        expect(Math.abs(out[t * 10 + j] - EXPECTED[t][j])).toBeLessThan(1e-5 * Math.max(1, Math.abs(EXPECTED[t][j])));
      }
    }
  });

  it('matches the naive oracle on every frame, for MFCC and log-mel, including a short (padded) clip', () => {
    const x = testSignal(5000); // 0.3125 s: padded with zeros to 1 s
    const mel = naiveMelMatrix(NAIVE_DEFAULT);
    for (const logmel of [false, true]) {
      const ref = naiveMfcc(x, NAIVE_DEFAULT, logmel, mel);
      const fe = new MfccFrontEnd({ output: logmel ? 'logmel' : 'mfcc' });
      const out = new Float32Array(fe.numFrames * fe.numFeatures + 7);
      fe.process(x, out, 7);
      for (let t = 0; t < 49; t++) for (let j = 0; j < fe.numFeatures; j++) {
        expect(Math.abs(out[7 + t * fe.numFeatures + j] - ref[t][j])).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref[t][j])));
      }
    }
    // silent frames: log floor in every band, c0 = sqrt(40) log(1e-6)
    const fe = new MfccFrontEnd();
    const silent = fe.process(new Float32Array(100));
    expect(silent[48 * 10]).toBeCloseTo(Math.sqrt(40) * Math.log(1e-6), 4);
  });

  it('crops long clips to 1 s and fitClip pads/crops', () => {
    const long = testSignal(20000);
    const fe = new MfccFrontEnd();
    expect(fe.process(long)).toEqual(fe.process(long.subarray(0, 16000)));
    expect(Array.from(fitClip(Float32Array.of(1, 2), 4))).toEqual([1, 2, 0, 0]);
    expect(Array.from(fitClip(Float32Array.of(1, 2, 3), 2))).toEqual([1, 2]);
  });

  it('rejects impossible configurations', () => {
    expect(() => new MfccFrontEnd({ fftSize: 512 })).toThrow(ArgumentError); // 640-sample window
    expect(() => new MfccFrontEnd({ numCoeffs: 41 })).toThrow(ArgumentError);
    expect(() => new MfccFrontEnd({ fHigh: 9000 })).toThrow(ArgumentError);
    expect(() => new MfccFrontEnd({ numMel: 200, fftSize: 1024 })).toThrow(ArgumentError); // empty low filters
  });
});
