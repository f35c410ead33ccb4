import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ArgumentError, FormatError } from '../../util/errors.ts';
import type { Dataset } from '../dataset.ts';
import { readHeaderFile, readRecord, toPhysical } from '../wfdb/signal.ts';
import { csvRecords } from './csv.ts';
import { parseScpCodes } from './scp_codes.ts';

/**
 * PTB-XL pipeline 'ptbxl-superdiag' (synchronous): the 100 Hz records (records100/, 12 leads,
 * 10 s, format 16), multi-label targets over the 5 diagnostic superclasses.
 *
 * Labels: a record has superclass k when any SCP code in its scp_codes dict (likelihood >=
 * `minLikelihood`, default 0 = every listed code, as in the PTB-XL benchmark code) is a diagnostic
 * statement (scp_statements.csv diagnostic == 1) whose diagnostic_class is k. Records with no
 * superclass are dropped unless keepUnlabeled. Splits: strat_fold 1-8 train, 9 val, 10 test.
 * Group = patient (PTB-XL's folds keep a patient's records in one fold).
 * x: [N, L = 1000, C = 12, or the chosen `leads` in their order] in millivolts (no
 * normalization); y = index of the first superclass present (for single-label consumers; -1
 * when none), yMulti = [N, 5].
 * The database csv is <dir>/ptbxl_database.csv, or else the one file named ptbxl_database*.csv
 * in dir (the first by name when several match; findPtbxlDatabase tells which).
 */

export const PTBXL_SUPERCLASSES = ['NORM', 'MI', 'STTC', 'CD', 'HYP'] as const;

