import { afterEach, describe, expect, it } from 'vitest';
import { Arena, ArenaLayout, MEMORY, ModuleBuilder, PLAIN, kernelSet, setKernelSet, simdSupported, type MemoryOp, type PlainOp } from '../../../src/core/wasm/index.ts';

/** scalar instructions, control flow, memory, the arena and the kernel-set switch */

const I32_BINARY: Partial<Record<PlainOp, (a: number, b: number) => number>> = {
  'i32.add': (a, b) => (a + b) | 0, 'i32.sub': (a, b) => (a - b) | 0, 'i32.mul': Math.imul,
  'i32.div_s': (a, b) => (a / b) | 0, 'i32.div_u': (a, b) => ((a >>> 0) / (b >>> 0)) | 0,
  'i32.rem_s': (a, b) => a % b | 0, 'i32.rem_u': (a, b) => ((a >>> 0) % (b >>> 0)) | 0,
  'i32.and': (a, b) => a & b, 'i32.or': (a, b) => a | b, 'i32.xor': (a, b) => a ^ b,
  'i32.shl': (a, b) => a << b, 'i32.shr_s': (a, b) => a >> b, 'i32.shr_u': (a, b) => (a >>> b) | 0,
  'i32.eq': (a, b) => +(a === b), 'i32.ne': (a, b) => +(a !== b), 'i32.lt_s': (a, b) => +(a < b), 'i32.lt_u': (a, b) => +(a >>> 0 < b >>> 0),
  'i32.gt_s': (a, b) => +(a > b), 'i32.gt_u': (a, b) => +(a >>> 0 > b >>> 0), 'i32.le_s': (a, b) => +(a <= b), 'i32.le_u': (a, b) => +(a >>> 0 <= b >>> 0),
  'i32.ge_s': (a, b) => +(a >= b), 'i32.ge_u': (a, b) => +(a >>> 0 >= b >>> 0),
};
const F32_BINARY: Partial<Record<PlainOp, (a: number, b: number) => number>> = {
  'f32.add': (a, b) => Math.fround(a + b), 'f32.sub': (a, b) => Math.fround(a - b), 'f32.mul': (a, b) => Math.fround(a * b),
  'f32.div': (a, b) => Math.fround(a / b), 'f32.min': Math.min, 'f32.max': Math.max,
};
const F32_COMPARE: Partial<Record<PlainOp, (a: number, b: number) => number>> = {
  'f32.eq': (a, b) => +(a === b), 'f32.ne': (a, b) => +(a !== b), 'f32.lt': (a, b) => +(a < b), 'f32.gt': (a, b) => +(a > b),
  'f32.le': (a, b) => +(a <= b), 'f32.ge': (a, b) => +(a >= b),
};
const F32_UNARY: Partial<Record<PlainOp, (a: number) => number>> = { 'f32.abs': Math.abs, 'f32.neg': (a) => -a, 'f32.sqrt': (a) => Math.fround(Math.sqrt(a)) };
/** i64 ops on sign-extended i32 operands; the i64 result is stored to memory */
const I64_BINARY: Partial<Record<PlainOp, (a: bigint, b: bigint) => bigint>> = {
  'i64.add': (a, b) => a + b, 'i64.sub': (a, b) => a - b, 'i64.mul': (a, b) => a * b, 'i64.and': (a, b) => a & b, 'i64.or': (a, b) => a | b,
  'i64.shl': (a, b) => a << (b & 63n), 'i64.shr_s': (a, b) => a >> (b & 63n), 'i64.shr_u': (a, b) => BigInt.asUintN(64, a) >> (b & 63n),
};
const I64_COMPARE: Partial<Record<PlainOp, (a: bigint, b: bigint) => number>> = {
  'i64.eq': (a, b) => +(a === b), 'i64.ne': (a, b) => +(a !== b), 'i64.lt_s': (a, b) => +(a < b), 'i64.gt_s': (a, b) => +(a > b),
  'i64.le_s': (a, b) => +(a <= b), 'i64.ge_s': (a, b) => +(a >= b),
};

