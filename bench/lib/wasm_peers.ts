import * as tf from '@tensorflow/tfjs-core';
import { Tensor, conv1d, depthwiseConv1d, matmul, noGrad, randn, type Rng } from '../../src/core/index.ts';
import { setKernelSet } from '../../src/core/wasm/index.ts';
import { oneNodeModel } from './onnx_model.ts';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { interleavedMs, record, type BenchRecord } from './harness.ts';

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
  env: { versions: { web?: string }; wasm: { numThreads: number } };
  InferenceSession: { create(model: Uint8Array, options: { executionProviders: string[] }): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
}
/** The slice of @tensorflow/tfjs-backend-wasm this bench uses. */
interface TfWasm { setWasmPaths(fileMap: Record<string, string>): void; version_wasm: string }

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

const TF_SIMD_BINARY = 'tfjs-backend-wasm-simd.wasm';

/**
 * tfjs-backend-wasm on its SIMD binary, one thread, or an error. The backend picks its binary from
 * two feature flags; the file map below points the two other names at a path that does not
 * exist, so a run that fell back to the scalar binary (or the threaded one) fails to initialize
 * instead of being timed. Returns the note naming what ran.
 */
async function tfjsWasmSimd(): Promise<string> {
  const tfw = (await optionalImport('@tensorflow/tfjs-backend-wasm')) as TfWasm;
  const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  const absent = join(dist, 'not-the-simd-binary.wasm');
  tfw.setWasmPaths({ 'tfjs-backend-wasm.wasm': absent, [TF_SIMD_BINARY]: join(dist, TF_SIMD_BINARY), 'tfjs-backend-wasm-threaded-simd.wasm': absent });
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // one thread, like ours
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('tfjs-backend-wasm: WASM_HAS_SIMD_SUPPORT is false on this engine');
  if (!(await tf.setBackend('wasm')) || tf.getBackend() !== 'wasm') throw new Error(`tfjs-backend-wasm did not initialize its SIMD binary (backend now ${tf.getBackend()})`);
  return `@tensorflow/tfjs-backend-wasm ${tfw.version_wasm}, backend ${tf.getBackend()}, ${TF_SIMD_BINARY} (XNNPACK), 1 thread`;
}

/**
 * Each engine's forward, timed interleaved (lib/harness.ts interleavedMs) so the ratios stay fair
 * on a loaded machine. What is timed is a call that leaves the output readable from JS: ours
 * returns a Tensor; tfjs runs the op and reads it (dataSync) inside a tidy that returns NOTHING:
 * a tidy returning the Float32Array makes tfjs walk every element looking for tensors (800 ms at
 * 256^2 outputs; that walk, not the GEMM, was what an earlier version of this bench timed);
 * onnxruntime-web awaits session.run, whose output tensor is a copy in JS.
 */
export async function wasmPeers(rng: Rng, records: BenchRecord[]): Promise<void> {
  const tfNote = await tfjsWasmSimd();
  const ort = (await optionalImport('onnxruntime-web')) as Ort;
  ort.env.wasm.numThreads = 1;
  const ortNote = `onnxruntime-web ${ort.env.versions.web ?? '?'} wasm EP (ort-wasm-simd-threaded.wasm, its only binary: SIMD), numThreads 1`;
  console.log(`peers: ${tfNote}; ${ortNote}`);
  const withSet = (set: 'simd' | 'js', fn: () => Tensor) => () => { setKernelSet(set); noGrad(fn); setKernelSet(null); };
  for (const c of cases(rng)) {
    const want = noGrad(c.ours).toFloat32Array();
    const tfTensor = c.tf();
    const tfOut = tfTensor.dataSync() as Float32Array;
    tfTensor.dispose();
    const session = await ort.InferenceSession.create(c.onnx.model, { executionProviders: ['wasm'] });
    const feeds = Object.fromEntries(Object.entries(c.onnx.feeds).map(([k, [v, s]]) => [k, new ort.Tensor('float32', v, s)]));
    const ortOut = c.onnx.toOurs((await session.run(feeds))[session.outputNames[0]].data as Float32Array);
    for (const [peer, got] of [['tfjs-backend-wasm', tfOut], ['onnxruntime-web', ortOut]] as const) {
      const d = maxDiff(got, want);
      if (!(d < 1e-3)) throw new Error(`${c.name}: ours and ${peer} disagree (max |diff| ${d})`);
    }
    const ms = await interleavedMs({
      simd: withSet('simd', c.ours),
      js: withSet('js', c.ours),
      tfw: () => tf.tidy(() => { c.tf().dataSync(); }),
      ort: () => session.run(feeds),
    });
    const gf = (t: number) => c.flops / t / 1e6;
    const how = 'medians of interleaved calls, same run';
    records.push(record(`${c.name} forward: SIMD vs tfjs-backend-wasm`, gf(ms.simd), gf(ms.tfw), 'GFLOP/s', `baseline: ${tfNote}; ${how}; target ratio >= 1`));
    records.push(record(`${c.name} forward: SIMD vs onnxruntime-web`, gf(ms.simd), gf(ms.ort), 'GFLOP/s', `baseline: ${ortNote}; ${how} (stretch target ratio >= 1)`));
    records.push(record(`${c.name} forward: SIMD vs js kernels`, gf(ms.simd), gf(ms.js), 'GFLOP/s', `baseline: our typed-array kernel set (HTPW_KERNELS=js); ${how}`));
    console.log(`${c.name}: SIMD ${gf(ms.simd).toFixed(2)}, js ${gf(ms.js).toFixed(2)}, tfjs-wasm ${gf(ms.tfw).toFixed(2)}, ort-web ${gf(ms.ort).toFixed(2)} GFLOP/s`);
    await session.release();
  }
}
