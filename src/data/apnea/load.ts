import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../core/rng.ts';
import { ArgumentError, FormatError } from '../../util/errors.ts';
import type { Dataset } from '../dataset.ts';
import { readAnnotationFile } from '../wfdb/annotation.ts';
import { readRecord, toPhysical } from '../wfdb/signal.ts';
import { APNEA_CLASSES, APNEA_LEARNING_RECORDS, APNEA_TEST_RECORDS, minuteLabels } from './labels.ts';

/**
 * Apnea-ECG pipeline 'apnea-ecg' (synchronous): one-minute segments of each labelled record
 * (100 Hz, format 16, one ECG signal), label N/A from its .apn file, split by record.
 *
 * x: [N, L = (2 * contextMinutes + 1) * 6000 / decimate, C = 1], millivolts, each segment
 * z-scored unless normalization = 'none'; decimation averages `decimate` consecutive samples.
 * Context: with contextMinutes = c the example of minute m is minutes m - c .. m + c (label of
 * minute m), the record's edge samples repeated where the context runs past it, so every
 * labelled minute stays an example. The dataset is named 'apnea-ecg', with context
 * 'apnea-ecg-<2c+1>min'.
 * Splits (by record = patient, never by minute): test = the x01-x35 records present in `dir`
 * (their .apn are PhysioNet's released answers), or, when none is present, a seeded 20% of the
 * learning records; val = a seeded round(15%) of each learning group (a = apnea, b = borderline,
 * c = control records; at least one record overall); the rest (release set a01-a20, b01-b05,
 * c01-c10) is train.
 */

export interface LoadApneaOptions {
  dir: string;
  /** records to use (default: every learning and test record whose .hea, .dat and .apn are in dir) */
  records?: string[];
  valRecords?: string[];
  testRecords?: string[];
  seed?: number;
  decimate?: number;
  /** minutes of context on each side of the labelled minute (default 0) */
  contextMinutes?: number;
  normalization?: 'zscore' | 'none';
  /** progress callback per record read */
  onRecord?: (record: string, done: number, total: number) => void;
}

function available(dir: string, r: string): boolean {
  return ['hea', 'dat', 'apn'].every((e) => existsSync(join(dir, `${r}.${e}`)));
}

export function apneaSplits(records: string[], opts: Pick<LoadApneaOptions, 'valRecords' | 'testRecords' | 'seed'>): Map<string, number> {
  const rng = new Rng(opts.seed ?? 0);
  const learning = records.filter((r) => !APNEA_TEST_RECORDS.includes(r));
  let test = opts.testRecords ?? records.filter((r) => APNEA_TEST_RECORDS.includes(r));
  if (test.length === 0 && !opts.testRecords) {
    const perm = rng.permutation(learning.length);
    test = Array.from(perm.subarray(0, Math.round(learning.length * 0.2)), (i) => learning[i]);
  }
  const rest = learning.filter((r) => !test.includes(r));
  let val = opts.valRecords;
  if (!val) {
    val = [];
    const groups = ['a', 'b', 'c'].map((g) => rest.filter((r) => r[0] === g));
    for (const g of groups) {
      const perm = rng.permutation(g.length);
      val.push(...Array.from(perm.subarray(0, Math.round(g.length * 0.15)), (i) => g[i]));
    }
    if (val.length === 0 && rest.length >= 2) {
      const largest = groups.reduce((a, b) => (b.length > a.length ? b : a));
      val.push(largest[rng.permutation(largest.length)[0]]);
    }
  }
  const out = new Map<string, number>();
  for (const r of records) out.set(r, test.includes(r) ? 2 : val.includes(r) ? 1 : 0);
  return out;
}

export function loadApnea(opts: LoadApneaOptions): Dataset {
  const decimate = opts.decimate ?? 1;
  if (!(Number.isInteger(decimate) && decimate >= 1 && 6000 % decimate === 0)) throw new ArgumentError('loadApnea', `decimate ${decimate} must be an integer dividing 6000`);
  const ctx = opts.contextMinutes ?? 0;
  if (!(Number.isInteger(ctx) && ctx >= 0 && ctx <= 5)) throw new ArgumentError('loadApnea', `contextMinutes ${ctx} must be an integer in 0..5`);
  const records = opts.records ?? [...APNEA_LEARNING_RECORDS, ...APNEA_TEST_RECORDS].filter((r) => available(opts.dir, r));
  if (records.length === 0) throw new FormatError(opts.dir, 'no Apnea-ECG record with .hea, .dat and .apn (hypertinypw data download apnea-ecg --dir <dir>)');
  const splits = apneaSplits(records, opts);
  const segs: Float32Array[] = [];
  const ys: number[] = [];
  const groups: number[] = [];
  let L = 0;
  records.forEach((r, gi) => {
    const rec = readRecord(opts.dir, r, { signals: [0] });
    const fs = rec.header.fs;
    const sig = toPhysical(rec.digital[0]!, rec.header.signals[0]);
    const labels = minuteLabels(readAnnotationFile(join(opts.dir, `${r}.apn`)), fs, join(opts.dir, `${r}.apn`));
    const per = Math.round(fs * 60);
    if (per % decimate !== 0) throw new ArgumentError('loadApnea', `decimate ${decimate} does not divide ${per} samples per minute of ${r}`);
    L = ((2 * ctx + 1) * per) / decimate;
    const last = sig.length - 1;
    for (let m = 0; m < labels.length; m++) {
      if (labels[m] < 0 || (m + 1) * per > sig.length) continue;
      const seg = new Float32Array(L);
      const start = (m - ctx) * per;
      for (let i = 0; i < L; i++) {
        let acc = 0;
        for (let j = 0; j < decimate; j++) acc += sig[Math.min(last, Math.max(0, start + i * decimate + j))];
        seg[i] = acc / decimate;
      }
      if (opts.normalization !== 'none') zscore(seg);
      segs.push(seg);
      ys.push(labels[m]);
      groups.push(gi);
    }
    opts.onRecord?.(r, gi + 1, records.length);
  });
  const n = segs.length;
  const x = new Float32Array(n * L);
  segs.forEach((s, i) => x.set(s, i * L));
  return {
    name: ctx ? `apnea-ecg-${2 * ctx + 1}min` : 'apnea-ecg', x, shape: [n, L, 1], y: Int32Array.from(ys), classes: [...APNEA_CLASSES],
    split: Uint8Array.from(groups, (g) => splits.get(records[g])!), group: Int32Array.from(groups), groupNames: records,
    meta: { source: opts.dir, fs: 100 / decimate, segmentSeconds: 60, contextMinutes: ctx, decimate, normalization: opts.normalization ?? 'zscore', splits: Object.fromEntries(splits) },
  };
}

function zscore(s: Float32Array): void {
  let m = 0;
  for (const v of s) m += v;
  m /= s.length;
  let q = 0;
  for (const v of s) q += (v - m) ** 2;
  const k = 1 / (Math.sqrt(q / s.length) + 1e-6);
  for (let i = 0; i < s.length; i++) s[i] = (s[i] - m) * k;
}
