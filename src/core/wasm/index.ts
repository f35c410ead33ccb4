/**
 * A small WebAssembly assembler in TypeScript (no .wasm files, no compile step) and the arena
 * the SIMD kernels share.
 *
 * Writing a kernel:
 *   const m = new ModuleBuilder();
 *   m.function('axpy', ['i32', 'i32', 'i32', 'f32'], [], (f) => { ...f.get(..).mem('v128.load')... });
 *   const { axpy } = m.instantiate(sharedArena().memory);   // once, at module load
 *   // per call: plan offsets with ArenaLayout, arena.ensure(layout.end), fill arena.f32(), call.
 */
export { unsignedLeb128, signedLeb128, signedLeb128BigInt, float32Bytes } from './encoding.ts';
export { VALUE_TYPE, PLAIN, MEMORY, SIMD, SIMD_MEMORY, SIMD_LANE, type ValueType, type PlainOp, type MemoryOp, type SimdOp, type SimdMemoryOp, type SimdLaneOp } from './opcodes.ts';
export { FunctionBuilder, type Local, type Label } from './function_builder.ts';
export { ModuleBuilder, type WasmFunction } from './module_builder.ts';
export { Arena, ArenaLayout, ARENA_ALIGN, sharedArena } from './arena.ts';
export { f32LaneLoop, F32X4, F32, type LaneOps } from './lane_loop.ts';
export { kernelSet, setKernelSet, simdSupported, type KernelSetName } from './kernel_set.ts';
