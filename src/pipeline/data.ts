/**
 * Tasks the pipeline knows, and where their data is by default.
 *
 *   mitbih-aami    MIT-BIH AAMI N/S/V/F/Q, inter-patient DS1 (train + held-out val records) / DS2 (test)
 *   mitbih-binary  MIT-BIH normal vs abnormal, same split
 *   kws12          Speech Commands 12 classes, official validation / testing lists, MFCC [49, 10]
 */

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../data/dataset.ts';
import { splitIndices } from '../data/dataset.ts';
import { loadMitbih } from '../data/mitbih/load.ts';
import { loadSpeechCommands } from '../data/audio/speech_commands.ts';
import { Rng } from '../core/rng.ts';
import { ArgumentError } from '../util/errors.ts';
import type { Calibration } from './stages.ts';

export const TASKS = ['mitbih-aami', 'mitbih-binary', 'kws12'] as const;
export type TaskName = (typeof TASKS)[number];

/** Repository root (src/pipeline/../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The full MIT-BIH database beside the repository, and the bundled demo excerpt. */
export const SHARED_MITDB = resolve(REPO_ROOT, '..', 'shared', 'data', 'mitdb');
export const DEMO_MITDB = join(REPO_ROOT, 'data', 'demo', 'mitdb');
export const SHARED_SPEECH = resolve(REPO_ROOT, '..', 'shared', 'data', 'speech-commands');

export function checkTask(task: string): TaskName {
  if (!(TASKS as readonly string[]).includes(task)) throw new ArgumentError('task', `unknown task "${task}" (${TASKS.join(', ')})`);
  return task as TaskName;
}

/** The nn preset of a task's small model. */
export function smallPresetOf(task: TaskName): 'small' | 'kws' {
  return task === 'kws12' ? 'kws' : 'small';
}

/**
 * The default data directory of a task: for MIT-BIH the full database beside the repository when
 * it exists, else the bundled demo; for kws12 ../shared/data/speech-commands.
 */
export function defaultDataDir(task: TaskName): { dir: string; demo: boolean } {
  if (task === 'kws12') return { dir: SHARED_SPEECH, demo: false };
  return existsSync(join(SHARED_MITDB, '100.hea')) ? { dir: SHARED_MITDB, demo: false } : { dir: DEMO_MITDB, demo: true };
}

export interface LoadTaskOptions {
  cacheDir?: string;
  onProgress?: (msg: string) => void;
}

export function loadTask(task: TaskName, dir: string, opts: LoadTaskOptions = {}): Dataset {
  if (!existsSync(dir)) throw new ArgumentError('data', `data directory ${dir} does not exist`);
  if (task === 'kws12') {
    return loadSpeechCommands({
      dir, seed: 0,
      onProgress: opts.onProgress ? (d, t) => { if (d === t || d % 500 === 0) opts.onProgress!(`speech commands: ${d}/${t} clips`); } : undefined,
    });
  }
  return loadMitbih({
    dir, task: task === 'mitbih-aami' ? 'aami' : 'binary', cacheDir: opts.cacheDir,
    onRecord: opts.onProgress ? (r, d, t) => { if (d === t || d % 11 === 0) opts.onProgress!(`mitbih: record ${r} (${d}/${t})`); } : undefined,
  });
}

/** A seeded sample of at most n train examples, for PTQ / synthesis calibration. */
export function calibrationOf(ds: Dataset, n = 512, seed = 0): Calibration {
  const train = splitIndices(ds, 'train');
  const idx = Array.from(train);
  new Rng(seed).shuffle(idx);
  const pick = idx.slice(0, Math.min(n, idx.length)).sort((a, b) => a - b);
  const [, L, C] = ds.shape;
  const x = new Float32Array(pick.length * L * C);
  pick.forEach((s, i) => x.set(ds.x.subarray(s * L * C, (s + 1) * L * C), i * L * C));
  return { x, shape: [pick.length, L, C] };
}

/** Counts per split and class, for progress lines and reports. */
export function describeDataset(ds: Dataset): string {
  const parts = (['train', 'val', 'test'] as const).map((s) => {
    const idx = splitIndices(ds, s);
    const c = new Array<number>(ds.classes.length).fill(0);
    for (const i of idx) c[ds.y[i]]++;
    return `${s} ${idx.length} (${ds.classes.map((k, j) => `${k} ${c[j]}`).join(', ')})`;
  });
  return `${ds.name} [${ds.shape.slice(1).join(' x ')}]: ${parts.join('; ')}`;
}
