/*
 * htpw_synthesis.h: HyperTinyPW load-time synthesis in C (src/hyper/SYNTHESIS.md, the spec; the
 * TypeScript definition is src/hyper/synthesis.ts + fixed.ts + pack.ts).
 *
 * C99, stdint.h only, integer-only (no float), no allocation, no compiler builtins. Every stored
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
#define HTPW_GAINS_STORED 0
#define HTPW_GAINS_GENERATED 1
#define HTPW_GAINS_NONE 2

/* One generator instance: trunk, core head, optional gain head, bases U [cmax][r], V [r][cmax]. */
typedef struct {
  const htpw_linear_t *trunk;
  int32_t trunk_depth;
  const htpw_linear_t *core;
  const htpw_linear_t *gain; /* gains 'generated' only, else 0 */
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
 * int16 x[2][xmax], int32 s[r*r], int64 p[r], int32 r[max cin]; plus vt, int8 [max cin][r]: the
 * layer's basis columns V[:, :cin] unpacked once and transposed, so step d reads r contiguous bytes
 * per weight instead of r packed fields (HTPW_SYN_VT_SIZE bytes; exportC places it after x). */
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
/* Unroll the loops over r (a constant trip count; gcc only unrolls them when asked). */
#if defined(__GNUC__) && !defined(__clang__)
#define HTPW_SYN_UNROLL _Pragma("GCC unroll 8")
#else
#define HTPW_SYN_UNROLL
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

/* 2.4 rdiv_pow2: round_half_away(q * 2^k / d) saturated to +-(2^31 - 1); d in [2^30, 2^31). */
HTPW_SYN_FN int32_t htpw_rdiv_pow2(int32_t q, int32_t k, uint32_t d) {
  uint64_t n, r;
  if (q == 0) return 0;
  n = q < 0 ? (uint64_t)0 - (uint64_t)(int64_t)q : (uint64_t)q;
  if (k >= 0) {
    if (htpw_bitlen64(n) + k >= 63) r = INT32_MAX; /* n * 2^k >= 2^62 > (2^31 - 1) * d */
    else r = ((n << k) + (d >> 1)) / d;            /* n << k < 2^62 */
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
  const int32_t base = j * L->in;
  for (k = 0; k < L->in; k++) acc += htpw_read_packed(L->weights, L->bits, base + k) * (int32_t)x[k];
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

  /* step 2: core S [r][r] (row-major); basis-coeff: diagonal of r coefficients */
  if (G->head == HTPW_HEAD_SHARED_BASIS) {
    for (j = 0; j < r * r; j++) S[j] = htpw_linear_row(G->core, xa, j);
  } else {
    for (j = 0; j < r * r; j++) S[j] = 0;
    for (a = 0; a < r; a++) S[a * r + a] = htpw_linear_row(G->core, xa, a);
  }

  /* V[:, :cin] unpacked and transposed: vt[i * r + b] = V[b][i] (|V| <= 127) */
  for (i = 0; i < cin; i++)
    for (b = 0; b < r; b++) vt[i * r + b] = (int8_t)htpw_read_packed(G->v, G->basis_bits, b * G->cmax + i);
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
  if (G->gains == HTPW_GAINS_STORED) g = htpw_read_packed(L->gains, G->gain_bits, o);
  else if (G->gains == HTPW_GAINS_GENERATED) g = htpw_linear_row(G->gain, st->h, o);
  else g = 1;
  /* b. P = U[o, :] S (int64, |P| <= 256 * 127 * (2^23 - 1) < 2^38); each U[o, a] read once */
  for (b = 0; b < r; b++) P[b] = 0;
  for (a = 0; a < r; a++) {
    const int64_t ua = htpw_read_packed(G->u, G->basis_bits, o * r + a);
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
  /* d. R = P V[:, :cin] (|R| <= r * 2^qP * 127 < 2^24), m = max |R| */
  for (i = 0; i < cin; i++) {
    const int8_t *v = st->vt + i * r;
    int32_t acc = 0, ab;
    HTPW_SYN_UNROLL
    for (b = 0; b < r; b++) acc += pn[b] * v[b];
    R[i] = acc;
    ab = acc < 0 ? -acc : acc;
    m = ab > m ? ab : m;
  }
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
    const int32_t k127 = g < 0 ? -127 : 127, half = m >> 1, twohalf = 2 * half;
    int32_t sum = 0;
    for (i = 0; i < cin; i++) {
      const int32_t n = k127 * R[i];
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
 * bias bias[o] + in_offset * sum_i w[o][i], from the row sums the synthesis wrote to sc->wsum.
 * Returns -3 if a folded bias leaves int32 (exportC rejects such deployables, so a device never
 * sees it). */
#define HTPW_SYN_FOLD_OVERFLOW (-3)
HTPW_SYN_FN int32_t htpw_fold_bias_sums(const int32_t *wsum, int32_t *bias, int32_t cout, int32_t in_offset) {
  int32_t o;
  for (o = 0; o < cout; o++) {
    const int64_t f = (int64_t)bias[o] + (int64_t)in_offset * wsum[o];
    if (f > INT32_MAX || f < INT32_MIN) return HTPW_SYN_FOLD_OVERFLOW;
    bias[o] = (int32_t)f;
  }
  return 0;
}

/* The same fold for one channel (--pw-cache none: each row is folded right after its synthesis). */
HTPW_SYN_FN int32_t htpw_fold_bias_one(int32_t *bias, int32_t wsum, int32_t in_offset) {
  const int64_t f = (int64_t)*bias + (int64_t)in_offset * wsum;
  if (f > INT32_MAX || f < INT32_MIN) return HTPW_SYN_FOLD_OVERFLOW;
  *bias = (int32_t)f;
  return 0;
}

#endif /* HTPW_SYNTHESIS_H */
