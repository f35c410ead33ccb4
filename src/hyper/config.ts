/**
 * HyperTinyPW generator configuration: the knobs of the generator family (docs/METHOD.md, "The
 * generator family") plus the shapes of the layers it generates.
 *
 * Family (every generated layer l, C_out x C_in, sliced from a C_max basis):
 *   z_l (dz codes) -> trunk MLP dz -> dh -> ... -> dh (ReLU) -> h_l
 *   head 'shared-basis':  S_l = H_S h_l + b_S, an r x r core
 *   head 'basis-coeff':   c_l = H_S h_l + b_S, r coefficients over r shared rank-1 factors
 *                         (S_l = diag(c_l))
 *   head 'factor-heads':  A_l = reshape(H_A h_l + b_A) [C_out x r] (first C_out*r of C_max*r rows),
 *                         B_l = reshape(H_B h_l + b_B) [r x C_in] (first C_in columns of r x C_max);
 *                         W_l = diag(g_l) A_l B_l, no stored U, V (the paper's head design)
 *   gains 'stored':    per-layer g_l [C_out] stored at gainBits
 *         'generated': g_l = H_G h_l + b_G (first C_out rows of a C_max-row head)
 *         'none':      g_l = 1
 *   W_l = diag(g_l) U[:C_out, :] S_l V[:, :C_in]     (U: C_max x r, V: r x C_max, stored once;
 *                                                      factor-heads: U = A, V = B, S = I)
 * The integer synthesis of W_l is specified in SYNTHESIS.md.
 */

import { ArgumentError } from '../util/errors.ts';
import type { IntModel, PwConv1dOp } from '../quant/int_model.ts';
import { GAIN_MODE_NAMES, HEAD_DESIGNS, HEADS, isGainMode, isHeadDesign, quotedChoices, type GainMode, type HeadDesign } from './heads.ts';

export type { GainMode, HeadDesign } from './heads.ts';
/** 'shared': one generator (trunk, heads, bases) for all generated layers (the method);
 * 'per-layer': one generator per generated layer (ablation: no cross-layer sharing). */
export type Sharing = 'shared' | 'per-layer';
/** Which pointwise ops (by position among the model's pwconv1d ops) are generated. */
export type GeneratedSelection = 'all-but-first' | 'all' | number[];

export interface GeneratorKnobs {
  /** code length per generated layer, 1..MAX_DZ */
  dz: number;
  /** trunk width, 1..MAX_DH */
  dh: number;
  /** rank of the factorization, 1..MAX_RANK */
  rank: number;
  /** number of trunk layers (dz -> dh, then dh -> dh), >= 1; default 2 */
  trunkDepth: number;
  /** bit widths of the stored tensors, each in 2..8 (4, 6 or 8 in practice) */
  codeBits: number;
  trunkBits: number;
  headBits: number;
  basisBits: number;
  gainBits: number;
  head: HeadDesign;
  gains: GainMode;
  sharing: Sharing;
  generated: GeneratedSelection;
}

/** Shape of one generated layer: W_l is [cOut, cIn]. */
export interface LayerShape {
  cIn: number;
  cOut: number;
}

/** Knobs + the generated layers' shapes (in generatedIndex order) + C_max. */
export interface GeneratorConfig extends GeneratorKnobs {
  layers: LayerShape[];
  /** basis height: max over served layers of max(cIn, cOut) */
  cMax: number;
}

/**
 * Caps of the integer synthesis (SYNTHESIS.md section 3 proves the int32 / int64 bounds up to
 * these): an MLP row sums at most 128 products |W x| <= 127 * 32767 (< 2^29, plus |bias| <= 2^30);
 * P = U S has |P| <= r * 127 * (2^23 - 1) <= 2^38 at r = 256; R stays < 2^24 for every r because
 * qP = 17 - ceil(log2 r). Rank 256 is C_max of the large ECG backbone (full-rank shared bases).
 */
export const MAX_DZ = 128;
export const MAX_DH = 128;
export const MAX_RANK = 256;

const BASE: Omit<GeneratorKnobs, 'dz' | 'dh' | 'rank'> = {
  trunkDepth: 2,
  codeBits: 6,
  trunkBits: 6,
  headBits: 6,
  basisBits: 6,
  gainBits: 6,
  head: 'shared-basis',
  gains: 'stored',
  sharing: 'shared',
  generated: 'all-but-first',
};

/** The task families with their own default generator knobs. */
export type KnobBase = 'mitbih' | 'apnea' | 'ptbxl' | 'kws';

/**
 * Defaults of docs/METHOD.md: (dz, dh, r) = (4, 12, 3) for MIT-BIH, (6, 16, 4) for Apnea-ECG /
 * PTB-XL. The method gives none for keyword spotting; KWS takes (6, 16, 4), named as its own.
 */
export const DEFAULT_KNOBS: Record<KnobBase, GeneratorKnobs> = {
  mitbih: { ...BASE, dz: 4, dh: 12, rank: 3 },
  apnea: { ...BASE, dz: 6, dh: 16, rank: 4 },
  ptbxl: { ...BASE, dz: 6, dh: 16, rank: 4 },
  kws: { ...BASE, dz: 6, dh: 16, rank: 4 },
};

