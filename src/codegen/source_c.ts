/**
 * <prefix>.c of an export: the includes and macros, the static RAM (arena, synthesis scratch,
 * cache, row, unpacked weights, scratches), the flash arrays and generator descriptors, the layer
 * functions, and <prefix>_init / <prefix>_invoke / the synthesized-kernel accessors.
 */

import { cFileFlags, type CFileInputs } from './c_file_inputs.ts';
import { synScratchFunction } from './generator_c.ts';
import { arenaPointer } from './layers_c.ts';

export function sourceFile(c: CFileInputs): string {
  const { prefix } = c;
  const L = c.layers;
  const { synthesizes } = cFileFlags(c);
  const foldsWithWsum = c.kernels === 'native' && c.mode !== 'none';
  return [
    ...preamble(c),
    ...ramDeclarations(c),
    `/* Flash parameters: the sections of serializeFlashSections, in order. A stored op's bias array holds`,
    ` * the folded bias: bias + inputOffset * sum(weights). */`,
    ...c.flashLines,
    '',
    ...c.genDescs,
    '',
    ...(synthesizes ? synScratchFunction(prefix, c.gen!, c.syn, foldsWithWsum ? { needed: true } : { needed: false, why: c.kernels !== 'native' ? `${c.kernels} adds the input offset itself` : 'each row is folded at once' }) : []),
    ...L.cache.synFns,
    ...L.layerDefs,
    ...initFunction(c),
    ...invokeFunction(c),
    ...accessorFunctions(c),
  ].join('\n');
}

/** Includes, the backend's headers, the section / inlining macros and the layer hook. */
function preamble(c: CFileInputs): string[] {
  const { prefix } = c;
  const { cmsis, reference, needSynthesisHeader } = cFileFlags(c);
  const dsp = c.dsp;
  return [
    `/* ${c.provenance} Do not edit. */`,
    `#include <stdint.h>`,
    `#include <string.h>`,
    `#include "${prefix}.h"`,
    '',
    `#define HTPW_SINGLE_ROUNDING ${c.model.rounding === 'single' ? 1 : 0}`,
    ...(dsp ? [] : ['#ifndef HTPW_NO_DSP', '#define HTPW_NO_DSP', '#endif']),
    `#include "htpw_kernels.h"`,
    ...(c.gen && c.generatedLayers ? [`#define HTPW_SYN_RANK ${c.gen.config.rank}`] : []),
    ...(needSynthesisHeader ? [`#include "htpw_synthesis.h"`] : []),
    ...(cmsis ? ['#include "arm_nnfunctions.h"'] : []),
    ...(reference ? ['#include "tflm_reference_loops.h"'] : []),
    '',
    '#if defined(__GNUC__)',
    '#define HTPW_WEIGHTS(name) __attribute__((section(name), used))',
    '#define HTPW_LAYER_FN static __attribute__((noinline))',
    '#define HTPW_ALIGNED __attribute__((aligned(16)))',
    '#else',
    '#define HTPW_WEIGHTS(name)',
    '#define HTPW_LAYER_FN static',
    '#define HTPW_ALIGNED',
    '#endif',
    '',
    '#ifdef HTPW_LAYER_HOOK',
    '/* test hook: called after each layer with its output tensor */',
    'void HTPW_LAYER_HOOK(int32_t layer, int32_t tensor, const int8_t *data, int32_t size);',
    '#endif',
    '',
  ];
}

