/**
 * TinyML-faithful packed-byte accounting (docs/METHOD.md, "Byte accounting"). Every number is
 * computed from the deployable's own shapes and bit widths; nothing is a constant or a ratio.
 *
 * Flash (bytes of the parameter sections of SYNTHESIS.md section 6; the test asserts
 * flash.total === the summed lengths of serializeFlashSections):
 *   weights by role: backboneStem (conv1d), backboneDepthwise (dwconv1d), keptPW1 (the model's
 *     first pwconv1d when stored), storedPW (other stored pwconv1d), classifier (fully_connected);
 *     packed at their storage bits (4-bit stored PW: ceil(n/2) bytes)
 *   biases: int32 per channel of stored ops, plus biasQ (int32 per channel) of generated layers
 *   requant: int32 multiplier + int8 shift per channel of stored ops; 16 bytes per add;
 *     6 bytes (int32 kMult, int8 kExp, int8 biasExp) per generated layer
 *   generatorTrunk / generatorHeads: packed weights + int32 bias + int32 multiplier + int8 shift
 *     per row of the generator's MLP layers (the generator's own biases and requantization are
 *     counted here, not under biases / requant)
 *   bases (U, V packed), codes (packed), gains (stored gains, packed)
 * RAM:
 *   activationArena: peak of the planned activation buffers (planArena, src/quant/arena.ts)
 *   pwCache: with opts.pwCache 'all' (default) per generated layer cIn*cOut int8 + int32 bias +
 *     int32 multiplier + int8 shift, padded to a multiple of 4; 'layer': the largest of those slots;
 *     'none': one int8 row of the widest generated layer's input, padded to 4 (cost.ts
 *     cacheBytesOf / rowBytesOf / pwCacheBytes: exactly what the generated C allocates)
 *   synthesisScratch: the reference scratch of SYNTHESIS.md (cost.ts)
 *   int4Unpack: cIn*cOut (int8) per 4-bit stored op unpacked at load
 *   total = activationArena + pwCache + int4Unpack + synthesisScratch, or with
 *   opts.scratchAliasesArena and pwCache 'all' (synthesis runs at boot, before any inference, so
 *   its scratch may live in the arena) max(activationArena, synthesisScratch) + pwCache +
 *   int4Unpack. In 'layer' and 'none' synthesis runs inside each inference: never aliased.
 * Per inference (synthesisPerInference): the synthesis work (cost.ts MACs and divisions) each
 * inference repeats: none in 'all', one whole synthesis in 'layer' and 'none'.
 */

import type { IntModel, PwConv1dOp } from '../quant/int_model.ts';
import { ADD_REQUANT_BYTES, BIAS_BYTES, MULT_BYTES, SHIFT_BYTES } from '../quant/storage.ts';
import { planArena } from '../quant/arena.ts';
import { pwCacheBytes, synthesisCost, synthesisScratchBytes, PW_CACHE_MODES, type PwCacheMode } from './cost.ts';
import { deployableFromIntModel, isDeployable, type Deployable } from './deployable.ts';
import { isWeighted, weightCount, type OpKind, type WeightedKind } from '../quant/op_kinds.ts';
import { isGenerated } from './generated.ts';
import { packedBytes } from './pack.ts';
import type { IntLinear } from './stored.ts';

export const FLASH_CATEGORIES = [
  'generatorTrunk', 'generatorHeads', 'bases', 'codes', 'gains',
  'keptPW1', 'storedPW', 'backboneStem', 'backboneDepthwise', 'classifier',
  'biases', 'requant',
] as const;
export type FlashCategory = (typeof FLASH_CATEGORIES)[number];

export const RAM_CATEGORIES = ['activationArena', 'pwCache', 'int4Unpack', 'synthesisScratch'] as const;
export type RamCategory = (typeof RAM_CATEGORIES)[number];

export interface ByteAccount {
  flash: { total: number; byCategory: Record<FlashCategory, number> };
  ram: { total: number; byCategory: Record<RamCategory, number> };
  /** generated INT8 weight bytes (sum cIn*cOut of generated layers): what the generator replaces */
  generatedInt8Bytes: number;
  /** (generatorTrunk + generatorHeads + bases + codes + gains) / generatedInt8Bytes, or null */
  generatorFraction: number | null;
  /** the PW cache mode the RAM was counted for */
  pwCache: PwCacheMode;
  /** synthesis work every inference repeats under that mode (0 in 'all': it runs once at load) */
  synthesisPerInference: { macs: number; divisions: number };
}

export interface AccountOptions {
  scratchAliasesArena?: boolean;
  /** where the synthesized kernels live (default 'all', the paper's RAM cache); see cost.ts */
  pwCache?: PwCacheMode;
}

const LAYER_PARAM_BYTES = MULT_BYTES + 2;

