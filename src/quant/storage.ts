/**
 * How the device stores quantization parameters in flash: the one convention shared by the
 * simple per-op table (arena.ts), the packed-byte accounting (src/hyper/bytes.ts) and the C
 * generator (src/codegen), whose linked symbol sizes are tested to equal these counts.
 *
 * Per output channel of a weighted op: an int32 bias, an int32 Q31 multiplier and an int8 shift
 * (shifts are in [-31, 30], so a byte holds them; TFLite Micro keeps them as int32 only because
 * its flatbuffer does). An add stores three int32 multipliers and four int8 shifts (three
 * requantization shifts and the left shift).
 */
export const BIAS_BYTES = 4;
export const MULT_BYTES = 4;
export const SHIFT_BYTES = 1;
export const REQUANT_BYTES_PER_CHANNEL = MULT_BYTES + SHIFT_BYTES;
export const ADD_REQUANT_BYTES = 3 * MULT_BYTES + 4 * SHIFT_BYTES;
