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
 *                       pointwise layers, one function per layer, init and invoke
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
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError } from '../util/errors.ts';
import type { IntModel, IntOp, ActivationTensor, PwConv1dOp, Conv1dOp, DwConv1dOp, FullyConnectedOp } from '../quant/int_model.ts';
import { planArena, type ArenaPlan } from '../quant/arena.ts';
import { validateIntModel } from '../quant/validate.ts';
import { deployableFromIntModel, isDeployable, synthesize, type Deployable } from '../hyper/deployable.ts';
import { serializeFlashSections } from '../hyper/deployable_io.ts';
import { generatedOps, pBits } from '../hyper/synthesis.ts';
import { synthesisScratchBytes, PW_CACHE_MODES, type PwCacheMode } from '../hyper/cost.ts';
import type { IntLinear } from '../hyper/stored.ts';
import { MAX_DH, MAX_DZ, MAX_RANK } from '../hyper/config.ts';
import { GAIN_MODES, HEADS } from '../hyper/heads.ts';
import { cmsisBufferCheck, cmsisLayerBody, cmsisScratchBytes } from './kernels_cmsis_nn.ts';

/** Who computes the layers: our kernels (htpw_kernels.h), Arm CMSIS-NN (kernels_cmsis_nn.ts), or
 * plain TFLite-Micro-style reference loops (tflm_reference_loops.h: the baseline the mcu bench
 * measures whole models against; pooling and add use htpw_kernels.h's loops, which are plain). */
export type KernelBackend = 'native' | 'cmsis-nn' | 'reference';
export const KERNEL_BACKENDS: readonly KernelBackend[] = ['native', 'cmsis-nn', 'reference'];

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

/** One flash parameter array: a section of serializeFlashSections and its C symbol. */
export interface FlashSymbol {
  section: string;
  symbol: string;
  bytes: number;
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

const KERNELS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'c', 'htpw_kernels.h');

/** A C identifier from user text: [a-z0-9_], not starting with a digit, at most `max` characters. */
export function sanitizeIdentifier(text: string, max = 32): string {
  let s = text.toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') s = 'x';
  if (/^[0-9]/.test(s)) s = `n${s}`;
  return s.slice(0, max);
}

/** Text safe inside a C block comment (no comment terminator, no line breaks, printable ASCII). */
export function commentText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').replace(/\*\//g, '*_/').replace(/\/\*/g, '/_*');
}

function floatLiteral(x: number): string {
  let s = Number(Math.fround(x).toPrecision(9)).toString();
  if (!/[.e]/.test(s)) s += '.0';
  return `${s}f`;
}

function arrayBody(values: ArrayLike<number>, perLine: number): string {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const row: string[] = [];
    for (let j = i; j < Math.min(values.length, i + perLine); j++) row.push(values[j] === -2147483648 ? '(-2147483647 - 1)' : String(values[j]));
    lines.push(`  ${row.join(', ')},`);
  }
  return lines.join('\n');
}

function dims(t: ActivationTensor): { l: number; c: number; n: number } {
  const c = t.shape[t.shape.length - 1];
  const n = t.shape.reduce((a, b) => a * b, 1);
  return { l: n / c, c, n };
}

type WeightedIntOp = Conv1dOp | DwConv1dOp | PwConv1dOp | FullyConnectedOp;

/** Kernel sum per output channel over all taps and inputs (the folded-bias term). */
function kernelSums(op: WeightedIntOp): number[] {
  const cout = op.outChannels;
  const sums = new Array<number>(cout).fill(0);
  if (op.kind === 'dwconv1d') {
    for (let i = 0; i < op.weights.length; i++) sums[i % cout] += op.weights[i];
  } else {
    const per = op.weights.length / cout;
    for (let o = 0; o < cout; o++) for (let i = 0; i < per; i++) sums[o] += op.weights[o * per + i];
  }
  return sums;
}

function fail(what: string): never {
  throw new ArgumentError('exportC', what);
}

/** Checks what the C relies on; throws ArgumentError naming the op. */
function validate(model: IntModel, plan: ArenaPlan): void {
  const nT = model.tensors.length;
  if (plan.offsets.length !== nT || plan.sizes.length !== nT) fail('arena plan does not cover every tensor');
  const tensor = (id: number, op: string): ActivationTensor => {
    const t = model.tensors[id];
    if (!t || t.id !== id) fail(`op ${op}: tensor ${id} does not exist`);
    return t;
  };
  const overlap = (a: number, b: number) => a !== b && plan.offsets[a] < plan.offsets[b] + plan.sizes[b] && plan.offsets[b] < plan.offsets[a] + plan.sizes[a];
  const used = new Set<number>([model.inputId, model.outputId]);
  for (const op of model.ops) {
    used.add(op.input);
    used.add(op.output);
    if (op.kind === 'add') used.add(op.input2);
  }
  for (const id of used) {
    const t = tensor(id, 'model');
    if (!Number.isInteger(t.zeroPoint) || t.zeroPoint < -128 || t.zeroPoint > 127) fail(`tensor ${t.name}: zero point ${t.zeroPoint} not in [-128, 127]`);
    if (plan.sizes[t.id] < dims(t).n) fail(`tensor ${t.name}: arena slot ${plan.sizes[t.id]} B < ${dims(t).n} B`);
  }
  for (const op of model.ops) {
    const x = tensor(op.input, op.name);
    tensor(op.output, op.name);
    if (overlap(op.input, op.output)) fail(`op ${op.name}: input and output overlap in the arena plan`);
    if (op.kind === 'add') {
      tensor(op.input2, op.name);
      if (overlap(op.input2, op.output)) fail(`op ${op.name}: input2 and output overlap in the arena plan`);
    }
    if (op.actMin < -128 || op.actMax > 127 || op.actMin > op.actMax) fail(`op ${op.name}: act range [${op.actMin}, ${op.actMax}]`);
    if ('weights' in op) {
      const { multiplier, shift } = op.requant;
      for (let o = 0; o < op.outChannels; o++) {
        if (multiplier[o] < 0) fail(`op ${op.name}: multiplier[${o}] = ${multiplier[o]} < 0`);
        if (shift[o] < -31 || shift[o] > 30) fail(`op ${op.name}: shift[${o}] = ${shift[o]} not in [-31, 30]`);
      }
      const sums = kernelSums(op);
      for (let o = 0; o < op.outChannels; o++) {
        const folded = op.bias[o] - x.zeroPoint * sums[o];
        if (folded < -2147483648 || folded > 2147483647) fail(`op ${op.name}: folded bias of channel ${o} does not fit int32`);
      }
    }
    if (op.kind === 'add') {
      for (const s of [op.input1Shift, op.input2Shift, op.outputShift]) if (s < -31 || s > 30) fail(`op ${op.name}: shift ${s} not in [-31, 30]`);
      for (const m of [op.input1Multiplier, op.input2Multiplier, op.outputMultiplier]) if (m < 0) fail(`op ${op.name}: multiplier ${m} < 0`);
      if (op.leftShift < 0 || op.leftShift > 30) fail(`op ${op.name}: leftShift ${op.leftShift}`);
    }
  }
}

