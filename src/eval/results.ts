/**
 * The sweep results file: JSON Lines, one complete line per trained and evaluated model.
 *
 * Writing: `appendResult` validates the record and appends it as one line (a single write of
 * `JSON.stringify(record) + '\n'`, then fsync). A sweep killed mid-write can leave at most one
 * incomplete last line; the next append cuts that fragment off before writing (a valid record
 * that merely lacks its newline is terminated instead). One writer at a time: a sweep appends from
 * one process.
 * Reading: `readResults` validates every line and throws a FormatError naming the line number of
 * the first bad one; an incomplete last line (no final newline and not a valid record) is
 * ignored and reported in `warnings`.
 *
 * Byte counts are packed bytes; `byCategory` partitions `total` (the reader checks the sum).
 */

import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { diskFull } from '../util/atomic_write.ts';
import { FormatError } from '../util/errors.ts';

export const RESULTS_SCHEMA_VERSION = 1;

/** Variants every Pareto plot carries (docs/METHOD.md "Baselines"), in legend order; others are allowed. */
export const KNOWN_VARIANTS = ['float-large', 'int8-large', 'pw-int8', 'pw-lowrank', 'pw-4bit', 'hypertinypw'] as const;
export type KnownVariant = (typeof KNOWN_VARIANTS)[number];

export interface MetricWithCI {
  /** point estimate on the full test set */
  value: number;
  /** percentile bootstrap interval (95% unless the record's config says otherwise) */
  lo: number;
  hi: number;
}

export interface ByteBreakdown {
  total: number;
  /** e.g. { generator: 812, codes: 30, pw1: 4096, backbone: 20480, biases: 2048, requant: 1536, code: 9000 } */
  byCategory: Record<string, number>;
}

export interface CurvePoint {
  epoch: number;
  trainLoss: number;
  valMacroF1: number;
}

export interface ResultRecord {
  /** optional on read (absent = 1); the appender always writes it */
  schemaVersion?: number;
  /** unique within a file */
  id: string;
  /** dataset / task name, e.g. 'mitbih-aami', 'ptbxl-superdiag' */
  task: string;
  /** 'float-large' | 'int8-large' | 'pw-int8' | 'pw-lowrank' | 'pw-4bit' | 'hypertinypw' | other */
  variant: KnownVariant | (string & {});
  /** hyperparameters; `config.label` (string), when present, labels the point in plots */
  config: Record<string, unknown>;
  seed: number;
  flash: ByteBreakdown;
  ram: ByteBreakdown;
  /** must contain macroF1; accuracy, balancedAccuracy, macroAuc, ... as available */
  metrics: Record<string, MetricWithCI> & { macroF1: MetricWithCI };
  /** test confusion matrix cm[true][predicted] (single-label tasks) */
  confusion?: number[][];
  classes?: string[];
  curves?: CurvePoint[];
  durationSec: number;
  /** ISO 8601 */
  createdAt: string;
}

