/**
 * What the generated C relies on beyond validateIntModel (src/quant/validate.ts): an arena plan
 * covering every tensor without input / output overlap, zero points and clamp ranges in int8,
 * multipliers >= 0 and shifts in [-31, 30], folded biases in int32; and for the C synthesis the
 * ranges of SYNTHESIS.md section 3. Each check throws ArgumentError('exportC', ...) naming the
 * op or tensor.
 */

import { ArgumentError } from '../util/errors.ts';
import type { ActivationTensor, IntModel } from '../quant/int_model.ts';
import type { ArenaPlan } from '../quant/arena.ts';
import { isWeighted } from '../quant/op_kinds.ts';
import type { Deployable } from '../hyper/deployable.ts';
import type { IntLinear } from '../hyper/stored.ts';
import { MAX_DH, MAX_DZ, MAX_RANK } from '../hyper/config.ts';
import { tensorDims } from './c_text.ts';
import { kernelSums } from './folded_bias.ts';

/** The error of every exportC check. */
export function fail(what: string): never {
  throw new ArgumentError('exportC', what);
}

const inRange = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;

/** Checks what the C relies on; throws ArgumentError naming the op. */
export function checkModelForC(model: IntModel, plan: ArenaPlan): void {
  const nT = model.tensors.length;
  if (plan.offsets.length !== nT || plan.sizes.length !== nT) fail('arena plan does not cover every tensor');
  const tensor = (id: number, op: string): ActivationTensor => {
    const t = model.tensors[id];
    if (!t || t.id !== id) fail(`op ${op}: tensor ${id} does not exist`);
    return t;
  };
  const overlap = (a: number, b: number) => a !== b && plan.offsets[a] < plan.offsets[b] + plan.sizes[b] && plan.offsets[b] < plan.offsets[a] + plan.sizes[a];
  const used = new Set<number>([model.inputId, model.outputId]);
  for (const op of model.ops) {
    used.add(op.input);
    used.add(op.output);
    if (op.kind === 'add') used.add(op.input2);
  }
  for (const id of used) {
    const t = tensor(id, 'model');
    if (!Number.isInteger(t.zeroPoint) || t.zeroPoint < -128 || t.zeroPoint > 127) fail(`tensor ${t.name}: zeroPoint ${t.zeroPoint} not in [-128, 127]`);
    if (plan.sizes[t.id] < tensorDims(t).n) fail(`tensor ${t.name}: arena slot ${plan.sizes[t.id]} B < ${tensorDims(t).n} B`);
  }
  for (const op of model.ops) {
    const x = tensor(op.input, op.name);
    tensor(op.output, op.name);
    if (overlap(op.input, op.output)) fail(`op ${op.name}: input and output overlap in the arena plan`);
    if (op.kind === 'add') {
      tensor(op.input2, op.name);
      if (overlap(op.input2, op.output)) fail(`op ${op.name}: input2 and output overlap in the arena plan`);
    }
    if (op.actMin < -128 || op.actMax > 127 || op.actMin > op.actMax) fail(`op ${op.name}: actMin / actMax [${op.actMin}, ${op.actMax}] not within [-128, 127]`);
    if (isWeighted(op)) {
      const { multiplier, shift } = op.requant;
      for (let o = 0; o < op.outChannels; o++) {
        if (multiplier[o] < 0) fail(`op ${op.name}: multiplier[${o}] = ${multiplier[o]} < 0`);
        if (shift[o] < -31 || shift[o] > 30) fail(`op ${op.name}: shift[${o}] = ${shift[o]} not in [-31, 30]`);
      }
      const sums = kernelSums(op);
      for (let o = 0; o < op.outChannels; o++) {
        const folded = op.bias[o] - x.zeroPoint * sums[o];
        if (folded < -2147483648 || folded > 2147483647) fail(`op ${op.name}: folded bias of channel ${o} does not fit int32`);
      }
    }
    if (op.kind === 'add') {
      for (const f of ['input1Shift', 'input2Shift', 'outputShift'] as const) if (op[f] < -31 || op[f] > 30) fail(`op ${op.name}: ${f} ${op[f]} not in [-31, 30]`);
      for (const f of ['input1Multiplier', 'input2Multiplier', 'outputMultiplier'] as const) if (op[f] < 0) fail(`op ${op.name}: ${f} ${op[f]} < 0`);
      if (op.leftShift < 0 || op.leftShift > 30) fail(`op ${op.name}: leftShift ${op.leftShift}`);
    }
  }
}

/** What the C synthesis relies on (SYNTHESIS.md section 3 ranges); throws ArgumentError naming the tensor. */
export function checkGeneratorForC(dep: Deployable): void {
  const gen = dep.generator;
  if (!gen) return;
  const { dz, dh, rank } = gen.config;
  if (!inRange(dz, 1, MAX_DZ) || !inRange(dh, 1, MAX_DH) || !inRange(rank, 1, MAX_RANK)) fail(`generator dz ${dz}, dh ${dh}, r ${rank} outside dz <= ${MAX_DZ}, dh <= ${MAX_DH}, r <= ${MAX_RANK}`);
  gen.instances.forEach((inst, g) => {
    inst.trunk.forEach((t, k) => checkLinear(`gen${g}.trunk${k}`, t));
    checkLinear(`gen${g}.core`, inst.core);
    if (inst.factorB) checkLinear(`gen${g}.factorB`, inst.factorB);
    if (inst.gain) checkLinear(`gen${g}.gain`, inst.gain);
  });
  dep.layers.forEach((li, l) => {
    if (!inRange(li.kMultiplier, 2 ** 30, 2 ** 31 - 1)) fail(`layer${l}: kMult ${li.kMultiplier} not in [2^30, 2^31)`);
    if (!inRange(li.kExponent, -128, 127)) fail(`layer${l}: kExp ${li.kExponent} does not fit int8`);
    if (!inRange(li.biasExponent, -24, 24)) fail(`layer${l}: biasExp ${li.biasExponent} not in [-24, 24]`);
    for (const q of li.biasQ) if (q === -2147483648) fail(`layer${l}: biasQ holds INT32_MIN`);
  });
}

function checkLinear(name: string, L: IntLinear): void {
  if (!inRange(L.bits, 2, 8)) fail(`${name}: ${L.bits} bits`);
  if (L.inFeatures > MAX_DH) fail(`${name}: ${L.inFeatures} inputs > ${MAX_DH} (int32 accumulator bound)`);
  for (let j = 0; j < L.outFeatures; j++) {
    const m = L.multiplier[j];
    if (!(m === 0 || inRange(m, 2 ** 30, 2 ** 31 - 1))) fail(`${name} row ${j}: multiplier ${m} not in {0} U [2^30, 2^31)`);
    if (!inRange(L.shift[j], -31, 30)) fail(`${name} row ${j}: shift ${L.shift[j]} not in [-31, 30]`);
    if (!inRange(L.bias[j], -(2 ** 30), 2 ** 30)) fail(`${name} row ${j}: bias ${L.bias[j]} outside +-2^30`);
  }
}
