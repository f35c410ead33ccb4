/**
 * Generated layers: the pointwise ops of an IntModel whose weights HyperTinyPW synthesizes at
 * load time instead of storing them in flash. The quant layer converts, validates and runs every
 * op alike; which ops are generated, and in which order the generator serves them, is decided
 * here:
 *   - markGenerated turns the selected pointwise ops of a converted (fully stored) IntModel into
 *     generated ones: `source: 'generated'`, `generatedIndex` 0, 1, ... in model order, arrays
 *     emptied (a Deployable's view: the weights come from synthesis, not from flash);
 *   - generatedOps lists them by generatedIndex, the order of the generator's layers;
 *   - synthesize (deployable.ts) fills their arrays back in.
 */

import { ArgumentError } from '../util/errors.ts';
import type { IntModel, IntOp, PwConv1dOp } from '../quant/int_model.ts';
import type { WeightedOp } from '../quant/op_kinds.ts';
import { selectGeneratedOps, type GeneratedSelection } from './config.ts';

/** A pointwise op whose weights are synthesized at load time instead of stored. */
export function isGenerated(op: IntOp): op is PwConv1dOp & { source: 'generated' } {
  return op.kind === 'pwconv1d' && op.source === 'generated';
}

/** Generated PW ops of a model, indexed by generatedIndex. */
export function generatedOps(model: IntModel): PwConv1dOp[] {
  const ops: PwConv1dOp[] = [];
  for (const op of model.ops) {
    if (isGenerated(op)) {
      const g = op.generatedIndex;
      if (g === undefined || !Number.isInteger(g) || g < 0) throw new ArgumentError('generatedOps', `op "${op.name}" is generated without a valid generatedIndex`);
      if (ops[g]) throw new ArgumentError('generatedOps', `ops "${ops[g].name}" and "${op.name}" share generatedIndex ${g}`);
      ops[g] = op;
    }
  }
  for (let g = 0; g < ops.length; g++) if (!ops[g]) throw new ArgumentError('generatedOps', `no op has generatedIndex ${g}`);
  return ops;
}

export function emptied<T extends WeightedOp>(op: T): T {
  return { ...op, weights: new Int8Array(0), bias: new Int32Array(0), requant: { multiplier: new Int32Array(0), shift: new Int32Array(0) }, weightScales: new Float32Array(0) };
}

/** The deployable's view of a model: generated ops emptied (a new object). */
export function stripGenerated(model: IntModel): IntModel {
  return { ...model, ops: model.ops.map((op) => (isGenerated(op) ? emptied(op) : op)) };
}

/**
 * Mark the selected pointwise ops of a (fully stored) IntModel as generated, generatedIndex in
 * model order. Returns the stripped model and each generated op's real bias
 * (bias * fround(s_in * weightScale), float64) for building the layer inputs.
 */
export function markGenerated(model: IntModel, selection: GeneratedSelection): { model: IntModel; biases: Float64Array[] } {
  const idx = selectGeneratedOps(model, selection);
  const biases: Float64Array[] = [];
  const ops = model.ops.map((op, k) => {
    const j = idx.indexOf(k);
    if (j < 0) return op;
    const pw = op as PwConv1dOp;
    const sIn = model.tensors[pw.input].scale;
    const b = new Float64Array(pw.outChannels);
    if (pw.bias.length === pw.outChannels && pw.weightScales.length === pw.outChannels) {
      for (let o = 0; o < pw.outChannels; o++) b[o] = pw.bias[o] * Math.fround(sIn * pw.weightScales[o]);
    }
    biases.push(b);
    return emptied({ ...pw, source: 'generated' as const, generatedIndex: j });
  });
  return { model: { ...model, ops }, biases };
}
