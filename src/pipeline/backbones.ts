/**
 * The store of trained float backbones: <dir>/<task>/seed<k>/<large|small>.ckpt (the best
 * checkpoint of the training run, weights only, a few MB), <large|small>.json (its validation
 * curve, epochs, wall time and the data it was trained on) and <large|small>.train.jsonl (the
 * trainer's per-epoch log: loss, validation macro-F1, seconds, samples/s). Kept in the repository
 * (results/backbones/) so a sweep's compressions restart on a fresh machine from the committed
 * backbones instead of retraining them.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CurvePoint } from '../eval/results.ts';
import { loadModel, RUN_FILES } from '../nn/checkpoint.ts';
import type { SeparableCnn } from '../nn/models/separable_cnn.ts';
import { writeFileAtomic } from '../util/atomic_write.ts';

export type BackboneKind = 'large' | 'small';

export interface StoredBackbone {
  model: SeparableCnn;
  curves: CurvePoint[];
  seconds: number;
}

/** What <kind>.json records beside the checkpoint. */
export interface BackboneInfo {
  task: string;
  seed: number;
  kind: BackboneKind;
  preset: string;
  parameters: number;
  curves: CurvePoint[];
  bestEpoch: number;
  bestValMacroF1: number;
  seconds: number;
  data: string;
  train: Record<string, unknown>;
}

export function backbonePaths(dir: string, task: string, seed: number, kind: BackboneKind): { dir: string; ckpt: string; info: string } {
  const d = join(dir, task, `seed${seed}`);
  return { dir: d, ckpt: join(d, `${kind}.ckpt`), info: join(d, `${kind}.json`) };
}

/** The stored backbone, or null when there is none. */
export function readBackbone(dir: string, task: string, seed: number, kind: BackboneKind): StoredBackbone | null {
  const p = backbonePaths(dir, task, seed, kind);
  if (!existsSync(p.ckpt) || !existsSync(p.info)) return null;
  const info = JSON.parse(readFileSync(p.info, 'utf8')) as BackboneInfo;
  const { model } = loadModel(p.ckpt);
  model.eval();
  return { model, curves: info.curves, seconds: info.seconds };
}

/** Copy a finished run's best checkpoint (and its per-epoch log, with timings) into the store, with its info. */
export function storeBackbone(dir: string, bestCkpt: string, info: BackboneInfo): string {
  const p = backbonePaths(dir, info.task, info.seed, info.kind);
  const log = join(dirname(bestCkpt), RUN_FILES.log);
  if (existsSync(log)) writeFileAtomic(join(p.dir, `${info.kind}.train.jsonl`), readFileSync(log));
  // the checkpoint next: readBackbone needs both it and the info, so a half-stored backbone is not read
  writeFileAtomic(p.ckpt, readFileSync(bestCkpt));
  writeFileAtomic(p.info, `${JSON.stringify(info, null, 1)}\n`);
  return p.ckpt;
}