/** The flash category of a stored weighted op's weights (the model's first pwconv1d is keptPW1). */
const WEIGHT_CATEGORY = {
  conv1d: 'backboneStem', dwconv1d: 'backboneDepthwise', pwconv1d: 'storedPW', fully_connected: 'classifier',
} as const satisfies Record<WeightedKind, FlashCategory>;

/** Flash bytes of an op without weights (counted under requant): an add's 16-byte requantization. */
const UNWEIGHTED_FLASH = {
  avgpool1d: 0, maxpool1d: 0, global_avgpool: 0, add: ADD_REQUANT_BYTES,
} as const satisfies Record<Exclude<OpKind, WeightedKind>, number>;

function linearBytes(L: IntLinear): number {
  return packedBytes(L.inFeatures * L.outFeatures, L.bits) + L.outFeatures * (BIAS_BYTES + MULT_BYTES + SHIFT_BYTES);
}

/** Flash and RAM bytes of a deployable (or of a plain IntModel, every weight stored INT8). */
export function accountBytes(input: Deployable | IntModel, opts: AccountOptions = {}): ByteAccount {
  const dep = isDeployable(input) ? input : deployableFromIntModel(input);
  const f = Object.fromEntries(FLASH_CATEGORIES.map((c) => [c, 0])) as Record<FlashCategory, number>;
  const ram = Object.fromEntries(RAM_CATEGORIES.map((c) => [c, 0])) as Record<RamCategory, number>;
  const model = dep.model;
  const firstPw = model.ops.findIndex((op) => op.kind === 'pwconv1d');
  let generatedInt8Bytes = 0;
  const mode = opts.pwCache ?? 'all';
  const generatedShapes: { cIn: number; cOut: number }[] = [];

  model.ops.forEach((op, k) => {
    if (!isWeighted(op)) {
      f.requant += UNWEIGHTED_FLASH[op.kind];
      return;
    }
    if (isGenerated(op)) {
      generatedInt8Bytes += op.inChannels * op.outChannels;
      generatedShapes.push({ cIn: op.inChannels, cOut: op.outChannels });
      return;
    }
    const bits = dep.weightBits[op.name] ?? 8;
    const wBytes = packedBytes(weightCount(op), bits);
    if (bits !== 8) ram.int4Unpack += weightCount(op);
    f[op.kind === 'pwconv1d' && k === firstPw ? 'keptPW1' : WEIGHT_CATEGORY[op.kind]] += wBytes;
    f.biases += BIAS_BYTES * op.outChannels;
    f.requant += (MULT_BYTES + SHIFT_BYTES) * op.outChannels;
  });

  const gen = dep.generator;
  if (gen) {
    for (const inst of gen.instances) {
      for (const t of inst.trunk) f.generatorTrunk += linearBytes(t);
      f.generatorHeads += linearBytes(inst.core);
      if (inst.factorB) f.generatorHeads += linearBytes(inst.factorB);
      if (inst.gain) f.generatorHeads += linearBytes(inst.gain);
      if (inst.U) f.bases += packedBytes(inst.U.values.length, inst.U.bits);
      if (inst.V) f.bases += packedBytes(inst.V.values.length, inst.V.bits);
    }
    for (const L of gen.layers) {
      f.codes += packedBytes(L.code.values.length, L.code.bits);
      if (L.gains) f.gains += packedBytes(L.gains.values.length, L.gains.bits);
      f.biases += BIAS_BYTES * L.cOut;
      f.requant += LAYER_PARAM_BYTES;
    }
    ram.synthesisScratch = synthesisScratchBytes(gen);
  }
  ram.activationArena = planArena(model).peakBytes;
  ram.pwCache = pwCacheBytes(generatedShapes, mode);
  const cost = gen && mode !== 'all' ? synthesisCost(gen) : null;

  const flashTotal = FLASH_CATEGORIES.reduce((a, c) => a + f[c], 0);
  const alias = opts.scratchAliasesArena && mode === 'all';
  const ramTotal = ram.pwCache + ram.int4Unpack + (alias ? Math.max(ram.activationArena, ram.synthesisScratch) : ram.activationArena + ram.synthesisScratch);
  const genBytes = f.generatorTrunk + f.generatorHeads + f.bases + f.codes + f.gains;
  return {
    flash: { total: flashTotal, byCategory: f },
    ram: { total: ramTotal, byCategory: ram },
    generatedInt8Bytes,
    generatorFraction: generatedInt8Bytes > 0 ? genBytes / generatedInt8Bytes : null,
    pwCache: mode,
    synthesisPerInference: { macs: cost?.macs ?? 0, divisions: cost?.divisions ?? 0 },
  };
}