describe('scalar instructions', () => {
  const arena = new Arena();
  const m = new ModuleBuilder();
  const entries = <T>(o: Partial<Record<PlainOp, T>>) => Object.entries(o) as [PlainOp, T][];
  for (const [name] of entries(I32_BINARY)) m.function(name, ['i32', 'i32'], ['i32'], (f) => { f.get(f.param(0)).get(f.param(1)).op(name); });
  for (const [name] of entries(F32_BINARY)) m.function(name, ['f32', 'f32'], ['f32'], (f) => { f.get(f.param(0)).get(f.param(1)).op(name); });
  for (const [name] of entries(F32_COMPARE)) m.function(name, ['f32', 'f32'], ['i32'], (f) => { f.get(f.param(0)).get(f.param(1)).op(name); });
  for (const [name] of entries(F32_UNARY)) m.function(name, ['f32'], ['f32'], (f) => { f.get(f.param(0)).op(name); });
  for (const [name] of entries(I64_BINARY)) {
    m.function(name, ['i32', 'i32', 'i32'], [], (f) => { f.get(f.param(2)).get(f.param(0)).op('i64.extend_i32_s').get(f.param(1)).op('i64.extend_i32_s').op(name).mem('i64.store'); });
  }
  for (const [name] of entries(I64_COMPARE)) {
    m.function(name, ['i32', 'i32'], ['i32'], (f) => { f.get(f.param(0)).op('i64.extend_i32_s').get(f.param(1)).op('i64.extend_i32_s').op(name); });
  }
  m.function('i32.eqz', ['i32'], ['i32'], (f) => { f.get(f.param(0)).op('i32.eqz'); });
  m.function('i64.eqz', ['i32'], ['i32'], (f) => { f.get(f.param(0)).op('i64.extend_i32_u').op('i64.eqz'); });
  m.function('i32.wrap_i64', [], ['i32'], (f) => { f.i64Const(0x1_8000_0005n).op('i32.wrap_i64'); });
  m.function('i32.trunc_f32_s', ['f32'], ['i32'], (f) => { f.get(f.param(0)).op('i32.trunc_f32_s'); });
  m.function('f32.convert_i32_s', ['i32'], ['f32'], (f) => { f.get(f.param(0)).op('f32.convert_i32_s'); });
  m.function('consts', [], ['f32'], (f) => { f.f32Const(0.1).i32Const(-7).op('f32.convert_i32_s').op('f32.mul'); });
  m.function('select', ['i32', 'i32', 'i32'], ['i32'], (f) => { f.get(f.param(0)).get(f.param(1)).get(f.param(2)).op('select'); });
  m.function('drop+nop', ['i32'], ['i32'], (f) => { f.i32Const(9).get(f.param(0)).op('drop').op('nop'); });
  m.function('return', ['i32'], ['i32'], (f) => {
    f.get(f.param(0)).ifThen(() => { f.i32Const(1).op('return'); });
    f.i32Const(2);
  });
  m.function('unreachable', [], [], (f) => { f.op('unreachable'); });
  // sum of i for i in [start, end) step 3
  m.function('forRange', ['i32', 'i32'], ['i32'], (f) => {
    const i = f.local('i32'), s = f.local('i32');
    f.forRange(i, f.param(0), f.param(1), 3, () => { f.get(s).get(i).op('i32.add').set(s); });
    f.get(s);
  });
  // first index in [0, n) whose i32 at base + 4i is negative, or n
  const firstNegative = m.function('firstNegative', ['i32', 'i32'], ['i32'], (f) => {
    const [base, n] = [f.param(0), f.param(1)];
    const i = f.local('i32');
    f.block((found) => {
      f.loop((top) => {
        f.get(i).get(n).op('i32.ge_s').brIf(found);
        f.get(base).get(i).i32Const(4).op('i32.mul').op('i32.add').mem('i32.load').i32Const(0).op('i32.lt_s').brIf(found);
        f.get(i).i32Const(1).op('i32.add').set(i).br(top);
      });
    });
    f.get(i);
  });
  m.function('call', ['i32', 'i32'], ['i32'], (f) => { f.get(f.param(0)).get(f.param(1)).call(firstNegative).i32Const(100).op('i32.add'); });
  m.function('ifElse', ['i32'], ['i32'], (f) => {
    const r = f.local('i32');
    f.get(f.param(0)).ifThen(() => { f.i32Const(10).set(r); }, () => { f.i32Const(20).set(r); });
    f.get(r);
  });
  // memory: copy with every scalar load / store width at byte offset 5
  for (const name of Object.keys(MEMORY) as MemoryOp[]) {
    if (!name.includes('load')) continue;
    const store = name.startsWith('i64') ? 'i64.store' : name.startsWith('f32') ? 'f32.store' : 'i32.store';
    m.function(name, ['i32', 'i32'], [], (f) => { f.get(f.param(0)).get(f.param(1)).mem(name, 5).mem(store); });
  }
  m.function('narrow stores', ['i32', 'i32'], [], (f) => {
    f.get(f.param(0)).get(f.param(1)).mem('i32.store8', 0);
    f.get(f.param(0)).get(f.param(1)).mem('i32.store16', 2);
  });
  const fns = m.instantiate(arena.memory);
  const values = [0, 1, -1, 7, -7, 123456, -2147483648, 2147483647, 0x5555];

  it('validates', () => expect(WebAssembly.validate(m.assemble())).toBe(true));
  it('i32 arithmetic and comparisons', () => {
    for (const [name, ref] of entries(I32_BINARY)) for (const a of values) for (const b of values) {
      if (name.includes('div') || name.includes('rem')) { if (b === 0 || (a === -2147483648 && b === -1)) continue; }
      expect(fns[name](a, b), `${name}(${a}, ${b})`).toBe(ref(a, b));
    }
    expect(fns['i32.eqz'](0)).toBe(1); expect(fns['i32.eqz'](-3)).toBe(0);
  });
  it('f32 arithmetic and comparisons', () => {
    const fv = [0.1, -2.5, 3, 1e-3, -7.25].map(Math.fround);
    for (const a of fv) for (const b of fv) {
      for (const [name, ref] of entries(F32_BINARY)) expect(fns[name](a, b), name).toBe(ref(a, b));
      for (const [name, ref] of entries(F32_COMPARE)) expect(fns[name](a, b), name).toBe(ref(a, b));
    }
    for (const [name, ref] of entries(F32_UNARY)) expect(fns[name](Math.fround(2.25)), name).toBe(ref(Math.fround(2.25)));
  });
  it('i64 arithmetic and comparisons', () => {
    for (const [name, ref] of entries(I64_BINARY)) for (const a of values) for (const b of values) {
      fns[name](a, b, 0);
      expect(new BigInt64Array(arena.memory.buffer, 0, 1)[0], `${name}(${a}, ${b})`).toBe(BigInt.asIntN(64, ref(BigInt(a), BigInt(b))));
    }
    for (const [name, ref] of entries(I64_COMPARE)) for (const a of values) for (const b of values) expect(fns[name](a, b), name).toBe(ref(BigInt(a), BigInt(b)));
    expect(fns['i64.eqz'](0)).toBe(1); expect(fns['i64.eqz'](-1)).toBe(0);
  });
  it('conversions and constants', () => {
    expect(fns['i32.wrap_i64']()).toBe(-2147483643);
    expect(fns['i32.trunc_f32_s'](-3.75)).toBe(-3);
    expect(fns['f32.convert_i32_s'](16777217)).toBe(16777216); // rounds to f32
    expect(fns.consts()).toBe(Math.fround(Math.fround(0.1) * -7));
  });
  it('control flow', () => {
    expect(fns.select(5, 6, 1)).toBe(5); expect(fns.select(5, 6, 0)).toBe(6);
    expect(fns['drop+nop'](4)).toBe(9);
    expect(fns.return(1)).toBe(1); expect(fns.return(0)).toBe(2);
    expect(() => fns.unreachable()).toThrow(WebAssembly.RuntimeError);
    expect(fns.forRange(0, 10)).toBe(0 + 3 + 6 + 9);
    expect(fns.forRange(5, 5)).toBe(0); // zero iterations
    expect(fns.forRange(9, 2)).toBe(0);
    new Int32Array(arena.memory.buffer, 64, 6).set([3, 4, 0, -2, 5, -1]);
    expect(fns.firstNegative(64, 6)).toBe(3);
    expect(fns.firstNegative(64, 3)).toBe(3); // none: n
    expect(fns.call(64, 2)).toBe(102);
    expect(fns.ifElse(1)).toBe(10); expect(fns.ifElse(0)).toBe(20);
  });
  it('scalar memory instructions', () => {
    const u8 = new Uint8Array(arena.memory.buffer);
    const src = 256, dst = 512;
    const bytes = [0x81, 0xff, 0x10, 0x80, 0x01, 0x02, 0x03, 0xfe];
    u8.set(bytes, src + 5);
    const view = new DataView(arena.memory.buffer);
    const want: Record<string, () => number | bigint> = {
      'i32.load': () => view.getInt32(src + 5, true), 'i64.load': () => view.getBigInt64(src + 5, true), 'f32.load': () => view.getFloat32(src + 5, true),
      'i32.load8_s': () => -127, 'i32.load8_u': () => 0x81, 'i32.load16_s': () => view.getInt16(src + 5, true), 'i32.load16_u': () => 0xff81,
    };
    for (const [name, w] of Object.entries(want)) {
      fns[name](dst, src);
      const got = name.startsWith('i64') ? view.getBigInt64(dst, true) : name.startsWith('f32') ? view.getFloat32(dst, true) : view.getInt32(dst, true);
      expect(got, name).toBe(w());
    }
    fns['narrow stores'](dst, 0x7fff1234);
    expect(u8[dst]).toBe(0x34); expect(view.getUint16(dst + 2, true)).toBe(0x1234);
  });
  it('rejects misuse of labels and parameters', () => {
    const bad = new ModuleBuilder();
    expect(() => bad.function('p', ['i32'], [], (f) => { f.param(1); })).toThrow(/1 parameters/);
    expect(() => bad.function('l', [], [], (f) => {
      let outer = { level: 0 };
      f.block((l) => { outer = l; });
      f.br(outer);
    })).toThrow(/closed/);
    expect(() => bad.function('dup', [], [], () => {})).not.toThrow();
    expect(() => bad.function('dup', [], [], () => {})).toThrow(/twice/);
  });
  it('lists a test for every scalar opcode', () => {
    const tested = new Set([...Object.keys(I32_BINARY), ...Object.keys(F32_BINARY), ...Object.keys(F32_COMPARE), ...Object.keys(F32_UNARY),
      ...Object.keys(I64_BINARY), ...Object.keys(I64_COMPARE), 'i32.eqz', 'i64.eqz', 'i32.wrap_i64', 'i32.trunc_f32_s', 'f32.convert_i32_s',
      'i64.extend_i32_s', 'i64.extend_i32_u', 'select', 'drop', 'nop', 'return', 'unreachable']);
    expect(Object.keys(PLAIN).filter((k) => !tested.has(k))).toEqual([]);
  });
});

