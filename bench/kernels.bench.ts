import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { record, timeMs, writeResults, type BenchRecord } from './lib/harness.ts';
import { wasmPeers } from './lib/wasm_peers.ts';
import { Rng, Tensor, backward, conv1d, depthwiseConv1d, matmul, noGrad, parameter, pointwiseConv1d, randn } from '../src/core/index.ts';

/**
 * Core kernels, ours vs @tensorflow/tfjs-backend-cpu, in one run: forward time, GFLOP/s, backward
 * time (ours: the op's backward through the autodiff graph, all input gradients; tfjs: its
 * backprop kernels for the input and the weight, run directly since tfjs-core alone registers no
 * gradient functions) and backward / forward. "ours" is the default kernel set (WebAssembly SIMD
 * where supported). Then the WebAssembly peers (tfjs-backend-wasm, onnxruntime-web, 1 thread)
 * against our SIMD and typed-array kernel sets, forward, in the same run (lib/wasm_peers.ts).
 */
await tf.setBackend('cpu');
const rng = new Rng(2024);
const records: BenchRecord[] = [];
const T = { maxMs: 700 };

interface Case {
  name: string;
  flops: number;
  ours: () => Tensor;
  oursInputs: Tensor[];
  tfForward: () => tf.Tensor;
  /** tfjs input and weight gradients for a given output gradient dy */
  tfGrad: (dy: tf.Tensor) => tf.Tensor[];
  /** tfjs backward is timed on the first N / tfGradScale samples and scaled (its filter backprop is ~85 s at N = 32) */
  tfGradScale?: number;
}

function values(shape: number[]): Float32Array {
  return randn(shape, rng, 0.5).toFloat32Array();
}

/** timeMs for fast functions; a slow one (> 200 ms per call, tfjs conv backprop) is timed as the mean of 2 calls after one warm-up */
async function timeSlowOk(fn: () => unknown): Promise<number> {
  let t = performance.now();
  fn();
  if (performance.now() - t < 200) return timeMs(fn, T);
  t = performance.now();
  fn();
  fn();
  return (performance.now() - t) / 2;
}

/** median over rounds of (one backward) / (one forward), alternating, so load drift on a shared machine cancels */
function pairedRatio(fwd: () => unknown, bwd: () => unknown, rounds = 9): number {
  const r: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    fwd();
    const f = performance.now() - t;
    t = performance.now();
    bwd();
    r.push((performance.now() - t) / f);
  }
  return r.sort((a, b) => a - b)[rounds >> 1];
}

async function run(c: Case): Promise<void> {
  const oursFwd = await timeMs(() => noGrad(c.ours), T);
  // a tidy must return nothing here: returning the Float32Array makes tfjs walk every element
  // looking for tensors, which costs far more than the op (see lib/wasm_peers.ts)
  const tfFwd = await timeSlowOk(() => tf.tidy(() => { c.tfForward().dataSync(); }));
  const out = c.ours();
  // the two sides must compute the same thing before their times mean anything
  const refTensor = c.tfForward();
  const ref = refTensor.dataSync();
  refTensor.dispose();
  const mine = out.toFloat32Array();
  let diff = 0;
  for (let i = 0; i < mine.length; i++) diff = Math.max(diff, Math.abs(mine[i] - ref[i]));
  if (!(mine.length === ref.length && diff < 1e-3)) throw new Error(`${c.name}: ours and tfjs disagree (max |diff| ${diff})`);
  const g = randn(out.shape as number[], rng).toFloat32Array();
  const oursBwd = await timeMs(() => backward(out, g), T);
  const dy = tf.tensor(g, c.tfForward().shape);
  const tfBwd = (c.tfGradScale ?? 1) * await timeSlowOk(() => tf.tidy(() => { for (const t of c.tfGrad(dy)) t.dataSync(); }));
  const ratio = pairedRatio(() => noGrad(c.ours), () => backward(out, g));
  const gf = (ms: number) => c.flops / ms / 1e6;
  records.push(record(`${c.name} forward`, oursFwd, tfFwd, 'ms', 'baseline: tfjs-backend-cpu'));
  records.push(record(`${c.name} forward rate`, gf(oursFwd), gf(tfFwd), 'GFLOP/s', 'baseline: tfjs-backend-cpu'));
  records.push(record(`${c.name} backward`, oursBwd, tfBwd, 'ms', `ours: input + weight gradients via autodiff; baseline: tfjs backprop kernels${c.tfGradScale ? `, timed on N/${c.tfGradScale} samples and scaled x${c.tfGradScale}` : ''}`));
  records.push(record(`${c.name} backward/forward`, ratio, tfBwd / tfFwd, 'bwd/fwd', 'target <= 2.5; ours: median of alternating single calls; baseline: tfjs bwd/fwd from the times above'));
  console.log(`${c.name}: fwd ${oursFwd.toFixed(2)} ms (${gf(oursFwd).toFixed(2)} GFLOP/s) vs tfjs ${tfFwd.toFixed(2)} ms; bwd ${oursBwd.toFixed(2)} ms vs tfjs ${tfBwd.toFixed(2)} ms; bwd/fwd ${ratio.toFixed(2)}`);
}

