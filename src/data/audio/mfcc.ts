/**
 * The keyword-spotting front end: a 1 s clip -> [frames, coefficients] features.
 *
 *   clip        padded with zeros at the end / cropped to clipSamples (16000 = 1 s at 16 kHz)
 *   framing     frame t covers samples [t * hop, t * hop + window); window 40 ms = 640 samples,
 *               hop 20 ms = 320 samples -> frames = 1 + floor((16000 - 640) / 320) = 49
 *   window      periodic Hann (window.ts)
 *   spectrum    real FFT of the windowed frame zero-padded to fftSize (1024 >= 640), power
 *               |X[k]|^2, k = 0 .. fftSize/2, unnormalized, samples in [-1, 1] (fft.ts)
 *   mel         40 triangular HTK-mel filters, 20 Hz - 4 kHz (mel.ts)
 *   log         natural log of max(energy, logFloor), logFloor = 1e-6 (about -13.8; a silent
 *               frame gives exactly log(1e-6) in every band)
 *   DCT         orthonormal DCT-II of the log-mel vector, c_j = s_j sum_k e_k cos(pi j (2k+1) / 2K),
 *               s_0 = sqrt(1/K), s_j = sqrt(2/K), first numCoeffs = 10 kept (DS-CNN KWS setting,
 *               Zhang et al. 2017 "Hello Edge")
 * With output 'logmel' the DCT is skipped and the 40 log-mel energies are the features.
 * Arithmetic is float64; the result is stored as float32 in row-major [frames, coefficients].
 */
import { ArgumentError } from '../../util/errors.ts';
import { RealFft } from './fft.ts';
import { applyMel, melFilterbank, type MelFilterbank } from './mel.ts';
import { hannWindow } from './window.ts';

export interface FrontEndConfig {
  sampleRate: number;
  clipSamples: number;
  windowMs: number;
  hopMs: number;
  fftSize: number;
  numMel: number;
  fLow: number;
  fHigh: number;
  logFloor: number;
  numCoeffs: number;
  output: 'mfcc' | 'logmel';
}

export const DEFAULT_FRONT_END: Readonly<FrontEndConfig> = Object.freeze({
  sampleRate: 16000,
  clipSamples: 16000,
  windowMs: 40,
  hopMs: 20,
  fftSize: 1024,
  numMel: 40,
  fLow: 20,
  fHigh: 4000,
  logFloor: 1e-6,
  numCoeffs: 10,
  output: 'mfcc',
});

/** Orthonormal DCT-II matrix, rows j < numCoeffs, columns k < size: [numCoeffs * size]. */
export function dctMatrix(numCoeffs: number, size: number): Float64Array {
  if (!(Number.isInteger(size) && size >= 1 && Number.isInteger(numCoeffs) && numCoeffs >= 1 && numCoeffs <= size)) {
    throw new ArgumentError('dctMatrix', `need 1 <= numCoeffs <= size, got ${numCoeffs}, ${size}`);
  }
  const m = new Float64Array(numCoeffs * size);
  for (let j = 0; j < numCoeffs; j++) {
    const s = j === 0 ? Math.sqrt(1 / size) : Math.sqrt(2 / size);
    for (let k = 0; k < size; k++) m[j * size + k] = s * Math.cos((Math.PI * j * (2 * k + 1)) / (2 * size));
  }
  return m;
}

/** Copy `samples` into a new array of exactly `length` samples: zero-padded at the end or cropped. */
export function fitClip(samples: Float32Array, length: number): Float32Array {
  if (samples.length === length) return samples.slice();
  const out = new Float32Array(length);
  out.set(samples.length > length ? samples.subarray(0, length) : samples);
  return out;
}

export class MfccFrontEnd {
  readonly config: Readonly<FrontEndConfig>;
  readonly windowSamples: number;
  readonly hopSamples: number;
  /** L: frames per clip */
  readonly numFrames: number;
  /** C: features per frame (numCoeffs for mfcc, numMel for logmel) */
  readonly numFeatures: number;
  readonly filterbank: MelFilterbank;
  private readonly window: Float64Array;
  private readonly fft: RealFft;
  private readonly dct: Float64Array;
  private readonly frame: Float64Array;
  private readonly power: Float64Array;
  private readonly mel: Float64Array;

