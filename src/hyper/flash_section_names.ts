/**
 * Names of the flash sections of a Deployable (SYNTHESIS.md section 6), spelled once: the file
 * format (deployable_io.ts) writes and reads them, the C generator (codegen/flash_sections.ts)
 * prints one array per section under them.
 */

/** The parameter arrays of a weighted op (stored ops only) or of an IntLinear of the generator. */
export type ParamField = 'weights' | 'bias' | 'mult' | 'shift';

export const SECTION = {
  /** a stored weighted op's weights / bias / mult / shift */
  op: (opName: string, field: ParamField) => `${opName}.${field}`,
  /** an add op's 16-byte requantization */
  addRequant: (opName: string) => `${opName}.requant`,
  /** the IntLinear prefixes of generator instance g: trunk k, core, factorB, gain */
  trunk: (g: number, k: number) => `gen${g}.trunk${k}`,
  core: (g: number) => `gen${g}.core`,
  /** the factor head H_B ('factor-heads': the core head is H_A) */
  factorB: (g: number) => `gen${g}.factorB`,
  gain: (g: number) => `gen${g}.gain`,
  linear: (linearPrefix: string, field: ParamField) => `${linearPrefix}.${field}`,
  /** the packed basis U or V of generator instance g */
  basis: (g: number, which: 'U' | 'V') => `gen${g}.${which}`,
  /** generated layer l's inputs: packed code, packed gains, int32 biasQ, 6-byte params */
  layer: (l: number, field: 'code' | 'gains' | 'biasQ' | 'params') => `layer${l}.${field}`,
  /** host-only float32 per-channel weight scales of an op or IntLinear (not flash; files only) */
  hostScales: (prefix: string) => `${prefix}.weightScales`,
} as const;
