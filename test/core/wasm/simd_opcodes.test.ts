import { describe, expect, it } from 'vitest';
import { Arena, ModuleBuilder, SIMD, SIMD_LANE, SIMD_MEMORY, type SimdLaneOp, type SimdMemoryOp, type SimdOp } from '../../../src/core/wasm/index.ts';
import { Rng } from '../../../src/core/rng.ts';

/**
 * Every SIMD opcode the assembler knows, run once in wasm on random operands and compared with
 * a lane-by-lane JavaScript transcription of its spec semantics (the hand-computed result).
 * A wrong opcode number shows up as a validation error or a wrong lane.
 */

type LaneType = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'f32' | 'i64';
type Bytes = Uint8Array;
const CTOR = { i8: Int8Array, u8: Uint8Array, i16: Int16Array, u16: Uint16Array, i32: Int32Array, f32: Float32Array } as const;

function lanes(bytes: Bytes, t: Exclude<LaneType, 'i64'>): number[] {
  return Array.from(new CTOR[t](copy16(bytes)));
}
function bigLanes(bytes: Bytes): bigint[] { return Array.from(new BigInt64Array(copy16(bytes))); }
/** the 16 bytes as a fresh ArrayBuffer */
function copy16(bytes: Bytes): ArrayBuffer { return new Uint8Array(bytes.subarray(0, 16)).buffer; }
/** 16 bytes holding `values` as lanes of type t (integers wrap, floats round to f32) */
function pack(t: Exclude<LaneType, 'i64'>, values: number[]): Bytes { return new Uint8Array(new CTOR[t](values).buffer); }
function packBig(values: bigint[]): Bytes { return new Uint8Array(BigInt64Array.from(values).buffer); }

const sat = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const mask = (c: boolean) => (c ? -1 : 0);
const wrap64 = (v: bigint) => BigInt.asIntN(64, v);

/** lane-wise binary op: out[i] = fn(a[i], b[i]) in lane type t */
function lanewise2(t: Exclude<LaneType, 'i64'>, fn: (x: number, y: number) => number) {
  return (a: Bytes, b: Bytes) => { const x = lanes(a, t), y = lanes(b, t); return pack(t, x.map((v, i) => fn(v, y[i]))); };
}
function lanewise1(t: Exclude<LaneType, 'i64'>, fn: (x: number) => number) {
  return (a: Bytes) => pack(t, lanes(a, t).map(fn));
}
/** i64 lane-wise: out[i] = fn(a[i], b[i]) mod 2^64 */
function lanewise64(fn: (x: bigint, y: bigint) => bigint) {
  return (a: Bytes, b: Bytes) => { const x = bigLanes(a), y = bigLanes(b); return packBig(x.map((v, i) => wrap64(fn(v, y[i])))); };
}

/** Operands for an op: which lane type random inputs are drawn as. */
interface Case { input: LaneType; ref: (a: Bytes, b: Bytes, c: Bytes) => Bytes; kind: 'unary' | 'binary' | 'ternary' }
const bin = (input: LaneType, ref: (a: Bytes, b: Bytes) => Bytes): Case => ({ input, ref, kind: 'binary' });
const un = (input: LaneType, ref: (a: Bytes) => Bytes): Case => ({ input, ref, kind: 'unary' });

