import { Rng, Tensor, bceWithLogits, crossEntropy, focalLoss } from '../core/index.ts';
import { ArgumentError } from '../util/errors.ts';

/**
 * Losses for imbalanced classification (cross-entropy, class-weighted cross-entropy, focal, all
 * from src/core) and a seeded class-balanced sampler.
 *
 * Class weights: w_c = (n / (K * n_c))^power over the training labels (power 1 = inverse
 * frequency, 0.5 = its square root, 0 = unweighted); a class absent from training gets weight 1.
 *
 * Multi-label tasks (PTB-XL) keep the trainer's Int32Array labels: each example's K 0/1 targets
 * are packed into one bitmask (bit k = class k, K <= 31), and the 'bce' loss unpacks a batch's
 * masks into a [B, K] target tensor for bceWithLogits (mean over the B * K elements).
 */

export type LossConfig =
  | { kind: 'ce'; labelSmoothing?: number }
  | { kind: 'weighted-ce'; power?: number; labelSmoothing?: number }
  | { kind: 'focal'; gamma?: number; alphaPower?: number }
  | { kind: 'bce'; posWeight?: number };

/** Most classes a packed multi-label bitmask holds. */
export const MAX_MULTI_LABEL_CLASSES = 31;

/** [N, K] 0/1 targets -> one bitmask per example (bit k = class k). */
export function packMultiLabel(yMulti: Uint8Array, k: number): Int32Array {
  if (!(Number.isInteger(k) && k >= 1 && k <= MAX_MULTI_LABEL_CLASSES) || yMulti.length % k !== 0) throw new ArgumentError('packMultiLabel', `${yMulti.length} targets are not [N, ${k}] with 1 <= K <= ${MAX_MULTI_LABEL_CLASSES}`);
  const out = new Int32Array(yMulti.length / k);
  for (let i = 0; i < out.length; i++) for (let j = 0; j < k; j++) if (yMulti[i * k + j]) out[i] |= 1 << j;
  return out;
}

/** Bitmasks -> [B, K] 0/1 float targets. */
export function unpackMultiLabel(masks: Int32Array, k: number): Float32Array {
  const out = new Float32Array(masks.length * k);
  for (let i = 0; i < masks.length; i++) for (let j = 0; j < k; j++) out[i * k + j] = (masks[i] >>> j) & 1;
  return out;
}

/** Positive examples per class among y[indices] (y = bitmasks). */
export function positiveCounts(y: Int32Array, indices: ArrayLike<number>, numClasses: number): number[] {
  const c = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < indices.length; i++) {
    const m = y[indices[i]];
    if (m < 0 || m >= 2 ** numClasses) throw new ArgumentError('positiveCounts', `label mask ${m} of example ${indices[i]} has bits beyond ${numClasses} classes`);
    for (let j = 0; j < numClasses; j++) c[j] += (m >>> j) & 1;
  }
  return c;
}

/**
 * The loss a multi-label task trains with: 'bce' as given; the cross-entropy kinds (the trainer's
 * default) become plain BCE, as in the PTB-XL benchmark; focal has no multi-label form here.
 */
export function multiLabelLoss(cfg: LossConfig): LossConfig {
  if (cfg.kind === 'bce') return cfg;
  if (cfg.kind === 'focal') throw new ArgumentError('multiLabelLoss', "focal loss is single-label only; use 'bce' for a multi-label task");
  return { kind: 'bce' };
}

export function classCounts(y: Int32Array, indices: ArrayLike<number>, numClasses: number): number[] {
  const c = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < indices.length; i++) {
    const t = y[indices[i]];
    if (!(t >= 0 && t < numClasses)) throw new ArgumentError('classCounts', `label ${t} of example ${indices[i]} is not in [0, ${numClasses})`);
    c[t]++;
  }
  return c;
}

export function classWeights(counts: readonly number[], power: number): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  const K = counts.length;
  return counts.map((nc) => (nc > 0 ? (n / (K * nc)) ** power : 1));
}

/** A loss bound to its class weights. */
export interface BoundLoss {
  /** mean loss of a batch (the core op's normalization) */
  loss(logits: Tensor, targets: Int32Array): Tensor;
  /**
   * The batch normalizer of `loss` (sum of w[y_i] for weighted CE, else the count), so a batch
   * split into shards is recombined exactly: grad(batch) = sum_k (norm_k / norm) grad(shard k).
   */
  normalizer(targets: Int32Array): number;
  weights: number[] | null;
  /** called with the batch's example indices before `loss` (in-process training; distill.ts) */
  select?(indices: Int32Array): void;
}

export function bindLoss(cfg: LossConfig, counts: readonly number[]): BoundLoss {
  switch (cfg.kind) {
    case 'ce':
      return { weights: null, normalizer: (t) => t.length, loss: (z, t) => crossEntropy(z, t, { labelSmoothing: cfg.labelSmoothing ?? 0 }) };
    case 'weighted-ce': {
      const w = classWeights(counts, cfg.power ?? 0.5);
      return {
        weights: w,
        normalizer: (t) => t.reduce((a, c) => a + w[c], 0),
        loss: (z, t) => crossEntropy(z, t, { weights: w, labelSmoothing: cfg.labelSmoothing ?? 0 }),
      };
    }
    case 'focal': {
      const a = classWeights(counts, cfg.alphaPower ?? 0);
      return { weights: a, normalizer: (t) => t.length, loss: (z, t) => focalLoss(z, t, { gamma: cfg.gamma ?? 2, alpha: a }) };
    }
    case 'bce': {
      // counts = positives per class (positiveCounts); their length is K
      const K = counts.length;
      return {
        weights: null, normalizer: (t) => t.length,
        loss: (z, t) => bceWithLogits(z, new Tensor(unpackMultiLabel(t, K), [t.length, K]), { posWeight: cfg.posWeight ?? 1 }),
      };
    }
    default: throw new ArgumentError('bindLoss', `unknown loss "${(cfg as { kind: string }).kind}" (ce, weighted-ce, focal, bce)`);
  }
}

/**
 * Class-balanced sampling with replacement: `n` draws from `indices`, example i with
 * probability proportional to 1 / n_{y_i}^power (power 1: every class equally likely).
 * Deterministic for a given rng state.
 */
export function balancedSample(y: Int32Array, indices: Int32Array, numClasses: number, n: number, rng: Rng, power = 1): Int32Array {
  const counts = classCounts(y, indices, numClasses);
  const cum = new Float64Array(indices.length);
  let acc = 0;
  for (let i = 0; i < indices.length; i++) {
    acc += 1 / counts[y[indices[i]]] ** power;
    cum[i] = acc;
  }
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const u = rng.next() * acc;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    out[k] = indices[lo];
  }
  return out;
}
