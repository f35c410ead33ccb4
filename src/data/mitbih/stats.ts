import { join } from 'node:path';
import { readAnnotationFile } from '../wfdb/annotation.ts';
import { mnemonicOf } from '../wfdb/codes.ts';
import { AAMI_CLASSES, AAMI_OF_MNEMONIC, DS1, DS2 } from './aami.ts';
import { chooseValidationRecords, type ValidationOptions } from './split.ts';

/** Per-class beat counts of MIT-BIH records, from the .atr files alone (no signals read). */

export type ClassCounts = Record<(typeof AAMI_CLASSES)[number], number> & { total: number };

/** AAMI class counts of one record's reference annotations. */
export function recordClassCounts(dir: string, record: string): number[] {
  const ann = readAnnotationFile(join(dir, `${record}.atr`));
  const counts = [0, 0, 0, 0, 0];
  for (const c of ann.code) {
    const k = AAMI_OF_MNEMONIC[mnemonicOf(c)];
    if (k !== undefined) counts[k]++;
  }
  return counts;
}

export function toClassCounts(v: number[]): ClassCounts {
  return { N: v[0], S: v[1], V: v[2], F: v[3], Q: v[4], total: v.reduce((a, b) => a + b, 0) };
}

function sum(per: Map<string, number[]>, records: readonly string[]): number[] {
  const out = [0, 0, 0, 0, 0];
  for (const r of records) per.get(r)!.forEach((v, i) => (out[i] += v));
  return out;
}

export interface MitbihStats {
  DS1: ClassCounts;
  DS2: ClassCounts;
  /** the DS1 records held out for validation and their counts; train = DS1 minus these */
  val: ClassCounts & { records: string[] };
  train: ClassCounts;
  perRecord: Record<string, ClassCounts>;
}

/** Beat counts of DS1, DS2, and the validation / training parts of DS1. */
export function mitbihStats(dir: string, val: ValidationOptions = {}): MitbihStats {
  const per = new Map<string, number[]>();
  for (const r of [...DS1, ...DS2]) per.set(r, recordClassCounts(dir, r));
  const valRecords = chooseValidationRecords(per, val);
  const train = DS1.filter((r) => !valRecords.includes(r));
  return {
    DS1: toClassCounts(sum(per, DS1)),
    DS2: toClassCounts(sum(per, DS2)),
    val: { ...toClassCounts(sum(per, valRecords)), records: valRecords },
    train: toClassCounts(sum(per, train)),
    perRecord: Object.fromEntries([...per].map(([r, v]) => [r, toClassCounts(v)])),
  };
}
