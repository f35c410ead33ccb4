/**
 * Assembles one WebAssembly function body. Instructions are appended in stack-machine order
 * with the spec's mnemonics, e.g. `c = c + a * b` on f32x4 lanes:
 *
 *   f.get(c).get(a).get(b).op('f32x4.mul').op('f32x4.add').set(c);
 *
 * Structured control flow takes callbacks and hands out Label objects, so branch depths are
 * computed (not counted by hand): `f.block((exit) => { ...; f.brIf(exit); })`.
 */
import { float32Bytes, signedLeb128, signedLeb128BigInt, unsignedLeb128 } from './encoding.ts';
import {
  CONST, CONTROL, EMPTY_BLOCK_TYPE, MEMORY, PLAIN, SIMD, SIMD_IMMEDIATE16, SIMD_LANE, SIMD_MEMORY, SIMD_PREFIX,
  VALUE_TYPE, VARIABLE, type MemoryOp, type PlainOp, type SimdLaneOp, type SimdMemoryOp, type SimdOp, type ValueType,
} from './opcodes.ts';

/** A parameter or local variable: its index in the function's local space and its type. */
export interface Local { readonly index: number; readonly type: ValueType }

/** An open block / loop / if; `br(label)` jumps to its end (block, if) or its start (loop). */
export interface Label { readonly level: number }

export class FunctionBuilder {
  private readonly declared: ValueType[] = [];
  private readonly code: number[] = [];
  private openLabels = 0;

  constructor(readonly params: readonly ValueType[], readonly results: readonly ValueType[]) {}

  /** The i-th parameter. */
  param(i: number): Local {
    if (i < 0 || i >= this.params.length) throw new RangeError(`param ${i}: the function has ${this.params.length} parameters`);
    return { index: i, type: this.params[i] };
  }

  /** A fresh local of the given type (zero-initialized by the engine). */
  local(type: ValueType): Local {
    this.declared.push(type);
    return { index: this.params.length + this.declared.length - 1, type };
  }

  get(v: Local): this { return this.emit(VARIABLE['local.get'], ...unsignedLeb128(v.index)); }
  set(v: Local): this { return this.emit(VARIABLE['local.set'], ...unsignedLeb128(v.index)); }
  tee(v: Local): this { return this.emit(VARIABLE['local.tee'], ...unsignedLeb128(v.index)); }

  i32Const(value: number): this { return this.emit(CONST['i32.const'], ...signedLeb128(value | 0)); }
  i64Const(value: bigint): this { return this.emit(CONST['i64.const'], ...signedLeb128BigInt(BigInt.asIntN(64, value))); }
  f32Const(value: number): this { return this.emit(CONST['f32.const'], ...float32Bytes(value)); }

  /** v128.const with 16 raw little-endian bytes. */
  v128Const(bytes: ArrayLike<number>): this {
    if (bytes.length !== 16) throw new RangeError(`v128Const: ${bytes.length} bytes, want 16`);
    return this.simd(SIMD_IMMEDIATE16['v128.const'], ...Array.from(bytes, (b) => b & 0xff));
  }

  /** v128.const from four f32 lanes. */
  f32x4Const(l0: number, l1: number, l2: number, l3: number): this {
    return this.v128Const(new Uint8Array(new Float32Array([l0, l1, l2, l3]).buffer));
  }

  /** v128.const from four i32 lanes. */
  i32x4Const(l0: number, l1: number, l2: number, l3: number): this {
    return this.v128Const(new Uint8Array(new Int32Array([l0, l1, l2, l3]).buffer));
  }

