/**
 * Generator head families and gain modes as tables (config.ts, "Family"): what each one stores,
 * how its core head becomes the r x r core S, its name in sweep ids and its C constant
 * (src/codegen/c/htpw_synthesis.h; test/hyper/heads.test.ts checks the header's values equal
 * these). A new head family or gain mode is a row here; the compiler then names every table that
 * lacks it (`satisfies Record<HeadDesign, …>` / `Record<GainMode, …>`). CONTRIBUTING.md lists the
 * rest of the path (generator_float, fit, synthesis, the C synthesis, SYNTHESIS.md).
 */

/** Output clamp of the core and gain heads: 24-bit (SYNTHESIS.md section 3). */
export const HEAD_MAX = 8388607;
/** Output clamp of the factor heads (A_l, B_l enter synthesis where the 8-bit bases would). */
export const FACTOR_MAX = 127;

/** How the core head becomes S_l, or the factors A_l, B_l (config.ts, "Family"). */
export type HeadDesign = 'shared-basis' | 'basis-coeff' | 'factor-heads';
/** Where the per-output-channel gains come from. */
export type GainMode = 'stored' | 'generated' | 'none';

export interface HeadFamily {
  /** outputs of the core head at rank r for an instance of basis height C_max */
  coreOutputs(rank: number, cMax: number): number;
  /** the r x r core S (row-major, `S` zero on entry) from the core head's outputs `c` */
  fillCore(c: ArrayLike<number>, rank: number, S: { [i: number]: number }): void;
  /** U [C_max, r] and V [r, C_max] stored once per instance (false: the heads generate the factors) */
  storedBases: boolean;
  /** the core head generates A_l (its rows o*r .. o*r + r - 1 are U(o, :)) and a factor head
   * H_B [r*C_max, dh] generates B_l (its row b*C_max + i is V(b, i)); S = identity */
  factorHeads: boolean;
  /** output clamp of the core head (and the factor head): [-headMax, headMax] */
  headMax: number;
  /** appended to a sweep id (sweep.ts) */
  idSuffix: string;
  /** the C constant of htpw_synthesis.h and its value */
  cName: string;
  cValue: number;
}

export const HEADS = {
  // S_l = H_S h_l + b_S, an r x r core
  'shared-basis': {
    coreOutputs: (r) => r * r,
    storedBases: true,
    factorHeads: false,
    headMax: HEAD_MAX,
    fillCore: (c, r, S) => {
      for (let i = 0; i < r * r; i++) S[i] = c[i];
    },
    idSuffix: '',
    cName: 'HTPW_HEAD_SHARED_BASIS',
    cValue: 0,
  },
  // c_l = H_S h_l + b_S, r coefficients over r shared rank-1 factors: S_l = diag(c_l)
  'basis-coeff': {
    coreOutputs: (r) => r,
    storedBases: true,
    factorHeads: false,
    headMax: HEAD_MAX,
    fillCore: (c, r, S) => {
      for (let a = 0; a < r; a++) S[a * r + a] = c[a];
    },
    idSuffix: '-coeff',
    cName: 'HTPW_HEAD_BASIS_COEFF',
    cValue: 1,
  },
  // the paper's heads: A_l = reshape(H_A h_l + b_A) [C_out x r] (core head, C_max*r rows),
  // B_l = reshape(H_B h_l + b_B) [r x C_in] (factor head, r*C_max rows), W_l = diag(g_l) A_l B_l.
  // Both heads' outputs are clamped to [-127, 127] and play U(o, a) and V(b, i) with S = identity
  // (SYNTHESIS.md step 2), so no U, V are stored.
  'factor-heads': {
    coreOutputs: (r, cMax) => cMax * r,
    fillCore: (_c, r, S) => {
      for (let a = 0; a < r; a++) S[a * r + a] = 1;
    },
    storedBases: false,
    factorHeads: true,
    headMax: FACTOR_MAX,
    idSuffix: '-factors',
    cName: 'HTPW_HEAD_FACTORS',
    cValue: 2,
  },
} satisfies Record<HeadDesign, HeadFamily>;

export interface GainModeSpec {
  /** a [C_out] gain vector per generated layer, stored at gainBits */
  storedPerLayer: boolean;
  /** a gain head (C_max outputs) in each generator instance */
  gainHead: boolean;
  /** appended to a sweep id (sweep.ts) */
  idSuffix: string;
  cName: string;
  cValue: number;
}

export const GAIN_MODES = {
  stored: { storedPerLayer: true, gainHead: false, idSuffix: '', cName: 'HTPW_GAINS_STORED', cValue: 0 },
  generated: { storedPerLayer: false, gainHead: true, idSuffix: '-ggenerated', cName: 'HTPW_GAINS_GENERATED', cValue: 1 },
  none: { storedPerLayer: false, gainHead: false, idSuffix: '-gnone', cName: 'HTPW_GAINS_NONE', cValue: 2 },
} satisfies Record<GainMode, GainModeSpec>;

export const HEAD_DESIGNS = Object.keys(HEADS) as HeadDesign[];
export const GAIN_MODE_NAMES = Object.keys(GAIN_MODES) as GainMode[];

export function isHeadDesign(x: unknown): x is HeadDesign {
  return typeof x === 'string' && Object.hasOwn(HEADS, x);
}

export function isGainMode(x: unknown): x is GainMode {
  return typeof x === 'string' && Object.hasOwn(GAIN_MODES, x);
}

/** 'a', 'b' or 'c': the names of a table, for messages. */
export function quotedChoices(names: readonly string[]): string {
  const q = names.map((n) => `'${n}'`);
  return q.length > 1 ? `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}` : q.join('');
}
