/**
 * WebAssembly SIMD twin of add_s8.ts, same arguments, byte-identical output (the reference is the
 * readable kernel and the test oracle). The arithmetic: simd/add_wasm.ts.
 */
import { ArenaLayout, sharedArena } from '../../core/wasm/index.ts';
import { GROUP_BYTES, writeChannelTable } from './simd/requantize_wasm.ts';
import { s8Wasm } from './simd/s8_wasm.ts';
import { check, checkClamp, type AddParams, type Dims } from './types.ts';

/** bytes the kernel reads / writes past `count` (4 elements per step) */
const SLACK = 4;

export function addS8Simd(params: AddParams, input1Dims: Dims, input1: Int8Array, input2Dims: Dims, input2: Int8Array, outputDims: Dims, output: Int8Array): void {
  const { leftShift, actMin, actMax } = params;
  const size = input1Dims.n * input1Dims.l * input1Dims.c;
  check(input2Dims.n === input1Dims.n && input2Dims.l === input1Dims.l && input2Dims.c === input1Dims.c, 'addS8Simd', 'input shapes differ');
  check(outputDims.n === input1Dims.n && outputDims.l === input1Dims.l && outputDims.c === input1Dims.c, 'addS8Simd', 'output shape differs');
  check(input1.length >= size && input2.length >= size && output.length >= size, 'addS8Simd', 'buffer size');
  check(leftShift >= 0 && leftShift <= 22, 'addS8Simd', `leftShift ${leftShift} not in [0, 22]`);
  checkClamp('addS8Simd', actMin, actMax);

  const layout = new ArenaLayout();
  const in1At = layout.i8(size + SLACK);
  const in2At = layout.i8(size + SLACK);
  const outAt = layout.i8(size + SLACK);
  const tableAt = layout.reserve(3 * GROUP_BYTES);
  const arena = sharedArena();
  arena.ensure(layout.end);
  const i8 = arena.i8();
  i8.set(input1.subarray(0, size), in1At);
  i8.set(input2.subarray(0, size), in2At);
  // one 4-lane table group per requantization, the same multiplier and shift in every lane
  const i32 = arena.i32();
  const groups = [[params.input1Multiplier, params.input1Shift], [params.input2Multiplier, params.input2Shift], [params.outputMultiplier, params.outputShift]];
  groups.forEach(([multiplier, shift], g) => {
    writeChannelTable(i32, tableAt + g * GROUP_BYTES, new Int32Array(4).fill(multiplier), new Int32Array(4).fill(shift), 4, params.rounding);
  });
  const wasm = s8Wasm();
  const add = params.rounding === 'single' ? wasm.add_s8_single : wasm.add_s8_double;
  add(in1At, in2At, outAt, size, tableAt, params.input1Offset, params.input2Offset, 2 ** leftShift, params.outputOffset, actMin, actMax);
  output.set(arena.i8().subarray(outAt, outAt + size));
}
