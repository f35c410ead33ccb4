/**
 * exportC: a Deployable (src/hyper/deployable.ts) or an IntModel printed as C99 for a
 * microcontroller.
 *
 * Output files (a Map filename -> content):
 *   <prefix>.h          the API: <prefix>_init(), <prefix>_invoke(input, output), size macros,
 *                       input / output scale and zero point
 *   <prefix>.c          the flash parameters as const arrays in sections .rodata.htpw.* (one array
 *                       per section of serializeFlashSections, in its order and with its bytes), the
 *                       arena (a static array laid out by planArena), the RAM cache of generated
 *                       pointwise layers, one function per layer (its kernel's params struct as
 *                       static const data and the call htpw_<kind>_s8(&params, input, output)),
 *                       init and invoke
 *   htpw_kernels.h      the INT8 kernels (src/codegen/c/htpw_kernels.h), TFLite Micro semantics
 *   htpw_synthesis.h    the integer synthesis of src/hyper/SYNTHESIS.md (only with generated
 *                       layers or 4-bit stored weights)
 *
 * Flash = exactly the sections of `serializeFlashSections(dep)` (SYNTHESIS.md section 6): packed
 * sub-byte generator tensors, codes, bases and gains as the spec packs them, stored INT8 (or packed
 * 4-bit) weights, int32 biases, int32 multipliers, int8 shifts, 16-byte add requantization, 6-byte
 * layer constants. One C array per section, so the summed symbol sizes equal
 * accountBytes(dep).flash.total. The one content difference: a stored op's `.bias` array holds the
 * folded bias bias + inputOffset * sum(w) of each output channel (same int32 size; see
 * htpw_kernels.h), so the inner loops multiply raw int8 values.
 *
 * <prefix>_init() runs the synthesis of every generated layer from the packed flash bytes into the
 * static RAM cache (INT8 weights, folded int32 bias, int32 multiplier, int8 shift), unpacks 4-bit
 * stored weights into RAM, then inference runs from there. The synthesis scratch aliases the
 * activation arena (synthesis runs before any inference).
 *
 * An IntModel is exported as the deployable of its weights with every op stored
 * (deployableFromIntModel); a 'generated' pointwise op of an already-synthesized IntModel is then
 * stored in flash like any other (it has no generator to run).
 *
 * The C allocates nothing, uses no float, includes only stdint.h and string.h, and compiles
 * warning-free with -std=c99 -Wall -Wextra -Wshadow -Werror on gcc and arm-none-eabi-gcc.
 *
 * The parts, one concept a file: c_checks.ts (what the C relies on), flash_sections.ts (the
 * flash arrays), layers_c.ts (one function per op; layer_calls.ts the params and kernel call per op kind,
 * kernels_cmsis_nn.ts the CMSIS-NN one, layer_params.ts / pw_cache.ts where parameters live),
 * generator_c.ts (the synthesis), header_c.ts and source_c.ts (the two files), c_text.ts (C text).
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IntModel, IntOp } from '../quant/int_model.ts';
import { planArena, type ArenaPlan } from '../quant/arena.ts';
import { validateIntModel } from '../quant/validate.ts';
import { deployableFromIntModel, isDeployable, synthesize, type Deployable } from '../hyper/deployable.ts';
import { generatedOps, isGenerated } from '../hyper/generated.ts';
import { PW_CACHE_MODES, type PwCacheMode } from '../hyper/cost.ts';
import { commentText, sanitizeIdentifier } from './c_text.ts';
import { checkGeneratorForC, checkModelForC, fail } from './c_checks.ts';
import { FlashArrays, type FlashSymbol } from './flash_sections.ts';
import { KERNEL_BACKENDS, type KernelBackend } from './layer_calls.ts';
import { emitLayers } from './layers_c.ts';
import { generatorDescriptors, synthesisLayout } from './generator_c.ts';
import type { CFileInputs } from './c_file_inputs.ts';
import { headerFile } from './header_c.ts';
import { sourceFile } from './source_c.ts';

export { KERNEL_BACKENDS, type KernelBackend } from './layer_calls.ts';
export { type FlashSymbol } from './flash_sections.ts';
export { commentText, sanitizeIdentifier } from './c_text.ts';
export { foldedBias } from './folded_bias.ts';

export interface ExportCOptions {
  /** C identifier prefix of the API (sanitized; default 'htpw'). */
  prefix?: string;
  /** Use the Arm DSP path where the target has it (default true). false forces the portable path. */
  dsp?: boolean;
  /** Provenance written into every file's header comment, e.g. 'model.htpw, CRC-32 0x1234abcd'. */
  source?: string;
  /** 'native' (default): htpw_kernels.h; 'cmsis-nn': layers call Arm CMSIS-NN (link it);
   * 'reference': TFLite-Micro-style reference loops. */
  kernels?: KernelBackend;
  /** where the synthesized kernels live (src/hyper/cost.ts PwCacheMode; default 'all'): 'all' a RAM
   * cache filled by init, 'layer' one slot refilled before each generated layer runs, 'none' one
   * row synthesized per output channel inside the pointwise loop (native kernels only). */
  pwCache?: PwCacheMode;
}

