/**
 * The one argument convention of every INT8 kernel (CMSIS-NN style):
 *
 *   <op>S8(opParams, quantParams, inputDims, input, [filterDims, filter, bias,] outputDims, output)
 *
 * - opParams: geometry and offsets of the op (stride, dilation, padding, input/output offsets,
 *   the output clamp). Offsets are TFLite's: inputOffset = -inputZeroPoint,
 *   outputOffset = +outputZeroPoint.
 * - quantParams: per-output-channel multiplier / shift and the rounding mode.
 * - dims: activations are [N, L, C] channels last (a vector is L = 1); filters name their axes.
 * - output is written in place; kernels allocate nothing per element and return nothing.
 */

import type { RoundingMode } from '../int_model.ts';

/** Activation dims [N, L, C], channels last. */
export interface Dims {
  n: number;
  l: number;
  c: number;
}

/** Filter dims: [out, k, in] (conv1d: [Cout, K, Cin]; dwconv1d: out = in = C, stored [K, C];
 * pwconv1d / fully_connected: k = 1, [Cout, Cin]). */
export interface FilterDims {
  out: number;
  k: number;
  in: number;
}

/** Per-output-channel requantization (TFLite's per-channel quant params). */
export interface PerChannelQuantParams {
  /** Q31 multipliers in [0, 2^31 - 1] */
  multiplier: Int32Array;
  /** TFLite sign convention, in [-31, 30] */
  shift: Int32Array;
  rounding: RoundingMode;
}

/** Geometry and offsets of a (depthwise / pointwise) convolution or a fully connected layer. */
export interface ConvParams {
  stride: number;
  dilation: number;
  padBefore: number;
  padAfter: number;
  /** -inputZeroPoint, in [-127, 128] */
  inputOffset: number;
  /** +outputZeroPoint, in [-128, 127] */
  outputOffset: number;
  /** output clamp, -128 <= actMin <= actMax <= 127 */
  actMin: number;
  actMax: number;
}

/** Geometry of a pooling op (input and output share scale and zero point). */
export interface PoolParams {
  poolSize: number;
  stride: number;
  padBefore: number;
  padAfter: number;
  actMin: number;
  actMax: number;
}

/** ADD int8 parameters (TFLite's ArithmeticParams). */
export interface AddParams {
  input1Offset: number;
  input2Offset: number;
  outputOffset: number;
  leftShift: number;
  input1Multiplier: number;
  input1Shift: number;
  input2Multiplier: number;
  input2Shift: number;
  outputMultiplier: number;
  outputShift: number;
  rounding: RoundingMode;
  actMin: number;
  actMax: number;
}

/** Output length of a 1-D window op: floor((L + pads - dilation * (K - 1) - 1) / stride) + 1. */
export function outputLength(l: number, k: number, stride: number, dilation: number, padBefore: number, padAfter: number): number {
  return Math.floor((l + padBefore + padAfter - dilation * (k - 1) - 1) / stride) + 1;
}

/** Invariant check used by every kernel (TFLITE_DCHECK); throws with the kernel's name. */
export function check(cond: boolean, kernel: string, what: string): asserts cond {
  if (!cond) throw new RangeError(`${kernel}: ${what}`);
}

export function checkClamp(kernel: string, actMin: number, actMax: number): void {
  check(Number.isInteger(actMin) && Number.isInteger(actMax) && -128 <= actMin && actMin <= actMax && actMax <= 127, kernel, `act range [${actMin}, ${actMax}] not within [-128, 127]`);
}
