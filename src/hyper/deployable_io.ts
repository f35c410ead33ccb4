/**
 * Deployable files and flash sections. `serializeFlashSections` gives the exact bytes a device
 * stores, by section (SYNTHESIS.md section 6); it is the one place section names are spelled for
 * writing, and `readSections` below the one place they are read back.
 *
 * Files: container magic 'HTPWDEPL'. The payload blobs ARE the flash sections of
 * `serializeFlashSections` (named 'flash:<section>'), plus host-only float32 scales
 * ('host:<name>'); the JSON header holds the structure (tensors, op hyper-parameters, config,
 * bit widths, host scales). So the file cannot disagree with the byte accounting.
 */

import { decodeContainer, encodeContainer, readContainer, writeContainer, type Blob } from '../util/container.ts';
import { ArgumentError, FormatError } from '../util/errors.ts';
import { checkRead } from '../quant/int_model_io.ts';
import type { ActivationTensor, AddOp, IntModel, IntOp } from '../quant/int_model.ts';
import { deployableProblems } from './deployable_problems.ts';
import type { Deployable } from './deployable.ts';
import { SECTION } from './flash_section_names.ts';
import { emptied, isGenerated } from './generated.ts';
import { dispatch, isOpKind, isWeighted, weightCount, type OpKind, type OpOfKind, type WeightedOp } from '../quant/op_kinds.ts';
import { ADD_REQUANT_BYTES } from '../quant/storage.ts';
import type { GeneratorConfig } from './config.ts';
import { packSigned, packedBytes, unpackSigned } from './pack.ts';
import type { GeneratorInstance, IntLinear, StoredGenerator, StoredLayer, StoredTensor } from './stored.ts';
import type { LayerSynthesisInputs } from './synthesis.ts';

export const DEPLOYABLE_MAGIC = 'HTPWDEPL';
export const DEPLOYABLE_VERSION = 1;

function i32Bytes(a: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(a.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setInt32(i * 4, a[i], true);
  return out;
}

function i8Bytes(a: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    if (!(a[i] >= -128 && a[i] <= 127)) throw new ArgumentError('serializeFlashSections', `value ${a[i]} does not fit int8`);
    out[i] = a[i] & 0xff;
  }
  return out;
}

function linearSections(put: (n: string, b: Uint8Array) => void, prefix: string, L: IntLinear): void {
  put(SECTION.linear(prefix, 'weights'), packSigned(L.weights, L.bits));
  put(SECTION.linear(prefix, 'bias'), i32Bytes(L.bias));
  put(SECTION.linear(prefix, 'mult'), i32Bytes(L.multiplier));
  put(SECTION.linear(prefix, 'shift'), i8Bytes(L.shift));
}

type Put = (name: string, bytes: Uint8Array) => void;

/** Reads a flash section / host blob of the file being decoded (FormatError when missing or of another length). */
interface SectionReader {
  section(name: string, len: number): Uint8Array;
  host(name: string, len: number): Float32Array;
}

function i32(b: Uint8Array): Int32Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Int32Array.from({ length: b.length / 4 }, (_, i) => dv.getInt32(i * 4, true));
}

