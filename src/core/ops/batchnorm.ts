import { ArgumentError } from '../../util/errors.ts';
import { result } from '../autograd.ts';
import { kernels } from '../kernels/kernel_table.ts';
import { Tensor, fmtShape } from '../tensor.ts';

/**
 * Batch norm over the last (channel) axis of x [..., C]: statistics over all other positions.
 * training: normalize with batch statistics (gradient flows through them) and update the
 *   running statistics in place: run = (1 - momentum) * run + momentum * batch, the variance
 *   entering the running average unbiased (M / (M - 1)), as PyTorch does.
 * eval: normalize with the running statistics (constants for the gradient).
 */
export interface BatchNormOptions {
  training: boolean;
  runningMean: Tensor;
  runningVar: Tensor;
  momentum?: number;
  eps?: number;
}

export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, opts: BatchNormOptions): Tensor {
  const { training, runningMean, runningVar, momentum = 0.1, eps = 1e-5 } = opts;
  const C = x.shape[x.rank - 1];
  const okVec = (t: Tensor) => t.rank === 1 && t.shape[0] === C;
  if (x.rank < 2 || !okVec(gamma) || !okVec(beta) || !okVec(runningMean) || !okVec(runningVar) || !runningMean.isContiguous() || !runningVar.isContiguous()) {
    throw new ArgumentError('batchNorm', `x ${fmtShape(x.shape)}, gamma ${fmtShape(gamma.shape)}, beta ${fmtShape(beta.shape)}, running ${fmtShape(runningMean.shape)} / ${fmtShape(runningVar.shape)}: expected x [..., C] and contiguous [C] vectors`);
  }
  const M = x.size / C;
  if (training && M < 2) throw new ArgumentError('batchNorm', `training needs more than one value per channel, x ${fmtShape(x.shape)}`);
  const { channelStats, affineChannels, batchNormBackward } = kernels();
  const xv = x.values();
  const gv = gamma.values();
  const bv = beta.values();
  const mean = new Float64Array(C);
  const invStd = new Float64Array(C);
  if (training) {
    const variance = new Float64Array(C);
    channelStats(xv, M, C, mean, variance);
    for (let c = 0; c < C; c++) invStd[c] = 1 / Math.sqrt(variance[c] + eps);
    const rm = runningMean.values();
    const rv = runningVar.values();
    for (let c = 0; c < C; c++) {
      rm[c] = (1 - momentum) * rm[c] + momentum * mean[c];
      rv[c] = (1 - momentum) * rv[c] + momentum * variance[c] * (M / (M - 1));
    }
  } else {
    const rm = runningMean.values();
    const rv = runningVar.values();
    for (let c = 0; c < C; c++) {
      mean[c] = rm[c];
      invStd[c] = 1 / Math.sqrt(rv[c] + eps);
    }
  }
  // y = gamma * (x - mean) * invStd + beta = x * scale + shift
  const scale = new Float64Array(C);
  const shift = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    scale[c] = gv[c] * invStd[c];
    shift[c] = bv[c] - mean[c] * scale[c];
  }
  const out = new Float32Array(x.size);
  affineChannels(xv, M, C, scale, shift, out);
  return result('batchNorm', out, x.shape, [x, gamma, beta], (g) => {
    batchNormBackward(xv, g, M, C, mean, invStd, gv, training,
      x.requiresGrad ? x.ensureGrad() : null,
      gamma.requiresGrad ? gamma.ensureGrad() : null,
      beta.requiresGrad ? beta.ensureGrad() : null);
  });
}
