/**
 * Knowledge distillation (Hinton, Vinyals and Dean 2015) from a fixed teacher's logits:
 *
 *   loss = (1 - alpha) * base(z, y) + alpha * T^2 * mean_i KL(softmax(t_i / T) || softmax(z_i / T))
 *
 * z the student's logits, t the teacher's (precomputed once, eval mode, for every example of the
 * training set), T the temperature (T^2 keeps the soft term's gradient scale independent of T),
 * base the task loss (cross-entropy as configured). KL = sum_k p_k (log p_k - log q_k) with
 * p = softmax(t / T), q = softmax(z / T); its gradient w.r.t. z_k is (q_k - p_k) / T.
 *
 * The trainer's loss sees only (logits, labels); the distillation loss also needs the batch's
 * example indices, which the in-process engine hands over through BoundLoss.select before each
 * batch (data-parallel workers do not support it; the trainer rejects that combination).
 */

import { Tensor, add, logSoftmax, mul, sum } from '../core/index.ts';
import { ArgumentError } from '../util/errors.ts';
import type { BoundLoss } from './losses.ts';

export interface DistillConfig {
  /** [N, K] teacher logits, row i for example i of the training data's x (rows never drawn may be 0) */
  teacherLogits: Float32Array;
  numClasses: number;
  /** weight of the soft term in [0, 1] (default 0.7) */
  alpha?: number;
  /** temperature > 0 (default 4) */
  temperature?: number;
}

/** Softmax of logits / T, one row per example (float64 math, float32 result). */
function softTargets(t: ArrayLike<number>, n: number, K: number, T: number): Float32Array {
  const p = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, t[i * K + k] / T);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(t[i * K + k] / T - m);
    for (let k = 0; k < K; k++) p[i * K + k] = Math.exp(t[i * K + k] / T - m) / s;
  }
  return p;
}

/** alpha * T^2 * mean_i KL(softmax(t_i / T) || softmax(z_i / T)) for z [n, K] and teacher logits t [n, K]. */
export function distillationTerm(z: Tensor, teacher: ArrayLike<number>, T: number, alpha: number): Tensor {
  if (z.rank !== 2) throw new ArgumentError('distillationTerm', `expects logits [n, K], got [${z.shape.join(', ')}]`);
  const [n, K] = z.shape;
  if (teacher.length !== n * K) throw new ArgumentError('distillationTerm', `${teacher.length} teacher logits for [${n}, ${K}]`);
  const p = softTargets(teacher, n, K, T);
  let entropy = 0; // sum p log p: a constant, so the value is the KL itself (>= 0)
  for (const v of p) if (v > 0) entropy += v * Math.log(v);
  const logq = logSoftmax(mul(z, 1 / T));
  const cross = sum(mul(logq, new Tensor(p, [n, K]))); // sum p log q
  const c = (alpha * T * T) / n;
  return add(mul(cross, -c), c * entropy);
}

/**
 * The trainer's loss with distillation: base loss weighted (1 - alpha) plus the soft term. The
 * normalizer is the base loss's (used only to recombine data-parallel shards, which distillation
 * does not support).
 */
export function bindDistillation(base: BoundLoss, cfg: DistillConfig): BoundLoss {
  const alpha = cfg.alpha ?? 0.7;
  const T = cfg.temperature ?? 4;
  const K = cfg.numClasses;
  if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentError('bindDistillation', `alpha = ${alpha} is not in [0, 1]`);
  if (!(T > 0)) throw new ArgumentError('bindDistillation', `temperature = ${T} is not > 0`);
  if (cfg.teacherLogits.length % K !== 0) throw new ArgumentError('bindDistillation', `${cfg.teacherLogits.length} teacher logits are not a multiple of ${K} classes`);
  let batch: Int32Array | null = null;
  return {
    weights: base.weights,
    normalizer: base.normalizer,
    select(indices: Int32Array) {
      batch = indices;
    },
    loss(z: Tensor, targets: Int32Array): Tensor {
      if (!batch || batch.length !== targets.length) throw new ArgumentError('distillation', 'the batch indices were not selected before the loss (in-process training only)');
      const t = new Float32Array(batch.length * K);
      batch.forEach((row, i) => t.set(cfg.teacherLogits.subarray(row * K, (row + 1) * K), i * K));
      const hard = base.loss(z, targets);
      return add(mul(hard, 1 - alpha), distillationTerm(z, t, T, alpha));
    },
  };
}
