/**
 * Instruction and type encodings of WebAssembly 2.0 (core spec chapter 5 "Binary Format") and
 * of the fixed-width SIMD instructions (0xFD prefix, opcode as unsigned LEB128). Mnemonics are
 * the spec's text-format names, so an assembled function reads like a .wat listing.
 * Only what our kernels use (float and INT8) is listed; add entries from the spec as needed.
 */

/** Value types (5.3.1). */
export const VALUE_TYPE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type ValueType = keyof typeof VALUE_TYPE;

/** Section ids (5.5.2), in the order they must appear. */
export const SECTION = { type: 1, import: 2, function: 3, memory: 5, export: 7, code: 10 } as const;

export const FUNCTION_TYPE = 0x60;
export const EXTERNAL_KIND = { function: 0x00, memory: 0x02 } as const;
export const EMPTY_BLOCK_TYPE = 0x40;
export const SIMD_PREFIX = 0xfd;

/** Control instructions with an immediate, emitted by the builder's structured helpers (5.4.1). */
export const CONTROL = { block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, br_if: 0x0d, call: 0x10 } as const;

/** Variable instructions (5.4.3): immediate = local index. */
export const VARIABLE = { 'local.get': 0x20, 'local.set': 0x21, 'local.tee': 0x22 } as const;

/** Numeric constants (5.4.5): immediate = LEB128 integer or little-endian float. */
export const CONST = { 'i32.const': 0x41, 'i64.const': 0x42, 'f32.const': 0x43 } as const;

/**
 * Instructions without immediates (5.4.1 parametric, 5.4.5 numeric): one opcode byte.
 * Scalar i32 / i64 / f32 arithmetic, comparisons and conversions.
 */
export const PLAIN = {
  // parametric and control without immediates
  unreachable: 0x00, nop: 0x01, return: 0x0f, drop: 0x1a, select: 0x1b,
  // i32 tests and comparisons -> i32 0 / 1
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49,
  'i32.gt_s': 0x4a, 'i32.gt_u': 0x4b, 'i32.le_s': 0x4c, 'i32.le_u': 0x4d, 'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
  // i64 tests and comparisons
  'i64.eqz': 0x50, 'i64.eq': 0x51, 'i64.ne': 0x52, 'i64.lt_s': 0x53, 'i64.gt_s': 0x55, 'i64.le_s': 0x57, 'i64.ge_s': 0x59,
  // f32 comparisons
  'f32.eq': 0x5b, 'f32.ne': 0x5c, 'f32.lt': 0x5d, 'f32.gt': 0x5e, 'f32.le': 0x5f, 'f32.ge': 0x60,
  // i32 arithmetic (wrapping) and bit operations
  'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c, 'i32.div_s': 0x6d, 'i32.div_u': 0x6e, 'i32.rem_s': 0x6f, 'i32.rem_u': 0x70,
  'i32.and': 0x71, 'i32.or': 0x72, 'i32.xor': 0x73, 'i32.shl': 0x74, 'i32.shr_s': 0x75, 'i32.shr_u': 0x76,
  // i64 arithmetic (for 64-bit fixed-point requantization products)
  'i64.add': 0x7c, 'i64.sub': 0x7d, 'i64.mul': 0x7e, 'i64.and': 0x83, 'i64.or': 0x84,
  'i64.shl': 0x86, 'i64.shr_s': 0x87, 'i64.shr_u': 0x88,
  // f32 arithmetic
  'f32.abs': 0x8b, 'f32.neg': 0x8c, 'f32.sqrt': 0x91, 'f32.add': 0x92, 'f32.sub': 0x93, 'f32.mul': 0x94, 'f32.div': 0x95,
  'f32.min': 0x96, 'f32.max': 0x97,
  // conversions
  'i32.wrap_i64': 0xa7, 'i32.trunc_f32_s': 0xa8, 'i64.extend_i32_s': 0xac, 'i64.extend_i32_u': 0xad, 'f32.convert_i32_s': 0xb2,
} as const;
export type PlainOp = keyof typeof PLAIN;

