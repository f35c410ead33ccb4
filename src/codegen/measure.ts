/**
 * What a model costs on an emulated Cortex-M, measured: exportC's C linked for a target (with a
 * minimal main) gives the code bytes (model, kernels, synthesis: every text symbol of the exported
 * C, from `nm -S`; newlib and the startup file excluded), the parameter bytes (weight symbols), the
 * model's static RAM (its arrays), and, run under QEMU with the icount plugin, the instructions of
 * <prefix>_init (synthesis in --pw-cache all) and of one <prefix>_invoke. Used by the `bytes`
 * command (--mcu) and bench/mcu.bench.ts.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IntModel } from '../quant/int_model.ts';
import type { Deployable } from '../hyper/deployable.ts';
import type { PwCacheMode } from '../hyper/cost.ts';
import { exportCWithLayout, type CLayout, type KernelBackend } from './export_c.ts';
import { buildCmsisNn } from './cmsis_nn_library.ts';
import { buildPlugin, compileArm, countInstructions, symbols, TARGETS, weightSymbols, writeFiles, type Symbol } from './toolchain.ts';

export type TargetKey = keyof typeof TARGETS;

export interface TargetMeasurement {
  target: TargetKey;
  pwCache: PwCacheMode;
  kernels: KernelBackend;
  /** text symbols of the exported C (layer functions, init, invoke, kernels, synthesis) */
  codeBytes: number;
  /** the synthesis part of codeBytes (htpw_syn* / htpw_synthesize_layer and the helpers not inlined) */
  synthesisCodeBytes: number;
  /** weight symbols of the linked ELF (= accountBytes(...).flash.total) */
  weightBytes: number;
  /** static RAM arrays of the exported C (arena, cache, row, scratches), from nm -S */
  ramBytes: number;
  ram: Record<string, number>;
  /** instructions of <prefix>_init and of one <prefix>_invoke (null when not run) */
  initInstructions: number | null;
  invokeInstructions: number | null;
  layout: CLayout;
  elf: string;
  symbols: Map<string, Symbol>;
}

export interface MeasureOptions {
  pwCache?: PwCacheMode;
  kernels?: KernelBackend;
  /** CMSIS-NN sources (kernels 'cmsis-nn'), built for the target */
  cmsisRoot?: string;
  /** count instructions under QEMU (default true) */
  run?: boolean;
  opt?: string;
  /** working directory (default a fresh one under the OS temp dir) */
  dir?: string;
}

const PREFIX = 'ms';
/** The synthesis code: init, the 'layer' slot fillers, and htpw_synthesis.h's functions the compiler did not inline. */
const SYNTHESIS_FN = /^htpw_(syn_|synthesize_layer|fold_bias|read_packed|unpack_run|divlu|bitlen64|requant_sat|round_shift|normalize_product|rdiv_pow2|linear_row)|^ms_(init|syn)/;

/** Link (and run) a model for a target; see the file comment. Throws when the toolchain fails. */
export function measureOnTarget(input: Deployable | IntModel, target: TargetKey, opts: MeasureOptions = {}): TargetMeasurement {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'htpw-measure-'));
  const kernels = opts.kernels ?? 'native';
  const { files, layout } = exportCWithLayout(input, { prefix: PREFIX, pwCache: opts.pwCache, kernels });
  writeFiles(dir, files);
  writeFileSync(join(dir, 'main.c'), `#include <stdint.h>
#include "${PREFIX}.h"
static int8_t in[MS_INPUT_SIZE], out[MS_OUTPUT_SIZE];
void measure_mark(void);
__attribute__((noinline)) void measure_mark(void) { __asm__ volatile(""); }
int main(void) {
  int32_t i, e;
  for (i = 0; i < MS_INPUT_SIZE; i++) in[i] = (int8_t)((i * 37) & 0xff);
  measure_mark();
  e = ${PREFIX}_init();
  measure_mark();
  if (e != 0) return 2;
  if (${PREFIX}_invoke(in, out) != 0) return 3;
  measure_mark();
  return 0;
}
`);
  const t = TARGETS[target];
  const lib = kernels === 'cmsis-nn' ? buildCmsisNn(requireRoot(opts.cmsisRoot), 'arm-none-eabi-gcc', [...t.cflags, '-O2'], layout.model.rounding) : null;
  const { elf } = compileArm(dir, [`${PREFIX}.c`, 'main.c'], `measure_${target}.elf`, t, [opts.opt ?? '-O2', ...(lib ? ['-I', lib.include] : [])], lib ? [lib.lib] : []);
  const syms = symbols(elf);
  const text = (re: RegExp) => [...syms.values()].filter((s) => s.type.toLowerCase() === 't' && re.test(s.name)).reduce((a, s) => a + s.size, 0);
  const ram: Record<string, number> = {};
  for (const s of syms.values()) if (/^[bd]$/i.test(s.type) && s.name.startsWith(`${PREFIX}_`)) ram[s.name.slice(PREFIX.length + 1)] = s.size;
  let initInstructions: number | null = null;
  let invokeInstructions: number | null = null;
  if (opts.run ?? true) {
    const mark = syms.get('measure_mark');
    if (!mark) throw new Error('measure_mark missing from the ELF');
    const r = countInstructions(elf, t, buildPlugin(join(tmpdir(), 'htpw-icount')), mark.addr);
    if (r.status !== 0 || r.marks.length !== 3) throw new Error(`${t.name}: the measured run failed (status ${r.status}, ${r.marks.length} marks): ${(r.stdout + r.stderr).slice(0, 400)}`);
    initInstructions = r.marks[1] - r.marks[0];
    invokeInstructions = r.marks[2] - r.marks[1];
  }
  return {
    target, pwCache: layout.pwCache, kernels,
    codeBytes: text(/^(ms_|htpw_)/),
    synthesisCodeBytes: text(SYNTHESIS_FN),
    weightBytes: weightSymbols(elf).reduce((a, s) => a + s.size, 0),
    ramBytes: Object.values(ram).reduce((a, b) => a + b, 0),
    ram, initInstructions, invokeInstructions, layout, elf, symbols: syms,
  };
}

function requireRoot(root: string | undefined): string {
  if (!root) throw new Error('measureOnTarget: kernels cmsis-nn needs cmsisRoot');
  return root;
}
