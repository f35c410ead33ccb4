import * as tf from '@tensorflow/tfjs-core';
import { Tensor, conv1d, depthwiseConv1d, matmul, noGrad, randn, type Rng } from '../../src/core/index.ts';
import { setKernelSet } from '../../src/core/wasm/index.ts';
import { oneNodeModel } from './onnx_model.ts';
import { record, timeMs, type BenchRecord } from './harness.ts';

/**
 * Forward speed of our WebAssembly SIMD kernels against the WebAssembly engines a JavaScript user
 * would pick instead, all single-threaded and measured in the same run: @tensorflow/tfjs-backend-wasm
 * (XNNPACK, SIMD) and onnxruntime-web (wasm execution provider). Our typed-array kernel set
 * (HTPW_KERNELS=js) is measured too. Inputs are transposed into each engine's layout beforehand
 * (not timed), and the outputs must agree before any time is recorded.
 * Target (issue #12): GEMM 256^3 and conv1d [32,1000,32] k7 -> 64 at least tfjs-backend-wasm's speed.
 */
interface PeerCase {
  name: string;
  flops: number;
  ours: () => Tensor;
  tf: () => tf.Tensor;
  /** onnxruntime-web: model bytes, feeds, and how to map its output back to our layout */
  onnx: { model: Uint8Array; feeds: Record<string, [Float32Array, number[]]>; toOurs: (out: Float32Array) => Float32Array };
}

/** [a, b, c] -> [a, c, b] for a row-major Float32Array */
function swapLast(x: Float32Array, a: number, b: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) out[(i * c + k) * b + j] = x[(i * b + j) * c + k];
  return out;
}

function cases(rng: Rng): PeerCase[] {
  const values = (shape: number[]) => randn(shape, rng, 0.5).toFloat32Array();
  const M = 256;
  const a = values([M, M]), b = values([M, M]);
  const A = new Tensor(a, [M, M]), B = new Tensor(b, [M, M]);
  const ta = tf.tensor2d(a, [M, M]), tb = tf.tensor2d(b, [M, M]);
  const N = 32, L = 1000, Cin = 32, Cout = 64, K = 7, C = 32;
  const x = values([N, L, Cin]), w = values([Cout, K, Cin]);
  const X = new Tensor(x, [N, L, Cin]), W = new Tensor(w, [Cout, K, Cin]);
  const tx = tf.tensor4d(x, [N, 1, L, Cin]);
  const tw = tf.reshape(tf.transpose(tf.tensor3d(w, [Cout, K, Cin]), [1, 2, 0]), [1, K, Cin, Cout]) as tf.Tensor4D;
  const dx = values([N, L, C]), dw = values([K, C]);
  const DX = new Tensor(dx, [N, L, C]), DW = new Tensor(dw, [K, C]);
  const tdx = tf.tensor4d(dx, [N, 1, L, C]), tdw = tf.tensor4d(dw, [1, K, C, 1]);
  const pad = (K - 1) / 2;
  return [
    {
      name: 'gemm 256x256x256', flops: 2 * M * M * M, ours: () => matmul(A, B), tf: () => tf.matMul(ta, tb),
      onnx: { model: oneNodeModel('MatMul', { A: [M, M], B: [M, M] }, ['C', [M, M]]), feeds: { A: [a, [M, M]], B: [b, [M, M]] }, toOurs: (o) => o },
    },
    {
      name: 'conv1d [32,1000,32] k7 -> 64', flops: 2 * N * L * Cout * K * Cin,
      ours: () => conv1d(X, W, null, { padding: 'same' }), tf: () => tf.conv2d(tx, tw, 1, 'same'),
      onnx: {
        // ONNX Conv is channels first: X [N, Cin, L], W [Cout, Cin, K]
        model: oneNodeModel('Conv', { X: [N, Cin, L], W: [Cout, Cin, K] }, ['Y', [N, Cout, L]], { kernel_shape: [K], pads: [pad, pad] }),
        feeds: { X: [swapLast(x, N, L, Cin), [N, Cin, L]], W: [swapLast(w, Cout, K, Cin), [Cout, Cin, K]] },
        toOurs: (o) => swapLast(o, N, Cout, L),
      },
    },
    {
      name: 'depthwise [32,1000,32] k7', flops: 2 * N * L * C * K,
      ours: () => depthwiseConv1d(DX, DW, null, { padding: 'same' }), tf: () => tf.depthwiseConv2d(tdx, tdw, 1, 'same'),
      onnx: {
        model: oneNodeModel('Conv', { X: [N, C, L], W: [C, 1, K] }, ['Y', [N, C, L]], { kernel_shape: [K], pads: [pad, pad], group: C }),
        feeds: { X: [swapLast(dx, N, L, C), [N, C, L]], W: [swapLast(dw, 1, K, C), [C, 1, K]] },
        toOurs: (o) => swapLast(o, N, C, L),
      },
    },
  ];
}

