import { ArgumentError } from '../../util/errors.ts';

/**
 * Per-record diagnosis from per-minute apnea decisions (the Apnea-ECG challenge's screening
 * question, as the per-minute literature scores it):
 *
 *   apnea index of a record = 60 * (apnea minutes) / (labelled minutes)   (apnea minutes per hour,
 *                             the per-minute stand-in for the AHI)
 *   diagnosis               = OSA when the index >= `threshold` (default 5 per hour), else normal
 *
 * computed once from the reference labels and once from the model's decisions, per record; the
 * report gives the records diagnosed correctly, sensitivity / specificity over records, and the
 * Pearson correlation of the two indices.
 */

export const DEFAULT_AHI_THRESHOLD = 5;

export interface RecordDiagnosis {
  record: string;
  minutes: number;
  trueIndex: number;
  predIndex: number;
  trueOsa: boolean;
  predOsa: boolean;
}

export interface DiagnosisSummary {
  threshold: number;
  records: RecordDiagnosis[];
  correct: number;
  /** OSA records diagnosed OSA / OSA records (NaN without OSA records) */
  sensitivity: number;
  /** normal records diagnosed normal / normal records (NaN without normal records) */
  specificity: number;
  /** Pearson r of the true and predicted apnea indices over records (NaN when either is constant) */
  correlation: number;
}

/**
 * `group[i]` names the record of minute i; yTrue / yPred are 0 (normal) / 1 (apnea) per minute.
 * Records appear in the order of their first minute.
 */
export function diagnoseRecords(group: ArrayLike<number>, groupNames: readonly string[], yTrue: ArrayLike<number>, yPred: ArrayLike<number>, threshold = DEFAULT_AHI_THRESHOLD): DiagnosisSummary {
  if (group.length !== yTrue.length || yTrue.length !== yPred.length) throw new ArgumentError('diagnoseRecords', `group (${group.length}), yTrue (${yTrue.length}) and yPred (${yPred.length}) must have one entry per minute`);
  const per = new Map<number, { n: number; t: number; p: number }>();
  for (let i = 0; i < group.length; i++) {
    const c = per.get(group[i]) ?? { n: 0, t: 0, p: 0 };
    c.n++;
    c.t += yTrue[i] === 1 ? 1 : 0;
    c.p += yPred[i] === 1 ? 1 : 0;
    per.set(group[i], c);
  }
  const records: RecordDiagnosis[] = [...per].map(([g, c]) => {
    const trueIndex = (60 * c.t) / c.n;
    const predIndex = (60 * c.p) / c.n;
    return { record: groupNames[g] ?? String(g), minutes: c.n, trueIndex, predIndex, trueOsa: trueIndex >= threshold, predOsa: predIndex >= threshold };
  });
  const pos = records.filter((r) => r.trueOsa);
  const neg = records.filter((r) => !r.trueOsa);
  return {
    threshold, records,
    correct: records.filter((r) => r.trueOsa === r.predOsa).length,
    sensitivity: pos.length ? pos.filter((r) => r.predOsa).length / pos.length : NaN,
    specificity: neg.length ? neg.filter((r) => !r.predOsa).length / neg.length : NaN,
    correlation: pearson(records.map((r) => r.trueIndex), records.map((r) => r.predIndex)),
  };
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  if (n < 2) return NaN;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** One report line, e.g. "per-record diagnosis (apnea index >= 5/h): 33/35 correct, sensitivity 0.957, specificity 0.917, r 0.941". */
export function formatDiagnosis(d: DiagnosisSummary): string {
  const f = (v: number) => (Number.isNaN(v) ? 'n/a' : v.toFixed(3));
  return `per-record diagnosis (apnea minutes/h >= ${d.threshold}): ${d.correct}/${d.records.length} records correct, sensitivity ${f(d.sensitivity)}, specificity ${f(d.specificity)}, index r ${f(d.correlation)}`;
}
