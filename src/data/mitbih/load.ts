import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { removeDeadTemps } from '../../util/atomic_write.ts';
import { readContainer, writeContainer } from '../../util/container.ts';
import { ArgumentError, FormatError, ResourceError } from '../../util/errors.ts';
import type { Dataset } from '../dataset.ts';
import { AAMI4_CLASSES, AAMI_CLASSES, AAMI_Q, BINARY_CLASSES, DS1, DS2, binaryOfAami } from './aami.ts';
import { DEFAULT_BEAT_OPTIONS, RR_FEATURE_NAMES, checkBeatOptions, recordBeats, type BeatOptions } from './beats.ts';
import { chooseValidationRecords, type ValidationOptions } from './split.ts';

/**
 * MIT-BIH Arrhythmia pipelines: 'mitbih-aami' (AAMI-4: N, S, V, F; Q beats dropped), 'mitbih-aami5'
 * (all five AAMI classes) and 'mitbih-binary' (N vs S + V + F; Q beats dropped).
 *
 * `loadMitbih` is synchronous. It cuts the beats of the 44 non-paced records (beats.ts), keeps
 * them in a cache file in `cacheDir` keyed by the preprocessing parameters and the size/mtime of
 * the source files, and assigns splits: DS1 minus the validation records -> train (0), the
 * validation records (split.ts) -> val (1), DS2 -> test (2). Group = record.
 * A corrupt or stale cache file is rebuilt.
 */

export interface LoadMitbihOptions extends Partial<BeatOptions> {
  dir: string;
  /** 'aami' = AAMI-4 (Q dropped), 'aami5' = five classes, 'binary' = N vs S + V + F (Q dropped) */
  task: MitbihTask;
  /** directory of the preprocessed cache; no caching when absent */
  cacheDir?: string;
  /** validation records held out from DS1 (records, or seeded draw of `count`) */
  val?: ValidationOptions;
  /** attach the RR features as Dataset.features (default true) */
  rr?: boolean;
  /** progress callback per record read (not called on a cache hit) */
  onRecord?: (record: string, done: number, total: number) => void;
}

export type MitbihTask = 'aami' | 'aami5' | 'binary';
const MITBIH_TASKS: readonly MitbihTask[] = ['aami', 'aami5', 'binary'];

/** All beats of the non-paced records, concatenated in RECORDS order. */
export interface MitbihBeats {
  records: string[];
  /** beats per record, same order as records */
  counts: number[];
  x: Float32Array;
  shape: [number, number, number];
  aami: Uint8Array;
  code: Uint8Array;
  sample: Int32Array;
  rr: Float32Array;
  fs: number;
  cache: 'hit' | 'miss' | 'off';
  cacheFile?: string;
  /** why the cache file could not be written (a full disk); the beats are complete */
  cacheSkipped?: string;
}

export const MITBIH_RECORDS: readonly string[] = [...DS1, ...DS2].sort();
const CACHE_MAGIC = 'HTPWMITB';
const CACHE_VERSION = 1;

function fingerprint(dir: string): string[] {
  return MITBIH_RECORDS.flatMap((r) => ['hea', 'dat', 'atr'].map((ext) => {
    const p = join(dir, `${r}.${ext}`);
    if (!existsSync(p)) throw new FormatError(p, `missing: MIT-BIH record ${r} needs ${r}.hea, ${r}.dat and ${r}.atr in ${dir}`);
    const s = statSync(p);
    return `${r}.${ext}:${s.size}:${Math.floor(s.mtimeMs)}`;
  }));
}

function beatOptionsOf(o: Partial<BeatOptions>): BeatOptions {
  const b: BeatOptions = {
    preS: o.preS ?? DEFAULT_BEAT_OPTIONS.preS, postS: o.postS ?? DEFAULT_BEAT_OPTIONS.postS,
    length: o.length ?? DEFAULT_BEAT_OPTIONS.length, leads: o.leads ?? DEFAULT_BEAT_OPTIONS.leads,
    normalization: o.normalization ?? DEFAULT_BEAT_OPTIONS.normalization,
  };
  checkBeatOptions(b);
  return b;
}