/** The slice of onnxruntime-web this bench uses. */
interface OrtTensor { data: unknown }
interface OrtSession { outputNames: readonly string[]; run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>; release(): Promise<void> }
interface Ort {
  env: { wasm: { numThreads: number } };
  InferenceSession: { create(model: Uint8Array, options: { executionProviders: string[] }): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
}

/**
 * The peers are devDependencies imported under a computed name, so the project still
 * type-checks in a tree where `npm install` has not fetched them yet (the bench then says so).
 */
async function optionalImport(name: string): Promise<unknown> {
  try {
    return await import(name);
  } catch (e) {
    throw new Error(`${name} is not installed (npm install): ${(e as Error).message}`);
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** median ms of an async call (onnxruntime-web's run is async) */
async function timeAsyncMs(fn: () => Promise<unknown>, minMs: number): Promise<number> {
  for (let i = 0; i < 2; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 5 || performance.now() - start < minMs) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((p, q) => p - q)[times.length >> 1];
}

export async function wasmPeers(rng: Rng, records: BenchRecord[]): Promise<void> {
  await optionalImport('@tensorflow/tfjs-backend-wasm');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // one thread, like ours
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs-backend-wasm did not initialize');
  const ort = (await optionalImport('onnxruntime-web')) as Ort;
  ort.env.wasm.numThreads = 1;
  const T = { maxMs: 700 };
  for (const c of cases(rng)) {
    const want = noGrad(c.ours).toFloat32Array();
    const tfOut = tf.tidy(() => c.tf().dataSync()) as Float32Array;
    const session = await ort.InferenceSession.create(c.onnx.model, { executionProviders: ['wasm'] });
    const feeds = Object.fromEntries(Object.entries(c.onnx.feeds).map(([k, [v, s]]) => [k, new ort.Tensor('float32', v, s)]));
    const ortOut = c.onnx.toOurs((await session.run(feeds))[session.outputNames[0]].data as Float32Array);
    for (const [peer, got] of [['tfjs-backend-wasm', tfOut], ['onnxruntime-web', ortOut]] as const) {
      const d = maxDiff(got, want);
      if (!(d < 1e-3)) throw new Error(`${c.name}: ours and ${peer} disagree (max |diff| ${d})`);
    }
    setKernelSet('simd');
    const simd = await timeMs(() => noGrad(c.ours), T);
    setKernelSet('js');
    const js = await timeMs(() => noGrad(c.ours), T);
    setKernelSet(null);
    const tfw = await timeMs(() => tf.tidy(() => c.tf().dataSync()), T);
    const ortMs = await timeAsyncMs(() => session.run(feeds), T.maxMs);
    const gf = (ms: number) => c.flops / ms / 1e6;
    records.push(record(`${c.name} forward: SIMD vs tfjs-backend-wasm`, gf(simd), gf(tfw), 'GFLOP/s', 'baseline: @tensorflow/tfjs-backend-wasm 1 thread (XNNPACK), same run; target ratio >= 1'));
    records.push(record(`${c.name} forward: SIMD vs onnxruntime-web`, gf(simd), gf(ortMs), 'GFLOP/s', 'baseline: onnxruntime-web wasm EP, 1 thread, same run (stretch target ratio >= 1)'));
    records.push(record(`${c.name} forward: SIMD vs js kernels`, gf(simd), gf(js), 'GFLOP/s', 'baseline: our typed-array kernel set (HTPW_KERNELS=js), same run'));
    console.log(`${c.name}: SIMD ${gf(simd).toFixed(2)}, js ${gf(js).toFixed(2)}, tfjs-wasm ${gf(tfw).toFixed(2)}, ort-web ${gf(ortMs).toFixed(2)} GFLOP/s`);
    await session.release();
  }
}
