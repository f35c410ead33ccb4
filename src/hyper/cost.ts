/**
 * Cost of synthesis (SYNTHESIS.md section 4): multiply-accumulates, divisions, scratch RAM, and
 * the RAM cache the synthesized layers occupy. Counted from the generator and the layer shapes.
 */

import type { StoredGenerator } from './stored.ts';

export interface LayerSynthesisCost {
  layer: number;
  cIn: number;
  cOut: number;
  /** trunk + core head (factor-heads: its cOut*r rows used and the factor head's r*cIn) (+ gain
   * head rows used) + P (cOut r^2) + R (cOut cIn r) */
  macs: number;
  /** integer divisions of step f (one per weight) */
  divisions: number;
  /** W int8 + bias int32 + multiplier int32 + shift int8 per channel, padded to 4 (cacheBytesOf) */
  cacheBytes: number;
}

export interface SynthesisCost {
  layers: LayerSynthesisCost[];
  macs: number;
  divisions: number;
  /** the reference scratch: int16 x[2][max(dz, dh)], int32 S[r*r], int64 P[r], int32 R[max cIn] */
  scratchBytes: number;
  /** sum over generated layers of cacheBytesOf(cIn, cOut) = cIn*cOut + 9*cOut padded to 4 */
  cacheBytes: number;
}

/**
 * Where the synthesized pointwise kernels live on the device (export-c --pw-cache):
 *   'all'   every generated layer synthesized once at load into its own RAM slot (the paper's way):
 *           the most RAM, no synthesis per inference;
 *   'layer' one reusable slot, each generated layer synthesized just before it runs: RAM of the
 *           largest layer, one synthesis per inference;
 *   'none'  rows synthesized one output channel at a time into a row buffer inside the pointwise
 *           loop: RAM of one row, one synthesis per inference.
 */
export type PwCacheMode = 'all' | 'layer' | 'none';
export const PW_CACHE_MODES: readonly PwCacheMode[] = ['all', 'layer', 'none'];

const align4 = (n: number) => (n + 3) & ~3;

/** Bytes one synthesized layer occupies in the RAM cache: int8 W, int32 bias, int32 mult, int8
 * shift, padded to a multiple of 4 so the next layer's int32 arrays stay aligned. The one size of
 * a cache slot: the generated C allocates exactly this (src/codegen/pw_cache.ts). */
export function cacheBytesOf(cIn: number, cOut: number): number {
  return align4(cIn * cOut + cOut * (4 + 4 + 1));
}

/** Bytes of the row buffer of --pw-cache 'none' for a layer of cIn inputs: one int8 row, padded to
 * a multiple of 4 (its bias, multiplier and shift are scalars); the C allocates exactly this. */
export function rowBytesOf(cIn: number): number {
  return align4(cIn);
}

/** RAM of the synthesized kernels of layers `shapes` under a mode: the sum of the slots ('all'),
 * the largest slot ('layer'), or the row buffer of the widest input ('none'). */
export function pwCacheBytes(shapes: { cIn: number; cOut: number }[], mode: PwCacheMode): number {
  if (shapes.length === 0) return 0;
  if (mode === 'all') return shapes.reduce((a, s) => a + cacheBytesOf(s.cIn, s.cOut), 0);
  if (mode === 'layer') return Math.max(...shapes.map((s) => cacheBytesOf(s.cIn, s.cOut)));
  return Math.max(...shapes.map((s) => rowBytesOf(s.cIn)));
}

export function synthesisScratchBytes(gen: StoredGenerator): number {
  const { dz, dh, rank: r } = gen.config;
  const maxCin = Math.max(0, ...gen.layers.map((L) => L.cIn));
  return 2 * 2 * Math.max(dz, dh) + 4 * r * r + 8 * r + 4 * maxCin;
}

export function synthesisCost(gen: StoredGenerator): SynthesisCost {
  const { rank: r } = gen.config;
  const layers = gen.layers.map((L, l): LayerSynthesisCost => {
    const inst = gen.instances[L.generator];
    let macs = 0;
    for (const t of inst.trunk) macs += t.inFeatures * t.outFeatures;
    if (inst.factorB) macs += inst.core.inFeatures * L.cOut * r + inst.factorB.inFeatures * r * L.cIn;
    else macs += inst.core.inFeatures * inst.core.outFeatures;
    if (inst.gain) macs += inst.gain.inFeatures * L.cOut;
    macs += L.cOut * r * r + L.cOut * L.cIn * r;
    return { layer: l, cIn: L.cIn, cOut: L.cOut, macs, divisions: L.cOut * L.cIn, cacheBytes: cacheBytesOf(L.cIn, L.cOut) };
  });
  return {
    layers,
    macs: layers.reduce((a, c) => a + c.macs, 0),
    divisions: layers.reduce((a, c) => a + c.divisions, 0),
    scratchBytes: synthesisScratchBytes(gen),
    cacheBytes: layers.reduce((a, c) => a + c.cacheBytes, 0),
  };
}
