/**
 * <prefix>.h of an export: the sizes of every static buffer and of the flash parameters, the
 * input / output shape, scale and zero point, and the API (<prefix>_init, <prefix>_invoke, and
 * the accessors of synthesized kernels for tests and golden checks).
 */

import { commentText, floatLiteral, tensorDims } from './c_text.ts';
import { cFileFlags, type CFileInputs } from './c_file_inputs.ts';

export function headerFile(c: CFileInputs): string {
  const P = c.prefix.toUpperCase();
  return [
    `/* ${c.provenance} Do not edit. */`,
    `/* hypertinypw model "${commentText(c.model.name)}": ${c.model.ops.length} layers, ${c.model.rounding} rounding, ${c.generatedLayers} generated pointwise layers. */`,
    `#ifndef ${P}_H`,
    `#define ${P}_H`,
    '',
    '#include <stdint.h>',
    '',
    ...sizeMacros(c),
    '',
    ...apiDeclarations(c),
    '',
    `#endif /* ${P}_H */`,
    '',
  ].join('\n');
}

/** #define <P>_*_SIZE and the rest: buffer bytes, layer counts, input / output shape and quantization. */
function sizeMacros(c: CFileInputs): string[] {
  const { prefix } = c;
  const P = prefix.toUpperCase();
  const { synthesizes, cmsis } = cFileFlags(c);
  const inT = c.model.tensors[c.model.inputId];
  const outT = c.model.tensors[c.model.outputId];
  return [
    `/* Bytes of the activation arena (static, inside ${prefix}.c; offsets from planArena). */`,
    `#define ${P}_ARENA_SIZE ${c.arenaBytes}`,
    c.mode === 'all'
      ? `/* Bytes of the synthesis scratch (SYNTHESIS.md section 4 + the unpacked basis vt and row sums wsum); it aliases the arena during ${prefix}_init(). */`
      : `/* Bytes of the synthesis scratch (SYNTHESIS.md section 4 + the unpacked basis vt${c.mode === 'layer' ? ' and row sums wsum' : ''}); its own static array (synthesis runs inside ${prefix}_invoke). */`,
    ...(synthesizes
      ? [
          `/* Bytes of the unpacked basis vt (int16 pairs of 127 V on the DSP path, int8 V otherwise). */`,
          c.dsp ? `#if defined(__ARM_FEATURE_DSP) && !defined(HTPW_NO_DSP)\n#define ${P}_SYN_VT_SIZE ${c.syn.vtDsp}\n#else\n#define ${P}_SYN_VT_SIZE ${c.syn.vtPortable}\n#endif` : `#define ${P}_SYN_VT_SIZE ${c.syn.vtPortable}`,
          `#define ${P}_SYNTHESIS_SCRATCH_SIZE (${c.syn.vt} + ${P}_SYN_VT_SIZE + ${c.syn.wsumBytes})`,
        ]
      : [`#define ${P}_SYNTHESIS_SCRATCH_SIZE 0`]),
    `/* Where the synthesized pointwise kernels live (export-c --pw-cache ${c.mode}): ${c.mode === 'all' ? `a RAM cache of every generated layer, filled once by ${prefix}_init()` : c.mode === 'layer' ? `one cache slot, refilled by ${prefix}_invoke() before each generated layer runs` : `no cache: ${prefix}_invoke() synthesizes one output channel's row at a time into a row buffer`}. */`,
    `#define ${P}_PW_CACHE_${c.mode.toUpperCase()} 1`,
    `/* Bytes of the RAM cache of generated pointwise layers${c.mode === 'all' ? '' : c.mode === 'layer' ? ' (the largest layer\'s slot)' : ' (0: none)'}. */`,
    `#define ${P}_CACHE_SIZE ${c.layers.cache.cacheBytes}`,
    `/* Bytes of the row buffer (--pw-cache none: one int8 row of the widest generated layer input). */`,
    `#define ${P}_ROW_SIZE ${c.layers.cache.rowBytes}`,
    `/* Bytes of RAM holding 4-bit stored weights unpacked to int8 by ${prefix}_init(). */`,
    `#define ${P}_UNPACK_SIZE ${c.layers.unpacked.bytes}`,
    `/* Bytes of scratch RAM (the DSP pointwise path's int16 rows; 0 on the portable path). */`,
    c.dsp ? `#if defined(__ARM_FEATURE_DSP) && !defined(HTPW_NO_DSP)\n#define ${P}_SCRATCH_SIZE ${c.layers.scratchBytes}\n#else\n#define ${P}_SCRATCH_SIZE 0\n#endif` : `#define ${P}_SCRATCH_SIZE 0`,
    ...(cmsis
      ? [
          `/* CMSIS-NN backend (link Arm CMSIS-NN): bytes of its context buffer and of the int32 shift table (RAM). */`,
          `#define ${P}_CMSIS_SCRATCH_SIZE ${c.layers.cmsisScratch}`,
          `#define ${P}_SHIFT32_SIZE ${4 * c.layers.shift32Count}`,
        ]
      : []),
    `/* Bytes of the const parameter arrays (flash) = accountBytes(deployable).flash.total. */`,
    `#define ${P}_WEIGHT_BYTES ${c.weightBytes}`,
    `#define ${P}_NUM_LAYERS ${c.model.ops.length}`,
    `#define ${P}_GENERATED_LAYERS ${c.generatedLayers}`,
    `#define ${P}_INPUT_SIZE ${tensorDims(inT).n}`,
    `#define ${P}_INPUT_LENGTH ${tensorDims(inT).l}`,
    `#define ${P}_INPUT_CHANNELS ${tensorDims(inT).c}`,
    `#define ${P}_OUTPUT_SIZE ${tensorDims(outT).n}`,
    `/* real = scale * (q - zero_point) */`,
    `#define ${P}_INPUT_SCALE ${floatLiteral(inT.scale)}`,
    `#define ${P}_INPUT_ZERO_POINT ${inT.zeroPoint}`,
    `#define ${P}_OUTPUT_SCALE ${floatLiteral(outT.scale)}`,
    `#define ${P}_OUTPUT_ZERO_POINT ${outT.zeroPoint}`,
  ];
}