export interface ReadResults {
  records: ResultRecord[];
  warnings: string[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function checkBytes(v: unknown, path: string): string | undefined {
  if (!isObj(v)) return `${path} must be an object {total, byCategory}`;
  if (!(finite(v.total) && Number.isInteger(v.total) && v.total >= 0)) return `${path}.total must be a non-negative integer`;
  if (!isObj(v.byCategory)) return `${path}.byCategory must be an object`;
  let sum = 0;
  const cats = Object.entries(v.byCategory);
  for (const [k, n] of cats) {
    if (!(finite(n) && Number.isInteger(n) && n >= 0)) return `${path}.byCategory.${k} must be a non-negative integer`;
    sum += n;
  }
  if (cats.length > 0 && sum !== v.total) return `${path}.byCategory sums to ${sum}, but ${path}.total is ${v.total}`;
  return undefined;
}

/** The first problem with `v` as a ResultRecord, or undefined when it is valid. */
export function validateRecord(v: unknown): string | undefined {
  if (!isObj(v)) return 'a record must be a JSON object';
  if (v.schemaVersion !== undefined && v.schemaVersion !== RESULTS_SCHEMA_VERSION) return `schemaVersion ${String(v.schemaVersion)} is not supported (expected ${RESULTS_SCHEMA_VERSION})`;
  for (const f of ['id', 'task', 'variant', 'createdAt'] as const) {
    if (typeof v[f] !== 'string' || (v[f] as string).length === 0) return `${f} must be a non-empty string`;
  }
  if (Number.isNaN(Date.parse(v.createdAt as string))) return `createdAt "${String(v.createdAt)}" is not an ISO 8601 date`;
  if (!isObj(v.config)) return 'config must be an object';
  if (!(finite(v.seed) && Number.isInteger(v.seed))) return 'seed must be an integer';
  if (!(finite(v.durationSec) && v.durationSec >= 0)) return 'durationSec must be a non-negative number';
  const fb = checkBytes(v.flash, 'flash') ?? checkBytes(v.ram, 'ram');
  if (fb) return fb;
  if (!isObj(v.metrics)) return 'metrics must be an object';
  if (!('macroF1' in v.metrics)) return 'metrics.macroF1 is required';
  for (const [name, m] of Object.entries(v.metrics)) {
    if (!isObj(m)) return `metrics.${name} must be an object {value, lo, hi}`;
    for (const f of ['value', 'lo', 'hi'] as const) if (!finite(m[f])) return `metrics.${name}.${f} must be a finite number`;
    if ((m.lo as number) > (m.hi as number)) return `metrics.${name}: lo ${String(m.lo)} > hi ${String(m.hi)}`;
  }
  if (v.classes !== undefined) {
    if (!Array.isArray(v.classes) || !v.classes.every((c) => typeof c === 'string')) return 'classes must be an array of strings';
  }
  if (v.confusion !== undefined) {
    const cm = v.confusion;
    if (!Array.isArray(cm) || cm.length === 0) return 'confusion must be a non-empty array of rows';
    for (let r = 0; r < cm.length; r++) {
      const row = cm[r];
      if (!Array.isArray(row) || row.length !== cm.length) return `confusion row ${r} must have ${cm.length} entries (square matrix)`;
      if (!row.every((c) => finite(c) && Number.isInteger(c) && c >= 0)) return `confusion row ${r} must hold non-negative integer counts`;
    }
    if (Array.isArray(v.classes) && v.classes.length !== cm.length) return `confusion is ${cm.length} x ${cm.length} but there are ${v.classes.length} classes`;
  }
  if (v.curves !== undefined) {
    if (!Array.isArray(v.curves)) return 'curves must be an array';
    for (let i = 0; i < v.curves.length; i++) {
      const c = v.curves[i];
      if (!isObj(c) || !finite(c.epoch) || !finite(c.trainLoss) || !finite(c.valMacroF1)) return `curves[${i}] must be {epoch, trainLoss, valMacroF1} with finite numbers`;
    }
  }
  return undefined;
}

/** Parse and validate a results file. Throws FormatError with the line number of a bad line. */
export function parseResults(text: string, source: string): ReadResults {
  const warnings: string[] = [];
  const records: ResultRecord[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  // text ending in '\n' gives a final empty string; otherwise the last element is unterminated
  const lastUnterminated = lines[lines.length - 1] !== '';
  if (!lastUnterminated) lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trim();
    const isLast = i === lines.length - 1;
    if (line === '') continue;
    let parsed: unknown;
    let problem: string | undefined;
    try {
      parsed = JSON.parse(line);
      problem = validateRecord(parsed);
    } catch (e) {
      problem = `not valid JSON (${(e as Error).message})`;
    }
    if (problem !== undefined) {
      if (isLast && lastUnterminated) {
        warnings.push(`${source}: line ${lineNo} is incomplete (no final newline, ${problem}); ignored, probably a sweep killed mid-write`);
        continue;
      }
      throw new FormatError(source, `line ${lineNo}: ${problem}`);
    }
    const rec = parsed as ResultRecord;
    const prev = seen.get(rec.id);
    if (prev !== undefined) throw new FormatError(source, `line ${lineNo}: duplicate id "${rec.id}" (first on line ${prev})`);
    seen.set(rec.id, lineNo);
    if (isLast && lastUnterminated) warnings.push(`${source}: line ${lineNo} has no final newline (record kept)`);
    records.push(rec);
  }
  return { records, warnings };
}

export function readResults(path: string): ReadResults {
  return parseResults(readFileSync(path, 'utf8'), path);
}

/**
 * Append one record as one line. Returns warnings (an incomplete fragment left by a killed
 * writer is cut off first). Throws FormatError if the record is invalid (nothing is written), and
 * on a full disk a ResourceError naming the directory and the bytes needed (the file is left as it
 * was).
 */
export function appendResult(path: string, record: ResultRecord): string[] {
  const full = { schemaVersion: RESULTS_SCHEMA_VERSION, ...record };
  const problem = validateRecord(full);
  if (problem) throw new FormatError(`record "${String((record as { id?: unknown }).id)}"`, problem);
  const line = Buffer.from(JSON.stringify(full) + '\n', 'utf8');
  mkdirSync(dirname(path), { recursive: true });
  const warnings: string[] = [];
  const fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
  try {
    let size = fstatSync(fd).size;
    if (size > 0) {
      // find the last '\n'; anything after it is a fragment of an interrupted append
      const chunk = Buffer.alloc(Math.min(size, 1 << 16));
      let end = size;
      let keep = -1;
      while (end > 0 && keep < 0) {
        const start = Math.max(0, end - chunk.length);
        readSync(fd, chunk, 0, end - start, start);
        const at = chunk.subarray(0, end - start).lastIndexOf(0x0a);
        if (at >= 0) keep = start + at + 1;
        end = start;
      }
      if (keep < 0) keep = 0;
      if (keep < size) {
        const frag = Buffer.alloc(size - keep);
        readSync(fd, frag, 0, frag.length, keep);
        let complete = false;
        try {
          complete = validateRecord(JSON.parse(frag.toString('utf8'))) === undefined;
        } catch {
          complete = false;
        }
        if (complete) {
          // a valid record that only lacks its newline (e.g. edited by hand): terminate it
          writeSync(fd, Buffer.from('\n'), 0, 1, size);
          size += 1;
        } else {
          warnings.push(`${path}: removed an incomplete last line (${size - keep} bytes) left by an interrupted write`);
          ftruncateSync(fd, keep);
          size = keep;
        }
      }
    }
    let written = 0;
    try {
      while (written < line.length) written += writeSync(fd, line, written, line.length - written, size + written);
      fsyncSync(fd);
    } catch (e) {
      // a full disk after part of the line: cut it off again, the file stays as it was
      if (written > 0) ftruncateSync(fd, size);
      throw diskFull(e, path, line.length);
    }
  } finally {
    closeSync(fd);
  }
  return warnings;
}
