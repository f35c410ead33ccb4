/**
 * Tasks the pipeline knows, and where their data is by default.
 *
 *   mitbih-aami    MIT-BIH AAMI-4 N/S/V/F (Q beats dropped), inter-patient DS1 (train + held-out
 *                  val records) / DS2 (test); beats [128, 1 + 6 RR channels] (nn/features.ts)
 *   mitbih-aami5   the same with all five AAMI classes (Q kept)
 *   mitbih-binary  MIT-BIH N vs S + V + F (Q dropped), same split and inputs
 *   kws12          Speech Commands 12 classes, official validation / testing lists, MFCC [49, 10]
 *   apnea          Apnea-ECG per-minute apnea / normal, one lead at 100 Hz [6000, 1]; release
 *                  set (a, b, c records; val = held-out records) / x01-x35 (released answers)
 *   apnea-5min     the same labels, each minute with two neighbouring minutes on either side
 *                  [30000, 1] (the 5-minute window of the adjacent-segment models in the literature)
 *   ptbxl          PTB-XL superdiagnostic NORM/MI/STTC/CD/HYP (multi-label), 100 Hz, 12 leads
 *                  [1000, 12]; strat_fold 1-8 / 9 / 10
 *   ptbxl-lead2    the same with lead II only [1000, 1] (the single-lead TinyML setting)
 */

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../data/dataset.ts';
import type { KnobBase } from '../hyper/config.ts';
import { splitIndices } from '../data/dataset.ts';
import { loadMitbih } from '../data/mitbih/load.ts';
import { loadSpeechCommands } from '../data/audio/speech_commands.ts';
import { loadApnea } from '../data/apnea/load.ts';
import { loadPtbxl } from '../data/ptbxl/load.ts';
import { Rng } from '../core/rng.ts';
import { withRrChannels } from '../nn/features.ts';
import { ArgumentError, FormatError } from '../util/errors.ts';
import type { Calibration } from '../quant/calibrate.ts';

export const TASKS = ['mitbih-aami', 'mitbih-aami5', 'mitbih-binary', 'kws12', 'apnea', 'apnea-5min', 'ptbxl', 'ptbxl-lead2'] as const;
export type TaskName = (typeof TASKS)[number];
type SmallPreset = 'small' | 'kws' | 'apnea' | 'ptbxl';

/** Repository root (src/pipeline/../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The full MIT-BIH database beside the repository, and the bundled demo excerpt. */
export const SHARED_MITDB = resolve(REPO_ROOT, '..', 'shared', 'data', 'mitdb');
export const DEMO_MITDB = join(REPO_ROOT, 'data', 'demo', 'mitdb');
export const SHARED_SPEECH = resolve(REPO_ROOT, '..', 'shared', 'data', 'speech-commands');
export const SHARED_APNEA = resolve(REPO_ROOT, '..', 'shared', 'data', 'apnea-ecg');
export const SHARED_PTBXL = resolve(REPO_ROOT, '..', 'shared', 'data', 'ptb-xl');

/** What the pipeline needs of a task: one row per task (a new task is a row here, plus its reader). */
interface TaskSpec {
  /** nn preset of the small model (nn/models/separable_cnn.ts); the large one is largePresetOf */
  smallPreset: SmallPreset;
  /** DEFAULT_KNOBS family of the generator (hyper/config.ts) */
  knobBase: KnobBase;
  /** apnea: minutes of neighbouring context on each side of the labelled minute */
  contextMinutes: number;
  /** forward + backward cost of one example relative to an MIT-BIH beat (configs/README.md) */
  exampleCost: number;
  defaultDir(): { dir: string; demo: boolean };
  load(dir: string, opts: LoadTaskOptions): Dataset;
}

