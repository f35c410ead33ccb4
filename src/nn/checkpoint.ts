import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { readContainer, writeContainer, type Blob } from '../util/container.ts';
import { FormatError } from '../util/errors.ts';
import type { Module } from './module.ts';
import { buildModel, type ModelSpec, type SeparableCnn } from './models/separable_cnn.ts';
import type { OptimizerState } from './optim.ts';

/**
 * Checkpoints: magic 'HTPWCKPT', version 1, in the project's container (src/util/container.ts:
 * fixed header + JSON header + 8-byte-aligned blobs + CRC-32, written atomically).
 *
 *   meta.kind        'model' (weights only) | 'train' (full training state)
 *   meta.spec        ModelSpec to rebuild the model
 *   meta.shapes      { stateName: shape } for every model entry
 *   meta.optimizer   optimizer meta (kind, lr, stepCount, hyper-parameters)   [train]
 *   meta.ema         EMA meta                                                [train, optional]
 *   meta.train       trainer progress: epoch, batch, step, rng state, best, history ... [train]
 *   meta.extra       free-form (config, dataset, metrics)
 *   blobs  'model/<name>'        f32 parameter / buffer values
 *          'opt/<param>/<slot>'  f32 optimizer slots (momentum, m, v)
 *          'ema/<name>'          f32 EMA shadow values
 *          'train/perm'          i32 the current epoch's example order (data position)
 */
export const CHECKPOINT_MAGIC = 'HTPWCKPT';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointContents {
  path: string;
  meta: Record<string, unknown>;
  spec: ModelSpec | null;
  state: Map<string, Float32Array>;
  shapes: Map<string, readonly number[]>;
  optimizer: OptimizerState | null;
  ema: OptimizerState | null;
  perm: Int32Array | null;
}

export interface SaveCheckpointOptions {
  kind: 'model' | 'train';
  spec?: ModelSpec | null;
  model: Module;
  optimizer?: OptimizerState | null;
  ema?: OptimizerState | null;
  train?: Record<string, unknown>;
  perm?: Int32Array | null;
  extra?: Record<string, unknown>;
  /** use these values instead of the model's (e.g. the best weights) */
  state?: Map<string, Float32Array>;
}

export function encodeCheckpointBlobs(o: SaveCheckpointOptions): { meta: Record<string, unknown>; blobs: Map<string, Blob> } {
  const blobs = new Map<string, Blob>();
  const state = o.state ?? o.model.stateDict();
  const shapes: Record<string, number[]> = {};
  for (const [n, s] of o.model.stateShapes()) shapes[n] = [...s];
  for (const [n, v] of state) blobs.set(`model/${n}`, v);
  if (o.optimizer) for (const [k, v] of o.optimizer.tensors) blobs.set(`opt/${k}`, v);
  if (o.ema) for (const [k, v] of o.ema.tensors) blobs.set(`ema/${k}`, v);
  if (o.perm) blobs.set('train/perm', o.perm);
  const meta: Record<string, unknown> = {
    kind: o.kind, spec: o.spec ?? null, shapes,
    ...(o.optimizer ? { optimizer: o.optimizer.meta } : {}),
    ...(o.ema ? { ema: o.ema.meta } : {}),
    ...(o.train ? { train: o.train } : {}),
    extra: o.extra ?? {},
  };
  return { meta, blobs };
}

/** Write a checkpoint atomically (a crash leaves the old file or the complete new one). */
export function saveCheckpoint(path: string, o: SaveCheckpointOptions): void {
  const { meta, blobs } = encodeCheckpointBlobs(o);
  writeContainer(path, CHECKPOINT_MAGIC, CHECKPOINT_VERSION, meta, blobs);
}

/**
 * Read and verify a checkpoint. Throws FormatError on a wrong magic / version, a truncation, a
 * bad checksum or missing entries.
 */