/** What exportC laid out, for tests, benches and the CLI's summary. */
export interface CLayout {
  prefix: string;
  /** activation arena bytes (planArena) */
  arenaBytes: number;
  /** the static arena array: max(arenaBytes, synthesisScratchBytes) rounded up to 8 */
  arenaArrayBytes: number;
  /** RAM of the synthesized kernels: the cache ('all'), the one slot ('layer') or the row ('none') */
  cacheBytes: number;
  pwCache: PwCacheMode;
  /** 'none': bytes of the row buffer (one int8 row of the widest generated layer input, 4-aligned) */
  rowBytes: number;
  scratchBytesDsp: number;
  /** SYNTHESIS.md section 4 scratch plus the C's vt and wsum (aliases the arena in 'all'; its own
   * static array in 'layer' and 'none', where synthesis runs during inference) */
  synthesisScratchBytes: number;
  /** RAM for 4-bit stored weights unpacked at init */
  unpackBytes: number;
  /** bytes of the const parameter arrays = sum of flashSymbols = accountBytes(dep).flash.total */
  weightBytes: number;
  flashSymbols: FlashSymbol[];
  /** number of generated (synthesized) layers */
  generatedLayers: number;
  kernels: KernelBackend;
  /** CMSIS-NN backend: the context buffer (cmsisScratchBytes) and the int32 shift table, RAM */
  cmsisScratchBytes: number;
  shift32Bytes: number;
  /** C function name of each op, in execution order */
  layerFunctions: string[];
  plan: ArenaPlan;
  /** the complete IntModel the C computes (synthesize(dep)) */
  model: IntModel;
}

const C_DIR = join(dirname(fileURLToPath(import.meta.url)), 'c');
const KERNELS_FILE = join(C_DIR, 'htpw_kernels.h');
const REFERENCE_FILE = join(C_DIR, 'tflm_reference_loops.h');
const SYNTHESIS_FILE = join(C_DIR, 'htpw_synthesis.h');

/** The deployable exportC prints: a Deployable as is; an IntModel with every op stored. */
export function asDeployable(input: Deployable | IntModel): Deployable {
  if (isDeployable(input)) return input;
  const ops = input.ops.map((op): IntOp => {
    if (!isGenerated(op)) return op;
    const { generatedIndex: _drop, ...rest } = op;
    void _drop;
    return { ...rest, source: 'stored' };
  });
  return deployableFromIntModel({ ...input, ops });
}

/** Print a Deployable (or an IntModel) as C. See the file comment for what each file holds. */
export function exportC(input: Deployable | IntModel, opts: ExportCOptions = {}): Map<string, string> {
  return exportCWithLayout(input, opts).files;
}