/** Every problem with a set of knobs, as sentences (empty when valid). */
export function knobProblems(k: GeneratorKnobs): string[] {
  const p: string[] = [];
  const intIn = (name: string, v: number, lo: number, hi: number) => {
    if (!(Number.isInteger(v) && v >= lo && v <= hi)) p.push(`${name} = ${v} is not an integer in [${lo}, ${hi}]`);
  };
  intIn('dz', k.dz, 1, MAX_DZ);
  intIn('dh', k.dh, 1, MAX_DH);
  intIn('rank', k.rank, 1, MAX_RANK);
  intIn('trunkDepth', k.trunkDepth, 1, 8);
  for (const b of ['codeBits', 'trunkBits', 'headBits', 'basisBits', 'gainBits'] as const) intIn(b, k[b], 2, 8);
  if (!isHeadDesign(k.head)) p.push(`head "${k.head}" is not ${quotedChoices(HEAD_DESIGNS)}`);
  if (!isGainMode(k.gains)) p.push(`gains "${k.gains}" is not ${quotedChoices(GAIN_MODE_NAMES)}`);
  if (k.sharing !== 'shared' && k.sharing !== 'per-layer') p.push(`sharing "${k.sharing}" is not 'shared' or 'per-layer'`);
  const g = k.generated as unknown;
  if (g !== 'all' && g !== 'all-but-first' && !(Array.isArray(g) && g.every((j) => Number.isInteger(j) && j >= 0))) p.push(`generated ${JSON.stringify(g)} is not 'all', 'all-but-first' or a list of pointwise indices`);
  return p;
}

export function checkConfig(c: GeneratorConfig): void {
  const p = knobProblems(c);
  if (c.layers.length === 0) p.push('no generated layers');
  c.layers.forEach((s, i) => {
    if (!(Number.isInteger(s.cIn) && s.cIn > 0 && Number.isInteger(s.cOut) && s.cOut > 0)) p.push(`layer ${i}: shape ${s.cOut} x ${s.cIn} is not positive integers`);
    if (s.cIn > c.cMax || s.cOut > c.cMax) p.push(`layer ${i}: ${s.cOut} x ${s.cIn} exceeds cMax ${c.cMax}`);
  });
  if (p.length) throw new ArgumentError('GeneratorConfig', p.join('; '));
}

/** A config for explicit layer shapes (cMax = the largest channel count). */
export function makeConfig(knobs: GeneratorKnobs, layers: LayerShape[]): GeneratorConfig {
  const cMax = Math.max(1, ...layers.map((s) => Math.max(s.cIn, s.cOut)));
  const c: GeneratorConfig = { ...knobs, generated: Array.isArray(knobs.generated) ? [...knobs.generated] : knobs.generated, layers: layers.map((s) => ({ ...s })), cMax };
  checkConfig(c);
  return c;
}

/** Indices into model.ops of the pwconv1d ops `selection` picks, in model order. */
export function selectGeneratedOps(model: IntModel, selection: GeneratedSelection): number[] {
  const pw = model.ops.map((op, i) => (op.kind === 'pwconv1d' ? i : -1)).filter((i) => i >= 0);
  if (selection === 'all') return pw;
  if (selection === 'all-but-first') return pw.slice(1);
  for (const j of selection) if (!(Number.isInteger(j) && j >= 0 && j < pw.length)) throw new ArgumentError('selectGeneratedOps', `pointwise index ${j} out of range (the model has ${pw.length} pwconv1d ops)`);
  return [...new Set(selection)].sort((a, b) => a - b).map((j) => pw[j]);
}

/** A config whose layer shapes are the model's selected pointwise ops. */
export function configForModel(model: IntModel, knobs: GeneratorKnobs): GeneratorConfig {
  const layers = selectGeneratedOps(model, knobs.generated).map((i) => {
    const op = model.ops[i] as PwConv1dOp;
    return { cIn: op.inChannels, cOut: op.outChannels };
  });
  return makeConfig(knobs, layers);
}

/** Index of the generator instance serving generated layer l. */
export function generatorOf(config: GeneratorKnobs, l: number): number {
  return config.sharing === 'shared' ? 0 : l;
}

/** Number of generator instances. */
export function generatorCount(config: GeneratorConfig): number {
  return config.sharing === 'shared' ? 1 : config.layers.length;
}

/** Basis height of generator instance g: max(cIn, cOut) over the layers it serves. */
export function instanceCMax(config: GeneratorConfig, g: number): number {
  if (config.sharing === 'shared') return config.cMax;
  const s = config.layers[g];
  return Math.max(s.cIn, s.cOut);
}

/** Outputs of the core head of an instance of basis height cMax: r*r ('shared-basis'), r
 * ('basis-coeff') or cMax*r ('factor-heads', A). */
export function coreOutputs(config: GeneratorKnobs, cMax: number): number {
  return HEADS[config.head].coreOutputs(config.rank, cMax);
}

/** Outputs of the factor head H_B ('factor-heads' only; 0 otherwise): r*cMax. */
export function factorOutputs(config: GeneratorKnobs, cMax: number): number {
  return HEADS[config.head].factorHeads ? config.rank * cMax : 0;
}