/** Scalar memory instructions (5.4.6): [opcode, natural alignment as log2 of bytes]; immediate = memarg. */
export const MEMORY = {
  'i32.load': [0x28, 2], 'i64.load': [0x29, 3], 'f32.load': [0x2a, 2],
  'i32.load8_s': [0x2c, 0], 'i32.load8_u': [0x2d, 0], 'i32.load16_s': [0x2e, 1], 'i32.load16_u': [0x2f, 1],
  'i32.store': [0x36, 2], 'i64.store': [0x37, 3], 'f32.store': [0x38, 2], 'i32.store8': [0x3a, 0], 'i32.store16': [0x3b, 1],
} as const satisfies Record<string, readonly [number, number]>;
export type MemoryOp = keyof typeof MEMORY;

/** SIMD memory instructions (0xFD prefix): [opcode, natural alignment log2]; immediate = memarg. */
export const SIMD_MEMORY = {
  'v128.load': [0x00, 4],
  'v128.load8x8_s': [0x01, 3], 'v128.load8x8_u': [0x02, 3], // 8 bytes -> i16x8, sign / zero extended
  'v128.load16x4_s': [0x03, 3], 'v128.load16x4_u': [0x04, 3], // 4 halves -> i32x4
  'v128.load8_splat': [0x07, 0], 'v128.load16_splat': [0x08, 1], 'v128.load32_splat': [0x09, 2], 'v128.load64_splat': [0x0a, 3],
  'v128.store': [0x0b, 4],
  'v128.load32_zero': [0x5c, 2], 'v128.load64_zero': [0x5d, 3],
} as const satisfies Record<string, readonly [number, number]>;
export type SimdMemoryOp = keyof typeof SIMD_MEMORY;

/** SIMD lane access (0xFD prefix): immediate = one lane-index byte. */
export const SIMD_LANE = {
  'i8x16.extract_lane_s': 0x15, 'i8x16.extract_lane_u': 0x16, 'i8x16.replace_lane': 0x17,
  'i16x8.extract_lane_s': 0x18, 'i16x8.extract_lane_u': 0x19, 'i16x8.replace_lane': 0x1a,
  'i32x4.extract_lane': 0x1b, 'i32x4.replace_lane': 0x1c,
  'i64x2.extract_lane': 0x1d, 'i64x2.replace_lane': 0x1e,
  'f32x4.extract_lane': 0x1f, 'f32x4.replace_lane': 0x20,
} as const;
export type SimdLaneOp = keyof typeof SIMD_LANE;

/** v128.const (immediate: 16 bytes) and i8x16.shuffle (immediate: 16 lane indices). */
export const SIMD_IMMEDIATE16 = { 'v128.const': 0x0c, 'i8x16.shuffle': 0x0d } as const;

