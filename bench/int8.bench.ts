/**
 * INT8 suite: the pointwise GEMM kernel and the MCU reference simulator.
 *   npm run bench -- int8
 * - INT8 GEMM 256 x 256 x 256 (positions x Cin x Cout, requantization included), in Gop/s
 *   (2 * M * N * K operations): the WebAssembly SIMD kernel (pwconv1dS8Simd) and the typed-array
 *   pwconv1dS8Fast vs our reference loop nest (pwconv1dS8), and vs a naive float32 triple loop.
 * - simulate() latency for one MIT-BIH-beat-sized input (L = 256, 5 separable blocks of
 *   32..64 channels), and simulateBatch throughput: the SIMD kernel set (default) vs the js set
 *   (HTPW_KERNELS=js), measured in the same run, interleaved (medians); outputs checked
 *   byte-identical first.
 */
import { interleavedMs, record, timeMs, writeResults, type BenchRecord } from './lib/harness.ts';
import { Rng } from '../src/core/rng.ts';
import { setKernelSet } from '../src/core/wasm/index.ts';
import { pwconv1dS8 } from '../src/quant/kernels/pwconv1d_s8.ts';
import { pwconv1dS8Fast } from '../src/quant/kernels/pwconv1d_s8_fast.ts';
import { pwconv1dS8Simd } from '../src/quant/kernels/pwconv1d_s8_simd.ts';
import { simulate, simulateBatch } from '../src/quant/simulator.ts';
import { randomInput, randomIntModel } from '../src/quant/testing/random_model.ts';
import { planArena } from '../src/quant/arena.ts';

const M = 256;
const K = 256;
const N = 256;
const rng = new Rng(1);
const input = new Int8Array(M * K).map(() => rng.int(256) - 128);
const filter = new Int8Array(N * K).map(() => rng.int(255) - 127);
const bias = new Int32Array(N).map(() => rng.int(20001) - 10000);
const quant = { multiplier: new Int32Array(N).map(() => (1 << 30) + rng.int(1 << 30)), shift: new Int32Array(N).fill(-12), rounding: 'double' as const };
const params = { stride: 1, dilation: 1, padBefore: 0, padAfter: 0, inputOffset: 5, outputOffset: -3, actMin: -128, actMax: 127 };
const dims = { n: 1, l: M, c: K };
const fdims = { out: N, k: 1, in: K };
const odims = { n: 1, l: M, c: N };
const outFast = new Int8Array(M * N);
const outRef = new Int8Array(M * N);
pwconv1dS8Fast(params, quant, dims, input, fdims, filter, bias, odims, outFast);
pwconv1dS8(params, quant, dims, input, fdims, filter, bias, odims, outRef);
if (outFast.some((v, i) => v !== outRef[i])) throw new Error('fast GEMM differs from the reference');
const outSimd = new Int8Array(M * N);
pwconv1dS8Simd(params, quant, dims, input, fdims, filter, bias, odims, outSimd);
if (outSimd.some((v, i) => v !== outRef[i])) throw new Error('SIMD GEMM differs from the reference');

const xf = Float32Array.from(input);
const wf = Float32Array.from(filter);
const yf = new Float32Array(M * N);
function floatNaive(): void {
  for (let p = 0; p < M; p++) {
    for (let co = 0; co < N; co++) {
      let acc = 0;
      for (let ci = 0; ci < K; ci++) acc += wf[co * K + ci] * xf[p * K + ci];
      yf[p * N + co] = acc;
    }
  }
}

const ops = 2 * M * N * K;
const gops = (ms: number) => ops / (ms * 1e6);
const tSimd = await timeMs(() => pwconv1dS8Simd(params, quant, dims, input, fdims, filter, bias, odims, outSimd));
const tFast = await timeMs(() => pwconv1dS8Fast(params, quant, dims, input, fdims, filter, bias, odims, outFast));
const tRef = await timeMs(() => pwconv1dS8(params, quant, dims, input, fdims, filter, bias, odims, outRef));
const tFloat = await timeMs(floatNaive);

const model = randomIntModel(2024, { length: 256, inChannels: 1, blocks: 5, minChannels: 32, maxChannels: 64, classes: 5, pooling: true, residual: true });
const x = randomInput(model, 1);
const macs = model.ops.reduce((s, op) => {
  const out = model.tensors[op.output].shape;
  if (op.kind === 'conv1d') return s + out[0] * op.outChannels * op.inChannels * op.kernelSize;
  if (op.kind === 'dwconv1d') return s + out[0] * op.outChannels * op.kernelSize;
  if (op.kind === 'pwconv1d') return s + out[0] * op.outChannels * op.inChannels;
  if (op.kind === 'fully_connected') return s + op.outChannels * op.inChannels;
  return s;
}, 0);
const batch = 64;
const xb = randomInput(model, 2, batch);
/** `run` with kernel set `set` forced (HTPW_KERNELS=js is setKernelSet('js') in-process) */
function withKernels<T>(set: 'js' | 'simd', run: () => T): T {
  setKernelSet(set);
  try {
    return run();
  } finally {
    setKernelSet(null);
  }
}
const batchJs = withKernels('js', () => simulateBatch(model, xb, batch));
const batchSimd = withKernels('simd', () => simulateBatch(model, xb, batch));
if (batchSimd.some((v, i) => v !== batchJs[i])) throw new Error('simulateBatch: the SIMD and js kernel sets differ');
// interleaved (harness.ts): on a loaded machine both sets see the same load, so the ratio is fair
const one = await interleavedMs({
  simd: () => withKernels('simd', () => simulate(model, x)),
  js: () => withKernels('js', () => simulate(model, x)),
});
const many = await interleavedMs({
  simd: () => withKernels('simd', () => simulateBatch(model, xb, batch)),
  js: () => withKernels('js', () => simulateBatch(model, xb, batch)),
});
const desc = `${model.ops.length} ops (${model.ops.map((o) => o.kind).join(',')}), ${(macs / 1e6).toFixed(2)} M MACs, arena ${planArena(model).peakBytes} B`;

const records: BenchRecord[] = [
  record('int8 GEMM 256x256x256 SIMD vs reference loop', gops(tSimd), gops(tRef), 'Gop/s', 'pwconv1dS8Simd (WebAssembly i32x4.dot_i16x8_s) vs pwconv1dS8 (TFLM-style loop), requantization included'),
  record('int8 GEMM 256x256x256 SIMD vs typed-array fast', gops(tSimd), gops(tFast), 'Gop/s', 'pwconv1dS8Simd vs pwconv1dS8Fast (float64 SWAR, the js set\'s pointwise)'),
  record('int8 GEMM 256x256x256 fast vs reference loop', gops(tFast), gops(tRef), 'Gop/s', 'pwconv1dS8Fast vs pwconv1dS8 (TFLM-style loop), requantization included'),
  record('int8 GEMM 256x256x256 fast vs float32 naive loop', gops(tFast), gops(tFloat), 'Gop/s', 'baseline: naive float32 triple loop (no requantization)'),
  record('simulate 1 x L=256 separable CNN latency, SIMD vs js kernels', one.simd * 1000, one.js * 1000, 'us', `baseline: HTPW_KERNELS=js, same run, interleaved medians; ${desc}`),
  record('simulateBatch 64 x L=256 throughput, SIMD vs js kernels', (batch / many.simd) * 1000, (batch / many.js) * 1000, 'samples/s', `baseline: HTPW_KERNELS=js, same run, interleaved medians; target >= 3 x 659 (the js figure of 2026-11-27); ${desc}`),
];
writeResults('int8', records);
