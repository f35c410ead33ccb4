/**
 * Cost of synthesis (SYNTHESIS.md section 4): multiply-accumulates, divisions, scratch RAM, and
 * the RAM cache the synthesized layers occupy. Counted from the generator and the layer shapes.
 */

import type { StoredGenerator } from './stored.ts';

export interface LayerSynthesisCost {
  layer: number;
  cIn: number;
  cOut: number;
  /** trunk + core head (+ gain head rows used) + P (cOut r^2) + R (cOut cIn r) */
  macs: number;
  /** integer divisions of step f (one per weight) */
  divisions: number;
  /** W int8 + bias int32 + multiplier int32 + shift int8 per channel */
  cacheBytes: number;
}

export interface SynthesisCost {
  layers: LayerSynthesisCost[];
  macs: number;
  divisions: number;
  /** the reference scratch: int16 x[2][max(dz, dh)], int32 S[r*r], int64 P[r], int32 R[max cIn] */
  scratchBytes: number;
  /** sum over generated layers of cIn*cOut + 9*cOut */
  cacheBytes: number;
}

/** Bytes one synthesized layer occupies in the RAM cache: int8 W, int32 bias, int32 mult, int8 shift. */
export function cacheBytesOf(cIn: number, cOut: number): number {
  return cIn * cOut + cOut * (4 + 4 + 1);
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
    macs += inst.core.inFeatures * inst.core.outFeatures;
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
