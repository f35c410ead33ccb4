/**
 * WebAssembly SIMD twins of avgpool1d_s8.ts and maxpool1d_s8.ts, same arguments, byte-identical
 * output (the references are the readable kernels and the test oracles). Arithmetic:
 * simd/pool_wasm.ts. Average pools wider than MAX_SIMD_AVG_POOL (whose sums could leave f32's
 * exact range) run the reference kernel.
 */
import { ArenaLayout, sharedArena, type WasmFunction } from '../../core/wasm/index.ts';
import { avgpool1dS8 } from './avgpool1d_s8.ts';
import { s8Wasm } from './simd/s8_wasm.ts';
import { check, checkClamp, outputLength, type Dims, type PoolParams } from './types.ts';

/** |sum| <= poolSize * 128 + poolSize / 2 stays below 2^24 (pool_wasm.ts) */
const MAX_SIMD_AVG_POOL = 65536;
/** bytes read past the input / written past the output (a 16-lane step at the last position) */
const SLACK = 16;

export function avgpool1dS8Simd(params: PoolParams, inputDims: Dims, input: Int8Array, outputDims: Dims, output: Int8Array): void {
  if (params.poolSize > MAX_SIMD_AVG_POOL) {
    avgpool1dS8(params, inputDims, input, outputDims, output);
    return;
  }
  checkPool('avgpool1dS8Simd', params, inputDims, input, outputDims, output);
  runPool(s8Wasm().avgpool_s8, params, inputDims, input, outputDims, output);
}

export function maxpool1dS8Simd(params: PoolParams, inputDims: Dims, input: Int8Array, outputDims: Dims, output: Int8Array): void {
  checkPool('maxpool1dS8Simd', params, inputDims, input, outputDims, output);
  runPool(s8Wasm().maxpool_s8, params, inputDims, input, outputDims, output);
}

/** The argument checks of the reference pools, including "no window covers only padding". */
function checkPool(kernel: string, params: PoolParams, inputDims: Dims, input: Int8Array, outputDims: Dims, output: Int8Array): void {
  const { poolSize, stride, padBefore, padAfter, actMin, actMax } = params;
  const { n: batches, l: inLen, c: ch } = inputDims;
  const outLen = outputDims.l;
  check(outputDims.n === batches && outputDims.c === ch, kernel, 'dims do not agree');
  check(outLen === outputLength(inLen, poolSize, stride, 1, padBefore, padAfter), kernel, `output length ${outLen} does not match the geometry`);
  check(input.length >= batches * inLen * ch && output.length >= batches * outLen * ch, kernel, 'buffer size');
  checkClamp(kernel, actMin, actMax);
  if (batches === 0) return; // the reference checks each window inside its batch loop
  for (let o = 0; o < outLen; o++) {
    const start = o * stride - padBefore;
    check(Math.min(poolSize, inLen - start) > Math.max(0, -start), kernel, `window ${o} covers only padding`);
  }
}

function runPool(pool: WasmFunction, params: PoolParams, inputDims: Dims, input: Int8Array, outputDims: Dims, output: Int8Array): void {
  const { n: batches, l: inLen, c: ch } = inputDims;
  const outLen = outputDims.l;
  const inSize = batches * inLen * ch;
  const outSize = batches * outLen * ch;
  const layout = new ArenaLayout();
  const xAt = layout.i8(inSize + SLACK);
  const outAt = layout.i8(outSize + SLACK);
  const arena = sharedArena();
  arena.ensure(layout.end);
  arena.i8().set(input.subarray(0, inSize), xAt);
  pool(xAt, outAt, batches, inLen, outLen, ch, params.poolSize, params.stride, params.padBefore, params.actMin, params.actMax);
  output.set(arena.i8().subarray(outAt, outAt + outSize));
}