const f32 = (v: number) => Math.fround(v);
const CASES: Partial<Record<SimdOp, Case>> = {
  'i8x16.swizzle': bin('u8', (a, b) => pack('u8', lanes(b, 'u8').map((s) => (s < 16 ? lanes(a, 'u8')[s] : 0)))),
  'i8x16.eq': bin('i8', lanewise2('i8', (x, y) => mask(x === y))),
  'i16x8.eq': bin('i16', lanewise2('i16', (x, y) => mask(x === y))),
  'i32x4.eq': bin('i32', lanewise2('i32', (x, y) => mask(x === y))),
  'i32x4.ne': bin('i32', lanewise2('i32', (x, y) => mask(x !== y))),
  'i32x4.lt_s': bin('i32', lanewise2('i32', (x, y) => mask(x < y))),
  'i32x4.gt_s': bin('i32', lanewise2('i32', (x, y) => mask(x > y))),
  'i32x4.le_s': bin('i32', lanewise2('i32', (x, y) => mask(x <= y))),
  'i32x4.ge_s': bin('i32', lanewise2('i32', (x, y) => mask(x >= y))),
  'f32x4.eq': bin('f32', (a, b) => pack('i32', lanes(a, 'f32').map((x, i) => mask(x === lanes(b, 'f32')[i])))),
  'f32x4.ne': bin('f32', (a, b) => pack('i32', lanes(a, 'f32').map((x, i) => mask(x !== lanes(b, 'f32')[i])))),
  'f32x4.lt': bin('f32', (a, b) => pack('i32', lanes(a, 'f32').map((x, i) => mask(x < lanes(b, 'f32')[i])))),
  'f32x4.gt': bin('f32', (a, b) => pack('i32', lanes(a, 'f32').map((x, i) => mask(x > lanes(b, 'f32')[i])))),
  'f32x4.le': bin('f32', (a, b) => pack('i32', lanes(a, 'f32').map((x, i) => mask(x <= lanes(b, 'f32')[i])))),
  'f32x4.ge': bin('f32', (a, b) => pack('i32', lanes(a, 'f32').map((x, i) => mask(x >= lanes(b, 'f32')[i])))),
  'v128.not': un('u8', lanewise1('u8', (x) => ~x)),
  'v128.and': bin('u8', lanewise2('u8', (x, y) => x & y)),
  'v128.andnot': bin('u8', lanewise2('u8', (x, y) => x & ~y)),
  'v128.or': bin('u8', lanewise2('u8', (x, y) => x | y)),
  'v128.xor': bin('u8', lanewise2('u8', (x, y) => x ^ y)),
  'v128.bitselect': { input: 'u8', kind: 'ternary', ref: (a, b, c) => pack('u8', lanes(a, 'u8').map((x, i) => (x & lanes(c, 'u8')[i]) | (lanes(b, 'u8')[i] & ~lanes(c, 'u8')[i]))) },
  'i8x16.abs': un('i8', lanewise1('i8', Math.abs)),
  'i8x16.neg': un('i8', lanewise1('i8', (x) => -x)),
  'i8x16.narrow_i16x8_s': bin('i16', (a, b) => pack('i8', [...lanes(a, 'i16'), ...lanes(b, 'i16')].map((v) => sat(v, -128, 127)))),
  'i8x16.narrow_i16x8_u': bin('i16', (a, b) => pack('u8', [...lanes(a, 'i16'), ...lanes(b, 'i16')].map((v) => sat(v, 0, 255)))),
  'i8x16.add': bin('i8', lanewise2('i8', (x, y) => x + y)),
  'i8x16.add_sat_s': bin('i8', lanewise2('i8', (x, y) => sat(x + y, -128, 127))),
  'i8x16.sub': bin('i8', lanewise2('i8', (x, y) => x - y)),
  'i8x16.sub_sat_s': bin('i8', lanewise2('i8', (x, y) => sat(x - y, -128, 127))),
  'i8x16.min_s': bin('i8', lanewise2('i8', Math.min)),
  'i8x16.max_s': bin('i8', lanewise2('i8', Math.max)),
  'i16x8.extadd_pairwise_i8x16_s': un('i8', (a) => { const x = lanes(a, 'i8'); return pack('i16', [0, 1, 2, 3, 4, 5, 6, 7].map((i) => x[2 * i] + x[2 * i + 1])); }),
  'i32x4.extadd_pairwise_i16x8_s': un('i16', (a) => { const x = lanes(a, 'i16'); return pack('i32', [0, 1, 2, 3].map((i) => x[2 * i] + x[2 * i + 1])); }),
  'i16x8.abs': un('i16', lanewise1('i16', Math.abs)),
  'i16x8.neg': un('i16', lanewise1('i16', (x) => -x)),
  'i16x8.q15mulr_sat_s': bin('i16', lanewise2('i16', (x, y) => sat((x * y + 0x4000) >> 15, -32768, 32767))),
  'i16x8.narrow_i32x4_s': bin('i32', (a, b) => pack('i16', [...lanes(a, 'i32'), ...lanes(b, 'i32')].map((v) => sat(v, -32768, 32767)))),
  'i16x8.narrow_i32x4_u': bin('i32', (a, b) => pack('u16', [...lanes(a, 'i32'), ...lanes(b, 'i32')].map((v) => sat(v, 0, 65535)))),
  'i16x8.extend_low_i8x16_s': un('i8', (a) => pack('i16', lanes(a, 'i8').slice(0, 8))),
  'i16x8.extend_high_i8x16_s': un('i8', (a) => pack('i16', lanes(a, 'i8').slice(8))),
  'i16x8.extend_low_i8x16_u': un('u8', (a) => pack('i16', lanes(a, 'u8').slice(0, 8))),
  'i16x8.extend_high_i8x16_u': un('u8', (a) => pack('i16', lanes(a, 'u8').slice(8))),
  'i16x8.add': bin('i16', lanewise2('i16', (x, y) => x + y)),
  'i16x8.add_sat_s': bin('i16', lanewise2('i16', (x, y) => sat(x + y, -32768, 32767))),
  'i16x8.sub': bin('i16', lanewise2('i16', (x, y) => x - y)),
  'i16x8.sub_sat_s': bin('i16', lanewise2('i16', (x, y) => sat(x - y, -32768, 32767))),
  'i16x8.mul': bin('i16', lanewise2('i16', (x, y) => Math.imul(x, y))),
  'i16x8.min_s': bin('i16', lanewise2('i16', Math.min)),
  'i16x8.max_s': bin('i16', lanewise2('i16', Math.max)),
  'i16x8.extmul_low_i8x16_s': bin('i8', (a, b) => pack('i16', lanes(a, 'i8').slice(0, 8).map((x, i) => x * lanes(b, 'i8')[i]))),
  'i16x8.extmul_high_i8x16_s': bin('i8', (a, b) => pack('i16', lanes(a, 'i8').slice(8).map((x, i) => x * lanes(b, 'i8')[i + 8]))),
  'i32x4.abs': un('i32', lanewise1('i32', Math.abs)),
  'i32x4.neg': un('i32', lanewise1('i32', (x) => -x)),
  'i32x4.extend_low_i16x8_s': un('i16', (a) => pack('i32', lanes(a, 'i16').slice(0, 4))),
  'i32x4.extend_high_i16x8_s': un('i16', (a) => pack('i32', lanes(a, 'i16').slice(4))),
  'i32x4.extend_low_i16x8_u': un('u16', (a) => pack('i32', lanes(a, 'u16').slice(0, 4))),
  'i32x4.extend_high_i16x8_u': un('u16', (a) => pack('i32', lanes(a, 'u16').slice(4))),
  'i32x4.add': bin('i32', lanewise2('i32', (x, y) => x + y)),
  'i32x4.sub': bin('i32', lanewise2('i32', (x, y) => x - y)),
  'i32x4.mul': bin('i32', lanewise2('i32', Math.imul)),
  'i32x4.min_s': bin('i32', lanewise2('i32', Math.min)),
  'i32x4.max_s': bin('i32', lanewise2('i32', Math.max)),
  'i32x4.dot_i16x8_s': bin('i16', (a, b) => { const x = lanes(a, 'i16'), y = lanes(b, 'i16'); return pack('i32', [0, 1, 2, 3].map((i) => x[2 * i] * y[2 * i] + x[2 * i + 1] * y[2 * i + 1])); }),
  'i32x4.extmul_low_i16x8_s': bin('i16', (a, b) => pack('i32', lanes(a, 'i16').slice(0, 4).map((x, i) => x * lanes(b, 'i16')[i]))),
  'i32x4.extmul_high_i16x8_s': bin('i16', (a, b) => pack('i32', lanes(a, 'i16').slice(4).map((x, i) => x * lanes(b, 'i16')[i + 4]))),
  'i64x2.extend_low_i32x4_s': un('i32', (a) => packBig(lanes(a, 'i32').slice(0, 2).map(BigInt))),
  'i64x2.extend_high_i32x4_s': un('i32', (a) => packBig(lanes(a, 'i32').slice(2).map(BigInt))),
  'i64x2.add': bin('i64', lanewise64((x, y) => x + y)),
  'i64x2.sub': bin('i64', lanewise64((x, y) => x - y)),
  'i64x2.mul': bin('i64', lanewise64((x, y) => x * y)),
  'i64x2.extmul_low_i32x4_s': bin('i32', (a, b) => packBig(lanes(a, 'i32').slice(0, 2).map((x, i) => BigInt(x) * BigInt(lanes(b, 'i32')[i])))),
  'i64x2.extmul_high_i32x4_s': bin('i32', (a, b) => packBig(lanes(a, 'i32').slice(2).map((x, i) => BigInt(x) * BigInt(lanes(b, 'i32')[i + 2])))),
  'f32x4.abs': un('f32', lanewise1('f32', Math.abs)),
  'f32x4.neg': un('f32', lanewise1('f32', (x) => -x)),
  'f32x4.sqrt': un('f32', lanewise1('f32', (x) => Math.sqrt(Math.abs(x)))), // inputs made non-negative below
  'f32x4.add': bin('f32', lanewise2('f32', (x, y) => f32(x + y))),
  'f32x4.sub': bin('f32', lanewise2('f32', (x, y) => f32(x - y))),
  'f32x4.mul': bin('f32', lanewise2('f32', (x, y) => f32(x * y))),
  'f32x4.div': bin('f32', lanewise2('f32', (x, y) => f32(x / y))),
  'f32x4.min': bin('f32', lanewise2('f32', Math.min)),
  'f32x4.max': bin('f32', lanewise2('f32', Math.max)),
  'f32x4.pmin': bin('f32', lanewise2('f32', (x, y) => (y < x ? y : x))),
  'f32x4.pmax': bin('f32', lanewise2('f32', (x, y) => (x < y ? y : x))),
  'i32x4.trunc_sat_f32x4_s': un('f32', (a) => pack('i32', lanes(a, 'f32').map((x) => (Number.isNaN(x) ? 0 : sat(Math.trunc(x), -2147483648, 2147483647))))),
  'f32x4.convert_i32x4_s': un('i32', (a) => pack('f32', lanes(a, 'i32'))),
};

