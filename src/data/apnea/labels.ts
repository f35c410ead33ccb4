import { FormatError } from '../../util/errors.ts';
import type { Annotations } from '../wfdb/annotation.ts';
import { mnemonicOf } from '../wfdb/codes.ts';

/**
 * Apnea-ECG per-minute labels (.apn): one annotation per minute at sample minute * fs * 60,
 * mnemonic 'A' (apnea, stored with the code of APC) or 'N' (normal). Label 1 = A, 0 = N.
 */

export const APNEA_CLASSES = ['N', 'A'] as const;

/** The 35 released (learning set) records with .apn labels; x01-x35 are the test set. */
export const APNEA_LEARNING_RECORDS: readonly string[] = [
  ...Array.from({ length: 20 }, (_, i) => `a${String(i + 1).padStart(2, '0')}`),
  ...Array.from({ length: 5 }, (_, i) => `b${String(i + 1).padStart(2, '0')}`),
  ...Array.from({ length: 10 }, (_, i) => `c${String(i + 1).padStart(2, '0')}`),
];
export const APNEA_TEST_RECORDS: readonly string[] = Array.from({ length: 35 }, (_, i) => `x${String(i + 1).padStart(2, '0')}`);

/** Per-minute labels (index = minute); -1 for a minute without a label. */
export function minuteLabels(ann: Annotations, fs: number, source: string): Int8Array {
  const perMinute = fs * 60;
  let last = -1;
  for (const s of ann.sample) last = Math.max(last, Math.round(s / perMinute));
  if (last > 24 * 60 * 7) throw new FormatError(source, `label at minute ${last} is beyond a week of recording`);
  const out = new Int8Array(last + 1).fill(-1);
  for (let i = 0; i < ann.code.length; i++) {
    const m = mnemonicOf(ann.code[i]);
    if (m !== 'A' && m !== 'N') throw new FormatError(source, `annotation ${i} is "${m}", an .apn file holds only A and N`);
    const minute = ann.sample[i] / perMinute;
    if (Math.abs(minute - Math.round(minute)) > 1e-9) throw new FormatError(source, `annotation ${i} at sample ${ann.sample[i]} is not on a minute boundary (${perMinute} samples)`);
    out[Math.round(minute)] = m === 'A' ? 1 : 0;
  }
  return out;
}