function i8(b: Uint8Array): Int8Array {
  return new Int8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** One op's flash sections: written in storage order, and read back into the op's fields. */
interface OpFlash<O extends IntOp> {
  write(put: Put, bits: number): void;
  read(r: SectionReader, bits: number): O;
}

/** weights (int8, or packed at `bits` = weightBits[name]), bias (int32), mult (int32), shift (int8); none for a generated op */
function weightedFlash<O extends WeightedOp>(op: O): OpFlash<O> {
  return {
    write(put, bits) {
      if (isGenerated(op)) return;
      put(SECTION.op(op.name, 'weights'), bits === 8 ? i8Bytes(op.weights) : packSigned(op.weights, bits));
      put(SECTION.op(op.name, 'bias'), i32Bytes(op.bias));
      put(SECTION.op(op.name, 'mult'), i32Bytes(op.requant.multiplier));
      put(SECTION.op(op.name, 'shift'), i8Bytes(op.requant.shift));
    },
    read(r, bits) {
      if (isGenerated(op)) return emptied(op);
      const cOut = op.outChannels;
      const nW = weightCount(op);
      const wb = r.section(SECTION.op(op.name, 'weights'), packedBytes(nW, bits));
      return {
        ...op,
        weights: bits === 8 ? i8(wb) : unpackSigned(wb, bits, nW),
        bias: i32(r.section(SECTION.op(op.name, 'bias'), 4 * cOut)),
        requant: { multiplier: i32(r.section(SECTION.op(op.name, 'mult'), 4 * cOut)), shift: Int32Array.from(i8(r.section(SECTION.op(op.name, 'shift'), cOut))) },
        weightScales: r.host(SECTION.hostScales(op.name), cOut),
      };
    },
  };
}

function noFlash<O extends IntOp>(op: O): OpFlash<O> {
  return { write() {}, read: () => op };
}

/** The flash sections of each op kind (an op without parameters has none). */
const OP_FLASH = {
  conv1d: weightedFlash,
  dwconv1d: weightedFlash,
  pwconv1d: weightedFlash,
  fully_connected: weightedFlash,
  avgpool1d: noFlash,
  maxpool1d: noFlash,
  global_avgpool: noFlash,
  // requant: int32 input1 / input2 / output multipliers, then int8 leftShift and the three shifts
  add: (op: AddOp): OpFlash<AddOp> => ({
    write(put) {
      const b = new Uint8Array(ADD_REQUANT_BYTES);
      b.set(i32Bytes([op.input1Multiplier, op.input2Multiplier, op.outputMultiplier]), 0);
      b.set(i8Bytes([op.leftShift, op.input1Shift, op.input2Shift, op.outputShift]), 12);
      put(SECTION.addRequant(op.name), b);
    },
    read(r) {
      const b = r.section(SECTION.addRequant(op.name), ADD_REQUANT_BYTES);
      const m = i32(b.subarray(0, 12));
      const s = i8(b.subarray(12, 16));
      return { ...op, input1Multiplier: m[0], input2Multiplier: m[1], outputMultiplier: m[2], leftShift: s[0], input1Shift: s[1], input2Shift: s[2], outputShift: s[3] };
    },
  }),
} satisfies { [K in OpKind]: (op: OpOfKind<K>) => OpFlash<OpOfKind<K>> };

/** The exact bytes a device stores, by section (SYNTHESIS.md section 6), in storage order. */
export function serializeFlashSections(dep: Deployable): Map<string, Uint8Array> {
  const s = new Map<string, Uint8Array>();
  const put = (name: string, bytes: Uint8Array) => {
    if (s.has(name)) throw new ArgumentError('serializeFlashSections', `duplicate section "${name}" (op names must be unique)`);
    s.set(name, bytes);
  };
  for (const op of dep.model.ops) if (isOpKind(op.kind)) dispatch(OP_FLASH, op).write(put, dep.weightBits[op.name] ?? 8);
  const gen = dep.generator;
  if (gen) {
    gen.instances.forEach((inst, g) => {
      inst.trunk.forEach((t, k) => linearSections(put, SECTION.trunk(g, k), t));
      linearSections(put, SECTION.core(g), inst.core);
      if (inst.factorB) linearSections(put, SECTION.factorB(g), inst.factorB);
      if (inst.gain) linearSections(put, SECTION.gain(g), inst.gain);
      if (inst.U) put(SECTION.basis(g, 'U'), packSigned(inst.U.values, inst.U.bits));
      if (inst.V) put(SECTION.basis(g, 'V'), packSigned(inst.V.values, inst.V.bits));
    });
    gen.layers.forEach((L, l) => {
      put(SECTION.layer(l, 'code'), packSigned(L.code.values, L.code.bits));
      if (L.gains) put(SECTION.layer(l, 'gains'), packSigned(L.gains.values, L.gains.bits));
      const li = dep.layers[l];
      put(SECTION.layer(l, 'biasQ'), i32Bytes(li.biasQ));
      const p = new Uint8Array(6);
      p.set(i32Bytes([li.kMultiplier]), 0);
      p.set(i8Bytes([li.kExponent, li.biasExponent]), 4);
      put(SECTION.layer(l, 'params'), p);
    });
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// File format

const ARRAY_FIELDS = new Set(['weights', 'bias', 'requant', 'weightScales']);

function opSkeleton(op: IntOp): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(op)) if (!ARRAY_FIELDS.has(k)) out[k] = v;
  return out;
}

function tensorSkeleton(t: StoredTensor) {
  return { bits: t.bits, shape: t.shape, scale: t.scale };
}

function linearSkeleton(L: IntLinear) {
  return { inFeatures: L.inFeatures, outFeatures: L.outFeatures, bits: L.bits, actMin: L.actMin, actMax: L.actMax, inputScale: L.inputScale, outputScale: L.outputScale };
}

/** Serialize a deployable to 'HTPWDEPL' container bytes. */
export function encodeDeployable(dep: Deployable): Uint8Array {
  const { meta, blobs } = deployableParts(dep);
  return encodeContainer(DEPLOYABLE_MAGIC, DEPLOYABLE_VERSION, meta, blobs);
}

export function writeDeployable(path: string, dep: Deployable): void {
  const { meta, blobs } = deployableParts(dep);
  writeContainer(path, DEPLOYABLE_MAGIC, DEPLOYABLE_VERSION, meta, blobs);
}

function deployableParts(dep: Deployable): { meta: Record<string, unknown>; blobs: Map<string, Blob> } {
  const blobs = new Map<string, Blob>();
  for (const [name, bytes] of serializeFlashSections(dep)) blobs.set(`flash:${name}`, bytes);
  for (const op of dep.model.ops) if (isWeighted(op) && !isGenerated(op)) blobs.set(`host:${op.name}.weightScales`, op.weightScales);
  const gen = dep.generator;
  if (gen) {
    gen.instances.forEach((inst, g) => {
      inst.trunk.forEach((t, k) => blobs.set(`host:gen${g}.trunk${k}.weightScales`, t.weightScales));
      blobs.set(`host:gen${g}.core.weightScales`, inst.core.weightScales);
      if (inst.factorB) blobs.set(`host:${SECTION.hostScales(SECTION.factorB(g))}`, inst.factorB.weightScales);
      if (inst.gain) blobs.set(`host:gen${g}.gain.weightScales`, inst.gain.weightScales);
    });
  }
  const m = dep.model;
  const meta: Record<string, unknown> = {
    model: { version: m.version, name: m.name, rounding: m.rounding, tensors: m.tensors, ops: m.ops.map(opSkeleton), inputId: m.inputId, outputId: m.outputId, meta: m.meta },
    weightBits: dep.weightBits,
    generator: gen
      ? {
          config: gen.config,
          codeScale: gen.codeScale,
          instances: gen.instances.map((i) => ({ cMax: i.cMax, trunk: i.trunk.map(linearSkeleton), core: linearSkeleton(i.core), ...(i.factorB ? { factorB: linearSkeleton(i.factorB) } : {}), gain: i.gain ? linearSkeleton(i.gain) : null, U: i.U ? tensorSkeleton(i.U) : null, V: i.V ? tensorSkeleton(i.V) : null })),
          layers: gen.layers.map((L) => ({ generator: L.generator, cIn: L.cIn, cOut: L.cOut, code: tensorSkeleton(L.code), gains: L.gains ? tensorSkeleton(L.gains) : null })),
        }
      : null,
  };
  return { meta, blobs };
}

/** Parse 'HTPWDEPL' bytes (FormatError on a wrong magic/version, truncation, bad checksum or an inconsistent section). */
export function decodeDeployable(bytes: Uint8Array, source = '<bytes>'): Deployable {
  return fromContainer(decodeContainer(bytes, DEPLOYABLE_MAGIC, DEPLOYABLE_VERSION, source), source);
}

export function readDeployable(path: string): Deployable {
  return fromContainer(readContainer(path, DEPLOYABLE_MAGIC, DEPLOYABLE_VERSION), path);
}

function fromContainer(c: { meta: Record<string, unknown>; blobs: Map<string, Blob> }, source: string): Deployable {
  const fail = (what: string): never => {
    throw new FormatError(source, what);
  };
  const section = (name: string, len: number): Uint8Array => {
    const b = c.blobs.get(`flash:${name}`);
    if (!(b instanceof Uint8Array)) return fail(`missing flash section "${name}"`);
    if (b.length !== len) fail(`flash section "${name}" has ${b.length} bytes, expected ${len}`);
    return b;
  };
  const host = (name: string, len: number): Float32Array => {
    const b = c.blobs.get(`host:${name}`);
    if (!(b instanceof Float32Array) || b.length !== len) return fail(`missing or malformed host blob "${name}"`);
    return b;
  };
  try {
    const meta = c.meta as { model: Omit<IntModel, 'ops'> & { ops: Record<string, unknown>[] }; weightBits: Record<string, number>; generator: null | Record<string, unknown> };
    if (!meta || typeof meta.model !== 'object' || !Array.isArray(meta.model.ops) || !Array.isArray(meta.model.tensors)) fail('header has no model');
    const weightBits = meta.weightBits ?? {};
    const tensors = meta.model.tensors as ActivationTensor[];
    const reader: SectionReader = { section, host };
    const ops: IntOp[] = meta.model.ops.map((raw) => {
      const op = raw as unknown as IntOp;
      return isOpKind(op.kind) ? dispatch(OP_FLASH, op).read(reader, weightBits[op.name] ?? 8) : op;
    });
    const model: IntModel = { ...(meta.model as unknown as IntModel), tensors, ops };
    let generator: StoredGenerator | null = null;
    const layers: LayerSynthesisInputs[] = [];
    const gm = meta.generator as null | {
      config: GeneratorConfig; codeScale: number;
      instances: { cMax: number; trunk: ReturnType<typeof linearSkeleton>[]; core: ReturnType<typeof linearSkeleton>; factorB?: ReturnType<typeof linearSkeleton>; gain: ReturnType<typeof linearSkeleton> | null; U: ReturnType<typeof tensorSkeleton> | null; V: ReturnType<typeof tensorSkeleton> | null }[];
      layers: { generator: number; cIn: number; cOut: number; code: ReturnType<typeof tensorSkeleton>; gains: ReturnType<typeof tensorSkeleton> | null }[];
    };
    if (gm) {
      const readLinear = (prefix: string, k: ReturnType<typeof linearSkeleton>): IntLinear => {
        const n = k.outFeatures;
        return {
          ...k,
          weights: unpackSigned(section(SECTION.linear(prefix, 'weights'), packedBytes(n * k.inFeatures, k.bits)), k.bits, n * k.inFeatures),
          bias: i32(section(SECTION.linear(prefix, 'bias'), 4 * n)),
          multiplier: i32(section(SECTION.linear(prefix, 'mult'), 4 * n)),
          shift: Int32Array.from(i8(section(SECTION.linear(prefix, 'shift'), n))),
          weightScales: host(SECTION.hostScales(prefix), n),
        };
      };
      const readTensor = (name: string, k: ReturnType<typeof tensorSkeleton>): StoredTensor => {
        const n = k.shape.reduce((a, b) => a * b, 1);
        return { ...k, values: unpackSigned(section(name, packedBytes(n, k.bits)), k.bits, n) };
      };
      const instances: GeneratorInstance[] = gm.instances.map((i, g) => ({
        cMax: i.cMax,
        trunk: i.trunk.map((t, k) => readLinear(SECTION.trunk(g, k), t)),
        core: readLinear(SECTION.core(g), i.core),
        ...(i.factorB ? { factorB: readLinear(SECTION.factorB(g), i.factorB) } : {}),
        ...(i.gain ? { gain: readLinear(SECTION.gain(g), i.gain) } : {}),
        ...(i.U ? { U: readTensor(SECTION.basis(g, 'U'), i.U) } : {}),
        ...(i.V ? { V: readTensor(SECTION.basis(g, 'V'), i.V) } : {}),
      }));
      const sl: StoredLayer[] = gm.layers.map((L, l) => ({
        generator: L.generator, cIn: L.cIn, cOut: L.cOut,
        code: readTensor(SECTION.layer(l, 'code'), L.code),
        ...(L.gains ? { gains: readTensor(SECTION.layer(l, 'gains'), L.gains) } : {}),
      }));
      generator = { config: gm.config, codeScale: gm.codeScale, instances, layers: sl };
      sl.forEach((L, l) => {
        const p = section(SECTION.layer(l, 'params'), 6);
        const pi8 = i8(p.subarray(4, 6));
        layers.push({ biasQ: i32(section(SECTION.layer(l, 'biasQ'), 4 * L.cOut)), kMultiplier: i32(p.subarray(0, 4))[0], kExponent: pi8[0], biasExponent: pi8[1] });
      });
    }
    const dep: Deployable = { model, generator, layers, weightBits };
    checkRead(source, 'deployable', () => deployableProblems(dep));
    return dep;
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(source, `malformed deployable (${(e as Error).message})`);
  }
}