/** SIMD instructions without immediates (0xFD prefix, opcode as unsigned LEB128). */
export const SIMD = {
  // splat a scalar into every lane; swizzle
  'i8x16.swizzle': 0x0e, 'i8x16.splat': 0x0f, 'i16x8.splat': 0x10, 'i32x4.splat': 0x11, 'i64x2.splat': 0x12, 'f32x4.splat': 0x13,
  // lane-wise comparisons -> all-ones / all-zeros masks
  'i8x16.eq': 0x23, 'i16x8.eq': 0x2d, 'i32x4.eq': 0x37, 'i32x4.ne': 0x38, 'i32x4.lt_s': 0x39, 'i32x4.gt_s': 0x3b, 'i32x4.le_s': 0x3d, 'i32x4.ge_s': 0x3f,
  'f32x4.eq': 0x41, 'f32x4.ne': 0x42, 'f32x4.lt': 0x43, 'f32x4.gt': 0x44, 'f32x4.le': 0x45, 'f32x4.ge': 0x46,
  // bitwise
  'v128.not': 0x4d, 'v128.and': 0x4e, 'v128.andnot': 0x4f, 'v128.or': 0x50, 'v128.xor': 0x51, 'v128.bitselect': 0x52, 'v128.any_true': 0x53,
  // i8x16
  'i8x16.abs': 0x60, 'i8x16.neg': 0x61, 'i8x16.narrow_i16x8_s': 0x65, 'i8x16.narrow_i16x8_u': 0x66,
  'i8x16.add': 0x6e, 'i8x16.add_sat_s': 0x6f, 'i8x16.sub': 0x71, 'i8x16.sub_sat_s': 0x72, 'i8x16.min_s': 0x76, 'i8x16.max_s': 0x78,
  'i16x8.extadd_pairwise_i8x16_s': 0x7c, 'i32x4.extadd_pairwise_i16x8_s': 0x7e,
  // i16x8
  'i16x8.abs': 0x80, 'i16x8.neg': 0x81, 'i16x8.q15mulr_sat_s': 0x82, 'i16x8.narrow_i32x4_s': 0x85, 'i16x8.narrow_i32x4_u': 0x86,
  'i16x8.extend_low_i8x16_s': 0x87, 'i16x8.extend_high_i8x16_s': 0x88, 'i16x8.extend_low_i8x16_u': 0x89, 'i16x8.extend_high_i8x16_u': 0x8a,
  'i16x8.shl': 0x8b, 'i16x8.shr_s': 0x8c, 'i16x8.shr_u': 0x8d, 'i16x8.add': 0x8e, 'i16x8.add_sat_s': 0x8f, 'i16x8.sub': 0x91, 'i16x8.sub_sat_s': 0x92,
  'i16x8.mul': 0x95, 'i16x8.min_s': 0x96, 'i16x8.max_s': 0x98,
  'i16x8.extmul_low_i8x16_s': 0x9c, 'i16x8.extmul_high_i8x16_s': 0x9d,
  // i32x4
  'i32x4.abs': 0xa0, 'i32x4.neg': 0xa1, 'i32x4.extend_low_i16x8_s': 0xa7, 'i32x4.extend_high_i16x8_s': 0xa8,
  'i32x4.extend_low_i16x8_u': 0xa9, 'i32x4.extend_high_i16x8_u': 0xaa,
  'i32x4.shl': 0xab, 'i32x4.shr_s': 0xac, 'i32x4.shr_u': 0xad, 'i32x4.add': 0xae, 'i32x4.sub': 0xb1, 'i32x4.mul': 0xb5,
  'i32x4.min_s': 0xb6, 'i32x4.max_s': 0xb8, 'i32x4.dot_i16x8_s': 0xba,
  'i32x4.extmul_low_i16x8_s': 0xbc, 'i32x4.extmul_high_i16x8_s': 0xbd,
  // i64x2 (64-bit lanes for fixed-point products)
  'i64x2.extend_low_i32x4_s': 0xc7, 'i64x2.extend_high_i32x4_s': 0xc8,
  'i64x2.shl': 0xcb, 'i64x2.shr_s': 0xcc, 'i64x2.add': 0xce, 'i64x2.sub': 0xd1, 'i64x2.mul': 0xd5,
  'i64x2.extmul_low_i32x4_s': 0xdc, 'i64x2.extmul_high_i32x4_s': 0xdd,
  // f32x4
  'f32x4.abs': 0xe0, 'f32x4.neg': 0xe1, 'f32x4.sqrt': 0xe3, 'f32x4.add': 0xe4, 'f32x4.sub': 0xe5, 'f32x4.mul': 0xe6, 'f32x4.div': 0xe7,
  'f32x4.min': 0xe8, 'f32x4.max': 0xe9, 'f32x4.pmin': 0xea, 'f32x4.pmax': 0xeb,
  // conversions
  'i32x4.trunc_sat_f32x4_s': 0xf8, 'f32x4.convert_i32x4_s': 0xfa,
} as const;
export type SimdOp = keyof typeof SIMD;