/** shifts: (v128, i32 count) -> v128, count taken modulo the lane width */
const SHIFTS: Partial<Record<SimdOp, { t: 'i16' | 'u16' | 'i32'; bits: number; fn: (x: number, s: number) => number } | { t: 'i64'; fn: (x: bigint, s: bigint) => bigint }>> = {
  'i16x8.shl': { t: 'i16', bits: 16, fn: (x, s) => x << s },
  'i16x8.shr_s': { t: 'i16', bits: 16, fn: (x, s) => x >> s },
  'i16x8.shr_u': { t: 'u16', bits: 16, fn: (x, s) => x >>> s },
  'i32x4.shl': { t: 'i32', bits: 32, fn: (x, s) => x << s },
  'i32x4.shr_s': { t: 'i32', bits: 32, fn: (x, s) => x >> s },
  'i32x4.shr_u': { t: 'i32', bits: 32, fn: (x, s) => x >>> s },
  'i64x2.shl': { t: 'i64', fn: (x, s) => x << s },
  'i64x2.shr_s': { t: 'i64', fn: (x, s) => x >> s },
};

/** splats read their scalar from memory (i64 cannot cross the JS boundary as a number) */
const SPLATS: Partial<Record<SimdOp, 'i32.load' | 'i64.load' | 'f32.load'>> = {
  'i8x16.splat': 'i32.load', 'i16x8.splat': 'i32.load', 'i32x4.splat': 'i32.load', 'i64x2.splat': 'i64.load', 'f32x4.splat': 'f32.load',
};