export function loadCheckpoint(path: string): CheckpointContents {
  const c = readContainer(path, CHECKPOINT_MAGIC, CHECKPOINT_VERSION);
  const meta = c.meta;
  if (meta.kind !== 'model' && meta.kind !== 'train') throw new FormatError(path, `checkpoint kind "${String(meta.kind)}" is neither 'model' nor 'train'`);
  const shapesMeta = (meta.shapes ?? {}) as Record<string, number[]>;
  const state = new Map<string, Float32Array>();
  const opt = new Map<string, Float32Array>();
  const ema = new Map<string, Float32Array>();
  let perm: Int32Array | null = null;
  for (const [k, v] of c.blobs) {
    const f32 = () => {
      if (!(v instanceof Float32Array)) throw new FormatError(path, `blob "${k}" is not float32`);
      return v;
    };
    if (k.startsWith('model/')) state.set(k.slice(6), f32());
    else if (k.startsWith('opt/')) opt.set(k.slice(4), f32());
    else if (k.startsWith('ema/')) ema.set(k.slice(4), f32());
    else if (k === 'train/perm') {
      if (!(v instanceof Int32Array)) throw new FormatError(path, 'blob "train/perm" is not int32');
      perm = v;
    }
  }
  const shapes = new Map<string, readonly number[]>();
  for (const [n, s] of Object.entries(shapesMeta)) {
    const v = state.get(n);
    if (v === undefined) throw new FormatError(path, `model entry "${n}" listed in the header has no data`);
    if (s.reduce((a, b) => a * b, 1) !== v.length) throw new FormatError(path, `model entry "${n}" has ${v.length} values for shape [${s.join(', ')}]`);
    shapes.set(n, s);
  }
  if (meta.kind === 'train' && (meta.optimizer === undefined || meta.train === undefined)) throw new FormatError(path, 'training checkpoint without optimizer or trainer state');
  return {
    path, meta, spec: (meta.spec ?? null) as ModelSpec | null, state, shapes,
    optimizer: meta.optimizer ? { meta: meta.optimizer as Record<string, unknown>, tensors: opt } : null,
    ema: meta.ema ? { meta: meta.ema as Record<string, unknown>, tensors: ema } : null,
    perm,
  };
}

/** Rebuild the model a checkpoint describes and load its weights (eval mode). */
export function loadModel(path: string): { model: SeparableCnn; checkpoint: CheckpointContents } {
  const ck = loadCheckpoint(path);
  if (ck.spec === null) throw new FormatError(path, 'checkpoint has no model spec; build the model yourself and use loadCheckpoint + loadStateDict');
  const model = buildModel(ck.spec);
  model.loadStateDict(ck.state, { shapes: ck.shapes });
  model.eval();
  return { model, checkpoint: ck };
}

/** File names inside a run directory. */
export const RUN_FILES = { last: 'last.ckpt', previous: 'prev.ckpt', best: 'best.ckpt', log: 'train.jsonl' } as const;

/**
 * Rotate then write: last -> prev, then the new last (atomic: temp + fsync + rename). The old
 * last is moved over prev only when it verifies (magic, version, checksum, entries, a training
 * checkpoint): a corrupt last.ckpt (the one a resume fell back from) is overwritten in place and
 * never replaces a good prev.ckpt. A crash between the two steps leaves prev (and no last); a
 * crash during the write leaves the old last intact and a temp file the next lock removes.
 */
export function saveRotating(dir: string, o: SaveCheckpointOptions): void {
  const last = join(dir, RUN_FILES.last);
  if (existsSync(last) && readTrainingCheckpoint(last) !== null) renameSync(last, join(dir, RUN_FILES.previous));
  saveCheckpoint(last, o);
}

/** A training checkpoint that reads and verifies, or null (with the reason) when it does not. */
function readTrainingCheckpoint(path: string, rejected: FormatError[] = []): CheckpointContents | null {
  try {
    const ck = loadCheckpoint(path);
    if (ck.meta.kind !== 'train') throw new FormatError(path, 'not a training checkpoint');
    return ck;
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    rejected.push(e);
    return null;
  }
}

/**
 * The newest readable training checkpoint of a run directory: last.ckpt, else prev.ckpt.
 * `rejected` lists the FormatErrors of files that exist but could not be used.
 */
export function latestCheckpoint(dir: string): { checkpoint: CheckpointContents | null; rejected: FormatError[] } {
  const rejected: FormatError[] = [];
  for (const f of [RUN_FILES.last, RUN_FILES.previous]) {
    const p = join(dir, f);
    if (!existsSync(p)) continue;
    const ck = readTrainingCheckpoint(p, rejected);
    if (ck) return { checkpoint: ck, rejected };
  }
  return { checkpoint: null, rejected };
}
