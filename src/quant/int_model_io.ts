/**
 * IntModel files: the shared checksummed container (src/util/container.ts) with magic
 * "HTPWIMDL" and version INT_MODEL_VERSION. The JSON header holds the model without its typed
 * arrays; each op's arrays are blobs named `op<k>.<field>` (weights, bias, multiplier, shift,
 * weightScales). Decoding rebuilds the exact same model (typed arrays, numbers, strings) and
 * rejects a wrong magic / version / checksum / truncation, or a header that does not describe an
 * IntModel, with a FormatError.
 */

import { decodeContainer, encodeContainer, readContainer, writeContainer, type Blob, type Container } from '../util/container.ts';
import { FormatError } from '../util/errors.ts';
import { INT_MODEL_VERSION, type IntModel, type IntOp } from './int_model.ts';
import { intModelProblems } from './validate.ts';
import { isWeightedKind } from './op_kinds.ts';

export const INT_MODEL_MAGIC = 'HTPWIMDL';

const ARRAY_FIELDS = ['weights', 'bias', 'weightScales'] as const;
const BLOB_TYPES: Record<string, new (n: number) => Blob> = {
  weights: Int8Array, bias: Int32Array, weightScales: Float32Array, multiplier: Int32Array, shift: Int32Array,
};

function split(model: IntModel): { meta: Record<string, unknown>; blobs: Map<string, Blob> } {
  const blobs = new Map<string, Blob>();
  const ops = model.ops.map((op, k) => {
    const plain: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(op)) {
      if ((ARRAY_FIELDS as readonly string[]).includes(key)) blobs.set(`op${k}.${key}`, value as Blob);
      else if (key === 'requant') {
        blobs.set(`op${k}.multiplier`, (value as { multiplier: Int32Array }).multiplier);
        blobs.set(`op${k}.shift`, (value as { shift: Int32Array }).shift);
      } else plain[key] = value;
    }
    return plain;
  });
  const meta = {
    version: model.version, name: model.name, rounding: model.rounding, tensors: model.tensors,
    ops, inputId: model.inputId, outputId: model.outputId, meta: model.meta,
  };
  return { meta, blobs };
}

function join(c: Container, source: string): IntModel {
  const m = c.meta as Record<string, unknown>;
  const fail = (what: string): never => { throw new FormatError(source, `not an IntModel: ${what}`); };
  if (!Array.isArray(m.tensors) || !Array.isArray(m.ops) || typeof m.name !== 'string') fail('missing tensors / ops / name');
  if (!(m.tensors as unknown[]).every((t) => typeof t === 'object' && t !== null && Array.isArray((t as { shape?: unknown }).shape))) fail('a tensor without a shape list');
  if (!(m.ops as unknown[]).every((op) => typeof op === 'object' && op !== null)) fail('an op that is not an object');
  const blob = (k: number, field: string): Blob => {
    const b = c.blobs.get(`op${k}.${field}`);
    if (!b) return fail(`op ${k} has no "${field}" blob`);
    if (!(b instanceof BLOB_TYPES[field])) return fail(`op ${k} "${field}" blob has the wrong element type`);
    return b;
  };
  const ops = (m.ops as Record<string, unknown>[]).map((plain, k) => {
    const op: Record<string, unknown> = { ...plain };
    if (typeof op.kind !== 'string') fail(`op ${k} has no kind`);
    if (isWeightedKind(op.kind)) {
      for (const f of ARRAY_FIELDS) op[f] = blob(k, f);
      op.requant = { multiplier: blob(k, 'multiplier'), shift: blob(k, 'shift') };
    }
    return op as unknown as IntOp;
  });
  const model: IntModel = {
    version: m.version as typeof INT_MODEL_VERSION, name: m.name as string, rounding: m.rounding as IntModel['rounding'],
    tensors: m.tensors as IntModel['tensors'], ops, inputId: m.inputId as number, outputId: m.outputId as number,
    meta: (m.meta ?? {}) as IntModel['meta'],
  };
  checkRead(source, 'IntModel', () => intModelProblems(model));
  return model;
}

/**
 * A decoded model passes its validator or the read fails: a FormatError naming the file, one line
 * per problem (every op field in range, shapes and array lengths consistent). A header so far off
 * that the validator itself trips (a field of the wrong JSON type) is reported the same way.
 */
export function checkRead(source: string, kind: string, problemsOf: () => string[]): void {
  let problems: string[];
  try {
    problems = problemsOf();
  } catch (e) {
    problems = [`malformed header (${(e as Error).message})`];
  }
  if (problems.length === 1) throw new FormatError(source, `not a valid ${kind}: ${problems[0]}`);
  if (problems.length > 1) throw new FormatError(source, `not a valid ${kind}, ${problems.length} problems:\n  ${problems.join('\n  ')}`);
}

export function encodeIntModel(model: IntModel): Uint8Array {
  const { meta, blobs } = split(model);
  return encodeContainer(INT_MODEL_MAGIC, INT_MODEL_VERSION, meta, blobs);
}

export function decodeIntModel(bytes: Uint8Array, source = '<bytes>'): IntModel {
  return join(decodeContainer(bytes, INT_MODEL_MAGIC, INT_MODEL_VERSION, source), source);
}

/** Atomically write an IntModel file. */
export function writeIntModel(path: string, model: IntModel): void {
  const { meta, blobs } = split(model);
  writeContainer(path, INT_MODEL_MAGIC, INT_MODEL_VERSION, meta, blobs);
}

export function readIntModel(path: string): IntModel {
  return join(readContainer(path, INT_MODEL_MAGIC, INT_MODEL_VERSION), path);
}
