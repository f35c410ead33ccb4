/**
 * The task-specific lines a run prints and records beside macro-F1 (docs/METHOD.md "Tasks and
 * protocol"): macro-AUC for the multi-label PTB-XL tasks; for Apnea-ECG the per-record
 * diagnosis (apnea minutes per hour >= 5) of the test records, from the tuned-threshold minute
 * decisions.
 */

import { diagnoseRecords, formatDiagnosis, type DiagnosisSummary } from '../data/apnea/diagnosis.ts';
import type { Dataset } from '../data/dataset.ts';
import type { Evaluation } from './evaluate.ts';

export interface TaskLines {
  lines: string[];
  /** what the lines were computed from, for the result record's config */
  detail: { diagnosis?: DiagnosisSummary };
}

const ci = (m: { value: number; lo: number; hi: number }) => `${m.value.toFixed(3)} [${m.lo.toFixed(3)}, ${m.hi.toFixed(3)}]`;

export function taskLines(ds: Dataset, ev: Evaluation): TaskLines {
  const out: TaskLines = { lines: [], detail: {} };
  if (ev.metrics.macroAuc) out.lines.push(`macro-AUC ${ci(ev.metrics.macroAuc)}`);
  if (ds.name.startsWith('apnea-ecg')) {
    const p = ev.predictions;
    const d = diagnoseRecords(p.index.map((i) => ds.group[i]), ds.groupNames, p.yTrue, p.yPred);
    out.lines.push(formatDiagnosis(d));
    out.detail.diagnosis = d;
  }
  return out;
}
