/**
 * Deployable: what goes to flash. An IntModel whose generated pointwise ops are empty (no
 * weights, bias, requant or weightScales), the StoredGenerator, and the per-layer integer
 * synthesis inputs. `synthesize(deployable)` turns it into a complete IntModel, once per
 * deployable (the per-layer integers are cached and reused by every later call).
 *
 * This file is the seam between the two model kinds: the type, `isDeployable` (the one test
 * that tells a Deployable from an IntModel), building and synthesizing. Its files
 * ('HTPWDEPL') and flash sections are in deployable_io.ts, its structural checks in
 * deployable_problems.ts, its byte accounting in bytes.ts; which ops are generated (marking,
 * listing, emptying) in generated.ts.
 */

import { ArgumentError } from '../util/errors.ts';
import type { IntModel } from '../quant/int_model.ts';
import { isWeighted } from '../quant/op_kinds.ts';
import { generatedOps, isGenerated, stripGenerated } from './generated.ts';
import type { StoredGenerator } from './stored.ts';
import { makeLayerInputs, synthesizeLayer, type LayerSynthesisInputs, type SynthesizedLayer } from './synthesis.ts';

export interface Deployable {
  /** generated pwconv1d ops have empty weights / bias / requant / weightScales */
  model: IntModel;
  /** null for a model without generated layers (the plain-INT8 and 4-bit baselines) */
  generator: StoredGenerator | null;
  /** per generated layer, generatedIndex order */
  layers: LayerSynthesisInputs[];
  /** storage bits of stored weighted ops' weights by op name: 8 (default) or 4 (packed nibbles,
   * values in [-7, 7], unpacked to INT8 at load) */
  weightBits: Record<string, number>;
}

/** The one test that tells a Deployable from an IntModel (or any other model object). */
export function isDeployable(x: unknown): x is Deployable {
  return typeof x === 'object' && x !== null && 'model' in x && 'weightBits' in x && 'layers' in x;
}

/**
 * Build a deployable: `model` has its generated ops marked (generatedIndex 0..n-1), `gen` serves
 * them in that order, `biases[l]` is the real (float) bias of generated layer l.
 */
export function buildDeployable(model: IntModel, gen: StoredGenerator | null, biases: ArrayLike<number>[] = [], opts: { weightBits?: Record<string, number> } = {}): Deployable {
  const stripped = stripGenerated(model);
  const gops = generatedOps(stripped);
  const layers: LayerSynthesisInputs[] = [];
  if (gops.length > 0) {
    if (!gen) throw new ArgumentError('buildDeployable', `${gops.length} generated ops need a generator`);
    if (gen.layers.length !== gops.length || biases.length !== gops.length) throw new ArgumentError('buildDeployable', `${gops.length} generated ops, ${gen.layers.length} generator layers, ${biases.length} biases`);
    gops.forEach((op, l) => {
      const L = gen.layers[l];
      if (op.inChannels !== L.cIn || op.outChannels !== L.cOut) throw new ArgumentError('buildDeployable', `op "${op.name}" is ${op.outChannels} x ${op.inChannels}, generator layer ${l} is ${L.cOut} x ${L.cIn}`);
      layers.push(makeLayerInputs(gen, l, stripped.tensors[op.input].scale, stripped.tensors[op.output].scale, biases[l]));
    });
  }
  const weightBits = { ...(opts.weightBits ?? {}) };
  for (const [name, b] of Object.entries(weightBits)) {
    const op = stripped.ops.find((o) => o.name === name);
    if (!op || !isWeighted(op) || isGenerated(op)) throw new ArgumentError('buildDeployable', `weightBits names "${name}", not a stored weighted op`);
    if (b !== 4 && b !== 8) throw new ArgumentError('buildDeployable', `weightBits of "${name}" is ${b}, expected 4 or 8`);
    if (b === 4) for (const w of op.weights) if (w < -7 || w > 7) throw new ArgumentError('buildDeployable', `op "${name}" has weight ${w} outside [-7, 7]; requantize it to 4 bits first (ablations.ts)`);
  }
  const dep: Deployable = { model: stripped, generator: gen, layers, weightBits };
  // SYNTHESIS.md step g: a deployable that leaves the host has been synthesized once (throws
  // SynthesisError when a channel's shift would exceed 30), so the device never fails there.
  if (gops.length > 0) synthesize(dep);
  return dep;
}

/** A deployable with every weight stored (no generator): the plain-INT8 / 4-bit baselines. */
export function deployableFromIntModel(model: IntModel, weightBits: Record<string, number> = {}): Deployable {
  return buildDeployable(model, null, [], { weightBits });
}

// ---------------------------------------------------------------------------------------------
// Synthesis, once per deployable

interface SynthesisCacheEntry {
  // what the integers depend on: a deployable whose model ops, tensors, generator or layer
  // inputs were replaced is synthesized again
  ops: IntModel['ops'];
  tensors: IntModel['tensors'];
  generator: StoredGenerator | null;
  layers: LayerSynthesisInputs[];
  synthesized: SynthesizedLayer[];
}

const synthesisCache = new WeakMap<Deployable, SynthesisCacheEntry>();

/** The synthesized fields of each generated layer of `dep`, computed now (no cache): generatedIndex order. */
export function synthesizeLayers(dep: Deployable): SynthesizedLayer[] {
  const gops = generatedOps(dep.model);
  if (gops.length === 0) return [];
  const gen = dep.generator;
  if (!gen) throw new ArgumentError('synthesize', `the model has ${gops.length} generated ops but the deployable has no generator`);
  if (gops.length !== gen.layers.length || dep.layers.length !== gen.layers.length) {
    throw new ArgumentError('synthesize', `${gops.length} generated ops, ${gen.layers.length} generator layers, ${dep.layers.length} layer inputs`);
  }
  return gops.map((op, l) => {
    const L = gen.layers[l];
    if (op.inChannels !== L.cIn || op.outChannels !== L.cOut) throw new ArgumentError('synthesize', `op "${op.name}" is ${op.outChannels} x ${op.inChannels}, generator layer ${l} is ${L.cOut} x ${L.cIn}`);
    return synthesizeLayer(gen, l, dep.layers[l], dep.model.tensors[op.input].scale, dep.model.tensors[op.output].scale);
  });
}

function cachedLayers(dep: Deployable): SynthesizedLayer[] {
  const c = synthesisCache.get(dep);
  if (c && c.ops === dep.model.ops && c.tensors === dep.model.tensors && c.generator === dep.generator && c.layers === dep.layers) return c.synthesized;
  const synthesized = synthesizeLayers(dep);
  synthesisCache.set(dep, { ops: dep.model.ops, tensors: dep.model.tensors, generator: dep.generator, layers: dep.layers, synthesized });
  return synthesized;
}

/**
 * Synthesize every generated layer of a deployable: a complete IntModel (a new object each call;
 * the synthesized typed arrays are computed once per deployable and shared between calls, so
 * treat them as read-only).
 */
export function synthesize(dep: Deployable): IntModel {
  const layers = cachedLayers(dep);
  const model: IntModel = { ...dep.model, ops: dep.model.ops.map((op) => ({ ...op })) };
  if (layers.length === 0) return model;
  generatedOps(model).forEach((op, l) => {
    const s = layers[l];
    op.weights = s.weights;
    op.bias = s.bias;
    op.requant = { multiplier: s.multiplier, shift: s.shift };
    op.weightScales = s.weightScales;
  });
  return model;
}