describe('arena', () => {
  it('grows on demand and re-creates views detached by the growth', () => {
    const arena = new Arena();
    const before = arena.f32();
    before[3] = 42;
    const size = arena.bytes;
    arena.ensure(size - 1); // no growth
    expect(arena.f32()).toBe(before);
    arena.ensure(size + 1);
    expect(arena.bytes).toBeGreaterThanOrEqual(size + 1);
    expect(before.length).toBe(0); // the old view is detached
    const after = arena.f32();
    expect(after === before).toBe(false);
    expect(after[3]).toBe(42); // contents survive growth
    expect(arena.i8().length).toBe(arena.bytes);
  });
  it('layout aligns every operand to 16 bytes', () => {
    const l = new ArenaLayout();
    expect(l.i8(3)).toBe(0);
    expect(l.f32(5)).toBe(16);
    expect(l.i16(1)).toBe(48);
    expect(l.end).toBe(50);
  });
});

describe('kernel set', () => {
  afterEach(() => setKernelSet(null));
  it('SIMD is detected on Node 20 and is the default', () => {
    expect(simdSupported()).toBe(true);
    if (!process.env.HTPW_KERNELS) expect(kernelSet()).toBe('simd');
  });
  it('setKernelSet overrides', () => {
    setKernelSet('js'); expect(kernelSet()).toBe('js');
    setKernelSet('simd'); expect(kernelSet()).toBe('simd');
  });
});
