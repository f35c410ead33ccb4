/**
 * What the inspect page shows of a model file, computed with the engine's own modules (the same
 * ones the CLI runs, bundled for the browser): the byte account of `hypertinypw bytes`, one row
 * per layer (shape, kind, weights stored in flash or generated at load), and each generated
 * pointwise kernel synthesized in integer arithmetic exactly as `synthesize` (and so
 * `hypertinypw golden`, `export-c`) does, with the CRC-32 of its INT8 weights [Cout, Cin].
 */

import { accountBytes, type ByteAccount } from '../hyper/bytes.ts';
import { decodeDeployable, DEPLOYABLE_MAGIC } from '../hyper/deployable_io.ts';
import { deployableFromIntModel, synthesize, type Deployable } from '../hyper/deployable.ts';
import { isGenerated } from '../hyper/generated.ts';
import { isWeighted, weightCount } from '../quant/op_kinds.ts';
import type { IntModel, PwConv1dOp } from '../quant/int_model.ts';
import { decodeIntModel, INT_MODEL_MAGIC } from '../quant/int_model_io.ts';
import { crc32 } from '../util/crc32.ts';
import { FormatError } from '../util/errors.ts';

const MAGIC_BYTES = 8;
/** src/nn/checkpoint.ts's magic, not imported from there: that would bundle the training engine into the page. */
const CHECKPOINT_MAGIC = 'HTPWCKPT';

export type ModelFileKind = 'deployable' | 'int-model';

export interface LayerRow {
  /** index in model.ops */
  index: number;
  name: string;
  kind: string;
  inShape: number[];
  outShape: number[];
  /** where the weights live: flash ('stored'), synthesized into the RAM cache ('generated'), or none */
  weights: 'stored' | 'generated' | 'none';
  /** stored weight bits (8 or 4); 0 without stored weights */
  bits: number;
  /** weight count (generated layers: Cout * Cin of the synthesized kernel) */
  params: number;
}

export interface KernelView {
  /** position among the generated layers (the deployable's generatedIndex) */
  generatedIndex: number;
  /** index in model.ops */
  layer: number;
  name: string;
  outChannels: number;
  inChannels: number;
  /** synthesized INT8 weights, [Cout, Cin] row-major */
  weights: Int8Array;
  /** CRC-32 of `weights` as bytes */
  crc32: number;
}

export interface ModelView {
  source: string;
  kind: ModelFileKind;
  /** CRC-32 of the whole file (as the golden files and export-c name it) */
  fileCrc32: number;
  deployable: Deployable;
  /** the complete IntModel: synthesize(deployable), or the IntModel itself */
  model: IntModel;
  account: ByteAccount;
  layers: LayerRow[];
  kernels: KernelView[];
}

/** The first 8 bytes as text (the container magic), printable characters only. */
export function fileMagic(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes.subarray(0, MAGIC_BYTES)).replace(/[^\x20-\x7e]/g, '?');
}

/** Tell a model file apart by its magic; a FormatError that says what the file is otherwise. */
export function modelFileKind(bytes: Uint8Array, source: string): ModelFileKind {
  const magic = fileMagic(bytes);
  if (magic === DEPLOYABLE_MAGIC) return 'deployable';
  if (magic === INT_MODEL_MAGIC) return 'int-model';
  const expected = `expected a Deployable (${DEPLOYABLE_MAGIC}) or an IntModel (${INT_MODEL_MAGIC})`;
  if (magic === CHECKPOINT_MAGIC) throw new FormatError(source, `is a float checkpoint (${CHECKPOINT_MAGIC}), not an integer model: ${expected}; make one with \`hypertinypw quantize\` or \`compress\``);
  if (bytes.length === 0) throw new FormatError(source, `is empty: ${expected}`);
  throw new FormatError(source, `is not a model file (it starts with "${magic}"): ${expected}`);
}

function layerRows(dep: Deployable): LayerRow[] {
  const m = dep.model;
  return m.ops.map((op, index) => {
    const generated = isGenerated(op);
    const weighted = isWeighted(op);
    const base = { index, name: op.name, kind: op.kind, inShape: m.tensors[op.input].shape, outShape: m.tensors[op.output].shape };
    if (!weighted) return { ...base, weights: 'none' as const, bits: 0, params: 0 };
    if (generated) return { ...base, weights: 'generated' as const, bits: 0, params: op.inChannels * op.outChannels };
    return { ...base, weights: 'stored' as const, bits: dep.weightBits[op.name] ?? 8, params: weightCount(op) };
  });
}

function kernelViews(model: IntModel): KernelView[] {
  return model.ops
    .map((op, layer) => ({ op, layer }))
    .filter((e): e is { op: PwConv1dOp; layer: number } => isGenerated(e.op))
    .sort((a, b) => (a.op.generatedIndex ?? a.layer) - (b.op.generatedIndex ?? b.layer))
    .map(({ op, layer }, generatedIndex) => ({
      generatedIndex, layer, name: op.name, outChannels: op.outChannels, inChannels: op.inChannels,
      weights: op.weights, crc32: kernelCrc32(op.weights),
    }));
}

/** CRC-32 of INT8 weights as bytes. */
export function kernelCrc32(weights: Int8Array): number {
  return crc32(new Uint8Array(weights.buffer, weights.byteOffset, weights.length));
}

/** Decode a model file's bytes and compute everything the page shows of it. */
export function readModelView(bytes: Uint8Array, source: string): ModelView {
  const kind = modelFileKind(bytes, source);
  const deployable = kind === 'deployable' ? decodeDeployable(bytes, source) : deployableFromIntModel(decodeIntModel(bytes, source));
  const model = kind === 'deployable' ? synthesize(deployable) : deployable.model;
  return {
    source, kind, fileCrc32: crc32(bytes), deployable, model,
    account: accountBytes(kind === 'deployable' ? deployable : deployable.model),
    layers: layerRows(deployable),
    kernels: kernelViews(model),
  };
}