/** The declarations of <prefix>_init, <prefix>_invoke and the synthesized-kernel accessors. */
function apiDeclarations(c: CFileInputs): string[] {
  const { prefix } = c;
  const P = prefix.toUpperCase();
  const { cmsis, inferenceSynthesis } = cFileFlags(c);
  return [
    `/* Runs HyperTinyPW synthesis once from flash into the static cache and unpacks 4-bit weights.`,
    ` * Returns 0, or a negative code (-1: a shift > 30, -2: invalid layer constants, -3: a folded`,
    ` * bias outside int32${cmsis ? ', -4: the CMSIS-NN context buffer is smaller than a layer needs on this target' : ''}; none happens for a deployable exportC accepted). Call before ${prefix}_invoke. */`,
    `int ${prefix}_init(void);`,
    '',
    `/* One inference: input holds ${P}_INPUT_SIZE int8 values ([length, channels], channels last),`,
    ` * output receives ${P}_OUTPUT_SIZE int8 values. Returns 0, or -1 if ${prefix}_init() has not succeeded${cmsis ? ', -2 if a CMSIS-NN call reported an error' : ''}${inferenceSynthesis ? ', -3 if the synthesis of a generated layer failed (never for a deployable exportC accepted)' : ''}. */`,
    `int ${prefix}_invoke(const int8_t *input, int8_t *output);`,
    '',
    `/* The cache slot of generated layer l (generatedIndex order; tests and golden checks): weights`,
    ` * [cout][cin], folded bias (bias + inputOffset * sum(w)), multiplier, shift. Returns 0, or -1.`,
    ...(c.mode === 'layer' ? [` * --pw-cache layer: synthesizes layer l into the one slot first (not during ${prefix}_invoke).`] : []),
    ...(c.mode === 'none' ? [` * --pw-cache none: there is no cache, always -1; see ${prefix}_generated_row.`] : []),
    ` */`,
    `int ${prefix}_generated_layer(int32_t l, const int8_t **weights, const int32_t **bias, const int32_t **multiplier, const int8_t **shift);`,
    ...(c.mode === 'none'
      ? [
          '',
          `/* Row o of generated layer l synthesized into the caller's memory (tests and golden checks):`,
          ` * weights [cin], folded bias, multiplier, shift. Returns 0, or -1. */`,
          `int ${prefix}_generated_row(int32_t l, int32_t o, int8_t *weights, int32_t *bias, int32_t *multiplier, int8_t *shift);`,
        ]
      : []),
  ];
}
