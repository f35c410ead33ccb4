/**
 * Any model file of the project, detected by its container magic:
 *   HTPWCKPT  a float checkpoint (SeparableCnn; HyperModel / LowRankModel when meta.extra.hyper)
 *   HTPWIMDL  an IntModel                HTPWDEPL  a Deployable
 */

import { readFileSync } from 'node:fs';
import { CHECKPOINT_MAGIC, loadCheckpoint, loadModel } from '../nn/checkpoint.ts';
import { loadHyperModel } from '../hyper/hyper_model.ts';
import { FormatError } from '../util/errors.ts';
import type { Evaluable } from './evaluate.ts';
import { readIntegerModel } from './variants.ts';

export type ModelFileKind = 'checkpoint' | 'int-model' | 'deployable';

export function modelFileKind(path: string): ModelFileKind {
  const head = readFileSync(path).subarray(0, 8).toString('latin1');
  if (head === CHECKPOINT_MAGIC) return 'checkpoint';
  if (head === 'HTPWIMDL') return 'int-model';
  if (head === 'HTPWDEPL') return 'deployable';
  throw new FormatError(path, `not a model file (.ckpt or .htpw): its first bytes are ${JSON.stringify(head)}`);
}

export function loadAnyModel(path: string): { kind: ModelFileKind; model: Evaluable } {
  const kind = modelFileKind(path);
  if (kind !== 'checkpoint') return { kind, model: readIntegerModel(path) };
  const ck = loadCheckpoint(path);
  const hyper = (ck.meta.extra as Record<string, unknown> | undefined)?.hyper;
  return { kind, model: hyper ? loadHyperModel(path) : loadModel(path).model };
}