  constructor(config: Partial<FrontEndConfig> = {}) {
    const c = (this.config = Object.freeze({ ...DEFAULT_FRONT_END, ...config }));
    const where = 'MfccFrontEnd';
    this.windowSamples = Math.round((c.windowMs * c.sampleRate) / 1000);
    this.hopSamples = Math.round((c.hopMs * c.sampleRate) / 1000);
    if (this.windowSamples < 2 || this.hopSamples < 1) throw new ArgumentError(where, `window ${c.windowMs} ms / hop ${c.hopMs} ms too short at ${c.sampleRate} Hz`);
    if (this.windowSamples > c.fftSize) throw new ArgumentError(where, `window of ${this.windowSamples} samples exceeds fftSize ${c.fftSize}`);
    if (c.clipSamples < this.windowSamples) throw new ArgumentError(where, `clip of ${c.clipSamples} samples is shorter than one window (${this.windowSamples})`);
    if (!(c.logFloor > 0)) throw new ArgumentError(where, `logFloor must be > 0, got ${c.logFloor}`);
    if (c.output !== 'mfcc' && c.output !== 'logmel') throw new ArgumentError(where, `output must be 'mfcc' or 'logmel', got ${String(c.output)}`);
    this.numFrames = 1 + Math.floor((c.clipSamples - this.windowSamples) / this.hopSamples);
    this.fft = new RealFft(c.fftSize);
    this.filterbank = melFilterbank(c.numMel, c.fftSize, c.sampleRate, c.fLow, c.fHigh);
    this.numFeatures = c.output === 'mfcc' ? c.numCoeffs : c.numMel;
    this.dct = c.output === 'mfcc' ? dctMatrix(c.numCoeffs, c.numMel) : new Float64Array(0);
    this.window = hannWindow(this.windowSamples);
    this.frame = new Float64Array(this.windowSamples);
    this.power = new Float64Array(this.fft.bins);
    this.mel = new Float64Array(c.numMel);
  }

  /**
   * Features of one clip into out[offset .. offset + numFrames * numFeatures) (a new array
   * when `out` is omitted). The clip is read as if zero-padded / cropped to clipSamples.
   */
  process(clip: Float32Array, out?: Float32Array, offset = 0): Float32Array {
    const { numFrames, numFeatures, windowSamples, hopSamples, window, frame, power, mel, dct } = this;
    const { clipSamples, numMel, logFloor, output } = this.config;
    const dst = out ?? new Float32Array(numFrames * numFeatures);
    if (offset + numFrames * numFeatures > dst.length) throw new ArgumentError('MfccFrontEnd.process', `output too short for ${numFrames} x ${numFeatures} at offset ${offset}`);
    const avail = Math.min(clip.length, clipSamples);
    for (let t = 0; t < numFrames; t++) {
      const start = t * hopSamples;
      for (let i = 0; i < windowSamples; i++) {
        const s = start + i;
        frame[i] = s < avail ? clip[s] * window[i] : 0;
      }
      this.fft.power(frame, power); // frame shorter than fftSize: zero-padded inside
      applyMel(this.filterbank, power, mel);
      for (let k = 0; k < numMel; k++) mel[k] = Math.log(mel[k] > logFloor ? mel[k] : logFloor);
      const o = offset + t * numFeatures;
      if (output === 'logmel') {
        for (let k = 0; k < numMel; k++) dst[o + k] = mel[k];
      } else {
        for (let j = 0; j < numFeatures; j++) {
          let s = 0;
          const row = j * numMel;
          for (let k = 0; k < numMel; k++) s += dct[row + k] * mel[k];
          dst[o + j] = s;
        }
      }
    }
    return dst;
  }
}

/** One-shot convenience: features of one clip with the given (default) configuration. */
export function mfcc(clip: Float32Array, config: Partial<FrontEndConfig> = {}): Float32Array {
  return new MfccFrontEnd(config).process(clip);
}