function mitbihTask(task: 'aami' | 'aami5' | 'binary'): TaskSpec {
  return {
    smallPreset: 'small', knobBase: 'mitbih', contextMinutes: 0, exampleCost: 1,
    defaultDir: () => (existsSync(join(SHARED_MITDB, '100.hea')) ? { dir: SHARED_MITDB, demo: false } : { dir: DEMO_MITDB, demo: true }),
    load: (dir, opts) => {
      const beats = loadMitbih({
        dir, task, cacheDir: opts.cacheDir,
        onRecord: opts.onProgress ? (r, d, t) => { if (d === t || d % 11 === 0) opts.onProgress!(`mitbih: record ${r} (${d}/${t})`); } : undefined,
      });
      return opts.rr === false ? beats : withRrChannels(beats);
    },
  };
}

function apneaTask(contextMinutes: number): TaskSpec {
  return {
    smallPreset: 'apnea', knobBase: 'apnea', contextMinutes, exampleCost: 6 * (2 * contextMinutes + 1),
    defaultDir: () => ({ dir: SHARED_APNEA, demo: false }),
    load: (dir, opts) => loadApnea({ dir, seed: 0, contextMinutes: opts.contextMinutes ?? contextMinutes, onRecord: opts.onProgress ? (r, d, t) => opts.onProgress!(`apnea-ecg: record ${r} (${d}/${t})`) : undefined }),
  };
}

function ptbxlTask(leads?: string[]): TaskSpec {
  return {
    smallPreset: 'ptbxl', knobBase: 'ptbxl', contextMinutes: 0, exampleCost: 3,
    defaultDir: () => ({ dir: SHARED_PTBXL, demo: false }),
    load: (dir, opts) => loadPtbxl({
      dir, ...(leads ? { leads } : {}),
      onRecord: opts.onProgress ? (d, t) => { if (d === t || d % 1000 === 0) opts.onProgress!(`ptb-xl: ${d}/${t} records`); } : undefined,
    }),
  };
}

const TASK_TABLE = {
  'mitbih-aami': mitbihTask('aami'),
  'mitbih-aami5': mitbihTask('aami5'),
  'mitbih-binary': mitbihTask('binary'),
  kws12: {
    smallPreset: 'kws', knobBase: 'kws', contextMinutes: 0, exampleCost: 1,
    defaultDir: () => ({ dir: SHARED_SPEECH, demo: false }),
    load: (dir, opts) => {
      const ds = loadSpeechCommands({
        dir, seed: 0,
        onProgress: opts.onProgress ? (d, t) => { if (d === t || d % 500 === 0) opts.onProgress!(`speech commands: ${d}/${t} clips`); } : undefined,
      });
      // the loader tolerates missing word folders (a partial copy); a directory with no clip at all is no dataset
      if (ds.y.length === 0) throw new FormatError(dir, 'no Speech Commands clip (word folders of .wav files: yes/, no/, ...)');
      return ds;
    },
  },
  apnea: apneaTask(0),
  'apnea-5min': apneaTask(2),
  ptbxl: ptbxlTask(),
  'ptbxl-lead2': ptbxlTask(['II']),
} satisfies Record<TaskName, TaskSpec>;

export function checkTask(task: string): TaskName {
  if (!(TASKS as readonly string[]).includes(task)) throw new ArgumentError('task', `unknown task "${task}" (${TASKS.join(', ')})`);
  return task as TaskName;
}

/** A command's --task value: a task name, or MIT-BIH's short forms 'aami' / 'aami5' / 'binary'. */
export function taskOfFlag(name: string): TaskName {
  const t = ['aami', 'aami5', 'binary'].includes(name) ? `mitbih-${name}` : name;
  if (!(TASKS as readonly string[]).includes(t)) throw new ArgumentError('task', `--task must be aami, aami5, binary or one of ${TASKS.join(', ')}, got "${name}"`);
  return t as TaskName;
}

/** The nn preset of a task's small model. */
export function smallPresetOf(task: TaskName): SmallPreset {
  return TASK_TABLE[task].smallPreset;
}

/** The nn preset of a task's large reference CNN (kws12 has none of its own: its sweep widens 'kws'). */
export function largePresetOf(task: TaskName): string {
  const small = smallPresetOf(task);
  return small === 'small' ? 'large' : small === 'kws' ? 'kws' : `${small}-large`;
}