function gemmCase(M: number, K: number, N: number): Case {
  const a = values([M, K]), b = values([K, N]);
  const A = parameter(new Tensor(a, [M, K])), B = parameter(new Tensor(b, [K, N]));
  const ta = tf.tensor2d(a, [M, K]), tb = tf.tensor2d(b, [K, N]);
  // dA = dy · B^T, dB = A^T · dy
  const grad = (dy: tf.Tensor) => [tf.matMul(dy as tf.Tensor2D, tb, false, true), tf.matMul(ta, dy as tf.Tensor2D, true, false)];
  return { name: `gemm ${M}x${K}x${N}`, flops: 2 * M * N * K, ours: () => matmul(A, B), oursInputs: [A, B], tfForward: () => tf.matMul(ta, tb), tfGrad: grad };
}

const N = 32, L = 1000;

/** tfjs conv1d as conv2d on [N, 1, L, Cin] with filter [1, K, Cin, Cout]; backprop kernels for input and filter */
function tfConvCase(name: string, flops: number, ours: () => Tensor, oursInputs: Tensor[], x: Float32Array, w: Float32Array,
  [n, l, cin]: number[], [cout, k]: number[], pad: 'same' | 'valid'): Case {
  const tx = tf.tensor4d(x, [n, 1, l, cin]);
  const tw = tf.reshape(tf.transpose(tf.tensor3d(w, [cout, k, cin]), [1, 2, 0]), [1, k, cin, cout]) as tf.Tensor4D;
  const attrs = { strides: [1, 1], pad, dataFormat: 'NHWC' };
  const sub = 2; // samples in the timed tfjs backward (linear in N, scaled by n / sub)
  const txs = tf.slice(tx, [0, 0, 0, 0], [sub, 1, l, cin]);
  const grad = (dy: tf.Tensor) => {
    const dy4 = tf.slice(tf.reshape(dy, [n, 1, l, cout]), [0, 0, 0, 0], [sub, 1, l, cout]);
    return [
      tf.engine().runKernel('Conv2DBackpropInput', { dy: dy4, filter: tw }, { ...attrs, inputShape: [sub, 1, l, cin] } as never) as tf.Tensor,
      tf.engine().runKernel('Conv2DBackpropFilter', { x: txs, dy: dy4 }, { ...attrs, filterShape: [1, k, cin, cout] } as never) as tf.Tensor,
    ];
  };
  return { name, flops, ours, oursInputs, tfForward: () => tf.conv2d(tx, tw, 1, pad), tfGrad: grad, tfGradScale: n / sub };
}

function convCase(): Case {
  const Cin = 32, Cout = 64, K = 7;
  const x = values([N, L, Cin]), w = values([Cout, K, Cin]);
  const X = parameter(new Tensor(x, [N, L, Cin])), W = parameter(new Tensor(w, [Cout, K, Cin]));
  return tfConvCase('conv1d [32,1000,32] k7 -> 64', 2 * N * L * Cout * K * Cin, () => conv1d(X, W, null, { padding: 'same' }), [X, W], x, w, [N, L, Cin], [Cout, K, Cin], 'same');
}

function depthwiseCase(): Case {
  const C = 32, K = 7;
  const x = values([N, L, C]), w = values([K, C]);
  const X = parameter(new Tensor(x, [N, L, C])), W = parameter(new Tensor(w, [K, C]));
  const tx = tf.tensor4d(x, [N, 1, L, C]);
  const tw = tf.tensor4d(w, [1, K, C, 1]);
  const attrs = { strides: [1, 1], dilations: [1, 1], pad: 'same' };
  // tfjs depthwise conv of [N, 1, L, C] with filter [1, K, C, 1]; backprop kernels for input and filter
  const grad = (dy: tf.Tensor) => {
    const dy4 = tf.reshape(dy, [N, 1, L, C]);
    return [
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: dy4, filter: tw }, { ...attrs, inputShape: [N, 1, L, C] } as never) as tf.Tensor,
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tx, dy: dy4 }, { ...attrs, filterShape: [1, K, C, 1] } as never) as tf.Tensor,
    ];
  };
  return { name: 'depthwise [32,1000,32] k7', flops: 2 * N * L * C * K, ours: () => depthwiseConv1d(X, W, null, { padding: 'same' }), oursInputs: [X, W], tfForward: () => tf.depthwiseConv2d(tx, tw, 1, 'same'), tfGrad: grad };
}

function pointwiseCase(): Case {
  const Cin = 64, Cout = 64;
  const x = values([N, L, Cin]), w = values([Cout, Cin]);
  const X = parameter(new Tensor(x, [N, L, Cin])), W = parameter(new Tensor(w, [Cout, Cin]));
  return tfConvCase('pointwise [32,1000,64] -> 64', 2 * N * L * Cin * Cout, () => pointwiseConv1d(X, W), [X, W], x, w, [N, L, Cin], [Cout, 1, Cin], 'valid');
}

for (const c of [gemmCase(256, 256, 256), gemmCase(64, 1024, 1024), convCase(), depthwiseCase(), pointwiseCase()]) await run(c);
await wasmPeers(rng, records);
writeResults('kernels', records);
