/*
 * htpw_synthesis.h: HyperTinyPW load-time synthesis in C (src/hyper/SYNTHESIS.md, the spec; the
 * TypeScript definition is src/hyper/synthesis.ts + fixed.ts + pack.ts).
 *
 * C99, stdint.h only, integer-only (no float), no allocation, no compiler builtins; on the Arm DSP
 * path (HTPW_DSP from htpw_kernels.h, included first) SMLAD / SMUAD and, for rank 3 and 4, steps d
 * and f as inline assembly (gcc / clang): the same integers, fewer instructions. Every stored
 * tensor is read from its packed flash bytes (section 1 of the spec) by htpw_read_packed, so the
 * flash image is exactly the accounted one. Division only by proven-positive values: m > 0 in step
 * f (A > 0), d = mult in [2^30, 2^31) in rdiv_pow2 (kMult is checked to be in [2^30, 2^31) first).
 * Right shifts of negative int64 values are arithmetic (gcc / clang on every supported target).
 * On Cortex-M0 the int64 multiply / shifts / divisions call libgcc (__aeabi_lmul, __aeabi_uldivmod).
 */
#ifndef HTPW_SYNTHESIS_H
#define HTPW_SYNTHESIS_H

#include <stdint.h>

/* Every function is static; a model that only unpacks 4-bit weights uses htpw_read_packed alone. */
#if defined(__GNUC__)
#define HTPW_SYN_FN static __attribute__((unused))
#else
#define HTPW_SYN_FN static
#endif

/* One integer MLP layer (spec section 3): weights [out][in] packed at `bits`, int32 bias, int32
 * multiplier in {0} U [2^30, 2^31), int8 shift in [-31, 30]; output clamp [lo, hi] by role. */
typedef struct {
  const uint8_t *weights;
  const int32_t *bias;
  const int32_t *mult;
  const int8_t *shift;
  int32_t in, out, bits, lo, hi;
} htpw_linear_t;

#define HTPW_HEAD_SHARED_BASIS 0
#define HTPW_HEAD_BASIS_COEFF 1
#define HTPW_HEAD_FACTORS 2
#define HTPW_GAINS_STORED 0
#define HTPW_GAINS_GENERATED 1
#define HTPW_GAINS_NONE 2

/* One generator instance: trunk, core head, optional gain head, bases U [cmax][r], V [r][cmax].
 * HTPW_HEAD_FACTORS: no bases (u = v = 0, basis_bits = 8); the core head H_A gives U(o, a) as its
 * row o*r + a and the factor head H_B gives V(b, i) as its row b*cmax + i, both in [-127, 127]. */
typedef struct {
  const htpw_linear_t *trunk;
  int32_t trunk_depth;
  const htpw_linear_t *core;
  const htpw_linear_t *gain;     /* gains 'generated' only, else 0 */
  const htpw_linear_t *factor_b; /* HTPW_HEAD_FACTORS only, else 0 */
  const uint8_t *u;
  const uint8_t *v;
  int32_t basis_bits, cmax, rank, qp, head, gains, code_bits, gain_bits, dz, dh;
} htpw_generator_t;

/* One generated layer (spec section 3, per layer): code [dz], gains [cout] (stored gains only),
 * int32 biasQ [cout], params = int32 kMult, int8 kExp, int8 biasExp (6 bytes, little-endian). */
typedef struct {
  const htpw_generator_t *gen;
  const uint8_t *code;
  const uint8_t *gains;
  const int32_t *bias_q;
  const uint8_t *params;
  int32_t cin, cout;
} htpw_gen_layer_t;

/* The reference scratch of spec section 4 (cost.ts counts exactly these bytes):
 * int16 x[2][xmax], int32 s[r*r], int64 p[r], int32 r[max cin]; plus vt: the layer's basis
 * columns V[:, :cin] unpacked once and transposed, so step d reads contiguous values per weight
 * instead of r packed fields (HTPW_SYN_VT_BYTES(max cin) bytes, 4-aligned; exportC places it after
 * x). r holds 127 * (+-R) in step d (see htpw_syn_row). */
typedef struct {
  int16_t *x;
  int32_t xmax;
  int32_t *s;
  int64_t *p;
  int32_t *r;
  int8_t *vt;
  int32_t *wsum; /* optional (0: not written): sum_i w[o][i] per output channel, for htpw_fold_bias_sums */
} htpw_syn_scratch_t;

/* The rank every generator of the model uses, a compile-time constant so that the loops over r
 * (P = U S, R = P V) unroll; the model source defines it before including this file. */
#ifndef HTPW_SYN_RANK
#define HTPW_SYN_RANK 1
#endif
/* vt's layout. DSP path (SMLAD): int16 [cin][HTPW_SYN_RPAD] of 127 * V (|127 V| <= 16129), the
 * rank padded to even with zeros, so a column is HTPW_SYN_RPAD / 2 words of halfword pairs.
 * Portable path: int8 [cin][r] of V. */