/** The generator knobs family of a task (DEFAULT_KNOBS): MIT-BIH (4, 12, 3), the others (6, 16, 4). */
export function knobBaseOf(task: TaskName): KnobBase {
  return TASK_TABLE[task].knobBase;
}

/** Minutes of neighbouring context on each side of the labelled minute of an Apnea-ECG task (0 for the others). */
export function contextMinutesOf(task: TaskName): number {
  return TASK_TABLE[task].contextMinutes;
}

/** Forward + backward cost of one example relative to an MIT-BIH beat (measured: configs/README.md), for run estimates. */
export function exampleCostOf(task: TaskName): number {
  return TASK_TABLE[task].exampleCost;
}

/**
 * The default data directory of a task: for MIT-BIH the full database beside the repository when
 * it exists, else the bundled demo; for kws12 ../shared/data/speech-commands.
 */
export function defaultDataDir(task: TaskName): { dir: string; demo: boolean } {
  return TASK_TABLE[task].defaultDir();
}

export interface LoadTaskOptions {
  cacheDir?: string;
  onProgress?: (msg: string) => void;
  /** apnea tasks: minutes of neighbouring context on each side of the labelled minute (default contextMinutesOf(task)) */
  contextMinutes?: number;
  /** MIT-BIH: append the RR channels to every beat (nn/features.ts; default true) */
  rr?: boolean;
}

export function loadTask(task: TaskName, dir: string, opts: LoadTaskOptions = {}): Dataset {
  if (!existsSync(dir)) throw new FormatError(dir, 'no such data directory');
  if (opts.contextMinutes && !task.startsWith('apnea')) throw new ArgumentError('data', `context minutes apply to the apnea tasks only, not ${task}`);
  return TASK_TABLE[task].load(dir, opts);
}

/** A seeded sample of at most n train examples, for PTQ / synthesis calibration. */
export function calibrationOf(ds: Dataset, n = 512, seed = 0): Calibration {
  const train = splitIndices(ds, 'train');
  const idx = Array.from(train);
  new Rng(seed).shuffle(idx);
  return examplesOf(ds, idx.slice(0, Math.min(n, idx.length)).sort((a, b) => a - b));
}

/** At most `max` of `indices`, evenly spaced (index floor(i * length / n)): the CLI's calibration sample. */
export function evenCalibration(ds: Dataset, indices: ArrayLike<number>, max: number): Calibration {
  const n = Math.min(max, indices.length);
  return examplesOf(ds, Array.from({ length: n }, (_, i) => indices[Math.floor((i * indices.length) / n)]));
}

/** The examples `picks` of a dataset, in that order, as calibration data. */
function examplesOf(ds: Dataset, picks: number[]): Calibration {
  const [, L, C] = ds.shape;
  const x = new Float32Array(picks.length * L * C);
  picks.forEach((s, i) => x.set(ds.x.subarray(s * L * C, (s + 1) * L * C), i * L * C));
  return { x, shape: [picks.length, L, C] };
}

/** Counts per split and class, for progress lines and reports. */
export function describeDataset(ds: Dataset): string {
  const parts = (['train', 'val', 'test'] as const).map((s) => {
    const idx = splitIndices(ds, s);
    const K = ds.classes.length;
    const c = new Array<number>(K).fill(0);
    // multi-label: positives per class
    for (const i of idx) for (let j = 0; j < K; j++) c[j] += ds.yMulti ? ds.yMulti[i * K + j] : ds.y[i] === j ? 1 : 0;
    return `${s} ${idx.length} (${ds.classes.map((k, j) => `${k} ${c[j]}`).join(', ')})`;
  });
  const vr = ds.meta.valRecords as string[] | undefined;
  return `${ds.name} [${ds.shape.slice(1).join(' x ')}]: ${parts.join('; ')}${vr ? `; val records ${vr.join(' ')}` : ''}`;
}