/** The folded bias the C stores / caches: bias[o] + inputOffset * sum(w[o]), inputOffset = -input zero point. */
export function foldedBias(op: WeightedIntOp, inputZeroPoint: number): Int32Array {
  const sums = kernelSums(op);
  return Int32Array.from(op.bias, (v, o) => v - inputZeroPoint * sums[o]);
}

const REFERENCE_FILE = join(dirname(fileURLToPath(import.meta.url)), 'c', 'tflm_reference_loops.h');
const SYNTHESIS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'c', 'htpw_synthesis.h');

/** The deployable exportC prints: a Deployable as is; an IntModel with every op stored. */
export function asDeployable(input: Deployable | IntModel): Deployable {
  if (isDeployable(input)) return input;
  const ops = input.ops.map((op): IntOp => {
    if (op.kind !== 'pwconv1d' || op.source !== 'generated') return op;
    const { generatedIndex: _drop, ...rest } = op;
    void _drop;
    return { ...rest, source: 'stored' };
  });
  return deployableFromIntModel({ ...input, ops });
}

const inRange = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;

/** What the C synthesis relies on (SYNTHESIS.md section 3 ranges); throws ArgumentError naming the tensor. */
function validateGenerator(dep: Deployable): void {
  const gen = dep.generator;
  if (!gen) return;
  const { dz, dh, rank } = gen.config;
  if (!inRange(dz, 1, MAX_DZ) || !inRange(dh, 1, MAX_DH) || !inRange(rank, 1, MAX_RANK)) fail(`generator dz ${dz}, dh ${dh}, r ${rank} outside dz <= ${MAX_DZ}, dh <= ${MAX_DH}, r <= ${MAX_RANK}`);
  const linear = (name: string, L: IntLinear) => {
    if (!inRange(L.bits, 2, 8)) fail(`${name}: ${L.bits} bits`);
    if (L.inFeatures > MAX_DH) fail(`${name}: ${L.inFeatures} inputs > ${MAX_DH} (int32 accumulator bound)`);
    for (let j = 0; j < L.outFeatures; j++) {
      const m = L.multiplier[j];
      if (!(m === 0 || inRange(m, 2 ** 30, 2 ** 31 - 1))) fail(`${name} row ${j}: multiplier ${m} not in {0} U [2^30, 2^31)`);
      if (!inRange(L.shift[j], -31, 30)) fail(`${name} row ${j}: shift ${L.shift[j]} not in [-31, 30]`);
      if (!inRange(L.bias[j], -(2 ** 30), 2 ** 30)) fail(`${name} row ${j}: bias ${L.bias[j]} outside +-2^30`);
    }
  };
  gen.instances.forEach((inst, g) => {
    inst.trunk.forEach((t, k) => linear(`gen${g}.trunk${k}`, t));
    linear(`gen${g}.core`, inst.core);
    if (inst.gain) linear(`gen${g}.gain`, inst.gain);
  });
  dep.layers.forEach((li, l) => {
    if (!inRange(li.kMultiplier, 2 ** 30, 2 ** 31 - 1)) fail(`layer${l}: kMult ${li.kMultiplier} not in [2^30, 2^31)`);
    if (!inRange(li.kExponent, -128, 127)) fail(`layer${l}: kExp ${li.kExponent} does not fit int8`);
    if (!inRange(li.biasExponent, -24, 24)) fail(`layer${l}: biasExp ${li.biasExponent} not in [-24, 24]`);
    for (const q of li.biasQ) if (q === -2147483648) fail(`layer${l}: biasQ holds INT32_MIN`);
  });
}

function int32Values(bytes: Uint8Array): Int32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Int32Array.from({ length: bytes.length / 4 }, (_, i) => dv.getInt32(i * 4, true));
}

/** Print a Deployable (or an IntModel) as C. See the file comment for what each file holds. */
export function exportC(input: Deployable | IntModel, opts: ExportCOptions = {}): Map<string, string> {
  return exportCWithLayout(input, opts).files;
}

