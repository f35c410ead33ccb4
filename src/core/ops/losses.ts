import { ArgumentError } from '../../util/errors.ts';
import { result } from '../autograd.ts';
import { Tensor, fmtShape, sameShape } from '../tensor.ts';
import { mul, sub } from './binary.ts';
import { logSoftmax } from './softmax.ts';
import { exp, neg, pow } from './unary.ts';
import { mean, sum } from './reduce.ts';

/**
 * Classification losses, mean over the batch. Cross-entropy and focal loss are composed from
 * logSoftmax and elementwise ops (their gradients come for free); BCE-with-logits is a primitive
 * for numerical stability.
 */

export type Targets = Int32Array | readonly number[];

function checkTargets(op: string, logits: Tensor, targets: Targets, weights?: ArrayLike<number>): [number, number] {
  if (logits.rank !== 2) throw new ArgumentError(op, `logits ${fmtShape(logits.shape)}: expected [N, C]`);
  const [N, C] = logits.shape;
  if (targets.length !== N) throw new ArgumentError(op, `logits ${fmtShape(logits.shape)} but ${targets.length} targets`);
  for (let i = 0; i < N; i++) {
    const t = targets[i];
    if (!Number.isInteger(t) || t < 0 || t >= C) throw new ArgumentError(op, `target ${t} at ${i} is not a class of logits ${fmtShape(logits.shape)}`);
  }
  if (weights !== undefined && weights.length !== C) throw new ArgumentError(op, `${weights.length} class weights for logits ${fmtShape(logits.shape)}`);
  return [N, C];
}

export interface CrossEntropyOptions {
  /** per-class weights w[c] (length C) */
  weights?: ArrayLike<number>;
  /** epsilon: the target distribution is (1 - eps) * onehot + eps / C */
  labelSmoothing?: number;
}

/**
 * PyTorch semantics: loss_i = -sum_c w[c] q_i[c] log p_i[c] with q_i the (smoothed) target
 * distribution, and the mean divides by sum_i w[y_i] (N when unweighted).
 * Composed as -sum(A * logSoftmax(logits)) with the constant A[i, c] = w[c] q_i[c] / sum_i w[y_i].
 */
export function crossEntropy(logits: Tensor, targets: Targets, opts: CrossEntropyOptions = {}): Tensor {
  const [N, C] = checkTargets('crossEntropy', logits, targets, opts.weights);
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new ArgumentError('crossEntropy', `labelSmoothing ${eps} outside [0, 1]`);
  const w = (c: number) => (opts.weights === undefined ? 1 : opts.weights[c]);
  let norm = 0;
  for (let i = 0; i < N; i++) norm += w(targets[i]);
  if (!(norm > 0)) throw new ArgumentError('crossEntropy', `the target classes have total weight ${norm}`);
  const A = new Float32Array(N * C);
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < C; c++) A[i * C + c] = (w(c) * ((c === targets[i] ? 1 - eps : 0) + eps / C)) / norm;
  }
  return neg(sum(mul(logSoftmax(logits), new Tensor(A, [N, C]))));
}

export interface FocalOptions {
  /** focusing exponent (default 2) */
  gamma?: number;
  /** per-class alpha (length C); default 1 for every class */
  alpha?: ArrayLike<number>;
}

/**
 * Multi-class focal loss (Lin et al. 2017), mean over the batch:
 *   loss_i = -alpha[y_i] * (1 - p_i)^gamma * log p_i,  p_i = softmax(logits_i)[y_i].
 */
export function focalLoss(logits: Tensor, targets: Targets, opts: FocalOptions = {}): Tensor {
  const [N, C] = checkTargets('focalLoss', logits, targets, opts.alpha);
  const gamma = opts.gamma ?? 2;
  if (!(gamma >= 0)) throw new ArgumentError('focalLoss', `gamma ${gamma} must be >= 0`);
  const onehot = new Float32Array(N * C);
  const alpha = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    onehot[i * C + targets[i]] = 1;
    alpha[i] = opts.alpha === undefined ? 1 : opts.alpha[targets[i]];
  }
  const logPt = sum(mul(logSoftmax(logits), new Tensor(onehot, [N, C])), 1); // [N]
  const focal = gamma === 0 ? logPt : mul(pow(sub(1, exp(logPt)), gamma), logPt);
  return neg(mean(mul(focal, new Tensor(alpha, [N]))));
}

export interface BceOptions {
  /** weight of the positive term (per element broadcast over the last axis), default 1 */
  posWeight?: number;
}

/**
 * Binary cross-entropy on logits z with targets y in [0, 1] (same shape), mean over elements:
 *   l = -(pw * y * log s(z) + (1 - y) * log(1 - s(z)))
 *     = (1 - y) * z + (1 + (pw - 1) * y) * softplus(-z),  softplus(u) = max(u, 0) + log1p(exp(-|u|))
 *   dl/dz = (1 - y) - (1 + (pw - 1) * y) * s(-z)
 */
export function bceWithLogits(logits: Tensor, targets: Tensor, opts: BceOptions = {}): Tensor {
  if (!sameShape(logits.shape, targets.shape) || logits.size === 0) {
    throw new ArgumentError('bceWithLogits', `logits ${fmtShape(logits.shape)} and targets ${fmtShape(targets.shape)} must have the same non-empty shape`);
  }
  const pw = opts.posWeight ?? 1;
  const z = logits.values();
  const y = targets.values();
  const n = z.length;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const u = -z[i];
    const softplus = Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));
    acc += (1 - y[i]) * z[i] + (1 + (pw - 1) * y[i]) * softplus;
  }
  return result('bceWithLogits', new Float32Array([acc / n]), [], [logits], (g) => {
    const gz = logits.ensureGrad();
    for (let i = 0; i < n; i++) {
      const sNeg = 1 / (1 + Math.exp(z[i])); // sigmoid(-z)
      gz[i] += (g[0] * ((1 - y[i]) - (1 + (pw - 1) * y[i]) * sNeg)) / n;
    }
  });
}
