import { Tensor, backward, noGrad, zeroGrad } from '../core/index.ts';
import { Rng } from '../core/rng.ts';
import { Dropout } from './layers.ts';
import type { BoundLoss } from './losses.ts';
import type { Module } from './module.ts';

/**
 * The pieces of one training step shared by the in-process trainer and the data-parallel
 * workers: gathering a batch, reseeding dropout, forward + loss + backward, evaluation.
 */

/** Examples x[indices] of x [N, L, C] as a tensor [B, L, C], labels y[indices]. */
export function gatherBatch(x: Float32Array, shape: readonly [number, number, number], y: Int32Array, indices: ArrayLike<number>): { xb: Tensor; yb: Int32Array } {
  const row = shape[1] * shape[2];
  const B = indices.length;
  const out = new Float32Array(B * row);
  const yb = new Int32Array(B);
  for (let i = 0; i < B; i++) {
    const s = indices[i];
    out.set(x.subarray(s * row, (s + 1) * row), i * row);
    yb[i] = y[s];
  }
  return { xb: new Tensor(out, [B, shape[1], shape[2]]), yb };
}

/** A 32-bit seed mixed from (seed, step, shard, layer) (Murmur3-style constants). */
export function mixSeed(seed: number, step: number, shard: number, layer: number): number {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  for (const v of [step, shard, layer]) {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * Give every Dropout a fresh Rng derived from (seed, step, shard, its index): dropout masks are
 * then a function of the step, so a resumed run and a data-parallel shard draw the same masks
 * without storing dropout state.
 */
export function reseedDropout(model: Module, seed: number, step: number, shard: number): void {
  let j = 0;
  for (const [, m] of model.namedModules()) if (m instanceof Dropout) m.rng = new Rng(mixSeed(seed, step, shard, j++));
}

/**
 * Zero the gradients, forward, loss, backward with the loss gradient seeded to `scale`
 * (1 for a whole batch; norm_k / norm for a shard). Returns the (unscaled) loss.
 */
export function lossAndGrads(model: Module, loss: BoundLoss, xb: Tensor, yb: Int32Array, scale = 1): number {
  zeroGrad(model.namedParameters().map(([, p]) => p));
  const l = loss.loss(model.forward(xb), yb);
  backward(l, new Float32Array([scale]));
  return l.item();
}

/** Logits [n, K] of the examples `indices`, in eval mode, without gradients. */
export function predictLogits(model: Module, x: Float32Array, shape: readonly [number, number, number], indices: Int32Array, batchSize = 512): { logits: Float32Array; numClasses: number } {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      let K = 0;
      let out = new Float32Array(0);
      const dummy = new Int32Array(shape[0]);
      for (let s = 0; s < indices.length; s += batchSize) {
        const idx = indices.subarray(s, Math.min(indices.length, s + batchSize));
        const z = model.forward(gatherBatch(x, shape, dummy, idx).xb);
        if (K === 0) {
          K = z.shape[1];
          out = new Float32Array(indices.length * K);
        }
        out.set(z.values(), s * K);
      }
      return { logits: out, numClasses: K };
    });
  } finally {
    model.train(wasTraining);
  }
}

/** Row-wise argmax of [n, K] (first maximum on ties). */
export function argmaxRows(logits: Float32Array, K: number): Int32Array {
  const n = logits.length / K;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (logits[i * K + k] > logits[i * K + best]) best = k;
    out[i] = best;
  }
  return out;
}
