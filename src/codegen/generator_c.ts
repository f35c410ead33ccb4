/**
 * The generator in the generated C (htpw_synthesis.h, SYNTHESIS.md): the layout of the synthesis
 * scratch, the const descriptors of every generator instance and generated layer (pointing at
 * their flash arrays), and the function that points the scratch struct into its memory.
 */

import type { IntLinear, StoredGenerator } from '../hyper/stored.ts';
import { pBits } from '../hyper/synthesis.ts';
import { synthesisScratchBytes, type PwCacheMode } from '../hyper/cost.ts';
import { GAIN_MODES, HEADS } from '../hyper/heads.ts';
import { fail } from './c_checks.ts';
import { SECTION, type FlashArrays } from './flash_sections.ts';

/**
 * Byte offsets of the synthesis scratch: P | S | R | x (SYNTHESIS.md section 4,
 * synthesisScratchBytes) | vt | wsum (htpw_synthesis.h's unpacked basis columns and row sums).
 * vt's bytes depend on the path the C compiles (htpw_synthesis.h HTPW_SYN_VT_BYTES): int16 pairs
 * of 127 V on the DSP path, int8 V on the portable one; the C sizes its arrays with the macro
 * <P>_SYN_VT_SIZE, and `end` counts the larger. All zero without generated layers.
 */
export interface SynthesisLayout {
  r: number;
  x: number;
  vt: number;
  wsum: number;
  end: number;
  vtDsp: number;
  vtPortable: number;
  wsumBytes: number;
}

export function synthesisLayout(gen: StoredGenerator | null, generatedLayers: number, dsp: boolean, mode: PwCacheMode): SynthesisLayout {
  const syn = { r: 0, x: 0, vt: 0, wsum: 0, end: 0, vtDsp: 0, vtPortable: 0, wsumBytes: 0 };
  if (!gen || generatedLayers === 0) return syn;
  const r = gen.config.rank;
  const maxCin = Math.max(0, ...gen.layers.map((L) => L.cIn));
  syn.r = 8 * r + 4 * r * r;
  syn.x = syn.r + 4 * maxCin;
  syn.vt = syn.x + 4 * Math.max(gen.config.dz, gen.config.dh);
  syn.vtPortable = 4 * Math.ceil((r * maxCin) / 4);
  syn.vtDsp = dsp ? 2 * maxCin * ((r + 1) & ~1) : syn.vtPortable;
  syn.wsum = syn.vt + Math.max(syn.vtDsp, syn.vtPortable);
  // 'none' folds each row's sum at once: no wsum array
  syn.wsumBytes = mode === 'none' ? 0 : 4 * Math.max(0, ...gen.layers.map((L) => L.cOut));
  syn.end = syn.wsum + syn.wsumBytes;
  if (syn.vt !== synthesisScratchBytes(gen)) fail(`synthesis scratch layout ${syn.vt} B differs from synthesisScratchBytes ${synthesisScratchBytes(gen)} B`);
  return syn;
}

/** The htpw_linear_t initializer of one IntLinear, its four arrays emitted into flash. */
function linearDescriptor(flash: FlashArrays, linearPrefix: string, L: IntLinear): string {
  const w = flash.param(SECTION.linear(linearPrefix, 'weights'), 'uint8_t');
  const b = flash.param(SECTION.linear(linearPrefix, 'bias'), 'int32_t');
  const m = flash.param(SECTION.linear(linearPrefix, 'mult'), 'int32_t');
  const s = flash.param(SECTION.linear(linearPrefix, 'shift'), 'int8_t');
  return `{ ${w}, ${b}, ${m}, ${s}, ${L.inFeatures}, ${L.outFeatures}, ${L.bits}, ${L.actMin}, ${L.actMax} }`;
}

/** Generator parameters (SYNTHESIS.md section 2) and per-layer inputs (section 3) into flash, and
 * their descriptors: <prefix>_gen<g> per instance, <prefix>_glayers in generatedIndex order. */
