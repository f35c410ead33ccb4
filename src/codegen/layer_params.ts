/**
 * Where a stored weighted op's parameters live in the generated C: its weights (int8 in flash,
 * or packed 4-bit in flash and unpacked to RAM by <prefix>_init), its int32 bias (folded for the
 * native kernels, TFLite's own for the backends that add the input offset themselves), its int32
 * multipliers and int8 shifts. A generated op's parameters live in the RAM cache (pw_cache.ts).
 */

import type { WeightedOp } from '../quant/op_kinds.ts';
import { commentText } from './c_text.ts';
import { SECTION, type FlashArrays } from './flash_sections.ts';
import { foldedBias } from './folded_bias.ts';

/** C expressions of a weighted op's filter (weights), bias, multiplier and shift arrays. */
export interface ParamRefs {
  filter: string;
  bias: string;
  multiplier: string;
  shift: string;
}

/** RAM of 4-bit stored weights unpacked to int8 at init: its size and the init statements. */
export interface Unpacked {
  bytes: number;
  init: string[];
}

/** The flash arrays of a stored op (and its unpack statements when stored below 8 bits). */
export function storedParams(op: WeightedOp, index: number, bits: number, inputZeroPoint: number, foldBias: boolean, flash: FlashArrays, unpacked: Unpacked): ParamRefs {
  let w: string;
  if (bits === 8) w = flash.param(SECTION.op(op.name, 'weights'), 'int8_t');
  else {
    const packed = flash.param(SECTION.op(op.name, 'weights'), 'uint8_t');
    w = `(HTPW_UNPACK + ${unpacked.bytes})`;
    unpacked.init.push(
      `  /* op ${index} "${commentText(op.name)}": ${op.weights.length} weights stored at ${bits} bits */`,
      `  for (i = 0; i < ${op.weights.length}; i++) ${w}[i] = (int8_t)htpw_read_packed(${packed}, ${bits}, i);`,
    );
    unpacked.bytes += op.weights.length;
  }
  const bias = foldBias ? flash.param(SECTION.op(op.name, 'bias'), 'int32_t', foldedBias(op, inputZeroPoint)) : flash.param(SECTION.op(op.name, 'bias'), 'int32_t');
  const multiplier = flash.param(SECTION.op(op.name, 'mult'), 'int32_t');
  const shift = flash.param(SECTION.op(op.name, 'shift'), 'int8_t');
  return { filter: w, bias, multiplier, shift };
}