/** The static RAM of the model: arena, synthesis scratch, cache, row, unpacked weights, scratches, status. */
function ramDeclarations(c: CFileInputs): string[] {
  const { prefix } = c;
  const P = prefix.toUpperCase();
  const L = c.layers;
  const { cmsis, synthesizes, inferenceSynthesis, needStatus } = cFileFlags(c);
  return [
    ...(synthesizes && c.mode === 'all'
      ? [
          `/* Activation arena: tensor t lives at byte offset plan[t] (planArena). During ${prefix}_init() the`,
          ` * synthesis scratch (int64 P[r] | int32 S[r*r] | int32 R[max cin] | int16 x[2][max(dz, dh)] | vt (${P}_SYN_VT_SIZE) | int32 wsum[max cout]) lives here. */`,
        ]
      : [`/* Activation arena: tensor t lives at byte offset plan[t] (planArena). */`]),
    synthesizes && c.mode === 'all'
      ? `static int64_t ${prefix}_arena[((${P}_ARENA_SIZE > ${P}_SYNTHESIS_SCRATCH_SIZE ? ${P}_ARENA_SIZE : ${P}_SYNTHESIS_SCRATCH_SIZE) + 7) / 8] HTPW_ALIGNED;`
      : `static int64_t ${prefix}_arena[${c.arenaArrayBytes / 8}] HTPW_ALIGNED;`,
    `#define HTPW_ARENA ((int8_t *)(void *)${prefix}_arena)`,
    ...(synthesizes && c.mode !== 'all'
      ? [
          `/* Synthesis scratch (int64 P[r] | int32 S[r*r] | int32 R[max cin] | int16 x[2][max(dz, dh)] | vt (${P}_SYN_VT_SIZE)${c.mode === 'layer' ? ' | int32 wsum[max cout]' : ''}): synthesis runs inside ${prefix}_invoke, beside live activations. */`,
          `static int64_t ${prefix}_synscratch[(${P}_SYNTHESIS_SCRATCH_SIZE + 7) / 8] HTPW_ALIGNED;`,
          `#define HTPW_SYNSCRATCH ((int8_t *)(void *)${prefix}_synscratch)`,
        ]
      : synthesizes ? [`#define HTPW_SYNSCRATCH HTPW_ARENA`] : []),
    ...(L.cache.cacheBytes > 0 ? [`/* synthesized kernels (--pw-cache ${c.mode}) */`, `static int32_t ${prefix}_cache[${L.cache.cacheBytes / 4}];`, `#define HTPW_CACHE ((int8_t *)(void *)${prefix}_cache)`] : []),
    ...(L.cache.rowBytes > 0 ? [`/* one synthesized row (--pw-cache none) */`, `static int32_t ${prefix}_row[${L.cache.rowBytes / 4}];`, `#define HTPW_ROW ((int8_t *)(void *)${prefix}_row)`] : []),
    ...(L.unpacked.bytes > 0 ? [`static int8_t ${prefix}_unpack[${L.unpacked.bytes}];`, `#define HTPW_UNPACK (${prefix}_unpack)`] : []),
    ...(L.scratchBytes > 0
      ? [`#if HTPW_DSP`, `static int32_t ${prefix}_scratch[${L.scratchBytes / 4}];`, `#define HTPW_SCRATCH ((int16_t *)(void *)${prefix}_scratch)`, `#else`, `#define HTPW_SCRATCH ((int16_t *)0)`, `#endif`]
      : []),
    ...(cmsis
      ? [
          `/* CMSIS-NN: the context buffer of every call, the shifts widened to int32 by ${prefix}_init(), the status of the last calls */`,
          ...(L.cmsisScratch > 0 ? [`static int32_t ${prefix}_cmsis_scratch[${Math.ceil(L.cmsisScratch / 4)}];`, `#define HTPW_CMSIS_SCRATCH ((void *)${prefix}_cmsis_scratch)`] : ['#define HTPW_CMSIS_SCRATCH ((void *)0)']),
          ...(L.shift32Count > 0 ? [`static int32_t ${prefix}_shift32[${L.shift32Count}];`, `#define HTPW_SHIFT32 (${prefix}_shift32)`] : []),
        ]
      : []),
    ...(needStatus ? [`/* the status of the running ${prefix}_invoke (${cmsis ? '-2: a CMSIS-NN call failed' : ''}${cmsis && inferenceSynthesis ? ', ' : ''}${inferenceSynthesis ? '-3: a synthesis failed' : ''}) */`, `static int ${prefix}_status;`] : []),
    `static int ${prefix}_ready = ${L.cache.initSynth.length || L.unpacked.init.length || L.initShift32.length ? 0 : 1};`,
    '',
  ];
}

