/**
 * hypertinypw core: Tensor (views over Float32Array, layout [N, L, C] channels last) and
 * reverse-mode autodiff.
 *
 * Usage for the nn layer:
 *   - parameters: `parameter(randn([Cout, Cin], rng, std))`; they accumulate `.grad`
 *     (Float32Array, same logical order) over backward calls until `zeroGrad(params)`.
 *   - layers call ops as functions; every op validates shapes and throws ArgumentError naming
 *     the op and the shapes. Weight layouts (TFLite order):
 *       conv1d(x [N,L,Cin], w [Cout,K,Cin/groups], b [Cout] | null, {stride, padding, dilation, groups})
 *       depthwiseConv1d(x [N,L,C], w [K,C], b [C] | null, {stride, padding, dilation})
 *       pointwiseConv1d(x [N,L,Cin], w [Cout,Cin], b [Cout] | null)   w may be a generated tensor
 *       linear(x [B,in], w [out,in], b [out] | null)
 *       batchNorm(x [...,C], gamma [C], beta [C], {training, runningMean, runningVar, momentum, eps})
 *     padding: number | [left, right] | 'same' | 'valid'.
 *   - losses return a scalar Tensor: crossEntropy(logits, targets, {weights, labelSmoothing}),
 *     focalLoss(logits, targets, {gamma, alpha}), bceWithLogits(logits, targets, {posWeight}).
 *   - `backward(loss)` runs the topological backward pass; `noGrad(fn)` for evaluation and
 *     optimizer updates (mutate `p.data` in place); `setNanCheck(true)` to find the first NaN.
 *   - `dropout(x, p, rng, training)` takes the caller's seeded Rng.
 */
export { Tensor, shapeSize, contiguousStrides, sameShape } from './tensor.ts';
export { backward, noGrad, isGradEnabled, setNanCheck } from './autograd.ts';
export { Rng } from './rng.ts';
export { tensor, full, zeros, ones, scalar, randn, randUniform, parameter, zeroGrad, fromNdarray, toNdarray } from './create.ts';
export { add, sub, mul, div, broadcastShapes, type Operand } from './ops/binary.ts';
export { neg, exp, log, sqrt, pow, relu, relu6, sigmoid, tanh } from './ops/unary.ts';
export { sum, mean, max, type Axes } from './ops/reduce.ts';
export { contiguous, reshape, transpose, slice, concat, pad } from './ops/shape.ts';
export { matmul, linear } from './ops/matmul.ts';
export { conv1d, depthwiseConv1d, pointwiseConv1d, convGeometry, type ConvOptions, type Padding } from './ops/conv.ts';
export { batchNorm, type BatchNormOptions } from './ops/batchnorm.ts';
export { maxPool1d, avgPool1d, globalAvgPool1d, type PoolOptions } from './ops/pool.ts';
export { softmax, logSoftmax } from './ops/softmax.ts';
export { crossEntropy, focalLoss, bceWithLogits, type Targets, type CrossEntropyOptions, type FocalOptions, type BceOptions } from './ops/losses.ts';
export { dropout } from './ops/dropout.ts';
