/**
 * Structural checks of a decoded deployable beyond its CRC: the integer model (every op field in
 * range, via the IntModel validator, generated ops without arrays) and the stored generator
 * (config knobs, layer shapes, trunk / head / basis / code dimensions, bit widths, activation
 * ranges, requantization multipliers and shifts, per-layer synthesis parameters). What synthesis
 * and the generated C assume without checking again. Each problem is one sentence.
 */

import { intModelProblems } from '../quant/validate.ts';
import { GAIN_MODES, HEADS } from './heads.ts';
import { coreOutputs, factorOutputs, generatorCount, instanceCMax, knobProblems } from './config.ts';
import type { Deployable } from './deployable.ts';
import { isGenerated } from './generated.ts';
import { BIAS_LIMIT, HEAD_MAX, HIDDEN_MAX, type IntLinear, type StoredTensor } from './stored.ts';

const Q31_MIN = 2 ** 30;
const Q31_MAX = 2 ** 31 - 1;
/** |biasExponent| bound of LayerSynthesisInputs (synthesis.ts) */
const BIAS_EXPONENT_MAX = 24;

function isInt(x: unknown, lo: number, hi: number): boolean {
  return typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
}

function positiveFinite(x: unknown): boolean {
  return typeof x === 'number' && Number.isFinite(x) && x > 0;
}

function linearProblems(w: string, L: IntLinear, inF: number, outF: number, act: number): string[] {
  const p: string[] = [];
  if (L.inFeatures !== inF || L.outFeatures !== outF) p.push(`${w}: ${L.outFeatures} x ${L.inFeatures}, expected ${outF} x ${inF}`);
  if (!isInt(L.bits, 2, 8)) p.push(`${w}: bits ${L.bits} not an integer in [2, 8]`);
  if (!isInt(L.actMin, -act, act) || !isInt(L.actMax, -act, act) || L.actMin > L.actMax) p.push(`${w}: activation range [${L.actMin}, ${L.actMax}] not integers within [-${act}, ${act}]`);
  if (!positiveFinite(L.inputScale) || !positiveFinite(L.outputScale)) p.push(`${w}: input / output scale ${L.inputScale} / ${L.outputScale} not positive`);
  for (let j = 0; j < L.multiplier.length; j++) {
    const m = L.multiplier[j];
    if (!(m === 0 || (m >= Q31_MIN && m <= Q31_MAX))) { p.push(`${w} row ${j}: multiplier ${m} not 0 and not in [2^30, 2^31 - 1]`); break; }
    if (!isInt(L.shift[j], -31, 30)) { p.push(`${w} row ${j}: shift ${L.shift[j]} not in [-31, 30]`); break; }
    if (Math.abs(L.bias[j]) > BIAS_LIMIT) { p.push(`${w} row ${j}: bias ${L.bias[j]} beyond 2^30`); break; }
  }
  return p;
}

function tensorProblems(w: string, t: StoredTensor, shape: number[], bits: number): string[] {
  const p: string[] = [];
  if (!Array.isArray(t.shape) || t.shape.join() !== shape.join()) p.push(`${w}: shape [${String(t.shape)}], expected [${shape}]`);
  if (t.bits !== bits) p.push(`${w}: ${t.bits} bits, the config says ${bits}`);
  if (!positiveFinite(t.scale)) p.push(`${w}: scale ${t.scale} not positive`);
  return p;
}

