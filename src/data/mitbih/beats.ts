import { join } from 'node:path';
import { ArgumentError } from '../../util/errors.ts';
import { readAnnotationFile } from '../wfdb/annotation.ts';
import { BEAT_CODES, mnemonicOf } from '../wfdb/codes.ts';
import { findSignal, readHeaderFile, readRecord, toPhysical } from '../wfdb/signal.ts';
import { AAMI_OF_MNEMONIC } from './aami.ts';

/**
 * Beat segmentation of one MIT-BIH record.
 *
 * Window: `preS` seconds before and `postS` seconds after each annotated R peak (annotation
 * sample r covers source samples [r - round(preS*fs), r + round(postS*fs)), W samples), then
 * resampled to `length` points. Downsampling (length < W) averages the signal over each output
 * bin with fractional-overlap weights (a box anti-alias filter); upsampling interpolates linearly.
 * Beats closer to the record edge than the window are padded by repeating the edge sample, so
 * no annotated beat is dropped. Only AAMI-mapped beat annotations are returned; every beat
 * annotation (including unmapped ones) counts as an R peak for the RR features.
 *
 * Normalization per beat: 'zscore' (subtract the beat mean, divide by its standard deviation
 * + 1e-6), 'center' (subtract the mean, keep millivolts), 'none' (millivolts as recorded).
 *
 * RR features (seconds) per beat: pre (to the previous R peak), post (to the next), local
 * (mean of the 10 RR intervals ending at this beat), record (mean RR of the whole record). The
 * first/last beat uses its post/pre interval for the missing side.
 */

export type BeatNormalization = 'zscore' | 'center' | 'none';

export interface BeatOptions {
  /** seconds before the R peak (default 0.25) */
  preS: number;
  /** seconds after the R peak (default 0.45) */
  postS: number;
  /** samples per beat after resampling (default 128) */
  length: number;
  /** signals by header description (default ['MLII']) */
  leads: string[];
  normalization: BeatNormalization;
}

export const DEFAULT_BEAT_OPTIONS: BeatOptions = { preS: 0.25, postS: 0.45, length: 128, leads: ['MLII'], normalization: 'zscore' };

export const RR_FEATURE_NAMES = ['rr_pre_s', 'rr_post_s', 'rr_local_s', 'rr_record_s'] as const;

export interface RecordBeats {
  record: string;
  /** [n, length, leads] */
  x: Float32Array;
  /** AAMI class per beat */
  aami: Uint8Array;
  /** MIT-BIH code per beat */
  code: Uint8Array;
  /** annotation sample per beat */
  sample: Int32Array;
  /** [n, 4] RR features */
  rr: Float32Array;
  fs: number;
}

/** Resample src[start .. start+W) (edge-padded) into out[outOffset + i*stride], i < L. */
export function resampleWindow(src: Float32Array, start: number, w: number, out: Float32Array, outOffset: number, stride: number, l: number): void {
  const last = src.length - 1;
  const at = (j: number) => src[j < 0 ? 0 : j > last ? last : j];
  if (l >= w) {
    const step = l === 1 ? 0 : (w - 1) / (l - 1);
    for (let i = 0; i < l; i++) {
      const p = i * step;
      const j = Math.floor(p);
      const f = p - j;
      out[outOffset + i * stride] = f === 0 ? at(start + j) : at(start + j) * (1 - f) + at(start + j + 1) * f;
    }
    return;
  }
  const bin = w / l;
  for (let i = 0; i < l; i++) {
    const a = i * bin;
    const b = a + bin;
    let acc = 0;
    for (let j = Math.floor(a); j < b; j++) {
      const lo = Math.max(a, j);
      const hi = Math.min(b, j + 1);
      if (hi > lo) acc += at(start + j) * (hi - lo);
    }
    out[outOffset + i * stride] = acc / bin;
  }
}

