/**
 * Mel filterbank.
 *
 * Mel scale (HTK): mel(f) = 2595 log10(1 + f / 700), f(mel) = 700 (10^(mel / 2595) - 1).
 * numFilters + 2 edge frequencies are spaced evenly in mel between fLow and fHigh; filter k is
 * the triangle rising from edge k to 1 at edge k+1 and falling to 0 at edge k+2, evaluated at
 * the exact bin frequency f_i = i * sampleRate / fftSize (no rounding of edges to bins, peak 1,
 * no area normalization; HTK / TensorFlow's linear_to_mel_weight_matrix use the same triangles).
 * Defaults used by the front end: 40 filters, 20 Hz to 4 kHz.
 *
 * Stored sparse: filter k covers bins first[k] .. first[k] + weights[k].length - 1.
 */
import { ArgumentError } from '../../util/errors.ts';

export function hzToMel(f: number): number {
  return 2595 * Math.log10(1 + f / 700);
}

export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

export interface MelFilterbank {
  numFilters: number;
  fftSize: number;
  sampleRate: number;
  fLow: number;
  fHigh: number;
  /** first FFT bin with a non-zero weight, per filter */
  first: Int32Array;
  /** non-zero weights per filter, starting at first[k] */
  weights: Float64Array[];
  /** the numFilters + 2 edge frequencies in Hz */
  edgesHz: Float64Array;
}

export function melFilterbank(numFilters: number, fftSize: number, sampleRate: number, fLow: number, fHigh: number): MelFilterbank {
  const where = 'melFilterbank';
  if (!(Number.isInteger(numFilters) && numFilters >= 1)) throw new ArgumentError(where, `numFilters must be a positive integer, got ${numFilters}`);
  if (!(fLow >= 0 && fHigh > fLow && fHigh <= sampleRate / 2)) {
    throw new ArgumentError(where, `need 0 <= fLow < fHigh <= sampleRate / 2, got ${fLow}, ${fHigh}, ${sampleRate}`);
  }
  const mLow = hzToMel(fLow), mHigh = hzToMel(fHigh);
  const edgesHz = new Float64Array(numFilters + 2);
  for (let i = 0; i < numFilters + 2; i++) edgesHz[i] = melToHz(mLow + ((mHigh - mLow) * i) / (numFilters + 1));
  const bins = fftSize / 2 + 1;
  const binHz = sampleRate / fftSize;
  const first = new Int32Array(numFilters);
  const weights: Float64Array[] = [];
  for (let k = 0; k < numFilters; k++) {
    const lo = edgesHz[k], mid = edgesHz[k + 1], hi = edgesHz[k + 2];
    const w: number[] = [];
    let start = -1;
    for (let i = 0; i < bins; i++) {
      const f = i * binHz;
      if (f <= lo || f >= hi) continue;
      const v = f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid);
      if (start < 0) start = i;
      w.push(v);
    }
    if (start < 0) throw new ArgumentError(where, `filter ${k} (${lo.toFixed(1)}-${hi.toFixed(1)} Hz) covers no FFT bin; use a larger fftSize or fewer filters`);
    first[k] = start;
    weights.push(Float64Array.from(w));
  }
  return { numFilters, fftSize, sampleRate, fLow, fHigh, first, weights, edgesHz };
}

/** out[k] = sum_i weights[k][i] * power[first[k] + i]. */
export function applyMel(fb: MelFilterbank, power: ArrayLike<number>, out: Float64Array | Float32Array): void {
  for (let k = 0; k < fb.numFilters; k++) {
    const w = fb.weights[k];
    const f = fb.first[k];
    let s = 0;
    for (let i = 0; i < w.length; i++) s += w[i] * power[f + i];
    out[k] = s;
  }
}