/** Beats of all 44 non-paced records, from the cache when it is valid. */
export function loadMitbihBeats(opts: { dir: string; cacheDir?: string; onRecord?: LoadMitbihOptions['onRecord'] } & Partial<BeatOptions>): MitbihBeats {
  const beat = beatOptionsOf(opts);
  const key = JSON.stringify({ v: CACHE_VERSION, beat, files: fingerprint(opts.dir) });
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const cacheFile = opts.cacheDir ? join(opts.cacheDir, `mitbih-${hash}.htds`) : undefined;
  if (cacheFile && existsSync(cacheFile)) {
    try {
      const c = readContainer(cacheFile, CACHE_MAGIC, CACHE_VERSION);
      if (c.meta.key === key) {
        const m = c.meta as { records: string[]; counts: number[]; shape: [number, number, number]; fs: number };
        return {
          records: m.records, counts: m.counts, shape: m.shape, fs: m.fs,
          x: c.blobs.get('x') as Float32Array, aami: c.blobs.get('aami') as Uint8Array, code: c.blobs.get('code') as Uint8Array,
          sample: c.blobs.get('sample') as Int32Array, rr: c.blobs.get('rr') as Float32Array, cache: 'hit', cacheFile,
        };
      }
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      // corrupt cache: fall through and rebuild it
    }
  }
  const per = MITBIH_RECORDS.map((r, i) => {
    const b = recordBeats(opts.dir, r, beat);
    opts.onRecord?.(r, i + 1, MITBIH_RECORDS.length);
    return b;
  });
  const n = per.reduce((a, b) => a + b.aami.length, 0);
  const L = beat.length;
  const C = beat.leads.length;
  const out: MitbihBeats = {
    records: [...MITBIH_RECORDS], counts: per.map((b) => b.aami.length), shape: [n, L, C], fs: per[0]?.fs ?? 360,
    x: new Float32Array(n * L * C), aami: new Uint8Array(n), code: new Uint8Array(n), sample: new Int32Array(n), rr: new Float32Array(n * 4),
    cache: cacheFile ? 'miss' : 'off', cacheFile,
  };
  let o = 0;
  for (const b of per) {
    out.x.set(b.x, o * L * C);
    out.aami.set(b.aami, o);
    out.code.set(b.code, o);
    out.sample.set(b.sample, o);
    out.rr.set(b.rr, o * 4);
    o += b.aami.length;
  }
  if (cacheFile) {
    // a cache writer killed mid-write leaves its temporary file (tens of MB for the full database)
    removeDeadTemps(opts.cacheDir!);
    try {
      writeContainer(cacheFile, CACHE_MAGIC, CACHE_VERSION,
        { key, records: out.records, counts: out.counts, shape: out.shape, fs: out.fs },
        { x: out.x, aami: out.aami, code: out.code, sample: out.sample, rr: out.rr });
    } catch (e) {
      // the cache only saves time: a full disk (ResourceError) does not stop the job
      if (!(e instanceof ResourceError)) throw e;
      out.cache = 'off';
      out.cacheSkipped = e.message;
      delete out.cacheFile;
    }
  }
  return out;
}

/** The rows of `beats` a task keeps: every beat for 'aami5', all but the Q beats otherwise. */
function keptBeats(aami: Uint8Array, task: MitbihTask): Int32Array {
  if (task === 'aami5') return Int32Array.from(aami.keys());
  const keep: number[] = [];
  for (let i = 0; i < aami.length; i++) if (aami[i] !== AAMI_Q) keep.push(i);
  return Int32Array.from(keep);
}

const TASK_NAME: Record<MitbihTask, string> = { aami: 'mitbih-aami', aami5: 'mitbih-aami5', binary: 'mitbih-binary' };
const TASK_CLASSES: Record<MitbihTask, readonly string[]> = { aami: AAMI4_CLASSES, aami5: AAMI_CLASSES, binary: BINARY_CLASSES };

/** The MIT-BIH dataset for `task`; beats [N, L = length (128), C = leads (1: MLII)]. */
export function loadMitbih(opts: LoadMitbihOptions): Dataset {
  if (!MITBIH_TASKS.includes(opts.task)) throw new ArgumentError('loadMitbih', `task must be ${MITBIH_TASKS.join(', ')}, got "${opts.task as string}"`);
  const beats = loadMitbihBeats(opts);
  const perRecord = new Map<string, number[]>();
  const groupOfBeat = new Int32Array(beats.aami.length);
  for (let gi = 0, o = 0; gi < beats.records.length; gi++) {
    const c = [0, 0, 0, 0, 0];
    const end = o + beats.counts[gi];
    groupOfBeat.fill(gi, o, end);
    for (let i = o; i < end; i++) c[beats.aami[i]]++;
    perRecord.set(beats.records[gi], c);
    o = end;
  }
  const valRecords = chooseValidationRecords(perRecord, opts.val);
  const splitOfRecord = beats.records.map((r) => ((DS2 as readonly string[]).includes(r) ? 2 : valRecords.includes(r) ? 1 : 0));
  const keep = keptBeats(beats.aami, opts.task);
  const n = keep.length;
  const [, L, C] = beats.shape;
  const x = keep.length === beats.aami.length ? beats.x : new Float32Array(n * L * C);
  const rr = keep.length === beats.aami.length ? beats.rr : new Float32Array(n * 4);
  const y = new Int32Array(n);
  const split = new Uint8Array(n);
  const group = new Int32Array(n);
  const binary = opts.task === 'binary';
  for (let k = 0; k < n; k++) {
    const i = keep[k];
    if (x !== beats.x) x.set(beats.x.subarray(i * L * C, (i + 1) * L * C), k * L * C);
    if (rr !== beats.rr) rr.set(beats.rr.subarray(i * 4, (i + 1) * 4), k * 4);
    y[k] = binary ? binaryOfAami(beats.aami[i]) : beats.aami[i];
    group[k] = groupOfBeat[i];
    split[k] = splitOfRecord[group[k]];
  }
  const beat = beatOptionsOf(opts);
  return {
    name: TASK_NAME[opts.task],
    x,
    shape: [n, L, C],
    y,
    classes: [...TASK_CLASSES[opts.task]],
    split,
    group,
    groupNames: beats.records,
    ...(opts.rr === false ? {} : { features: rr }),
    meta: {
      source: opts.dir, fs: beats.fs, ...beat, valRecords,
      featureNames: opts.rr === false ? [] : [...RR_FEATURE_NAMES],
      ...(opts.task === 'aami5' ? {} : { droppedQ: beats.aami.length - n }),
      split: 'de Chazal 2004 inter-patient: train = DS1 minus val records, val = held-out DS1 records, test = DS2; paced 102 104 107 217 excluded',
      cache: beats.cache, ...(beats.cacheFile ? { cacheFile: beats.cacheFile } : {}), ...(beats.cacheSkipped ? { cacheSkipped: beats.cacheSkipped } : {}),
    },
  };
}