export function checkBeatOptions(o: BeatOptions): void {
  if (!(o.preS >= 0 && o.postS > 0 && o.preS + o.postS <= 10)) throw new ArgumentError('mitbih beats', `window preS ${o.preS} / postS ${o.postS} must be >= 0 / > 0 and total <= 10 s`);
  if (!(Number.isInteger(o.length) && o.length >= 1 && o.length <= 4096)) throw new ArgumentError('mitbih beats', `length ${o.length} must be an integer in 1..4096`);
  if (o.leads.length === 0) throw new ArgumentError('mitbih beats', 'at least one lead is needed');
  if (!['zscore', 'center', 'none'].includes(o.normalization)) throw new ArgumentError('mitbih beats', `normalization "${o.normalization}" must be zscore, center or none`);
}

/** Read one record and cut its AAMI-labelled beats. */
export function recordBeats(dir: string, record: string, opts: BeatOptions = DEFAULT_BEAT_OPTIONS): RecordBeats {
  checkBeatOptions(opts);
  const header = readHeaderFile(join(dir, `${record}.hea`));
  const leadIdx = opts.leads.map((name) => findSignal(header, name, join(dir, `${record}.hea`)));
  const rec = readRecord(dir, record, { signals: leadIdx });
  const leads = leadIdx.map((i) => toPhysical(rec.digital[i]!, header.signals[i]));
  const ann = readAnnotationFile(join(dir, `${record}.atr`));
  const fs = header.fs;

  const peaks: number[] = [];
  const keep: number[] = []; // indices into peaks of AAMI-mapped beats
  const labels: number[] = [];
  for (let i = 0; i < ann.code.length; i++) {
    if (!BEAT_CODES.has(ann.code[i])) continue;
    const cls = AAMI_OF_MNEMONIC[mnemonicOf(ann.code[i])];
    if (cls !== undefined) {
      keep.push(peaks.length);
      labels.push(cls);
    }
    peaks.push(ann.sample[i]);
  }
  const nb = keep.length;
  const pre = Math.round(opts.preS * fs);
  const w = pre + Math.round(opts.postS * fs);
  const L = opts.length;
  const C = leads.length;
  const x = new Float32Array(nb * L * C);
  const rr = new Float32Array(nb * 4);
  const recordMean = peaks.length > 1 ? (peaks[peaks.length - 1] - peaks[0]) / (peaks.length - 1) / fs : 0;
  const code = new Uint8Array(nb);
  const sample = new Int32Array(nb);
  for (let b = 0; b < nb; b++) {
    const p = keep[b];
    const r = peaks[p];
    sample[b] = r;
    for (let c = 0; c < C; c++) resampleWindow(leads[c], r - pre, w, x, b * L * C + c, C, L);
    normalizeBeat(x, b * L * C, L * C, opts.normalization);
    const preRR = p > 0 ? (r - peaks[p - 1]) / fs : NaN;
    const postRR = p + 1 < peaks.length ? (peaks[p + 1] - r) / fs : NaN;
    const first = Math.max(0, p - 10);
    const local = p > 0 ? (r - peaks[first]) / (p - first) / fs : NaN;
    rr[b * 4] = Number.isNaN(preRR) ? (Number.isNaN(postRR) ? recordMean : postRR) : preRR;
    rr[b * 4 + 1] = Number.isNaN(postRR) ? rr[b * 4] : postRR;
    rr[b * 4 + 2] = Number.isNaN(local) ? rr[b * 4] : local;
    rr[b * 4 + 3] = recordMean;
  }
  let k = 0;
  for (let i = 0; i < ann.code.length; i++) if (BEAT_CODES.has(ann.code[i]) && AAMI_OF_MNEMONIC[mnemonicOf(ann.code[i])] !== undefined) code[k++] = ann.code[i];
  return { record, x, aami: Uint8Array.from(labels), code, sample, rr, fs };
}

export function normalizeBeat(x: Float32Array, off: number, n: number, mode: BeatNormalization): void {
  if (mode === 'none') return;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[off + i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = x[off + i] - mean;
    v += d * d;
  }
  const scale = mode === 'zscore' ? 1 / (Math.sqrt(v / n) + 1e-6) : 1;
  for (let i = 0; i < n; i++) x[off + i] = (x[off + i] - mean) * scale;
}