export function generatorDescriptors(gen: StoredGenerator, prefix: string, flash: FlashArrays): string[] {
  const cfg = gen.config;
  const out: string[] = [];
  gen.instances.forEach((inst, g) => {
    const trunk = inst.trunk.map((t, k) => linearDescriptor(flash, SECTION.trunk(g, k), t));
    const core = linearDescriptor(flash, SECTION.core(g), inst.core);
    const factorB = inst.factorB ? linearDescriptor(flash, SECTION.factorB(g), inst.factorB) : null;
    const gain = inst.gain ? linearDescriptor(flash, SECTION.gain(g), inst.gain) : null;
    // 'factor-heads' stores no bases: A, B come from the heads, in [-127, 127] = the range of 8-bit bases
    const u = inst.U ? flash.param(SECTION.basis(g, 'U'), 'uint8_t') : '0';
    const v = inst.V ? flash.param(SECTION.basis(g, 'V'), 'uint8_t') : '0';
    const basisBits = inst.U?.bits ?? 8;
    const G = `${prefix}_gen${g}`;
    out.push(
      `/* generator instance ${g}: trunk ${cfg.dz} -> ${cfg.dh} x ${cfg.trunkDepth}, head ${cfg.head}, rank ${cfg.rank}, gains ${cfg.gains}, C_max ${inst.cMax} */`,
      `static const htpw_linear_t ${G}_trunk[${trunk.length}] = {\n${trunk.map((t) => `  ${t},`).join('\n')}\n};`,
      `static const htpw_linear_t ${G}_core = ${core};`,
      ...(factorB ? [`static const htpw_linear_t ${G}_factor_b = ${factorB};`] : []),
      ...(gain ? [`static const htpw_linear_t ${G}_gain = ${gain};`] : []),
      `static const htpw_generator_t ${G} = { ${G}_trunk, ${inst.trunk.length}, &${G}_core, ${gain ? `&${G}_gain` : '0'}, ${factorB ? `&${G}_factor_b` : '0'}, ${u}, ${v}, ${basisBits}, ${inst.cMax}, ${cfg.rank}, ${pBits(cfg.rank)}, ${HEADS[cfg.head].cName}, ${GAIN_MODES[cfg.gains].cName}, ${cfg.codeBits}, ${cfg.gainBits}, ${cfg.dz}, ${cfg.dh} };`,
    );
  });
  const layerRows = gen.layers.map((L, l) => {
    const code = flash.param(SECTION.layer(l, 'code'), 'uint8_t');
    const gains = L.gains ? flash.param(SECTION.layer(l, 'gains'), 'uint8_t') : '0';
    const biasQ = flash.param(SECTION.layer(l, 'biasQ'), 'int32_t');
    const params = flash.param(SECTION.layer(l, 'params'), 'uint8_t');
    return `  { &${prefix}_gen${L.generator}, ${code}, ${gains}, ${biasQ}, ${params}, ${L.cIn}, ${L.cOut} },`;
  });
  out.push(`/* generated layers, generatedIndex order: code, gains, biasQ, params (int32 kMult, int8 kExp, int8 biasExp) */`, `static const htpw_gen_layer_t ${prefix}_glayers[${gen.layers.length}] = {\n${layerRows.join('\n')}\n};`);
  return out;
}

/** <prefix>_syn_scratch(): the synthesis scratch struct over HTPW_SYNSCRATCH (int64 P at offset 0);
 * without a row-sum array (`wsum.needed` false) the comment says why. */
export function synScratchFunction(prefix: string, gen: StoredGenerator, syn: SynthesisLayout, wsum: { needed: true } | { needed: false; why: string }): string[] {
  const P = prefix.toUpperCase();
  return [
    `/* the synthesis scratch (int64 P at offset 0) */`,
    `static void ${prefix}_syn_scratch(htpw_syn_scratch_t *sc) {`,
    `  sc->p = (int64_t *)(void *)HTPW_SYNSCRATCH;`,
    `  sc->s = (int32_t *)(void *)(HTPW_SYNSCRATCH + ${8 * gen.config.rank});`,
    `  sc->r = (int32_t *)(void *)(HTPW_SYNSCRATCH + ${syn.r});`,
    `  sc->x = (int16_t *)(void *)(HTPW_SYNSCRATCH + ${syn.x});`,
    `  sc->xmax = ${Math.max(gen.config.dz, gen.config.dh)};`,
    `  sc->vt = HTPW_SYNSCRATCH + ${syn.vt};`,
    wsum.needed ? `  sc->wsum = (int32_t *)(void *)(HTPW_SYNSCRATCH + ${syn.vt} + ${P}_SYN_VT_SIZE);` : `  sc->wsum = 0; /* ${wsum.why} */`,
    `}`,
    '',
  ];
}
