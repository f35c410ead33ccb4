/**
 * The checking program of the golden vectors (<prefix>_golden_test.c): runs <prefix>_init and
 * <prefix>_invoke on every golden input, compares each layer's output (through HTPW_LAYER_HOOK)
 * and the final output, and, exported from a Deployable, the synthesized kernels the C filled
 * (the cache through <prefix>_generated_layer, or with --pw-cache none every row through
 * <prefix>_generated_row) against the TypeScript synthesis. Prints the first mismatch; returns 1
 * on one (the exit status under QEMU semihosting).
 */

import type { PwCacheMode } from '../hyper/cost.ts';

export interface GoldenProgramInputs {
  prefix: string;
  /** the provenance sentence of the golden files */
  prov: string;
  /** number of layers (ops) */
  layers: number;
  /** compare the synthesized kernels (a Deployable with generated layers) */
  checkKernels: boolean;
  /** the widest generated layer input (the row buffer of --pw-cache none) */
  maxCin: number;
  pwCache?: PwCacheMode;
}

export function goldenProgram(g: GoldenProgramInputs): string {
  const { prefix, prov, checkKernels } = g;
  const P = prefix.toUpperCase();
  const hook = g.layers > 0 ? layerHook(prefix) : '';
  const kernelCheck = !checkKernels ? '' : g.pwCache === 'none' ? `\n${rowCheck(prefix, g.maxCin)}\n` : `\n${cacheCheck(prefix)}\n`;
  return `/* ${prov} Do not edit. Build the model with -DHTPW_LAYER_HOOK=${prefix}_golden_hook. */
#include <stdint.h>
#include <stdio.h>
#include "${prefix}.h"
#include "${prefix}_golden.h"
${checkKernels ? `#include "${prefix}_golden_kernels.h"\n` : ''}
static int32_t g_case;
static int32_t g_fail;
static int32_t g_layers;

${hook}${kernelCheck}
int main(void) {
  static int8_t out[${P}_OUTPUT_SIZE];
  int32_t i;
  if (${prefix}_init() != 0) {
    printf("FAIL: ${prefix}_init\\n");
    return 1;
  }${checkKernels ? `
  if (check_kernels() != 0) {
    printf("FAIL\\n");
    return 1;
  }` : ''}
  for (g_case = 0; g_case < ${P}_GOLDEN_CASES && !g_fail; g_case++) {
    if (${prefix}_invoke(${prefix}_golden_inputs[g_case], out) != 0) {
      printf("FAIL: ${prefix}_invoke returned an error\\n");
      return 1;
    }
    for (i = 0; i < ${P}_OUTPUT_SIZE && !g_fail; i++) {
      if (out[i] != ${prefix}_golden_outputs[g_case][i]) {
        printf("MISMATCH case %d output position %d: got %d, want %d\\n", (int)g_case, (int)i, (int)out[i], (int)${prefix}_golden_outputs[g_case][i]);
        g_fail = 1;
      }
    }
  }
  if (g_fail) {
    printf("FAIL\\n");
    return 1;
  }
  printf("PASS %d cases, %d layer checks, %d synthesized kernels\\n", (int)${P}_GOLDEN_CASES, (int)g_layers, ${checkKernels ? `(int)${P}_GOLDEN_GENERATED` : '0'});
  return 0;
}
`;
}

/** --pw-cache none: check_kernels() over every row <prefix>_generated_row synthesizes. */
function rowCheck(prefix: string, maxCin: number): string {
  const P = prefix.toUpperCase();
  return `/* --pw-cache none: every row the C synthesizes, against the TypeScript synthesis, field by field */
static int32_t check_kernels(void) {
  static int8_t w[${maxCin}];
  int32_t l, o, i;
  for (l = 0; l < ${P}_GOLDEN_GENERATED; l++) {
    const int32_t cout = ${prefix}_golden_kcout[l], cin = ${prefix}_golden_kcin[l];
    for (o = 0; o < cout; o++) {
      int32_t b, m;
      int8_t s;
      if (${prefix}_generated_row(l, o, w, &b, &m, &s) != 0) {
        printf("MISMATCH kernel %d row %d: synthesis failed\\n", (int)l, (int)o);
        return 1;
      }
      for (i = 0; i < cin; i++) if (w[i] != ${prefix}_golden_kw[l][o * cin + i]) { printf("MISMATCH kernel %d weights position %d: got %d, want %d\\n", (int)l, (int)(o * cin + i), (int)w[i], (int)${prefix}_golden_kw[l][o * cin + i]); return 1; }
      if (b != ${prefix}_golden_kb[l][o]) { printf("MISMATCH kernel %d bias channel %d: got %ld, want %ld\\n", (int)l, (int)o, (long)b, (long)${prefix}_golden_kb[l][o]); return 1; }
      if (m != ${prefix}_golden_km[l][o]) { printf("MISMATCH kernel %d multiplier channel %d: got %ld, want %ld\\n", (int)l, (int)o, (long)m, (long)${prefix}_golden_km[l][o]); return 1; }
      if (s != ${prefix}_golden_ks[l][o]) { printf("MISMATCH kernel %d shift channel %d: got %d, want %d\\n", (int)l, (int)o, (int)s, (int)${prefix}_golden_ks[l][o]); return 1; }
    }
  }
  return 0;
}`;
}

/** check_kernels() over the cache slots <prefix>_generated_layer returns. */
function cacheCheck(prefix: string): string {
  const P = prefix.toUpperCase();
  return `/* the RAM cache the C synthesis filled, against the TypeScript synthesis, field by field */
static int32_t check_kernels(void) {
  int32_t l, i;
  for (l = 0; l < ${P}_GOLDEN_GENERATED; l++) {
    const int8_t *w, *s;
    const int32_t *b, *m;
    const int32_t cout = ${prefix}_golden_kcout[l], n = cout * ${prefix}_golden_kcin[l];
    if (${prefix}_generated_layer(l, &w, &b, &m, &s) != 0) {
      printf("MISMATCH kernel %d: no cache slot\\n", (int)l);
      return 1;
    }
    for (i = 0; i < n; i++) if (w[i] != ${prefix}_golden_kw[l][i]) { printf("MISMATCH kernel %d weights position %d: got %d, want %d\\n", (int)l, (int)i, (int)w[i], (int)${prefix}_golden_kw[l][i]); return 1; }
    for (i = 0; i < cout; i++) if (b[i] != ${prefix}_golden_kb[l][i]) { printf("MISMATCH kernel %d bias channel %d: got %ld, want %ld\\n", (int)l, (int)i, (long)b[i], (long)${prefix}_golden_kb[l][i]); return 1; }
    for (i = 0; i < cout; i++) if (m[i] != ${prefix}_golden_km[l][i]) { printf("MISMATCH kernel %d multiplier channel %d: got %ld, want %ld\\n", (int)l, (int)i, (long)m[i], (long)${prefix}_golden_km[l][i]); return 1; }
    for (i = 0; i < cout; i++) if (s[i] != ${prefix}_golden_ks[l][i]) { printf("MISMATCH kernel %d shift channel %d: got %d, want %d\\n", (int)l, (int)i, (int)s[i], (int)${prefix}_golden_ks[l][i]); return 1; }
  }
  return 0;
}`;
}

/** The layer hook: each layer's output against the golden one of the running case. */
function layerHook(prefix: string): string {
  return `void ${prefix}_golden_hook(int32_t layer, int32_t tensor, const int8_t *data, int32_t size);
void ${prefix}_golden_hook(int32_t layer, int32_t tensor, const int8_t *data, int32_t size) {
  const int8_t *want = ${prefix}_golden_layers[g_case][layer];
  int32_t i;
  g_layers++;
  if (g_fail) return;
  if (size != ${prefix}_golden_layer_sizes[layer]) {
    printf("MISMATCH case %d layer %d (tensor %d): size %d, want %d\\n", (int)g_case, (int)layer, (int)tensor, (int)size, (int)${prefix}_golden_layer_sizes[layer]);
    g_fail = 1;
    return;
  }
  for (i = 0; i < size; i++) {
    if (data[i] != want[i]) {
      printf("MISMATCH case %d layer %d (tensor %d) position %d: got %d, want %d\\n", (int)g_case, (int)layer, (int)tensor, (int)i, (int)data[i], (int)want[i]);
      g_fail = 1;
      return;
    }
  }
}
`;
}