export function exportCWithLayout(input: Deployable | IntModel, opts: ExportCOptions = {}): { files: Map<string, string>; layout: CLayout } {
  const prefix = sanitizeIdentifier(opts.prefix ?? 'htpw', 24);
  const P = prefix.toUpperCase();
  const dep = asDeployable(input);
  validateGenerator(dep);
  const model = synthesize(dep); // the integers the C must reproduce; throws SynthesisError if a shift > 30
  validateIntModel(model);
  const plan = planArena(model);
  validate(model, plan);
  const dsp = opts.dsp ?? true;
  const kernels = opts.kernels ?? 'native';
  if (!KERNEL_BACKENDS.includes(kernels)) fail(`kernels "${String(kernels)}" is not one of ${KERNEL_BACKENDS.join(', ')}`);
  const cmsis = kernels === 'cmsis-nn';
  const reference = kernels === 'reference';
  /** the backends that read TFLite's bias and add the input offset themselves (no folded bias) */
  const tfliteBias = kernels !== 'native';
  const mode = opts.pwCache ?? 'all';
  if (!PW_CACHE_MODES.includes(mode)) fail(`pwCache "${String(mode)}" is not one of ${PW_CACHE_MODES.join(', ')}`);
  if (tfliteBias && mode === 'none') fail(`pwCache 'none' needs the native kernels (${kernels} computes whole layers, not one output channel)`);
  const provenance = `Generated by hypertinypw export-c from ${isDeployable(input) ? 'deployable' : 'model'} "${commentText(model.name)}"${opts.source ? ` (${commentText(opts.source)})` : ''}.`;

  const inT = model.tensors[model.inputId];
  const outT = model.tensors[model.outputId];
  const arenaBytes = Math.max(plan.peakBytes, ...model.tensors.map((t) => plan.offsets[t.id] + plan.sizes[t.id]));
  const gen = dep.generator;
  const gops = generatedOps(dep.model);
  // synthesis scratch in the arena: P | S | R | x (SYNTHESIS.md section 4, synthesisScratchBytes) | vt | wsum
  // (htpw_synthesis.h's unpacked basis columns and row sums)
  // vt's bytes depend on the path the C compiles (htpw_synthesis.h HTPW_SYN_VT_BYTES): int16 pairs
  // of 127 V on the DSP path, int8 V on the portable one; the C sizes its arrays with the macro
  // <P>_SYN_VT_SIZE, and the layout reports the larger
  const syn = { r: 0, x: 0, vt: 0, wsum: 0, end: 0, vtDsp: 0, vtPortable: 0, wsumBytes: 0 };
  if (gen && gops.length) {
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
  }
  const scratchSyn = syn.end;
  // 'all': synthesis runs in init, before any inference, so its scratch aliases the arena
  const arenaArrayBytes = Math.ceil(Math.max(arenaBytes, mode === 'all' ? scratchSyn : 0, 1) / 8) * 8;

  // --- flash parameters: one array per section of serializeFlashSections, in its order
  const flash = serializeFlashSections(dep);
  const flashSymbols: FlashSymbol[] = [];
  const consts: string[] = [];
  const sec = (sym: string) => `HTPW_WEIGHTS(".rodata.htpw.${sym}")`;
  const take = (section: string, expectBytes?: number): Uint8Array => {
    const b = flash.get(section);
    if (!b) fail(`flash section "${section}" missing`);
    if (expectBytes !== undefined && b.length !== expectBytes) fail(`flash section "${section}" has ${b.length} bytes, expected ${expectBytes}`);
    return b;
  };
  const symbolFor = (section: string, bytes: number) => {
    const symbol = `${prefix}_p${flashSymbols.length}_${sanitizeIdentifier(section, 28)}`;
    if (flashSymbols.some((f) => f.section === section)) fail(`flash section "${section}" emitted twice`);
    flashSymbols.push({ section, symbol, bytes });
    return symbol;
  };
  /** int8 / uint8 arrays are the section bytes; int32 arrays its little-endian words (or `values`). */
  const emitParam = (section: string, ctype: 'int8_t' | 'uint8_t' | 'int32_t', values?: ArrayLike<number>): string => {
    const bytes = take(section);
    const v: ArrayLike<number> = values ?? (ctype === 'int32_t' ? int32Values(bytes) : ctype === 'int8_t' ? new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length) : bytes);
    const n = ctype === 'int32_t' ? bytes.length / 4 : bytes.length;
    if (v.length !== n) fail(`flash section "${section}": ${v.length} values for ${n}`);
    const sym = symbolFor(section, bytes.length);
    consts.push(`/* ${commentText(section)}: ${bytes.length} B */`, `static const ${ctype} ${sym}[${n}] ${sec(sym)} = {\n${arrayBody(v, ctype === 'int32_t' ? 8 : 20)}\n};`);
    return sym;
  };

  let cacheBytes = 0;
  let unpackBytes = 0;
  let scratchBytes = 0;
  const initUnpack: string[] = [];
  const initSynth: string[] = [];
  const accessor: string[] = [];
  /** 'layer': per generated layer, a static function synthesizing it into the one slot */
  const synFns: string[] = [];
  /** 'none': the row accessor's cases */
  const rowAccessor: string[] = [];
  let rowBytes = 0;
  const layerFns: string[] = [];
  const layerDefs: string[] = [];
  const calls: string[] = [];
  const ptr = (id: number) => `(HTPW_ARENA + ${plan.offsets[id]})`;
  const genDescs: string[] = [];
  let cmsisScratch = 0;
  let shift32Count = 0;
  const initShift32: string[] = [];
  const initBufferChecks: string[] = [];

  model.ops.forEach((op: IntOp, index) => {
    const fn = `${prefix}_layer${index}_${sanitizeIdentifier(op.name, 24)}`;
    layerFns.push(fn);
    const x = model.tensors[op.input];
    const y = model.tensors[op.output];
    const xd = dims(x);
    const yd = dims(y);
    const inOffset = -x.zeroPoint;
    const depOp = dep.model.ops[index];
    let body: string;
    let w = '';
    let b = '';
    let m = '';
    let s = '';
    let addParams = '';
    /** 'layer': the synthesis call placed before the kernel; 'none': the generated layer being run row by row */
    let preBody = '';
    let rowLayer = -1;
    if ('weights' in op) {
      if (depOp.kind === 'pwconv1d' && depOp.source === 'generated') {
        // Cache slot: [folded bias int32 | multiplier int32 | weights int8 | shift int8], 4-aligned.
        // 'all': one slot per layer, filled by init; 'layer': one slot at offset 0 shared by all.
        const l = depOp.generatedIndex!;
        const cout = op.outChannels;
        const nW = op.weights.length;
        const slot = (8 * cout + nW + cout + 3) & ~3;
        const off = mode === 'all' ? cacheBytes : 0;
        if (mode === 'all') cacheBytes += slot;
        else if (mode === 'layer') cacheBytes = Math.max(cacheBytes, slot);
        else rowBytes = Math.max(rowBytes, (op.inChannels + 3) & ~3);
        b = `((int32_t *)(void *)(HTPW_CACHE + ${off}))`;
        m = `((int32_t *)(void *)(HTPW_CACHE + ${off + 4 * cout}))`;
        w = `(HTPW_CACHE + ${off + 8 * cout})`;
        s = `(HTPW_CACHE + ${off + 8 * cout + nW})`;
        const synth = [
          `  e = htpw_synthesize_layer(&${prefix}_glayers[${l}], &sc, ${w}, ${b}, ${m}, ${s});`,
          ...(tfliteBias ? [] : [`  if (e == HTPW_SYN_OK) e = htpw_fold_bias_sums(sc.wsum, ${b}, ${cout}, ${inOffset});`]),
        ];
        const what = `op ${index} "${commentText(op.name)}": generated layer ${l}, pointwise ${op.inChannels} -> ${cout}`;
        if (mode === 'all') {
          initSynth.push(`  /* ${what} */`, ...synth, `  if (e != HTPW_SYN_OK) return e;`);
          accessor.push(`  case ${l}: *weights = ${w}; *bias = ${b}; *mult = ${m}; *shift = ${s}; return 0;`);
        } else if (mode === 'layer') {
          const shift32 = cmsis ? [`  if (e == HTPW_SYN_OK) for (i = 0; i < ${cout}; i++) (HTPW_SHIFT32 + ${shift32Count})[i] = ${s}[i];`] : [];
          synFns.push(
            `/* ${what}, synthesized into the one cache slot */`,
            `static int32_t ${prefix}_syn${l}(void) {`,
            `  int32_t e;`,
            ...(cmsis ? ['  int32_t i;'] : []),
            `  htpw_syn_scratch_t sc;`,
            `  ${prefix}_syn_scratch(&sc);`,
            ...synth,
            ...shift32,
            `  return e;`,
            `}`,
            '',
          );
          preBody = `  if (${prefix}_syn${l}() != HTPW_SYN_OK) {
    ${prefix}_status = -3;
    return;
  }`;
          accessor.push(`  case ${l}: if (${prefix}_syn${l}() != HTPW_SYN_OK) return -1; *weights = ${w}; *bias = ${b}; *mult = ${m}; *shift = ${s}; return 0;`);
        } else {
          rowLayer = l;
          rowAccessor.push(`  case ${l}:`, `    if (o < 0 || o >= ${cout}) return -1;`, `    e = htpw_syn_begin(&${prefix}_glayers[${l}], &sc, &st);`, `    if (e == HTPW_SYN_OK) e = htpw_syn_row(&st, o, weights, bias, mult, shift, &sum);`, `    if (e == HTPW_SYN_OK) e = htpw_fold_bias_one(bias, sum, ${inOffset});`, `    return e == HTPW_SYN_OK ? 0 : -1;`);
        }
      } else {
        const bits = dep.weightBits[op.name] ?? 8;
        if (bits === 8) w = emitParam(`${op.name}.weights`, 'int8_t');
        else {
          const packed = emitParam(`${op.name}.weights`, 'uint8_t');
          w = `(HTPW_UNPACK + ${unpackBytes})`;
          initUnpack.push(
            `  /* op ${index} "${commentText(op.name)}": ${op.weights.length} weights stored at ${bits} bits */`,
            `  for (i = 0; i < ${op.weights.length}; i++) ${w}[i] = (int8_t)htpw_read_packed(${packed}, ${bits}, i);`,
          );
          unpackBytes += op.weights.length;
        }
        b = tfliteBias ? emitParam(`${op.name}.bias`, 'int32_t') : emitParam(`${op.name}.bias`, 'int32_t', foldedBias(op, x.zeroPoint));
        m = emitParam(`${op.name}.mult`, 'int32_t');
        s = emitParam(`${op.name}.shift`, 'int8_t');
      }
    } else if (op.kind === 'add') {
      const bytes = take(`${op.name}.requant`, 16);
      const mv = int32Values(bytes.subarray(0, 12));
      const sv = new Int8Array(bytes.buffer, bytes.byteOffset + 12, 4);
      addParams = symbolFor(`${op.name}.requant`, 16);
      consts.push(`/* ${commentText(op.name)}.requant: 16 B (int32 input1, input2, output multiplier; int8 left, input1, input2, output shift) */`, `static const htpw_add_params_t ${addParams} ${sec(addParams)} = { { ${arrayBody(mv, 3).trim().replace(/,$/, '')} }, { ${Array.from(sv).join(', ')} } };`);
    }
    const clamp = `${op.actMin}, ${op.actMax}`;
    let s32 = '';
    if (cmsis && 'weights' in op) {
      s32 = `(HTPW_SHIFT32 + ${shift32Count})`;
      if (!(mode === 'layer' && depOp.kind === 'pwconv1d' && depOp.source === 'generated')) initShift32.push(`  for (i = 0; i < ${op.outChannels}; i++) ${s32}[i] = ${s}[i];`);
      shift32Count += op.outChannels;
    }
    if (cmsis) {
      cmsisScratch = Math.max(cmsisScratch, cmsisScratchBytes(op, x));
      const chk = cmsisBufferCheck(op, x, y, `${P}_CMSIS_SCRATCH_SIZE`);
      if (chk) initBufferChecks.push(chk);
      const x2 = op.kind === 'add' ? model.tensors[op.input2] : undefined;
      body = cmsisLayerBody(op, x, y, { x: ptr(op.input), x2: op.kind === 'add' ? ptr(op.input2) : undefined, y: ptr(op.output), w, b, m, s32, addParams, scratch: 'HTPW_CMSIS_SCRATCH', scratchSize: `${P}_CMSIS_SCRATCH_SIZE`, status: `${prefix}_status` }, x2);
    } else switch (op.kind) {
      case 'pwconv1d':
      case 'fully_connected': {
        const positions = xd.n / op.inChannels;
        if (!Number.isInteger(positions) || yd.n !== positions * op.outChannels) fail(`op ${op.name}: shapes ${x.shape} -> ${y.shape} do not match ${op.inChannels} -> ${op.outChannels}`);
        if (!reference) scratchBytes = Math.max(scratchBytes, 4 * op.inChannels);
        if (rowLayer >= 0) {
          // 'none': per output channel, synthesize its row, fold its bias, run it over every position
          body = [
            `  htpw_syn_scratch_t sc;`,
            `  htpw_syn_state_t st;`,
            `  int32_t o, e;`,
            `  ${prefix}_syn_scratch(&sc);`,
            `  e = htpw_syn_begin(&${prefix}_glayers[${rowLayer}], &sc, &st);`,
            `  for (o = 0; e == HTPW_SYN_OK && o < ${op.outChannels}; o++) {`,
            `    int32_t b, m, sum;`,
            `    int8_t s;`,
            `    e = htpw_syn_row(&st, o, HTPW_ROW, &b, &m, &s, &sum);`,
            `    if (e == HTPW_SYN_OK) e = htpw_fold_bias_one(&b, sum, ${inOffset});`,
            `    if (e == HTPW_SYN_OK) htpw_pw_row_s8(${ptr(op.input)}, ${ptr(op.output)} + o, ${positions}, ${op.inChannels}, ${op.outChannels}, HTPW_ROW, b, m, s, ${y.zeroPoint}, ${clamp}, HTPW_SCRATCH);`,
            `  }`,
            `  if (e != HTPW_SYN_OK) ${prefix}_status = -3;`,
          ].join('\n');
          break;
        }
        body = reference
          ? `ref_pw_s8(${ptr(op.input)}, ${ptr(op.output)}, ${positions}, ${op.inChannels}, ${op.outChannels}, ${w}, ${b}, ${m}, ${s}, ${inOffset}, ${y.zeroPoint}, ${clamp});`
          : `htpw_pw_s8(${ptr(op.input)}, ${ptr(op.output)}, ${positions}, ${op.inChannels}, ${op.outChannels}, ${w}, ${b}, ${m}, ${s}, ${y.zeroPoint}, ${clamp}, HTPW_SCRATCH);`;
        break;
      }
      case 'dwconv1d':
        if (xd.c !== op.inChannels || yd.c !== op.outChannels || op.inChannels !== op.outChannels) fail(`op ${op.name}: depthwise channels`);
        body = `${reference ? 'ref' : 'htpw'}_dw_s8(${ptr(op.input)}, ${ptr(op.output)}, ${xd.l}, ${xd.c}, ${yd.l}, ${op.kernelSize}, ${op.stride}, ${op.dilation}, ${op.padBefore}, ${w}, ${b}, ${m}, ${s}, ${inOffset}, ${y.zeroPoint}, ${clamp});`;
        break;
      case 'conv1d':
        if (xd.c !== op.inChannels || yd.c !== op.outChannels) fail(`op ${op.name}: conv channels`);
        body = `${reference ? 'ref' : 'htpw'}_conv_s8(${ptr(op.input)}, ${ptr(op.output)}, ${xd.l}, ${xd.c}, ${yd.l}, ${yd.c}, ${op.kernelSize}, ${op.stride}, ${op.dilation}, ${op.padBefore}, ${w}, ${b}, ${m}, ${s}, ${inOffset}, ${y.zeroPoint}, ${clamp});`;
        break;
      case 'avgpool1d':
      case 'maxpool1d':
        body = `htpw_${op.kind === 'avgpool1d' ? 'avgpool' : 'maxpool'}_s8(${ptr(op.input)}, ${ptr(op.output)}, ${xd.l}, ${xd.c}, ${yd.l}, ${op.poolSize}, ${op.stride}, ${op.padBefore}, ${clamp});`;
        break;
      case 'global_avgpool':
        body = `htpw_avgpool_s8(${ptr(op.input)}, ${ptr(op.output)}, ${xd.l}, ${xd.c}, 1, ${xd.l}, 1, 0, ${clamp});`;
        break;
      case 'add': {
        const x2 = model.tensors[op.input2];
        const q = addParams;
        body = `htpw_add_s8(${ptr(op.input)}, ${ptr(op.input2)}, ${ptr(op.output)}, ${yd.n}, ${-x.zeroPoint}, ${-x2.zeroPoint}, ${q}.shift[0], ${q}.mult[0], ${q}.shift[1], ${q}.mult[1], ${q}.shift[2], ${q}.mult[2], ${q}.shift[3], ${y.zeroPoint}, ${clamp});`;
        break;
      }
      default:
        fail(`op kind ${(op as IntOp).kind} is not supported`);
    }
    layerDefs.push(
      `/* layer ${index}: ${op.kind} "${commentText(op.name)}", tensor ${op.input} [${x.shape}] -> ${op.output} [${y.shape}] */`,
      `HTPW_LAYER_FN void ${fn}(void) {`,
      ...(preBody ? [preBody] : []),
      body.startsWith('  ') ? body : `  ${body}`,
      `}`,
      '',
    );
    calls.push(`  ${fn}();`, `#ifdef HTPW_LAYER_HOOK`, `  HTPW_LAYER_HOOK(${index}, ${op.output}, ${ptr(op.output)}, ${yd.n});`, `#endif`);
  });

  // --- generator parameters (section 2) and per-layer inputs (section 3), then their descriptors
  if (gen && gops.length) {
    const cfg = gen.config;
    const linearDesc = (name: string, L: IntLinear): string => {
      const wSym = emitParam(`${name}.weights`, 'uint8_t');
      const bSym = emitParam(`${name}.bias`, 'int32_t');
      const mSym = emitParam(`${name}.mult`, 'int32_t');
      const sSym = emitParam(`${name}.shift`, 'int8_t');
      return `{ ${wSym}, ${bSym}, ${mSym}, ${sSym}, ${L.inFeatures}, ${L.outFeatures}, ${L.bits}, ${L.actMin}, ${L.actMax} }`;
    };
    gen.instances.forEach((inst, g) => {
      const trunk = inst.trunk.map((t, k) => linearDesc(`gen${g}.trunk${k}`, t));
      const core = linearDesc(`gen${g}.core`, inst.core);
      const gain = inst.gain ? linearDesc(`gen${g}.gain`, inst.gain) : null;
      const u = emitParam(`gen${g}.U`, 'uint8_t');
      const v = emitParam(`gen${g}.V`, 'uint8_t');
      const G = `${prefix}_gen${g}`;
      genDescs.push(
        `/* generator instance ${g}: trunk ${cfg.dz} -> ${cfg.dh} x ${cfg.trunkDepth}, head ${cfg.head}, rank ${cfg.rank}, gains ${cfg.gains}, C_max ${inst.cMax} */`,
        `static const htpw_linear_t ${G}_trunk[${trunk.length}] = {\n${trunk.map((t) => `  ${t},`).join('\n')}\n};`,
        `static const htpw_linear_t ${G}_core = ${core};`,
        ...(gain ? [`static const htpw_linear_t ${G}_gain = ${gain};`] : []),
        `static const htpw_generator_t ${G} = { ${G}_trunk, ${inst.trunk.length}, &${G}_core, ${gain ? `&${G}_gain` : '0'}, ${u}, ${v}, ${inst.U.bits}, ${inst.cMax}, ${cfg.rank}, ${pBits(cfg.rank)}, ${HEADS[cfg.head].cName}, ${GAIN_MODES[cfg.gains].cName}, ${cfg.codeBits}, ${cfg.gainBits}, ${cfg.dz}, ${cfg.dh} };`,
      );
    });
    const layerRows = gen.layers.map((L, l) => {
      const code = emitParam(`layer${l}.code`, 'uint8_t');
      const gains = L.gains ? emitParam(`layer${l}.gains`, 'uint8_t') : '0';
      const biasQ = emitParam(`layer${l}.biasQ`, 'int32_t');
      const params = emitParam(`layer${l}.params`, 'uint8_t');
      return `  { &${prefix}_gen${L.generator}, ${code}, ${gains}, ${biasQ}, ${params}, ${L.cIn}, ${L.cOut} },`;
    });
    genDescs.push(`/* generated layers, generatedIndex order: code, gains, biasQ, params (int32 kMult, int8 kExp, int8 biasExp) */`, `static const htpw_gen_layer_t ${prefix}_glayers[${gen.layers.length}] = {\n${layerRows.join('\n')}\n};`);
  }
  const flashNames = [...flash.keys()];
  const emitted = flashSymbols.map((f) => f.section);
  if (flashNames.length !== emitted.length || flashNames.some((n) => !emitted.includes(n))) fail(`emitted flash arrays [${emitted.join(', ')}] are not the sections of serializeFlashSections [${flashNames.join(', ')}]`);
  const weightBytes = flashSymbols.reduce((a, f) => a + f.bytes, 0);
  const synthesizes = gops.length > 0;
  const needSynthesisHeader = synthesizes || initUnpack.length > 0;
  const inferenceSynthesis = synthesizes && mode !== 'all';
  const needStatus = cmsis || inferenceSynthesis;

  const header = [
    `/* ${provenance} Do not edit. */`,
    `/* hypertinypw model "${commentText(model.name)}": ${model.ops.length} layers, ${model.rounding} rounding, ${gops.length} generated pointwise layers. */`,
    `#ifndef ${P}_H`,
    `#define ${P}_H`,
    '',
    '#include <stdint.h>',
    '',
    `/* Bytes of the activation arena (static, inside ${prefix}.c; offsets from planArena). */`,
    `#define ${P}_ARENA_SIZE ${arenaBytes}`,
    mode === 'all'
      ? `/* Bytes of the synthesis scratch (SYNTHESIS.md section 4 + the unpacked basis vt and row sums wsum); it aliases the arena during ${prefix}_init(). */`
      : `/* Bytes of the synthesis scratch (SYNTHESIS.md section 4 + the unpacked basis vt${mode === 'layer' ? ' and row sums wsum' : ''}); its own static array (synthesis runs inside ${prefix}_invoke). */`,
    ...(synthesizes
      ? [
          `/* Bytes of the unpacked basis vt (int16 pairs of 127 V on the DSP path, int8 V otherwise). */`,
          dsp ? `#if defined(__ARM_FEATURE_DSP) && !defined(HTPW_NO_DSP)\n#define ${P}_SYN_VT_SIZE ${syn.vtDsp}\n#else\n#define ${P}_SYN_VT_SIZE ${syn.vtPortable}\n#endif` : `#define ${P}_SYN_VT_SIZE ${syn.vtPortable}`,
          `#define ${P}_SYNTHESIS_SCRATCH_SIZE (${syn.vt} + ${P}_SYN_VT_SIZE + ${syn.wsumBytes})`,
        ]
      : [`#define ${P}_SYNTHESIS_SCRATCH_SIZE 0`]),
    `/* Where the synthesized pointwise kernels live (export-c --pw-cache ${mode}): ${mode === 'all' ? `a RAM cache of every generated layer, filled once by ${prefix}_init()` : mode === 'layer' ? `one cache slot, refilled by ${prefix}_invoke() before each generated layer runs` : `no cache: ${prefix}_invoke() synthesizes one output channel's row at a time into a row buffer`}. */`,
    `#define ${P}_PW_CACHE_${mode.toUpperCase()} 1`,
    `/* Bytes of the RAM cache of generated pointwise layers${mode === 'all' ? '' : mode === 'layer' ? ' (the largest layer\'s slot)' : ' (0: none)'}. */`,
    `#define ${P}_CACHE_SIZE ${cacheBytes}`,
    `/* Bytes of the row buffer (--pw-cache none: one int8 row of the widest generated layer input). */`,
    `#define ${P}_ROW_SIZE ${rowBytes}`,
    `/* Bytes of RAM holding 4-bit stored weights unpacked to int8 by ${prefix}_init(). */`,
    `#define ${P}_UNPACK_SIZE ${unpackBytes}`,
    `/* Bytes of scratch RAM (the DSP pointwise path's int16 rows; 0 on the portable path). */`,
    dsp ? `#if defined(__ARM_FEATURE_DSP) && !defined(HTPW_NO_DSP)\n#define ${P}_SCRATCH_SIZE ${scratchBytes}\n#else\n#define ${P}_SCRATCH_SIZE 0\n#endif` : `#define ${P}_SCRATCH_SIZE 0`,
    ...(cmsis
      ? [
          `/* CMSIS-NN backend (link Arm CMSIS-NN): bytes of its context buffer and of the int32 shift table (RAM). */`,
          `#define ${P}_CMSIS_SCRATCH_SIZE ${cmsisScratch}`,
          `#define ${P}_SHIFT32_SIZE ${4 * shift32Count}`,
        ]
      : []),
    `/* Bytes of the const parameter arrays (flash) = accountBytes(deployable).flash.total. */`,
    `#define ${P}_WEIGHT_BYTES ${weightBytes}`,
    `#define ${P}_NUM_LAYERS ${model.ops.length}`,
    `#define ${P}_GENERATED_LAYERS ${gops.length}`,
    `#define ${P}_INPUT_SIZE ${dims(inT).n}`,
    `#define ${P}_INPUT_LENGTH ${dims(inT).l}`,
    `#define ${P}_INPUT_CHANNELS ${dims(inT).c}`,
    `#define ${P}_OUTPUT_SIZE ${dims(outT).n}`,
    `/* real = scale * (q - zero_point) */`,
    `#define ${P}_INPUT_SCALE ${floatLiteral(inT.scale)}`,
    `#define ${P}_INPUT_ZERO_POINT ${inT.zeroPoint}`,
    `#define ${P}_OUTPUT_SCALE ${floatLiteral(outT.scale)}`,
    `#define ${P}_OUTPUT_ZERO_POINT ${outT.zeroPoint}`,
    '',
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
    ` * [cout][cin], folded bias (bias + input_offset * sum(w)), multiplier, shift. Returns 0, or -1.`,
    ...(mode === 'layer' ? [` * --pw-cache layer: synthesizes layer l into the one slot first (not during ${prefix}_invoke).`] : []),
    ...(mode === 'none' ? [` * --pw-cache none: there is no cache, always -1; see ${prefix}_generated_row.`] : []),
    ` */`,
    `int ${prefix}_generated_layer(int32_t l, const int8_t **weights, const int32_t **bias, const int32_t **mult, const int8_t **shift);`,
    ...(mode === 'none'
      ? [
          '',
          `/* Row o of generated layer l synthesized into the caller's memory (tests and golden checks):`,
          ` * weights [cin], folded bias, multiplier, shift. Returns 0, or -1. */`,
          `int ${prefix}_generated_row(int32_t l, int32_t o, int8_t *weights, int32_t *bias, int32_t *mult, int8_t *shift);`,
        ]
      : []),
    '',
    `#endif /* ${P}_H */`,
    '',
  ].join('\n');

  const source = [
    `/* ${provenance} Do not edit. */`,
    `#include <stdint.h>`,
    `#include <string.h>`,
    `#include "${prefix}.h"`,
    '',
    `#define HTPW_SINGLE_ROUNDING ${model.rounding === 'single' ? 1 : 0}`,
    ...(dsp ? [] : ['#ifndef HTPW_NO_DSP', '#define HTPW_NO_DSP', '#endif']),
    `#include "htpw_kernels.h"`,
    ...(gen && gops.length ? [`#define HTPW_SYN_RANK ${gen.config.rank}`] : []),
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
    ...(synthesizes && mode === 'all'
      ? [
          `/* Activation arena: tensor t lives at byte offset plan[t] (planArena). During ${prefix}_init() the`,
          ` * synthesis scratch (int64 P[r] | int32 S[r*r] | int32 R[max cin] | int16 x[2][max(dz, dh)] | vt (${P}_SYN_VT_SIZE) | int32 wsum[max cout]) lives here. */`,
        ]
      : [`/* Activation arena: tensor t lives at byte offset plan[t] (planArena). */`]),
    synthesizes && mode === 'all'
      ? `static int64_t ${prefix}_arena[((${P}_ARENA_SIZE > ${P}_SYNTHESIS_SCRATCH_SIZE ? ${P}_ARENA_SIZE : ${P}_SYNTHESIS_SCRATCH_SIZE) + 7) / 8] HTPW_ALIGNED;`
      : `static int64_t ${prefix}_arena[${arenaArrayBytes / 8}] HTPW_ALIGNED;`,
    `#define HTPW_ARENA ((int8_t *)(void *)${prefix}_arena)`,
    ...(synthesizes && mode !== 'all'
      ? [
          `/* Synthesis scratch (int64 P[r] | int32 S[r*r] | int32 R[max cin] | int16 x[2][max(dz, dh)] | vt (${P}_SYN_VT_SIZE)${mode === 'layer' ? ' | int32 wsum[max cout]' : ''}): synthesis runs inside ${prefix}_invoke, beside live activations. */`,
          `static int64_t ${prefix}_synscratch[(${P}_SYNTHESIS_SCRATCH_SIZE + 7) / 8] HTPW_ALIGNED;`,
          `#define HTPW_SYNSCRATCH ((int8_t *)(void *)${prefix}_synscratch)`,
        ]
      : synthesizes ? [`#define HTPW_SYNSCRATCH HTPW_ARENA`] : []),
    ...(cacheBytes > 0 ? [`/* synthesized kernels (--pw-cache ${mode}) */`, `static int32_t ${prefix}_cache[${cacheBytes / 4}];`, `#define HTPW_CACHE ((int8_t *)(void *)${prefix}_cache)`] : []),
    ...(rowBytes > 0 ? [`/* one synthesized row (--pw-cache none) */`, `static int32_t ${prefix}_row[${rowBytes / 4}];`, `#define HTPW_ROW ((int8_t *)(void *)${prefix}_row)`] : []),
    ...(unpackBytes > 0 ? [`static int8_t ${prefix}_unpack[${unpackBytes}];`, `#define HTPW_UNPACK (${prefix}_unpack)`] : []),
    ...(scratchBytes > 0
      ? [`#if HTPW_DSP`, `static int32_t ${prefix}_scratch[${scratchBytes / 4}];`, `#define HTPW_SCRATCH ((int16_t *)(void *)${prefix}_scratch)`, `#else`, `#define HTPW_SCRATCH ((int16_t *)0)`, `#endif`]
      : []),
    ...(cmsis
      ? [
          `/* CMSIS-NN: the context buffer of every call, the shifts widened to int32 by ${prefix}_init(), the status of the last calls */`,
          ...(cmsisScratch > 0 ? [`static int32_t ${prefix}_cmsis_scratch[${Math.ceil(cmsisScratch / 4)}];`, `#define HTPW_CMSIS_SCRATCH ((void *)${prefix}_cmsis_scratch)`] : ['#define HTPW_CMSIS_SCRATCH ((void *)0)']),
          ...(shift32Count > 0 ? [`static int32_t ${prefix}_shift32[${shift32Count}];`, `#define HTPW_SHIFT32 (${prefix}_shift32)`] : []),
        ]
      : []),
    ...(needStatus ? [`/* the status of the running ${prefix}_invoke (${cmsis ? '-2: a CMSIS-NN call failed' : ''}${cmsis && inferenceSynthesis ? ', ' : ''}${inferenceSynthesis ? '-3: a synthesis failed' : ''}) */`, `static int ${prefix}_status;`] : []),
    `static int ${prefix}_ready = ${initSynth.length || initUnpack.length || initShift32.length ? 0 : 1};`,
    '',
    `/* Flash parameters: the sections of serializeFlashSections, in order. A stored op's bias array holds`,
    ` * the folded bias: bias + input_offset * sum(weights). */`,
    ...consts,
    '',
    ...genDescs,
    '',
    ...(synthesizes
      ? [
          `/* the synthesis scratch (int64 P at offset 0) */`,
          `static void ${prefix}_syn_scratch(htpw_syn_scratch_t *sc) {`,
          `  sc->p = (int64_t *)(void *)HTPW_SYNSCRATCH;`,
          `  sc->s = (int32_t *)(void *)(HTPW_SYNSCRATCH + ${8 * gen!.config.rank});`,
          `  sc->r = (int32_t *)(void *)(HTPW_SYNSCRATCH + ${syn.r});`,
          `  sc->x = (int16_t *)(void *)(HTPW_SYNSCRATCH + ${syn.x});`,
          `  sc->xmax = ${Math.max(gen!.config.dz, gen!.config.dh)};`,
          `  sc->vt = HTPW_SYNSCRATCH + ${syn.vt};`,
          tfliteBias || mode === 'none' ? `  sc->wsum = 0; /* ${tfliteBias ? `${kernels} adds the input offset itself` : 'each row is folded at once'} */` : `  sc->wsum = (int32_t *)(void *)(HTPW_SYNSCRATCH + ${syn.vt} + ${P}_SYN_VT_SIZE);`,
          `}`,
          '',
        ]
      : []),
    ...synFns,
    ...layerDefs,
    `int ${prefix}_init(void) {`,
    ...(initUnpack.length || initShift32.length ? ['  int32_t i;'] : []),
    ...initBufferChecks,
    ...initUnpack,
    ...(initSynth.length ? ['  int32_t e;', '  htpw_syn_scratch_t sc;', `  ${prefix}_syn_scratch(&sc);`, ...initSynth] : []),
    ...(initShift32.length ? ['  /* CMSIS-NN reads int32 shifts */', ...initShift32] : []),
    ...(inferenceSynthesis ? [`  /* --pw-cache ${mode}: the generated layers are synthesized inside ${prefix}_invoke */`] : []),
    ...(initSynth.length || initUnpack.length || initShift32.length || initBufferChecks.length || inferenceSynthesis ? [] : ['  /* no generated layers, no 4-bit weights: nothing to do */']),
    `  ${prefix}_ready = 1;`,
    `  return 0;`,
    `}`,
    '',
    `int ${prefix}_invoke(const int8_t *input, int8_t *output) {`,
    `  if (!${prefix}_ready) return -1;`,
    ...(needStatus ? [`  ${prefix}_status = 0;`] : []),
    `  memcpy(${ptr(model.inputId)}, input, ${P}_INPUT_SIZE);`,
    ...calls,
    `  memcpy(output, ${ptr(model.outputId)}, ${P}_OUTPUT_SIZE);`,
    ...(needStatus ? [`  if (${prefix}_status != 0) return ${prefix}_status;`] : []),
    `  return 0;`,
    `}`,
    '',
    `int ${prefix}_generated_layer(int32_t l, const int8_t **weights, const int32_t **bias, const int32_t **mult, const int8_t **shift) {`,
    ...(accessor.length
      ? ['  switch (l) {', ...accessor, '  default: return -1;', '  }']
      : ['  (void)l;', '  (void)weights;', '  (void)bias;', '  (void)mult;', '  (void)shift;', '  return -1;']),
    `}`,
    '',
    ...(mode === 'none'
      ? [
          `int ${prefix}_generated_row(int32_t l, int32_t o, int8_t *weights, int32_t *bias, int32_t *mult, int8_t *shift) {`,
          ...(rowAccessor.length
            ? ['  htpw_syn_scratch_t sc;', '  htpw_syn_state_t st;', '  int32_t e, sum;', `  ${prefix}_syn_scratch(&sc);`, '  switch (l) {', ...rowAccessor, '  default: return -1;', '  }']
            : ['  (void)l;', '  (void)o;', '  (void)weights;', '  (void)bias;', '  (void)mult;', '  (void)shift;', '  return -1;']),
          `}`,
          '',
        ]
      : []),
  ].join('\n');

  const kernelsHeader = `/* ${provenance} */\n` + readFileSync(KERNELS_FILE, 'utf8');
  const files = new Map<string, string>([
    [`${prefix}.h`, header],
    [`${prefix}.c`, source],
    ['htpw_kernels.h', kernelsHeader],
  ]);
  if (needSynthesisHeader) files.set('htpw_synthesis.h', `/* ${provenance} */\n` + readFileSync(SYNTHESIS_FILE, 'utf8'));
  if (reference) files.set('tflm_reference_loops.h', `/* ${provenance} */\n` + readFileSync(REFERENCE_FILE, 'utf8'));
  return {
    files,
    layout: { prefix, arenaBytes, arenaArrayBytes, cacheBytes, pwCache: mode, rowBytes, scratchBytesDsp: scratchBytes, synthesisScratchBytes: scratchSyn, unpackBytes, weightBytes, flashSymbols, generatedLayers: gops.length, kernels, cmsisScratchBytes: cmsisScratch, shift32Bytes: 4 * shift32Count, layerFunctions: layerFns, plan, model },
  };
}
