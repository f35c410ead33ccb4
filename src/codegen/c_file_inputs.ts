/**
 * What the two C files of an export (<prefix>.h, header_c.ts; <prefix>.c, source_c.ts) are
 * printed from: the laid-out layers, the flash arrays, the synthesis scratch, and the sizes.
 */

import type { IntModel } from '../quant/int_model.ts';
import type { ArenaPlan } from '../quant/arena.ts';
import type { StoredGenerator } from '../hyper/stored.ts';
import type { PwCacheMode } from '../hyper/cost.ts';
import type { KernelBackend } from './layer_calls.ts';
import type { LayersC } from './layers_c.ts';
import type { SynthesisLayout } from './generator_c.ts';

export interface CFileInputs {
  prefix: string;
  /** the provenance sentence opening every file's comment */
  provenance: string;
  model: IntModel;
  plan: ArenaPlan;
  /** the generator, when the export has generated layers */
  gen: StoredGenerator | null;
  generatedLayers: number;
  kernels: KernelBackend;
  mode: PwCacheMode;
  dsp: boolean;
  syn: SynthesisLayout;
  arenaBytes: number;
  arenaArrayBytes: number;
  weightBytes: number;
  layers: LayersC;
  /** the flash array definitions, then the generator descriptors */
  flashLines: string[];
  genDescs: string[];
}

/** What follows from the inputs: which headers and statuses the C needs. */
export interface CFileFlags {
  cmsis: boolean;
  reference: boolean;
  synthesizes: boolean;
  needSynthesisHeader: boolean;
  /** 'layer' / 'none': generated layers are synthesized inside <prefix>_invoke */
  inferenceSynthesis: boolean;
  needStatus: boolean;
}

export function cFileFlags(c: CFileInputs): CFileFlags {
  const cmsis = c.kernels === 'cmsis-nn';
  const synthesizes = c.generatedLayers > 0;
  const inferenceSynthesis = synthesizes && c.mode !== 'all';
  return {
    cmsis,
    reference: c.kernels === 'reference',
    synthesizes,
    needSynthesisHeader: synthesizes || c.layers.unpacked.init.length > 0,
    inferenceSynthesis,
    needStatus: cmsis || inferenceSynthesis,
  };
}