function initFunction(c: CFileInputs): string[] {
  const { prefix } = c;
  const L = c.layers;
  const { inferenceSynthesis } = cFileFlags(c);
  return [
    `int ${prefix}_init(void) {`,
    ...(L.unpacked.init.length || L.initShift32.length ? ['  int32_t i;'] : []),
    ...L.initBufferChecks,
    ...L.unpacked.init,
    ...(L.cache.initSynth.length ? ['  int32_t e;', '  htpw_syn_scratch_t sc;', `  ${prefix}_syn_scratch(&sc);`, ...L.cache.initSynth] : []),
    ...(L.initShift32.length ? ['  /* CMSIS-NN reads int32 shifts */', ...L.initShift32] : []),
    ...(inferenceSynthesis ? [`  /* --pw-cache ${c.mode}: the generated layers are synthesized inside ${prefix}_invoke */`] : []),
    ...(L.cache.initSynth.length || L.unpacked.init.length || L.initShift32.length || L.initBufferChecks.length || inferenceSynthesis ? [] : ['  /* no generated layers, no 4-bit weights: nothing to do */']),
    `  ${prefix}_ready = 1;`,
    `  return 0;`,
    `}`,
    '',
  ];
}

function invokeFunction(c: CFileInputs): string[] {
  const { prefix } = c;
  const P = prefix.toUpperCase();
  const L = c.layers;
  const ptr = arenaPointer(c.plan);
  const { needStatus } = cFileFlags(c);
  return [
    `int ${prefix}_invoke(const int8_t *input, int8_t *output) {`,
    `  if (!${prefix}_ready) return -1;`,
    ...(needStatus ? [`  ${prefix}_status = 0;`] : []),
    `  memcpy(${ptr(c.model.inputId)}, input, ${P}_INPUT_SIZE);`,
    ...L.calls,
    `  memcpy(output, ${ptr(c.model.outputId)}, ${P}_OUTPUT_SIZE);`,
    ...(needStatus ? [`  if (${prefix}_status != 0) return ${prefix}_status;`] : []),
    `  return 0;`,
    `}`,
    '',
  ];
}

/** <prefix>_generated_layer (and with --pw-cache none <prefix>_generated_row). */
function accessorFunctions(c: CFileInputs): string[] {
  const { prefix } = c;
  const L = c.layers;
  return [
    `int ${prefix}_generated_layer(int32_t l, const int8_t **weights, const int32_t **bias, const int32_t **multiplier, const int8_t **shift) {`,
    ...(L.cache.accessor.length
      ? ['  switch (l) {', ...L.cache.accessor, '  default: return -1;', '  }']
      : ['  (void)l;', '  (void)weights;', '  (void)bias;', '  (void)multiplier;', '  (void)shift;', '  return -1;']),
    `}`,
    '',
    ...(c.mode === 'none'
      ? [
          `int ${prefix}_generated_row(int32_t l, int32_t o, int8_t *weights, int32_t *bias, int32_t *multiplier, int8_t *shift) {`,
          ...(L.cache.rowAccessor.length
            ? ['  htpw_syn_scratch_t sc;', '  htpw_syn_state_t st;', '  int32_t e, sum;', `  ${prefix}_syn_scratch(&sc);`, '  switch (l) {', ...L.cache.rowAccessor, '  default: return -1;', '  }']
            : ['  (void)l;', '  (void)o;', '  (void)weights;', '  (void)bias;', '  (void)multiplier;', '  (void)shift;', '  return -1;']),
          `}`,
          '',
        ]
      : []),
  ];
}