const A = 16, B = 32, C = 48, OUT = 64; // byte addresses of operands in the test memory

function randomBytes(t: LaneType, rng: Rng, op: string): Bytes {
  if (t === 'f32') {
    const v = Array.from({ length: 4 }, () => (op === 'f32x4.sqrt' ? Math.abs(rng.normal()) : rng.normal() * 1000));
    if (op === 'i32x4.trunc_sat_f32x4_s') { v[0] = 3e9; v[1] = -3e9; v[2] = NaN; }
    return pack('f32', v);
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Math.floor(rng.uniform(0, 256));
  if (t === 'i8') { bytes[0] = 0x80; bytes[1] = 0x7f; } // extremes: -128, 127
  return bytes;
}

describe('SIMD opcodes against lane-wise references', () => {
  const arena = new Arena();
  const m = new ModuleBuilder();
  for (const [name, c] of Object.entries(CASES) as [SimdOp, Case][]) {
    m.function(name, ['i32', 'i32', 'i32', 'i32'], [], (f) => {
      const [out, a, b, cc] = [0, 1, 2, 3].map((i) => f.param(i));
      f.get(out).get(a).mem('v128.load');
      if (c.kind !== 'unary') f.get(b).mem('v128.load');
      if (c.kind === 'ternary') f.get(cc).mem('v128.load');
      f.op(name).mem('v128.store');
    });
  }
  for (const name of Object.keys(SHIFTS) as SimdOp[]) {
    m.function(name, ['i32', 'i32', 'i32'], [], (f) => { f.get(f.param(0)).get(f.param(1)).mem('v128.load').get(f.param(2)).op(name).mem('v128.store'); });
  }
  for (const [name, load] of Object.entries(SPLATS) as [SimdOp, 'i32.load'][]) {
    m.function(name, ['i32', 'i32'], [], (f) => { f.get(f.param(0)).get(f.param(1)).mem(load).op(name).mem('v128.store'); });
  }
  m.function('v128.any_true', ['i32'], ['i32'], (f) => { f.get(f.param(0)).mem('v128.load').op('v128.any_true'); });
  for (const name of Object.keys(SIMD_MEMORY) as SimdMemoryOp[]) {
    if (name === 'v128.store') continue;
    m.function(name, ['i32', 'i32'], [], (f) => { f.get(f.param(0)).get(f.param(1)).mem(name, 3).mem('v128.store'); }); // offset 3: unaligned
  }
  m.function('v128.const+shuffle', ['i32', 'i32'], [], (f) => {
    f.get(f.param(0)).get(f.param(1)).mem('v128.load').i32x4Const(10, -20, 30, -40).shuffle([0, 1, 2, 3, 16, 17, 18, 19, 12, 13, 14, 15, 28, 29, 30, 31]).mem('v128.store');
  });
  // lane ops: extract lane `lane` to OUT (scalar store), or replace lane `lane` by the scalar at b
  const LANE_CASES: Record<SimdLaneOp, { t: LaneType; lane: number }> = {
    'i8x16.extract_lane_s': { t: 'i8', lane: 13 }, 'i8x16.extract_lane_u': { t: 'u8', lane: 13 }, 'i8x16.replace_lane': { t: 'i8', lane: 5 },
    'i16x8.extract_lane_s': { t: 'i16', lane: 6 }, 'i16x8.extract_lane_u': { t: 'u16', lane: 6 }, 'i16x8.replace_lane': { t: 'i16', lane: 3 },
    'i32x4.extract_lane': { t: 'i32', lane: 2 }, 'i32x4.replace_lane': { t: 'i32', lane: 1 },
    'i64x2.extract_lane': { t: 'i64', lane: 1 }, 'i64x2.replace_lane': { t: 'i64', lane: 0 },
    'f32x4.extract_lane': { t: 'f32', lane: 3 }, 'f32x4.replace_lane': { t: 'f32', lane: 2 },
  };
  const scalarLoad = (t: LaneType) => (t === 'i64' ? 'i64.load' : t === 'f32' ? 'f32.load' : 'i32.load');
  const scalarStore = (t: LaneType) => (t === 'i64' ? 'i64.store' : t === 'f32' ? 'f32.store' : 'i32.store');
  for (const [name, { t, lane }] of Object.entries(LANE_CASES) as [SimdLaneOp, { t: LaneType; lane: number }][]) {
    m.function(name, ['i32', 'i32', 'i32'], [], (f) => {
      const [out, a, b] = [0, 1, 2].map((i) => f.param(i));
      if (name.endsWith('replace_lane')) f.get(out).get(a).mem('v128.load').get(b).mem(scalarLoad(t)).lane(name, lane).mem('v128.store');
      else f.get(out).get(a).mem('v128.load').lane(name, lane).mem(scalarStore(t));
    });
  }
  const fns = m.instantiate(arena.memory);
  const u8 = () => arena.u8();
  const put = (at: number, bytes: Bytes) => u8().set(bytes, at);
  const read = (at: number) => u8().slice(at, at + 16);
  const rng = new Rng(12);

  it('assembles a module that validates', () => {
    expect(WebAssembly.validate(m.assemble())).toBe(true);
  });

  it('lists a reference for every SIMD opcode', () => {
    const tested = new Set([...Object.keys(CASES), ...Object.keys(SHIFTS), ...Object.keys(SPLATS), 'v128.any_true']);
    expect(Object.keys(SIMD).filter((k) => !tested.has(k))).toEqual([]);
  });

  for (const [name, c] of Object.entries(CASES) as [SimdOp, Case][]) {
    it(name, () => {
      for (let trial = 0; trial < 20; trial++) {
        const a = randomBytes(c.input, rng, name), b = randomBytes(c.input, rng, name), cc = randomBytes(c.input, rng, name);
        if (trial === 0 && c.input !== 'f32') b.set(a); // equal lanes for the comparisons
        put(A, a); put(B, b); put(C, cc);
        fns[name](OUT, A, B, C);
        expect(Array.from(read(OUT)), `trial ${trial}`).toEqual(Array.from(c.ref(a, b, cc)));
      }
    });
  }

  for (const [name, s] of Object.entries(SHIFTS) as [SimdOp, NonNullable<(typeof SHIFTS)[SimdOp]>][]) {
    it(name, () => {
      for (const count of [0, 1, 5, 15, 31, 33, 63, 64 + 7]) {
        const a = randomBytes('i8', rng, name);
        put(A, a);
        fns[name](OUT, A, count);
        const want = s.t === 'i64'
          ? packBig(bigLanes(a).map((x) => wrap64(s.fn(x, BigInt(count % 64)))))
          : pack(s.t, lanes(a, s.t).map((x) => s.fn(x, count % s.bits)));
        expect(Array.from(read(OUT)), `count ${count}`).toEqual(Array.from(want));
      }
    });
  }

  it('splats', () => {
    put(A, pack('i32', [0x12345687, 0, 0, 0]));
    fns['i8x16.splat'](OUT, A); expect(lanes(read(OUT), 'u8')).toEqual(new Array(16).fill(0x87));
    fns['i16x8.splat'](OUT, A); expect(lanes(read(OUT), 'u16')).toEqual(new Array(8).fill(0x5687));
    fns['i32x4.splat'](OUT, A); expect(lanes(read(OUT), 'i32')).toEqual(new Array(4).fill(0x12345687));
    put(A, packBig([-5n, 0n]));
    fns['i64x2.splat'](OUT, A); expect(bigLanes(read(OUT))).toEqual([-5n, -5n]);
    put(A, pack('f32', [-1.5, 0, 0, 0]));
    fns['f32x4.splat'](OUT, A); expect(lanes(read(OUT), 'f32')).toEqual([-1.5, -1.5, -1.5, -1.5]);
  });

  it('v128.any_true', () => {
    put(A, new Uint8Array(16)); expect(fns['v128.any_true'](A)).toBe(0);
    const one = new Uint8Array(16); one[15] = 1; put(A, one); expect(fns['v128.any_true'](A)).toBe(1);
  });

  it('SIMD loads (offset 3, unaligned)', () => {
    const src = randomBytes('u8', rng, 'load');
    const mem = new Uint8Array(32); mem.set(src, 3); put(A, mem);
    const s = (n: number) => new Uint8Array(src.buffer.slice(0, n));
    const want: Record<Exclude<SimdMemoryOp, 'v128.store'>, Bytes> = {
      'v128.load': src,
      'v128.load8x8_s': pack('i16', Array.from(new Int8Array(s(8).buffer))),
      'v128.load8x8_u': pack('i16', Array.from(s(8))),
      'v128.load16x4_s': pack('i32', Array.from(new Int16Array(s(8).buffer))),
      'v128.load16x4_u': pack('i32', Array.from(new Uint16Array(s(8).buffer))),
      'v128.load8_splat': new Uint8Array(16).fill(src[0]),
      'v128.load16_splat': pack('u16', new Array(8).fill(new Uint16Array(s(2).buffer)[0])),
      'v128.load32_splat': pack('i32', new Array(4).fill(new Int32Array(s(4).buffer)[0])),
      'v128.load64_splat': packBig([new BigInt64Array(s(8).buffer)[0], new BigInt64Array(s(8).buffer)[0]]),
      'v128.load32_zero': pack('i32', [new Int32Array(s(4).buffer)[0], 0, 0, 0]),
      'v128.load64_zero': packBig([new BigInt64Array(s(8).buffer)[0], 0n]),
    };
    for (const [name, bytes] of Object.entries(want)) {
      fns[name](OUT, A);
      expect(Array.from(read(OUT)), name).toEqual(Array.from(bytes));
    }
  });

  it('v128.const and i8x16.shuffle', () => {
    put(A, pack('i32', [1, 2, 3, 4]));
    fns['v128.const+shuffle'](OUT, A);
    expect(lanes(read(OUT), 'i32')).toEqual([1, 10, 4, -40]);
  });

  it('lane access', () => {
    for (const [name, { t, lane }] of Object.entries(LANE_CASES) as [SimdLaneOp, { t: LaneType; lane: number }][]) {
      const a = randomBytes(t === 'f32' ? 'f32' : 'u8', rng, name);
      const scalar = randomBytes(t === 'f32' ? 'f32' : 'u8', rng, name);
      put(A, a); put(B, scalar); put(OUT, new Uint8Array(16));
      fns[name](OUT, A, B);
      if (name.endsWith('replace_lane')) {
        const want = a.slice();
        const width = t === 'i64' ? 8 : t === 'f32' || t === 'i32' ? 4 : t === 'i16' ? 2 : 1;
        want.set(scalar.slice(0, width), lane * width);
        expect(Array.from(read(OUT)), name).toEqual(Array.from(want));
      } else if (t === 'i64') {
        expect(bigLanes(read(OUT))[0], name).toBe(bigLanes(a)[lane]);
      } else {
        expect(lanes(read(OUT), t === 'f32' ? 'f32' : 'i32')[0], name).toBe(lanes(a, t)[lane]);
      }
    }
  });

  it('covers every lane opcode', () => {
    expect(Object.keys(SIMD_LANE).sort()).toEqual(Object.keys(LANE_CASES).sort());
  });
});