  /** i8x16.shuffle: result byte i = (a ++ b)[lanes[i]], lanes in 0..31. */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => !Number.isInteger(l) || l < 0 || l > 31)) throw new RangeError(`shuffle: want 16 lane indices in 0..31, got [${lanes.join(', ')}]`);
    return this.simd(SIMD_IMMEDIATE16['i8x16.shuffle'], ...lanes);
  }

  /** An instruction without immediates (scalar or SIMD). */
  op(name: PlainOp | SimdOp): this {
    if (name in PLAIN) return this.emit(PLAIN[name as PlainOp]);
    return this.simd(SIMD[name as SimdOp]);
  }

  /** A load or store with a constant byte offset added to the address on the stack. */
  mem(name: MemoryOp | SimdMemoryOp, offset = 0): this {
    if (name in MEMORY) {
      const [opcode, align] = MEMORY[name as MemoryOp];
      return this.emit(opcode, ...unsignedLeb128(align), ...unsignedLeb128(offset));
    }
    const [opcode, align] = SIMD_MEMORY[name as SimdMemoryOp];
    return this.simd(opcode, ...unsignedLeb128(align), ...unsignedLeb128(offset));
  }

  /** extract_lane / replace_lane with a lane index. */
  lane(name: SimdLaneOp, lane: number): this { return this.simd(SIMD_LANE[name], lane); }

  /** call the function with this index in its module (functions are numbered in definition order). */
  call(functionIndex: number): this { return this.emit(CONTROL.call, ...unsignedLeb128(functionIndex)); }

  /** block ... end; `br(exit)` inside jumps past the end. */
  block(body: (exit: Label) => void): this { return this.structured(CONTROL.block, body); }

  /** loop ... end; `br(top)` inside jumps back to the start. */
  loop(body: (top: Label) => void): this { return this.structured(CONTROL.loop, body); }

  /** if (pops an i32) then ... [else ...] end. */
  ifThen(then: (exit: Label) => void, otherwise?: (exit: Label) => void): this {
    this.emit(CONTROL.if, EMPTY_BLOCK_TYPE);
    const label = { level: this.openLabels++ };
    then(label);
    if (otherwise) {
      this.emit(CONTROL.else);
      otherwise(label);
    }
    this.openLabels--;
    return this.emit(CONTROL.end);
  }

  br(label: Label): this { return this.emit(CONTROL.br, ...unsignedLeb128(this.depth(label))); }
  /** Branch if the i32 on the stack is non-zero. */
  brIf(label: Label): this { return this.emit(CONTROL.br_if, ...unsignedLeb128(this.depth(label))); }

  /**
   * for (i = start; i < end; i += step) body(), with i and end i32 locals; runs zero times when
   * start >= end (the test is done before the first iteration).
   */
  forRange(i: Local, start: number | Local, end: Local, step: number, body: () => void): this {
    if (typeof start === 'number') this.i32Const(start); else this.get(start);
    this.set(i);
    return this.block((exit) => {
      this.get(i).get(end).op('i32.ge_s').brIf(exit);
      this.loop((top) => {
        body();
        this.get(i).i32Const(step).op('i32.add').tee(i).get(end).op('i32.lt_s').brIf(top);
      });
    });
  }

  /** The encoded body: local declarations (runs of one type), instructions, end. */
  encode(): number[] {
    if (this.openLabels !== 0) throw new Error(`encode: ${this.openLabels} blocks still open`);
    const runs: number[][] = [];
    for (let i = 0; i < this.declared.length;) {
      let j = i;
      while (j < this.declared.length && this.declared[j] === this.declared[i]) j++;
      runs.push([...unsignedLeb128(j - i), VALUE_TYPE[this.declared[i]]]);
      i = j;
    }
    const body = [...unsignedLeb128(runs.length), ...runs.flat(), ...this.code, CONTROL.end];
    return [...unsignedLeb128(body.length), ...body];
  }

  private structured(opcode: number, body: (label: Label) => void): this {
    this.emit(opcode, EMPTY_BLOCK_TYPE);
    const label = { level: this.openLabels++ };
    body(label);
    this.openLabels--;
    return this.emit(CONTROL.end);
  }

  /** br depth: 0 is the innermost open block. */
  private depth(label: Label): number {
    if (label.level >= this.openLabels) throw new Error('br: the label\'s block is already closed');
    return this.openLabels - 1 - label.level;
  }

  private simd(opcode: number, ...immediates: number[]): this {
    return this.emit(SIMD_PREFIX, ...unsignedLeb128(opcode), ...immediates);
  }

  private emit(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
}
