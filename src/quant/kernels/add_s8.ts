import { requantizer } from '../fixed_point.ts';
import { check, checkClamp, type AddParams, type Dims } from './types.ts';

/**
 * Elementwise add of two int8 tensors of equal shape (TFLite Micro reference_integer_ops::Add).
 *
 *   shifted_i = (input_i + inputOffset_i) * 2^leftShift
 *   scaled_i  = MBQM(shifted_i, inputMultiplier_i, inputShift_i)      (shift_i <= 0: SmallerThanOne)
 *   raw       = MBQM(scaled_1 + scaled_2, outputMultiplier, outputShift) + outputOffset
 *   output    = clamp(raw, actMin, actMax)
 *
 * Range: |input + offset| <= 255 and leftShift <= 22 keep |shifted| < 2^30; inputMultiplier_i
 * * 2^inputShift_i <= 1/2 (TFLite divides by twice the larger scale) keeps |scaled_1 + scaled_2|
 * < 2^30. validate.ts checks leftShift in [0, 22] and all three shifts in [-31, 0].
 */
export function addS8(params: AddParams, input1Dims: Dims, input1: Int8Array, input2Dims: Dims, input2: Int8Array, outputDims: Dims, output: Int8Array): void {
  const {
    input1Offset, input2Offset, outputOffset, leftShift,
    input1Multiplier, input1Shift, input2Multiplier, input2Shift, outputMultiplier, outputShift, actMin, actMax,
  } = params;
  const size = input1Dims.n * input1Dims.l * input1Dims.c;
  check(input2Dims.n === input1Dims.n && input2Dims.l === input1Dims.l && input2Dims.c === input1Dims.c, 'addS8', 'input shapes differ');
  check(outputDims.n === input1Dims.n && outputDims.l === input1Dims.l && outputDims.c === input1Dims.c, 'addS8', 'output shape differs');
  check(input1.length >= size && input2.length >= size && output.length >= size, 'addS8', 'buffer size');
  check(leftShift >= 0 && leftShift <= 22, 'addS8', `leftShift ${leftShift} not in [0, 22]`);
  checkClamp('addS8', actMin, actMax);
  const mbqm = requantizer(params.rounding);
  const scale = 2 ** leftShift;

  for (let i = 0; i < size; i++) {
    const shifted1 = (input1[i] + input1Offset) * scale;
    const shifted2 = (input2[i] + input2Offset) * scale;
    const scaled1 = mbqm(shifted1, input1Multiplier, input1Shift);
    const scaled2 = mbqm(shifted2, input2Multiplier, input2Shift);
    let raw = mbqm(scaled1 + scaled2, outputMultiplier, outputShift);
    raw += outputOffset;
    output[i] = Math.max(actMin, Math.min(actMax, raw));
  }
}
