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
 *   pwCache: per generated layer cIn*cOut int8 + int32 bias + int32 multiplier + int8 shift
 *   synthesisScratch: the reference scratch of SYNTHESIS.md (cost.ts)
 *   int4Unpack: cIn*cOut (int8) per 4-bit stored op unpacked at load
 *   total = activationArena + pwCache + int4Unpack + synthesisScratch, or with
 *   opts.scratchAliasesArena (synthesis runs at boot, before any inference, so its scratch may
 *   live in the arena) max(activationArena, synthesisScratch) + pwCache + int4Unpack.
 */

import type { IntModel, PwConv1dOp } from '../quant/int_model.ts';
import { ADD_REQUANT_BYTES, BIAS_BYTES, MULT_BYTES, SHIFT_BYTES } from '../quant/storage.ts';
import { planArena } from '../quant/arena.ts';
import { cacheBytesOf, synthesisScratchBytes } from './cost.ts';
import { deployableFromIntModel, isDeployable, type Deployable } from './deployable.ts';
import { isGenerated, isWeighted, weightCount, type OpKind, type WeightedKind } from '../quant/op_kinds.ts';
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
}

export interface AccountOptions {
  scratchAliasesArena?: boolean;
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

  model.ops.forEach((op, k) => {
    if (!isWeighted(op)) {
      f.requant += UNWEIGHTED_FLASH[op.kind];
      return;
    }
    if (isGenerated(op)) {
      generatedInt8Bytes += op.inChannels * op.outChannels;
      ram.pwCache += cacheBytesOf(op.inChannels, op.outChannels);
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
      if (inst.gain) f.generatorHeads += linearBytes(inst.gain);
      f.bases += packedBytes(inst.U.values.length, inst.U.bits) + packedBytes(inst.V.values.length, inst.V.bits);
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

  const flashTotal = FLASH_CATEGORIES.reduce((a, c) => a + f[c], 0);
  const ramTotal = ram.pwCache + ram.int4Unpack + (opts.scratchAliasesArena ? Math.max(ram.activationArena, ram.synthesisScratch) : ram.activationArena + ram.synthesisScratch);
  const genBytes = f.generatorTrunk + f.generatorHeads + f.bases + f.codes + f.gains;
  return {
    flash: { total: flashTotal, byCategory: f },
    ram: { total: ramTotal, byCategory: ram },
    generatedInt8Bytes,
    generatorFraction: generatedInt8Bytes > 0 ? genBytes / generatedInt8Bytes : null,
  };
}

/** A plain-text table of an account (the `bytes` command prints it). */
export function formatByteTable(a: ByteAccount, title = ''): string {
  const lines: string[] = [];
  if (title) lines.push(title);
  const row = (name: string, v: number, total: number) => `  ${name.padEnd(20)} ${String(v).padStart(10)}  ${total > 0 ? ((100 * v) / total).toFixed(1).padStart(5) : '  -  '}%`;
  lines.push('flash (bytes)');
  for (const c of FLASH_CATEGORIES) if (a.flash.byCategory[c] > 0) lines.push(row(c, a.flash.byCategory[c], a.flash.total));
  lines.push(row('total', a.flash.total, a.flash.total));
  lines.push('ram (bytes)');
  for (const c of RAM_CATEGORIES) if (a.ram.byCategory[c] > 0) lines.push(row(c, a.ram.byCategory[c], a.ram.total));
  lines.push(row('total', a.ram.total, a.ram.total));
  if (a.generatorFraction !== null) lines.push(`generated INT8 bytes replaced: ${a.generatedInt8Bytes}; generator + codes + gains = ${(100 * a.generatorFraction).toFixed(2)}% of them`);
  return lines.join('\n');
}

export type { PwConv1dOp };