/** The checked model and the options, resolved. */
function prepareExport(input: Deployable | IntModel, opts: ExportCOptions) {
  const dep = asDeployable(input);
  checkGeneratorForC(dep);
  const model = synthesize(dep); // the integers the C must reproduce; throws SynthesisError if a shift > 30
  validateIntModel(model);
  const plan = planArena(model);
  checkModelForC(model, plan);
  const kernels = opts.kernels ?? 'native';
  if (!KERNEL_BACKENDS.includes(kernels)) fail(`kernels "${String(kernels)}" is not one of ${KERNEL_BACKENDS.join(', ')}`);
  const mode = opts.pwCache ?? 'all';
  if (!PW_CACHE_MODES.includes(mode)) fail(`pwCache "${String(mode)}" is not one of ${PW_CACHE_MODES.join(', ')}`);
  if (kernels !== 'native' && mode === 'none') fail(`pwCache 'none' needs the native kernels (${kernels} computes whole layers, not one output channel)`);
  return { dep, model, plan, kernels, mode };
}

export function exportCWithLayout(input: Deployable | IntModel, opts: ExportCOptions = {}): { files: Map<string, string>; layout: CLayout } {
  const prefix = sanitizeIdentifier(opts.prefix ?? 'htpw', 24);
  const { dep, model, plan, kernels, mode } = prepareExport(input, opts);
  const dsp = opts.dsp ?? true;
  const provenance = `Generated by hypertinypw export-c from ${isDeployable(input) ? 'deployable' : 'model'} "${commentText(model.name)}"${opts.source ? ` (${commentText(opts.source)})` : ''}.`;
  const arenaBytes = Math.max(plan.peakBytes, ...model.tensors.map((t) => plan.offsets[t.id] + plan.sizes[t.id]));
  const gen = dep.generator;
  const generatedLayers = generatedOps(dep.model).length;
  const syn = synthesisLayout(gen, generatedLayers, dsp, mode);
  // 'all': synthesis runs in init, before any inference, so its scratch aliases the arena
  const arenaArrayBytes = Math.ceil(Math.max(arenaBytes, mode === 'all' ? syn.end : 0, 1) / 8) * 8;

  // flash arrays in the order of serializeFlashSections: the ops' parameters, then the generator's
  const flash = new FlashArrays(dep, prefix);
  const layers = emitLayers({ prefix, dep, model, plan, kernels, mode }, flash);
  const genDescs = gen && generatedLayers ? generatorDescriptors(gen, prefix, flash) : [];
  flash.checkComplete();

  const c: CFileInputs = {
    prefix, provenance, model, plan, gen: generatedLayers ? gen : null, generatedLayers, kernels, mode, dsp, syn,
    arenaBytes, arenaArrayBytes, weightBytes: flash.weightBytes, layers, flashLines: flash.lines, genDescs,
  };
  return { files: cFiles(c), layout: layoutOf(c, flash.symbols) };
}

/** <prefix>.h, <prefix>.c and the kernel / synthesis / reference headers they include. */
function cFiles(c: CFileInputs): Map<string, string> {
  const { prefix, provenance } = c;
  const files = new Map<string, string>([
    [`${prefix}.h`, headerFile(c)],
    [`${prefix}.c`, sourceFile(c)],
    ['htpw_kernels.h', `/* ${provenance} */\n` + readFileSync(KERNELS_FILE, 'utf8')],
  ]);
  if (c.generatedLayers > 0 || c.layers.unpacked.init.length > 0) files.set('htpw_synthesis.h', `/* ${provenance} */\n` + readFileSync(SYNTHESIS_FILE, 'utf8'));
  if (c.kernels === 'reference') files.set('tflm_reference_loops.h', `/* ${provenance} */\n` + readFileSync(REFERENCE_FILE, 'utf8'));
  return files;
}

function layoutOf(c: CFileInputs, flashSymbols: FlashSymbol[]): CLayout {
  const L = c.layers;
  return {
    prefix: c.prefix, arenaBytes: c.arenaBytes, arenaArrayBytes: c.arenaArrayBytes, cacheBytes: L.cache.cacheBytes, pwCache: c.mode, rowBytes: L.cache.rowBytes,
    scratchBytesDsp: L.scratchBytes, synthesisScratchBytes: c.syn.end, unpackBytes: L.unpacked.bytes, weightBytes: c.weightBytes, flashSymbols,
    generatedLayers: c.generatedLayers, kernels: c.kernels, cmsisScratchBytes: L.cmsisScratch, shift32Bytes: 4 * L.shift32Count, layerFunctions: L.layerFns, plan: c.plan, model: c.model,
  };
}