/** Every structural problem of a decoded deployable (empty when it is sound). */
export function deployableProblems(dep: Deployable): string[] {
  // generated ops carry no arrays here: synthesis fills them in at load time
  const generated = dep.model.ops.filter(isGenerated);
  const p = intModelProblems(dep.model, { filledAtLoad: new Set(generated.map((op) => op.name)) });
  for (const [name, bits] of Object.entries(dep.weightBits)) if (bits !== 4 && bits !== 8) p.push(`weightBits of "${name}": ${bits}, expected 4 or 8`);
  const gen = dep.generator;
  if (!gen) {
    if (generated.length > 0) p.push(`${generated.length} generated op(s) but no generator`);
    return p;
  }
  const c = gen.config;
  p.push(...knobProblems(c).map((s) => `generator config: ${s}`));
  if (!isInt(c.cMax, 1, 1 << 16) || !Array.isArray(c.layers)) return [...p, `generator config: cMax ${c.cMax} / layers invalid`];
  if (!positiveFinite(gen.codeScale)) p.push(`generator: code scale ${gen.codeScale} not positive`);
  if (p.length > 0) return p;
  const nG = generatorCount(c);
  if (gen.instances.length !== nG) p.push(`generator: ${gen.instances.length} instances, the config needs ${nG}`);
  if (gen.layers.length !== c.layers.length || dep.layers.length !== c.layers.length) p.push(`generator: ${gen.layers.length} stored / ${dep.layers.length} synthesis layers, the config has ${c.layers.length}`);
  if (generated.length !== c.layers.length) p.push(`${generated.length} generated op(s), the generator makes ${c.layers.length} layers`);
  if (p.length > 0) return p;
  gen.instances.forEach((inst, g) => {
    const w = `generator instance ${g}`;
    const cMax = instanceCMax(c, g);
    if (inst.cMax !== cMax) p.push(`${w}: cMax ${inst.cMax}, expected ${cMax}`);
    if (inst.trunk.length !== c.trunkDepth) p.push(`${w}: ${inst.trunk.length} trunk layers, expected ${c.trunkDepth}`);
    inst.trunk.forEach((L, k) => p.push(...linearProblems(`${w} trunk ${k}`, L, k === 0 ? c.dz : c.dh, c.dh, HIDDEN_MAX)));
    const head = HEADS[c.head];
    p.push(...linearProblems(`${w} core`, inst.core, c.dh, coreOutputs(c, cMax), head.headMax));
    if (head.factorHeads !== (inst.factorB !== undefined)) p.push(`${w}: factor head ${inst.factorB ? 'present' : 'missing'} with head '${c.head}'`);
    if (inst.factorB) p.push(...linearProblems(`${w} factorB`, inst.factorB, c.dh, factorOutputs(c, cMax), head.headMax));
    if (GAIN_MODES[c.gains].gainHead !== (inst.gain !== undefined)) p.push(`${w}: gain head ${inst.gain ? 'present' : 'missing'} with gains '${c.gains}'`);
    if (inst.gain) p.push(...linearProblems(`${w} gain`, inst.gain, c.dh, cMax, HEAD_MAX));
    if (head.storedBases !== (inst.U !== undefined && inst.V !== undefined)) p.push(`${w}: bases U, V ${inst.U ? 'present' : 'missing'} with head '${c.head}'`);
    if (inst.U) p.push(...tensorProblems(`${w} U`, inst.U, [cMax, c.rank], c.basisBits));
    if (inst.V) p.push(...tensorProblems(`${w} V`, inst.V, [c.rank, cMax], c.basisBits));
  });
  gen.layers.forEach((L, l) => {
    const w = `generated layer ${l}`;
    const s = c.layers[l];
    if (L.cIn !== s.cIn || L.cOut !== s.cOut) p.push(`${w}: ${L.cOut} x ${L.cIn}, the config says ${s.cOut} x ${s.cIn}`);
    if (!isInt(L.generator, 0, nG - 1)) p.push(`${w}: generator ${L.generator} not an instance index`);
    p.push(...tensorProblems(`${w} code`, L.code, [c.dz], c.codeBits));
    if (GAIN_MODES[c.gains].storedPerLayer !== (L.gains !== undefined)) p.push(`${w}: stored gains ${L.gains ? 'present' : 'missing'} with gains '${c.gains}'`);
    if (L.gains) p.push(...tensorProblems(`${w} gains`, L.gains, [s.cOut], c.gainBits));
    const si = dep.layers[l];
    if (!isInt(si.kMultiplier, Q31_MIN, Q31_MAX)) p.push(`${w}: kMultiplier ${si.kMultiplier} not in [2^30, 2^31 - 1]`);
    if (!isInt(si.biasExponent, -BIAS_EXPONENT_MAX, BIAS_EXPONENT_MAX)) p.push(`${w}: biasExponent ${si.biasExponent} not in [-24, 24]`);
    if (si.biasQ.length !== s.cOut) p.push(`${w}: ${si.biasQ.length} biases, expected ${s.cOut}`);
  });
  const served = new Set<number>();
  for (const op of generated) {
    if (op.kind !== 'pwconv1d') continue;
    if (served.has(op.generatedIndex ?? -1)) p.push(`op "${op.name}": generatedIndex ${op.generatedIndex} serves another op too`);
    served.add(op.generatedIndex ?? -1);
    const s = c.layers[op.generatedIndex ?? -1];
    if (!s) p.push(`op "${op.name}": generatedIndex ${op.generatedIndex} is not a generated layer`);
    else if (s.cIn !== op.inChannels || s.cOut !== op.outChannels) p.push(`op "${op.name}": ${op.outChannels} x ${op.inChannels}, its generated layer ${op.generatedIndex} is ${s.cOut} x ${s.cIn}`);
  }
  return p;
}