/** One row of the per-mode table: RAM and the synthesis work per inference under each PW cache mode. */
export interface PwCacheModeRow {
  mode: PwCacheMode;
  ram: number;
  pwCache: number;
  synthesisScratch: number;
  synthesisMacsPerInference: number;
  synthesisDivisionsPerInference: number;
}

/** accountBytes under every PW cache mode (synthesis scratch aliased into the arena in 'all'). */
export function pwCacheModeTable(input: Deployable | IntModel): PwCacheModeRow[] {
  return PW_CACHE_MODES.map((mode) => {
    const a = accountBytes(input, { pwCache: mode, scratchAliasesArena: true });
    return {
      mode, ram: a.ram.total, pwCache: a.ram.byCategory.pwCache, synthesisScratch: a.ram.byCategory.synthesisScratch,
      synthesisMacsPerInference: a.synthesisPerInference.macs, synthesisDivisionsPerInference: a.synthesisPerInference.divisions,
    };
  });
}

/** Measured on a device (the `bytes --mcu` command links and runs the exported C): bytes of code
 * beside the parameters, and, per PW cache mode, static RAM and instructions. */
export interface DeviceFigures {
  target: string;
  /** text of the exported C (model, kernels, synthesis) in the linked ELF, per mode */
  codeBytes: Partial<Record<PwCacheMode, number>>;
  /** static RAM arrays of the exported C in the linked ELF, per mode */
  ramBytes: Partial<Record<PwCacheMode, number>>;
  initInstructions: Partial<Record<PwCacheMode, number>>;
  invokeInstructions: Partial<Record<PwCacheMode, number>>;
  /** e.g. a mode that does not fit the board's RAM */
  notes: string[];
}

/** A plain-text table of an account (the `bytes` command prints it); `device` adds the code line. */
export function formatByteTable(a: ByteAccount, title = '', device?: DeviceFigures): string {
  const lines: string[] = [];
  if (title) lines.push(title);
  const row = (name: string, v: number, total: number) => `  ${name.padEnd(20)} ${String(v).padStart(10)}  ${total > 0 ? ((100 * v) / total).toFixed(1).padStart(5) : '  -  '}%`;
  lines.push('flash (bytes)');
  for (const c of FLASH_CATEGORIES) if (a.flash.byCategory[c] > 0) lines.push(row(c, a.flash.byCategory[c], a.flash.total));
  lines.push(row('total', a.flash.total, a.flash.total));
  const code = device?.codeBytes[a.pwCache];
  if (device && code !== undefined) lines.push(`  ${'code'.padEnd(20)} ${String(code).padStart(10)}  (linked for ${device.target}: model, kernels, synthesis; parameters + code = ${a.flash.total + code})`);
  lines.push(`ram (bytes${a.pwCache !== 'all' ? `, --pw-cache ${a.pwCache}` : ''})`);
  for (const c of RAM_CATEGORIES) if (a.ram.byCategory[c] > 0) lines.push(row(c, a.ram.byCategory[c], a.ram.total));
  lines.push(row('total', a.ram.total, a.ram.total));
  if (a.generatorFraction !== null) lines.push(`generated INT8 bytes replaced: ${a.generatedInt8Bytes}; generator + codes + gains = ${(100 * a.generatorFraction).toFixed(2)}% of them`);
  return lines.join('\n');
}

/** The per-mode table: RAM counted by accountBytes and the synthesis each inference repeats;
 * with `device`, the linked static RAM, code bytes and instructions measured on it. */
export function formatPwCacheModes(rows: PwCacheModeRow[], device?: DeviceFigures): string {
  const lines = ['pw cache modes (export-c --pw-cache): RAM and per-inference synthesis'];
  const head = ['mode', 'RAM B', 'pwCache B', 'scratch B', 'synth MAC/inf', 'synth div/inf'];
  if (device) head.push(`${device.target}: RAM B`, 'code B', 'init instr', 'invoke instr');
  lines.push('  ' + head.map((h, i) => (i === 0 ? h.padEnd(6) : h.padStart(i >= 6 ? 14 : 13))).join(' '));
  for (const r of rows) {
    const cells = [r.mode.padEnd(6), ...[r.ram, r.pwCache, r.synthesisScratch, r.synthesisMacsPerInference, r.synthesisDivisionsPerInference].map((v) => String(v).padStart(13))];
    if (device) cells.push(...[device.ramBytes[r.mode], device.codeBytes[r.mode], device.initInstructions[r.mode], device.invokeInstructions[r.mode]].map((v) => (v === undefined ? '-' : String(v)).padStart(14)));
    lines.push('  ' + cells.join(' '));
  }
  lines.push('  (all: synthesis once at load, scratch in the arena; layer / none: synthesis inside every inference)');
  for (const n of device?.notes ?? []) lines.push(`  ${n}`);
  return lines.join('\n');
}

export type { PwConv1dOp };