export interface PtbxlRow {
  ecgId: number;
  patientId: number;
  scpCodes: Record<string, number>;
  stratFold: number;
  filenameLr: string;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new FormatError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function parsePtbxlDatabase(text: string, source: string): PtbxlRow[] {
  return csvRecords(text, source).map((r, k) => {
    for (const col of ['ecg_id', 'patient_id', 'scp_codes', 'strat_fold', 'filename_lr']) if (!(col in r)) throw new FormatError(source, `missing column ${col}`);
    const ecgId = Number(r.ecg_id);
    const stratFold = Number(r.strat_fold);
    if (!Number.isInteger(ecgId) || ecgId < 0) throw new FormatError(source, `row ${k + 2}: ecg_id "${r.ecg_id}" is not an integer`);
    if (!(Number.isInteger(stratFold) && stratFold >= 1 && stratFold <= 10)) throw new FormatError(source, `row ${k + 2}: strat_fold "${r.strat_fold}" is not 1..10`);
    if (!/^[\w./-]+$/.test(r.filename_lr) || r.filename_lr.includes('..')) throw new FormatError(source, `row ${k + 2}: filename_lr "${r.filename_lr}" is not a relative record path`);
    return { ecgId, patientId: Number(r.patient_id), scpCodes: parseScpCodes(r.scp_codes, `${source} row ${k + 2}`), stratFold, filenameLr: r.filename_lr };
  });
}

/** SCP code -> diagnostic superclass, for the statements with diagnostic == 1. */
export function parseScpStatements(text: string, source: string): Map<string, string> {
  const rows = csvRecords(text, source);
  const out = new Map<string, string>();
  for (const r of rows) {
    const code = r[''] ?? Object.values(r)[0];
    if (!('diagnostic' in r) || !('diagnostic_class' in r)) throw new FormatError(source, 'missing column diagnostic or diagnostic_class');
    if (Number(r.diagnostic) === 1 && r.diagnostic_class !== '') out.set(code, r.diagnostic_class);
  }
  return out;
}

/** 0/1 per PTBXL_SUPERCLASSES. */
export function superclassTargets(codes: Record<string, number>, statements: Map<string, string>, minLikelihood = 0): Uint8Array {
  const t = new Uint8Array(PTBXL_SUPERCLASSES.length);
  for (const [code, lik] of Object.entries(codes)) {
    if (lik < minLikelihood) continue;
    const k = PTBXL_SUPERCLASSES.indexOf(statements.get(code) as (typeof PTBXL_SUPERCLASSES)[number]);
    if (k >= 0) t[k] = 1;
  }
  return t;
}

/** The 12 leads in PTB-XL's record order. */
export const PTBXL_LEADS = ['I', 'II', 'III', 'AVR', 'AVL', 'AVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'] as const;

/**
 * The database csv of a PTB-XL folder: ptbxl_database.csv, else the files matching
 * ptbxl_database*.csv sorted by name (the first is used, the others are listed).
 */
export function findPtbxlDatabase(dir: string): { path: string; others: string[] } {
  const exact = join(dir, 'ptbxl_database.csv');
  if (existsSync(exact)) return { path: exact, others: [] };
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => /^ptbxl_database.*\.csv$/i.test(f)).sort();
  } catch (e) {
    throw new FormatError(dir, `cannot read the PTB-XL directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (names.length === 0) throw new FormatError(dir, 'no ptbxl_database*.csv (pass the database file explicitly; hypertinypw data download ptb-xl --dir <dir>)');
  return { path: join(dir, names[0]), others: names.slice(1).map((n) => join(dir, n)) };
}

export const splitOfFold = (fold: number): number => (fold <= 8 ? 0 : fold === 9 ? 1 : 2);

export interface LoadPtbxlOptions {
  dir: string;
  /** database csv (default: findPtbxlDatabase(dir)) */
  database?: string;
  /** leads by name (case-insensitive), e.g. ['II'] for the single-lead setting (default all 12) */
  leads?: string[];
  /** progress callback per record read */
  onRecord?: (done: number, total: number) => void;
  /** scp statements csv (default <dir>/scp_statements.csv) */
  statements?: string;
  minLikelihood?: number;
  keepUnlabeled?: boolean;
  /** read at most this many records (after filtering), e.g. for a quick run */
  limit?: number;
}

export function loadPtbxl(opts: LoadPtbxlOptions): Dataset {
  const dbPath = opts.database ?? findPtbxlDatabase(opts.dir).path;
  const stPath = opts.statements ?? join(opts.dir, 'scp_statements.csv');
  const rows = parsePtbxlDatabase(readText(dbPath), dbPath);
  const statements = parseScpStatements(readText(stPath), stPath);
  const picked: { row: PtbxlRow; t: Uint8Array }[] = [];
  for (const row of rows) {
    const t = superclassTargets(row.scpCodes, statements, opts.minLikelihood);
    if (opts.keepUnlabeled || t.some((v) => v)) picked.push({ row, t });
    if (opts.limit !== undefined && picked.length >= opts.limit) break;
  }
  if (picked.length === 0) throw new FormatError(dbPath, 'no labelled record');
  let L = 0;
  let C = 0;
  let x = new Float32Array(0);
  const patients = new Map<number, number>();
  const group = new Int32Array(picked.length);
  const first = join(opts.dir, `${picked[0].row.filenameLr}.hea`);
  if (!existsSync(first)) throw new FormatError(dbPath, `lists records but ${first} is missing: the signals are not here (hypertinypw data download ptb-xl --dir <dir>)`);
  const want = opts.leads?.map((l) => l.toUpperCase());
  if (want && want.length === 0) throw new ArgumentError('loadPtbxl', 'leads must name at least one lead');
  picked.forEach(({ row }, n) => {
    const dir = join(opts.dir, dirname(row.filenameLr));
    const name = row.filenameLr.split('/').pop()!;
    const header = readHeaderFile(join(dir, `${name}.hea`));
    const idx = want
      ? want.map((l) => {
        const i = header.signals.findIndex((s) => s.description.toUpperCase() === l);
        if (i < 0) throw new FormatError(join(dir, `${name}.hea`), `record has no lead "${l}" (it has ${header.signals.map((s) => s.description).join(', ')})`);
        return i;
      })
      : header.signals.map((_, i) => i);
    const rec = readRecord(dir, name, { signals: idx });
    const h = rec.header;
    const len = rec.digital[idx[0]]!.length;
    if (n === 0) {
      L = len;
      C = idx.length;
      x = new Float32Array(picked.length * L * C);
    }
    if (idx.length !== C || len !== L) throw new FormatError(row.filenameLr, `record has ${idx.length} signals x ${len} samples, expected ${C} x ${L}`);
    idx.forEach((si, c) => {
      const p = toPhysical(rec.digital[si]!, h.signals[si]);
      for (let l = 0; l < L; l++) x[(n * L + l) * C + c] = p[l];
    });
    opts.onRecord?.(n + 1, picked.length);
    if (!patients.has(row.patientId)) patients.set(row.patientId, patients.size);
    group[n] = patients.get(row.patientId)!;
  });
  const yMulti = new Uint8Array(picked.length * 5);
  picked.forEach(({ t }, n) => yMulti.set(t, n * 5));
  return {
    name: want ? `ptbxl-superdiag-${want.join('+').toLowerCase()}` : 'ptbxl-superdiag', x, shape: [picked.length, L, C],
    y: Int32Array.from(picked, ({ t }) => t.indexOf(1)), yMulti, classes: [...PTBXL_SUPERCLASSES],
    split: Uint8Array.from(picked, ({ row }) => splitOfFold(row.stratFold)), group, groupNames: [...patients.keys()].map(String),
    meta: { source: opts.dir, database: dbPath, fs: 100, leads: want ?? [...PTBXL_LEADS], ecgIds: picked.map(({ row }) => row.ecgId), minLikelihood: opts.minLikelihood ?? 0, split: 'strat_fold 1-8 train, 9 val, 10 test' },
  };
}