#define HTPW_SYN_RPAD ((HTPW_SYN_RANK + 1) & ~1)
#if defined(HTPW_DSP) && HTPW_DSP
#define HTPW_SYN_SMLAD 1
/* SMUAD: lo(a) * lo(b) + hi(a) * hi(b) */
static inline int32_t htpw_smuad(uint32_t a, uint32_t b) {
  int32_t r;
  __asm__("smuad %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
#define HTPW_SYN_VT_BYTES(cin) (2 * (cin) * HTPW_SYN_RPAD)
#if HTPW_SYN_RPAD == 4 && defined(__GNUC__)
/* Rank 3 or 4 (the MIT-BIH deployables): steps d and f as fixed loops of two and four weights,
 * the same operations as the C loops below in a schedule gcc does not find (instruction count:
 * bench/mcu.bench.ts). */
#define HTPW_SYN_ASM4 1
/* step d for 2 * pairs columns (pairs >= 1): n = SMUAD(p01, vt[i][0..1]) + SMLAD(p23, vt[i][2..3]),
 * stored to R; returns max(m, max |n|) */
static inline int32_t htpw_syn_d4(const uint32_t *vw, int32_t *R, int32_t pairs, uint32_t p01, uint32_t p23, int32_t m) {
  /* LDM fills its registers in ascending order: fixed ones (not r7, the Thumb frame pointer) */
  register uint32_t v0 __asm__("r8"), v1 __asm__("r9"), v2 __asm__("r10"), v3 __asm__("r11");
  int32_t a0, a1, t;
  __asm__ volatile(
      "1:\n\t"
      "ldmia %[vw]!, {%[v0], %[v1], %[v2], %[v3]}\n\t"
      "smuad %[a0], %[p01], %[v0]\n\t"
      "smlad %[a0], %[p23], %[v1], %[a0]\n\t"
      "smuad %[a1], %[p01], %[v2]\n\t"
      "smlad %[a1], %[p23], %[v3], %[a1]\n\t"
      "strd %[a0], %[a1], [%[R]], #8\n\t"
      "eor %[t], %[a0], %[a0], asr #31\n\t"
      "sub %[t], %[t], %[a0], asr #31\n\t"
      "cmp %[m], %[t]\n\t"
      "it lt\n\t"
      "movlt %[m], %[t]\n\t"
      "eor %[t], %[a1], %[a1], asr #31\n\t"
      "sub %[t], %[t], %[a1], asr #31\n\t"
      "cmp %[m], %[t]\n\t"
      "it lt\n\t"
      "movlt %[m], %[t]\n\t"
      "subs %[pairs], %[pairs], #1\n\t"
      "bne 1b\n\t"
      : [vw] "+&r"(vw), [R] "+&r"(R), [pairs] "+&r"(pairs), [m] "+&r"(m), [v0] "=&r"(v0), [v1] "=&r"(v1),
        [v2] "=&r"(v2), [v3] "=&r"(v3), [a0] "=&r"(a0), [a1] "=&r"(a1), [t] "=&r"(t)
      : [p01] "r"(p01), [p23] "r"(p23)
      : "cc", "memory");
  return m;
}
/* step f for 4 * quads weights (quads >= 1): q = (n + h - (h2 & (n >> 31))) / m stored as int8;
 * returns sum + the sum of the q */
static inline int32_t htpw_syn_f4(const int32_t *R, int8_t *w, int32_t quads, int32_t h, int32_t h2, int32_t m) {
  int32_t n0, n1, u, q, sum = 0;
  const uint32_t k80 = 0x80808080u, zero = 0;
  const int32_t n = 4 * quads;
#define HTPW_SYN_F1(n, dst) \
      "and %[u], %[h2], %[" #n "], asr #31\n\t" \
      "add %[" #n "], %[" #n "], %[h]\n\t" \
      "sub %[" #n "], %[" #n "], %[u]\n\t" \
      "sdiv " dst ", %[" #n "], %[m]\n\t"
  /* four weights packed into one word (BFI), stored (unaligned STR is allowed from ARMv7-M on),
   * and added to sum as bytes q + 128 (q ^ 0x80) by USADA8 */
  __asm__ volatile(
      "1:\n\t"
      "ldrd %[n0], %[n1], [%[R]], #8\n\t"
      HTPW_SYN_F1(n0, "%[q]") HTPW_SYN_F1(n1, "%[n1]")
      "bfi %[q], %[n1], #8, #8\n\t"
      "ldrd %[n0], %[n1], [%[R]], #8\n\t"
      HTPW_SYN_F1(n0, "%[n0]") HTPW_SYN_F1(n1, "%[n1]")
      "bfi %[q], %[n0], #16, #8\n\t"
      "bfi %[q], %[n1], #24, #8\n\t"
      "str %[q], [%[w]], #4\n\t"
      "eor %[q], %[q], %[k80]\n\t"
      "usada8 %[sum], %[q], %[zero], %[sum]\n\t"
      "subs %[quads], %[quads], #1\n\t"
      "bne 1b\n\t"
      : [R] "+&r"(R), [w] "+&r"(w), [quads] "+&r"(quads), [sum] "+&r"(sum), [n0] "=&r"(n0), [n1] "=&r"(n1), [u] "=&r"(u), [q] "=&r"(q)
      : [h] "r"(h), [h2] "r"(h2), [m] "r"(m), [k80] "r"(k80), [zero] "r"(zero)
      : "cc", "memory");
#undef HTPW_SYN_F1
  return sum - 128 * n; /* sum of the q + 128 */
}
#endif
#else
#define HTPW_SYN_SMLAD 0
#define HTPW_SYN_VT_BYTES(cin) ((((cin) * HTPW_SYN_RANK) + 3) & ~3)
#endif
/* One column of vt as step d's int32 loop reads it: its element type, the elements from one column
 * to the next, and the factor that makes its products 127 V (the DSP layout holds 127 V already). */
#if HTPW_SYN_SMLAD
typedef int16_t htpw_syn_vt_t;
#define HTPW_SYN_VT_STRIDE HTPW_SYN_RPAD
#define HTPW_SYN_VT_SCALE 1
#else
typedef int8_t htpw_syn_vt_t;
#define HTPW_SYN_VT_STRIDE HTPW_SYN_RANK
#define HTPW_SYN_VT_SCALE 127
#endif
/* Unroll the loops over r (a constant trip count; gcc only unrolls them when asked). */
#if defined(__GNUC__) && !defined(__clang__)
#define HTPW_SYN_UNROLL _Pragma("GCC unroll 8")
#define HTPW_SYN_UNROLL4 _Pragma("GCC unroll 4")
#define HTPW_SYN_UNROLL2 _Pragma("GCC unroll 2")
#else
#define HTPW_SYN_UNROLL2
#define HTPW_SYN_UNROLL
#define HTPW_SYN_UNROLL4
#endif

#define HTPW_SYN_OK 0
#define HTPW_SYN_SHIFT_TOO_LARGE (-1) /* step g: shift > 30 (never on a host-checked deployable) */
#define HTPW_SYN_BAD_PARAMS (-2)      /* kMult outside [2^30, 2^31): flash is not a valid deployable */

/* ------------------------------------------------------------------ integer helpers (spec 1, 2) */

/* Value i of a packed tensor of b-bit two's-complement fields (2 <= b <= 8), LSB-first stream. */
HTPW_SYN_FN int32_t htpw_read_packed(const uint8_t *p, int32_t b, int32_t i) {
  const uint32_t bit = (uint32_t)i * (uint32_t)b, byte = bit >> 3, off = bit & 7u;
  uint32_t f = (uint32_t)p[byte] >> off;
  if (off + (uint32_t)b > 8u) f |= (uint32_t)p[byte + 1] << (8u - off);
  f &= (1u << b) - 1u;
  return f >= (1u << (b - 1)) ? (int32_t)f - (1 << b) : (int32_t)f;
}

/* Values i0 .. i0 + n - 1 of a packed tensor into out[0], out[stride], ... (the same values as
 * htpw_read_packed, read as one LSB-first bit stream). */
HTPW_SYN_FN void htpw_unpack_run(const uint8_t *p, int32_t b, int32_t i0, int32_t n, int32_t *out, int32_t stride) {
  const uint32_t bit = (uint32_t)i0 * (uint32_t)b, mask = (1u << b) - 1u, sign = 1u << (b - 1);
  const uint8_t *q = p + (bit >> 3);
  uint32_t acc = (uint32_t)*q++ >> (bit & 7u), have = 8u - (bit & 7u);
  int32_t k;
  for (k = 0; k < n; k++) {
    uint32_t f;
    if (have < (uint32_t)b) { /* at most one more byte: b <= 8 */
      acc |= (uint32_t)*q++ << have;
      have += 8u;
    }
    f = acc & mask;
    acc >>= b;
    have -= (uint32_t)b;
    out[k * stride] = f >= sign ? (int32_t)f - (1 << b) : (int32_t)f;
  }
}

/* bitlen(x): number of significant bits, bitlen(0) = 0: CLZ where the core has it (ARMv7-M and
 * later), else a binary search (Cortex-M0, the host). */
HTPW_SYN_FN int32_t htpw_bitlen64(uint64_t x) {
#if defined(__GNUC__) && defined(__ARM_FEATURE_CLZ)
  const uint32_t hi = (uint32_t)(x >> 32), lo = (uint32_t)x;
  uint32_t z;
  if (hi != 0) {
    __asm__("clz %0, %1" : "=r"(z) : "r"(hi));
    return 64 - (int32_t)z;
  }
  __asm__("clz %0, %1" : "=r"(z) : "r"(lo));
  return 32 - (int32_t)z; /* CLZ(0) = 32 */
#else
  int32_t n = 0;
  if (x >> 32) { n += 32; x >>= 32; }
  if (x >> 16) { n += 16; x >>= 16; }
  if (x >> 8) { n += 8; x >>= 8; }
  if (x >> 4) { n += 4; x >>= 4; }
  if (x >> 2) { n += 2; x >>= 2; }
  if (x >> 1) { n += 1; x >>= 1; }
  return n + (int32_t)x;
#endif
}

/* 2.1 requant_sat: (acc * m + 2^(total-1)) >> total, total = 31 - s in [1, 62], saturated to int32.
 * |acc * m| < 2^31 * 2^31 = 2^62 and the rounding term <= 2^61: no int64 overflow. */
HTPW_SYN_FN int32_t htpw_requant_sat(int32_t acc, int32_t m, int32_t s) {
  int32_t total;
  int64_t y;
  if (m == 0) return 0;
  total = 31 - s;
  y = (int64_t)acc * m + ((int64_t)1 << (total - 1));
  y >>= total;
  if (y > INT32_MAX) return INT32_MAX;
  if (y < INT32_MIN) return INT32_MIN;
  return (int32_t)y;
}

/* 2.2 round_shift64: x / 2^s rounded half away from zero, |x| < 2^62, s in [0, 62]. */
HTPW_SYN_FN int64_t htpw_round_shift64(int64_t x, int32_t s) {
  uint64_t a, q;
  if (s == 0) return x;
  a = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
  q = (a + ((uint64_t)1 << (s - 1))) >> s;
  return x < 0 ? -(int64_t)q : (int64_t)q;
}

/* round_shift64 for an int32 x, s in [1, 31]: the same value in 32 bits (|x| < 2^31) */
HTPW_SYN_FN int32_t htpw_round_shift32(int32_t x, int32_t s) {
  const uint32_t a = x < 0 ? (uint32_t)0 - (uint32_t)x : (uint32_t)x;
  const uint32_t q = (a + ((uint32_t)1 << (s - 1))) >> s; /* a + 2^30 < 2^32 */
  return x < 0 ? -(int32_t)q : (int32_t)q;
}

/* 2.3 normalize_product: X = mK * A (mK in [2^30, 2^31), A in [1, 2^31], X < 2^62);
 * t = bitlen(X) - 31 >= 0; mult = round_half_up(X / 2^t) in [2^30, 2^31] (2^31 -> 2^30, t + 1). */
HTPW_SYN_FN int32_t htpw_normalize_product(uint32_t mk, uint64_t a, int32_t *t_out) {
  const uint64_t x = (uint64_t)mk * a;
  int32_t t = htpw_bitlen64(x) - 31;
  uint64_t mult;
  if (t > 0) {
    mult = (x + ((uint64_t)1 << (t - 1))) >> t;
    if (mult == (uint64_t)1 << 31) {
      mult = (uint64_t)1 << 30;
      t += 1;
    }
  } else {
    mult = x << -t; /* t == 0 for valid inputs (the TS twin shifts left for t < 0 as well) */
  }
  *t_out = t;
  return (int32_t)mult;
}

/* floor(x / d) for d in [2^30, 2^31) and x < d * 2^32 (x1 = x >> 32 < d, so the quotient fits
 * 32 bits): the 64-bit division done as two 32-bit ones (Hacker's Delight divlu, 16-bit digits,
 * divisor normalized by one bit). Exact: the same value as (uint64_t)x / d. */
HTPW_SYN_FN uint32_t htpw_divlu(uint32_t x1, uint32_t x0, uint32_t d) {
  const uint32_t b = 65536u, v = d << 1, vn1 = v >> 16, vn0 = v & 0xffffu;
  const uint32_t un32 = (x1 << 1) | (x0 >> 31), un10 = x0 << 1, un1 = un10 >> 16, un0 = un10 & 0xffffu;
  uint32_t q1 = un32 / vn1, rhat = un32 - q1 * vn1, un21, q0;
  while (q1 >= b || q1 * vn0 > b * rhat + un1) {
    q1 -= 1u;
    rhat += vn1;
    if (rhat >= b) break;
  }
  un21 = un32 * b + un1 - q1 * v;
  q0 = un21 / vn1;
  rhat = un21 - q0 * vn1;
  while (q0 >= b || q0 * vn0 > b * rhat + un0) {
    q0 -= 1u;
    rhat += vn1;
    if (rhat >= b) break;
  }
  return q1 * b + q0;
}

/* 2.4 rdiv_pow2: round_half_away(q * 2^k / d) saturated to +-(2^31 - 1); d in [2^30, 2^31). */
HTPW_SYN_FN int32_t htpw_rdiv_pow2(int32_t q, int32_t k, uint32_t d) {
  uint64_t n, r;
  if (q == 0) return 0;
  n = q < 0 ? (uint64_t)0 - (uint64_t)(int64_t)q : (uint64_t)q;
  if (k >= 0) {
    const int32_t bl = htpw_bitlen64(n) + k;
    if (bl >= 63) r = INT32_MAX;                   /* n * 2^k >= 2^62 > (2^31 - 1) * d */
    else if (bl <= 31) r = (((uint32_t)n << k) + (d >> 1)) / d; /* < 2^31 + 2^30: the same in 32 bits */
#if defined(__ARM_FEATURE_IDIV) || defined(HTPW_SYN_DIVLU)
    else { /* hardware 32-bit division: two of them instead of libgcc's 64-bit one */
      const uint64_t x = (n << k) + (d >> 1);
      r = (uint32_t)(x >> 32) >= d ? (uint64_t)1 << 32 : htpw_divlu((uint32_t)(x >> 32), (uint32_t)x, d);
    }
#else
    else r = ((n << k) + (d >> 1)) / d;            /* n << k < 2^62 */
#endif
  } else if (k == -1) {
    r = (n + d) / (2u * (uint64_t)d);              /* (n + ((2d) >> 1)) / (2d) */
  } else {
    r = 0;                                         /* d * 2^-k >= 2^32 > 2n */
  }
  if (r > INT32_MAX) r = INT32_MAX;
  return q < 0 ? -(int32_t)r : (int32_t)r;
}

/* One IntLinear row j over int16 inputs x[0..in): clamp(requant_sat(bias + sum W x), lo, hi).
 * |W| <= 127, |x| <= 32767, in <= 128: |sum| < 2^29; |bias| <= 2^30: acc fits int32. */
HTPW_SYN_FN int32_t htpw_linear_row(const htpw_linear_t *L, const int16_t *x, int32_t j) {
  int32_t acc = L->bias[j], k, v;
  /* the row's weights j * in .. j * in + in - 1 read as one bit stream (htpw_unpack_run's reading) */
  const int32_t b = L->bits;
  const uint32_t bit = (uint32_t)(j * L->in) * (uint32_t)b, mask = (1u << b) - 1u, sign = 1u << (b - 1);
  const uint8_t *q = L->weights + (bit >> 3);
  uint32_t bits = (uint32_t)*q++ >> (bit & 7u), have = 8u - (bit & 7u);
  for (k = 0; k < L->in; k++) {
    uint32_t f;
    if (have < (uint32_t)b) {
      bits |= (uint32_t)*q++ << have;
      have += 8u;
    }
    f = bits & mask;
    bits >>= b;
    have -= (uint32_t)b;
    acc += (f >= sign ? (int32_t)f - (1 << b) : (int32_t)f) * (int32_t)x[k];
  }
  v = htpw_requant_sat(acc, L->mult[j], L->shift[j]);
  return v < L->lo ? L->lo : v > L->hi ? L->hi : v;
}

/* ------------------------------------------------------------------ spec section 4 */

/* What steps 1 and 2 leave for step 3 (one generated layer): the trunk output h, the core S, the
 * unpacked basis columns vt, the decoded layer constants. htpw_syn_begin fills it; htpw_syn_row
 * then synthesizes any output channel o, in any order (channels are independent, spec step 3). */
typedef struct {
  const htpw_gen_layer_t *layer;
  const int16_t *h;
  const int32_t *s;
  const int8_t *vt;
  int32_t *r;
  int64_t *p;
  uint32_t kmult;
  int32_t kexp, bias_exp;
  int32_t p32; /* step b fits int32: r * max|U| * max|S| < 2^31 (then P is computed in int32) */
} htpw_syn_state_t;

/* Steps 1 (trunk) and 2 (core) of generated layer L, and V[:, :cin] unpacked into sc->vt. */
HTPW_SYN_FN int32_t htpw_syn_begin(const htpw_gen_layer_t *L, const htpw_syn_scratch_t *sc, htpw_syn_state_t *st) {
  const htpw_generator_t *G = L->gen;
  const int32_t r = HTPW_SYN_RANK, cin = L->cin;
  int8_t *vt = sc->vt;
  int16_t *xa = sc->x, *xb = sc->x + sc->xmax;
  int32_t *S = sc->s;
  const uint32_t kmult = (uint32_t)L->params[0] | ((uint32_t)L->params[1] << 8) |
                         ((uint32_t)L->params[2] << 16) | ((uint32_t)L->params[3] << 24);
  int32_t k, t, j, a, b, i;

  st->layer = L;
  st->kmult = kmult;
  st->kexp = (int8_t)L->params[4];
  st->bias_exp = (int8_t)L->params[5];
  st->h = xa;
  st->s = S;
  st->vt = vt;
  st->r = sc->r;
  st->p = sc->p;
  st->p32 = 0;
  if (kmult < ((uint32_t)1 << 30) || kmult >= ((uint32_t)1 << 31) || G->rank != HTPW_SYN_RANK) return HTPW_SYN_BAD_PARAMS;

  /* step 1: trunk. x0 = code (|x0| <= 127), x_{t+1} = clamp(requant_sat(...), 0, 32767) */
  for (k = 0; k < G->dz; k++) xa[k] = (int16_t)htpw_read_packed(L->code, G->code_bits, k);
  for (t = 0; t < G->trunk_depth; t++) {
    const htpw_linear_t *T = &G->trunk[t];
    int16_t *tmp;
    for (j = 0; j < T->out; j++) xb[j] = (int16_t)htpw_linear_row(T, xa, j);
    tmp = xa; xa = xb; xb = tmp;
  }
  st->h = xa;

  /* step 2: core S [r][r] (row-major); basis-coeff: diagonal of r coefficients; factor heads:
   * the identity (A, B enter as U, V) */
  if (G->head == HTPW_HEAD_SHARED_BASIS) {
    for (j = 0; j < r * r; j++) S[j] = htpw_linear_row(G->core, xa, j);
  } else if (G->head == HTPW_HEAD_FACTORS) {
    for (j = 0; j < r * r; j++) S[j] = 0;
    for (a = 0; a < r; a++) S[a * r + a] = 1;
  } else {
    for (j = 0; j < r * r; j++) S[j] = 0;
    for (a = 0; a < r; a++) S[a * r + a] = htpw_linear_row(G->core, xa, a);
  }

  {
    uint32_t smax = 0;
    for (j = 0; j < r * r; j++) {
      const uint32_t as = (uint32_t)(S[j] < 0 ? -S[j] : S[j]); /* |S| <= 2^23 - 1 */
      smax = as > smax ? as : smax;
    }
    /* |P| <= r * qmax(basisBits) * smax: r <= 256, qmax <= 127, smax < 2^23, so the product < 2^62 */
    st->p32 = (uint64_t)r * (uint64_t)((1u << (G->basis_bits - 1)) - 1u) * smax < ((uint64_t)1 << 31);
  }

  /* V[:, :cin] unpacked and transposed (|V| <= 127); factor heads: B_l = H_B rows b*cmax + i */
  for (b = 0; b < r; b++) {
    int32_t *row = sc->r; /* free until step d: V[b][0 .. cin) */
    if (G->head == HTPW_HEAD_FACTORS) {
      for (i = 0; i < cin; i++) row[i] = htpw_linear_row(G->factor_b, xa, b * G->cmax + i);
    } else {
      htpw_unpack_run(G->v, G->basis_bits, b * G->cmax, cin, row, 1);
    }
#if HTPW_SYN_SMLAD
    {
      int16_t *vt16 = (int16_t *)(void *)vt; /* 4-aligned (exportC's layout) */
      for (i = 0; i < cin; i++) vt16[i * HTPW_SYN_RPAD + b] = (int16_t)(127 * row[i]);
      if (b + 1 == r && r < HTPW_SYN_RPAD)
        for (i = 0; i < cin; i++) vt16[i * HTPW_SYN_RPAD + r] = 0;
    }
#else
    for (i = 0; i < cin; i++) vt[i * r + b] = (int8_t)row[i];
#endif
  }
  return HTPW_SYN_OK;
}

/*
 * Step 3 for output channel o of the layer htpw_syn_begin prepared: the row w[0..cin) (int8), the
 * unfolded TFLite bias, multiplier and shift, and the row's weight sum (for the bias fold).
 * Returns HTPW_SYN_OK or a negative error code.
 */
HTPW_SYN_FN int32_t htpw_syn_row(const htpw_syn_state_t *st, int32_t o, int8_t *wo, int32_t *bias, int32_t *mult,
                                 int8_t *shift, int32_t *wsum) {
  const htpw_gen_layer_t *L = st->layer;
  const htpw_generator_t *G = L->gen;
  const int32_t r = HTPW_SYN_RANK, cin = L->cin;
  const int32_t *S = st->s;
  int32_t *R = st->r;
  int64_t *P = st->p;
  int32_t pn[HTPW_SYN_RANK]; /* P after step c: |P| <= 2^qP < 2^17 / r fits int32 */
  int32_t g, m = 0, sp, sa, sh, tn, a, b, i, mo;
  uint64_t pmax = 0, A;

  /* a. gain, |g| <= 2^23 - 1 */
  if (G->gains == HTPW_GAINS_STORED) {
    const int32_t gb = G->gain_bits;
    const uint32_t bit = (uint32_t)o * (uint32_t)gb, off = bit & 7u;
    uint32_t f = (uint32_t)L->gains[bit >> 3];
    if (off + (uint32_t)gb > 8u) f |= (uint32_t)L->gains[(bit >> 3) + 1] << 8;
    g = (int32_t)(f << (32 - off - (uint32_t)gb)) >> (32 - gb); /* htpw_read_packed, inline */
  }
  else if (G->gains == HTPW_GAINS_GENERATED) g = htpw_linear_row(G->gain, st->h, o);
  else g = 1;
  /* b. P = U[o, :] S (int64, |P| <= 256 * 127 * (2^23 - 1) < 2^38); each U[o, a] read once.
   * Factor heads: U[o, :] = A_l[o, :] = H_A rows o*r .. o*r + r - 1 (S = I, so P = A_l[o, :]) */
  if (G->head == HTPW_HEAD_FACTORS) {
    for (a = 0; a < r; a++) pn[a] = htpw_linear_row(G->core, st->h, o * r + a);
  } else if (r * G->basis_bits <= 25) { /* U[o, :] in one 32-bit window of at most 4 bytes */
    const int32_t bb = G->basis_bits;
    const uint32_t bit = (uint32_t)(o * r) * (uint32_t)bb, off = bit & 7u, nb = (off + (uint32_t)(r * bb) + 7u) >> 3;
    const uint8_t *q = G->u + (bit >> 3);
    uint32_t win = q[0];
    if (nb > 1) win |= (uint32_t)q[1] << 8;
    if (nb > 2) win |= (uint32_t)q[2] << 16;
    if (nb > 3) win |= (uint32_t)q[3] << 24;
    win >>= off;
    HTPW_SYN_UNROLL
    for (a = 0; a < r; a++) {
      pn[a] = (int32_t)(win << (32 - bb)) >> (32 - bb); /* the field's two's complement value */
      win >>= bb;
    }
  } else {
    htpw_unpack_run(G->u, G->basis_bits, o * r, r, pn, 1); /* U[o, :], pn as scratch */
  }
  if (st->p32) { /* the same sums in int32 (no overflow: see htpw_syn_begin) */
    int32_t ua[HTPW_SYN_RANK], p[HTPW_SYN_RANK];
    uint32_t pm = 0;
    HTPW_SYN_UNROLL
    for (a = 0; a < r; a++) ua[a] = pn[a];
    HTPW_SYN_UNROLL
    for (b = 0; b < r; b++) {
      int32_t acc = 0;
      uint32_t ab;
      HTPW_SYN_UNROLL
      for (a = 0; a < r; a++) acc += ua[a] * S[a * r + b];
      p[b] = acc;
      ab = (uint32_t)(acc < 0 ? -acc : acc);
      pm = ab > pm ? ab : pm;
    }
    /* c. normalize P to qP bits: |P| <= 2^qP after the shift */
    sp = htpw_bitlen64(pm) - G->qp;
    if (sp < 0) sp = 0;
    HTPW_SYN_UNROLL
    for (b = 0; b < r; b++) pn[b] = sp > 0 ? htpw_round_shift32(p[b], sp) : p[b];
  } else {
    for (b = 0; b < r; b++) P[b] = 0;
    for (a = 0; a < r; a++) {
      const int64_t ua = pn[a];
      for (b = 0; b < r; b++) P[b] += ua * S[a * r + b];
    }
    for (b = 0; b < r; b++) {
      const uint64_t ab = P[b] < 0 ? (uint64_t)0 - (uint64_t)P[b] : (uint64_t)P[b];
      if (ab > pmax) pmax = ab;
    }
    /* c. normalize P to qP bits: |P| <= 2^qP after the shift */
    sp = htpw_bitlen64(pmax) - G->qp;
    if (sp < 0) sp = 0;
    for (b = 0; b < r; b++) pn[b] = (int32_t)(sp > 0 ? htpw_round_shift64(P[b], sp) : P[b]);
  }
  /* d. R = P V[:, :cin] (|R| <= r * 2^qP * 127 < 2^24), m = max |R|. The C computes
   * n[i] = 127 sign(g) R[i] directly (|n| < 2^31; integer sums: the same values in any order),
   * what step f divides, so m = max |n| / 127 exactly. */
  {
    int32_t paired = 0; /* step d done on int16 pairs (DSP) */
#if HTPW_SYN_SMLAD
    /* sign(g) P as int16 pairs when every |P| <= 32767 (|P| <= 2^qP: one value can be 2^15, or
     * more for r <= 2): n[i] = SMLAD of the pairs with the column of 127 V; else the int32 loop */
    int32_t fits = 1;
    for (b = 0; b < r; b++) fits &= pn[b] >= -32767 && pn[b] <= 32767;
    if (fits) {
      uint32_t pp[HTPW_SYN_RPAD / 2];
      const uint32_t *vw = (const uint32_t *)(const void *)st->vt;
      const int32_t sg = g < 0 ? -1 : 1;
      for (b = 0; b < HTPW_SYN_RPAD / 2; b++) {
        const int32_t lo = sg * pn[2 * b], hi = 2 * b + 1 < r ? sg * pn[2 * b + 1] : 0;
        pp[b] = ((uint32_t)lo & 0xffffu) | ((uint32_t)hi << 16);
      }
      i = 0;
#ifdef HTPW_SYN_ASM4
      if (cin >= 2) {
        m = htpw_syn_d4(vw, R, cin >> 1, pp[0], pp[1], m);
        i = cin & ~1;
        vw += 2 * i;
      }
#endif
      for (; i < cin; i++) {
        int32_t acc = htpw_smuad(pp[0], vw[0]), ab;
        HTPW_SYN_UNROLL
        for (b = 1; b < HTPW_SYN_RPAD / 2; b++) acc = htpw_smlad(pp[b], vw[b], acc);
        vw += HTPW_SYN_RPAD / 2;
        R[i] = acc;
        ab = (acc ^ (acc >> 31)) - (acc >> 31);
        m = ab > m ? ab : m;
      }
      paired = 1;
    }
#endif
    if (!paired) { /* n[i] = sum_b (sign(g) HTPW_SYN_VT_SCALE P[b]) vt[i][b] in int32 */
      const htpw_syn_vt_t *v = (const htpw_syn_vt_t *)(const void *)st->vt;
      const int32_t k = g < 0 ? -HTPW_SYN_VT_SCALE : HTPW_SYN_VT_SCALE;
      for (b = 0; b < r; b++) pn[b] *= k; /* |127 P| <= 127 * 2^17 */
      for (i = 0; i < cin; i++) {
        int32_t acc = 0, ab;
        HTPW_SYN_UNROLL
        for (b = 0; b < r; b++) acc += pn[b] * v[b];
        v += HTPW_SYN_VT_STRIDE;
        R[i] = acc;
        ab = acc < 0 ? -acc : acc;
        m = ab > m ? ab : m;
      }
    }
  }
  m /= 127; /* max |n| = 127 max |R| */
  /* e. A = |g| * m (< 2^47); A == 0: degenerate channel */
  A = (uint64_t)(uint32_t)(g < 0 ? -g : g) * (uint64_t)(uint32_t)m;
  if (A == 0) {
    for (i = 0; i < cin; i++) wo[i] = 0;
    *wsum = 0;
    *bias = 0;
    *mult = 0;
    *shift = 0;
    return HTPW_SYN_OK;
  }
  /* f. weights: q = round_half_up(127 |R| / m) in [0, 127], negated when R and g differ in sign.
   * With n = +-127 R (sign of g), C's division truncating toward zero gives it in one step:
   * (n + sign(n) (m >> 1)) / m = sign(n) floor((|n| + m / 2) / m); |n| + m / 2 < 2^31 (m > 0). */
  {
    const int32_t half = m >> 1, twohalf = 2 * half;
    int32_t sum = 0;
    i = 0;
#ifdef HTPW_SYN_ASM4
    if (cin >= 4) {
      sum = htpw_syn_f4(R, wo, cin >> 2, half, twohalf, m);
      i = cin & ~3;
    }
#endif
    for (; i < cin; i++) {
      const int32_t n = R[i];
      const int32_t q = (n + half - (twohalf & (n >> 31))) / m; /* n >> 31: -1 when n < 0 */
      wo[i] = (int8_t)q;
      sum += q;
    }
    *wsum = sum;
  }
  /* g. multiplier and shift: A' = round_shift(A, sA) in [1, 2^31] */
  sa = htpw_bitlen64(A) - 31;
  if (sa < 0) sa = 0;
  mo = htpw_normalize_product(st->kmult, (uint64_t)htpw_round_shift64((int64_t)A, sa), &tn);
  sh = tn + st->kexp + sp + sa;
  if (sh > 30) return HTPW_SYN_SHIFT_TOO_LARGE;
  if (sh < -31) { /* multiplier below 2^-32: flushed to zero, weights kept */
    *bias = 0;
    *mult = 0;
    *shift = 0;
    return HTPW_SYN_OK;
  }
  *mult = mo;
  *shift = (int8_t)sh;
  /* h. bias in TFLite units: round_half_away(biasQ * 2^(31 - shift - biasExp) / mult) */
  *bias = htpw_rdiv_pow2(L->bias_q[o], 31 - sh - st->bias_exp, (uint32_t)mo);
  return HTPW_SYN_OK;
}

/*
 * Synthesize one generated layer into its RAM cache slot: w [cout][cin] int8, bias / mult int32,
 * shift int8 (unfolded TFLite bias; the caller folds the input offset in), and each row's weight
 * sum into sc->wsum when it is not 0. Returns HTPW_SYN_OK or a negative error code.
 */
HTPW_SYN_FN int32_t htpw_synthesize_layer(const htpw_gen_layer_t *L, const htpw_syn_scratch_t *sc, int8_t *w,
                                          int32_t *bias, int32_t *mult, int8_t *shift) {
  htpw_syn_state_t st;
  int32_t o, e, sum = 0;
  e = htpw_syn_begin(L, sc, &st);
  for (o = 0; e == HTPW_SYN_OK && o < L->cout; o++) {
    e = htpw_syn_row(&st, o, w + o * L->cin, bias + o, mult + o, shift + o, &sum);
    if (sc->wsum) sc->wsum[o] = sum;
  }
  return e;
}

/* exportC's kernel convention (htpw_kernels.h), not part of the spec: the cache holds the folded
 * bias bias[o] + inputOffset * sum_i w[o][i], from the row sums the synthesis wrote to sc->wsum.
 * Returns -3 if a folded bias leaves int32 (exportC rejects such deployables, so a device never
 * sees it). */
#define HTPW_SYN_FOLD_OVERFLOW (-3)
HTPW_SYN_FN int32_t htpw_fold_bias_sums(const int32_t *wsum, int32_t *bias, int32_t cout, int32_t inputOffset) {
  int32_t o;
  for (o = 0; o < cout; o++) {
    const int64_t f = (int64_t)bias[o] + (int64_t)inputOffset * wsum[o];
    if (f > INT32_MAX || f < INT32_MIN) return HTPW_SYN_FOLD_OVERFLOW;
    bias[o] = (int32_t)f;
  }
  return 0;
}

/* The same fold for one channel (--pw-cache none: each row is folded right after its synthesis). */
HTPW_SYN_FN int32_t htpw_fold_bias_one(int32_t *bias, int32_t wsum, int32_t inputOffset) {
  const int64_t f = (int64_t)*bias + (int64_t)inputOffset * wsum;
  if (f > INT32_MAX || f < INT32_MIN) return HTPW_SYN_FOLD_OVERFLOW;
  *bias = (int32_t)f;
  return 0;
}

#endif /* HTPW_SYNTHESIS_H */
