/*
 * htpw_kernels.h: the INT8 kernels of hypertinypw generated C (TFLite Micro reference semantics).
 *
 * C99, stdint.h and string.h only, no float, no allocation. Every kernel is `static inline` and
 * forced inline so that each layer function, which passes its shapes as literal constants,
 * compiles to a loop nest specialized for that layer.
 *
 * Numeric contract (src/quant/fixed_point.ts is the TypeScript twin):
 *   acc = bias[o] + sum (x + in_offset) * w            (int32; in_offset = -input zero point)
 *   out = clamp(MultiplyByQuantizedMultiplier(acc, m[o], shift[o]) + out_zp, act_min, act_max)
 * The generated `bias` arrays hold the folded bias bias[o] + in_offset * sum_all_taps(w[o]) (the
 * CMSIS-NN "kernel sum"), so the inner loops multiply raw int8 values; taps that fall in the
 * padding subtract in_offset * w again. The integer result is the same as TFLite's loop.
 *
 * Before including, the model source defines HTPW_SINGLE_ROUNDING to 0 (TFLite Micro default,
 * double rounding) or 1 (TFLITE_SINGLE_ROUNDING). The Arm DSP path (SXTB16 + SMLAD) is used when
 * the compiler targets a core with __ARM_FEATURE_DSP, unless HTPW_NO_DSP is defined; it computes
 * the same int32 sums and is bit-identical to the portable path.
 */
#ifndef HTPW_KERNELS_H
#define HTPW_KERNELS_H

#include <stdint.h>
#include <string.h>

#ifndef HTPW_SINGLE_ROUNDING
#define HTPW_SINGLE_ROUNDING 0
#endif

#if defined(__GNUC__)
#define HTPW_INLINE static inline __attribute__((always_inline))
#else
#define HTPW_INLINE static inline
#endif

#if defined(__ARM_FEATURE_DSP) && !defined(HTPW_NO_DSP)
#define HTPW_DSP 1
#else
#define HTPW_DSP 0
#endif

/* ---------------------------------------------------------------- fixed-point requantization */

/* SaturatingRoundingDoublingHighMul(a, b) = (int32)((a*b + nudge) / 2^31), nudge = a*b >= 0 ?
 * 2^30 : 1 - 2^30, division truncating toward zero. NOTE: that equals floor((a*b + 2^30) / 2^31)
 * for every product: when a*b < 0 the sum is negative, and truncation adds 2^31 - 1 before the
 * floor, so nudge + 2^31 - 1 = 2^30 again. The saturating case a == b == INT32_MIN cannot occur:
 * b is a multiplier in [0, 2^31 - 1] (exportC rejects others). */
HTPW_INLINE int32_t htpw_srdhm(int32_t a, int32_t b) {
  return (int32_t)(((int64_t)a * b + ((int64_t)1 << 30)) >> 31);
}

/* RoundingDivideByPOT(x, e): x / 2^e to nearest, ties away from zero; e in [0, 31]. */
HTPW_INLINE int32_t htpw_rdbpot(int32_t x, int32_t e) {
  const int32_t mask = (int32_t)(((uint32_t)1 << e) - 1u);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (remainder > threshold ? 1 : 0);
}

/* MultiplyByQuantizedMultiplier(x, m, shift), shift > 0 shifts left; shift in [-31, 30]. */
HTPW_INLINE int32_t htpw_mbqm(int32_t x, int32_t m, int32_t shift) {
#if HTPW_SINGLE_ROUNDING
  /* TFLITE_SINGLE_ROUNDING: (x * m + 2^(total - 1)) >> total, total = 31 - shift in [1, 62]. */
  const int32_t total = 31 - shift;
  return (int32_t)(((int64_t)x * m + ((int64_t)1 << (total - 1))) >> total);
#else
  /* x * 2^left wraps like TFLite's int32 product (done in uint32 to stay defined in C). */
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  return htpw_rdbpot(htpw_srdhm((int32_t)((uint32_t)x << left), m), right);
#endif
}

/* clamp(mbqm(acc) + zp, lo, hi) computed as clamp(mbqm(acc), lo - zp, hi - zp) + zp: the same
 * value without an int32 overflow when mbqm is near the int32 limits. */
HTPW_INLINE int8_t htpw_requant(int32_t acc, int32_t m, int32_t shift, int32_t zp, int32_t lo, int32_t hi) {
  int32_t v = htpw_mbqm(acc, m, shift);
  v = v < lo - zp ? lo - zp : v;
  v = v > hi - zp ? hi - zp : v;
  return (int8_t)(v + zp);
}

/* ---------------------------------------------------------------- Arm DSP primitives */
#if HTPW_DSP
/* SXTB16: sign-extend bytes 0 and 2 into two halfwords; with ror #8, bytes 1 and 3. */
HTPW_INLINE uint32_t htpw_sxtb16(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1" : "=r"(r) : "r"(x));
  return r;
}
HTPW_INLINE uint32_t htpw_sxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
/* SMLAD: acc + lo(a) * lo(b) + hi(a) * hi(b) (16 x 16 -> 32 products). */
HTPW_INLINE int32_t htpw_smlad(uint32_t a, uint32_t b, int32_t acc) {
  int32_t r;
  __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}
HTPW_INLINE uint32_t htpw_read4(const int8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
#endif

/* ---------------------------------------------------------------- pointwise / fully connected */

/*
 * y[p][o] = requant(bias[o] + sum_i w[o][i] * x[p][i]) for p < positions, o < cout.
 * x: [positions, cin], w: [cout, cin], y: [positions, cout]; bias folded (see the top).
 * The accumulator holds at most cin products of |x * w| <= 128 * 127 plus the bias: no int32
 * overflow while cin * 16256 + |bias| < 2^31 (exportC checks the folded bias fits int32).
 *
 * DSP path: two positions at a time are sign-extended once into `scratch` (int16, 2 * cin
 * rounded up to 4, order x0 x2 x1 x3 per group of four: the order SXTB16 gives the weights), then
 * each pair of output channels runs 8 SMLAD per 16 MACs.
 */
HTPW_INLINE void htpw_pw_s8(const int8_t *x, int8_t *y, const int32_t positions, const int32_t cin,
                            const int32_t cout, const int8_t *w, const int32_t *bias, const int32_t *mult,
                            const int8_t *shift, const int32_t out_zp, const int32_t act_min,
                            const int32_t act_max, int16_t *scratch) {
  int32_t p = 0;
#if HTPW_DSP
  const int32_t groups = cin >> 2;
  const int32_t tail = cin & 3;
  for (; p + 1 < positions; p += 2) {
    const int8_t *x0 = x + p * cin;
    const int8_t *x1 = x0 + cin;
    uint32_t *s = (uint32_t *)(void *)scratch;
    int32_t g, o;
    for (g = 0; g < groups; g++) {
      const uint32_t a = htpw_read4(x0 + 4 * g);
      const uint32_t b = htpw_read4(x1 + 4 * g);
      s[2 * g] = htpw_sxtb16(a);
      s[2 * g + 1] = htpw_sxtb16_ror8(a);
      s[2 * groups + 2 * g] = htpw_sxtb16(b);
      s[2 * groups + 2 * g + 1] = htpw_sxtb16_ror8(b);
    }
    for (o = 0; o + 1 < cout; o += 2) {
      const int8_t *w0 = w + o * cin;
      const uint32_t *sa = s;
      int32_t acc00 = bias[o], acc01 = bias[o + 1], acc10 = bias[o], acc11 = bias[o + 1];
      int32_t i;
      for (g = 0; g < groups; g++) {
        const uint32_t wv0 = htpw_read4(w0);
        const uint32_t wv1 = htpw_read4(w0 + cin);
        const uint32_t w0a = htpw_sxtb16(wv0), w0b = htpw_sxtb16_ror8(wv0);
        const uint32_t w1a = htpw_sxtb16(wv1), w1b = htpw_sxtb16_ror8(wv1);
        const uint32_t xa0 = sa[0], xb0 = sa[1];
        const uint32_t xa1 = sa[2 * groups], xb1 = sa[2 * groups + 1];
        acc00 = htpw_smlad(w0a, xa0, acc00);
        acc00 = htpw_smlad(w0b, xb0, acc00);
        acc01 = htpw_smlad(w1a, xa0, acc01);
        acc01 = htpw_smlad(w1b, xb0, acc01);
        acc10 = htpw_smlad(w0a, xa1, acc10);
        acc10 = htpw_smlad(w0b, xb1, acc10);
        acc11 = htpw_smlad(w1a, xa1, acc11);
        acc11 = htpw_smlad(w1b, xb1, acc11);
        w0 += 4;
        sa += 2;
      }
      for (i = cin - tail; i < cin; i++) {
        const int32_t wa = w[o * cin + i], wb = w[(o + 1) * cin + i];
        acc00 += wa * x0[i];
        acc01 += wb * x0[i];
        acc10 += wa * x1[i];
        acc11 += wb * x1[i];
      }
      y[p * cout + o] = htpw_requant(acc00, mult[o], shift[o], out_zp, act_min, act_max);
      y[p * cout + o + 1] = htpw_requant(acc01, mult[o + 1], shift[o + 1], out_zp, act_min, act_max);
      y[(p + 1) * cout + o] = htpw_requant(acc10, mult[o], shift[o], out_zp, act_min, act_max);
      y[(p + 1) * cout + o + 1] = htpw_requant(acc11, mult[o + 1], shift[o + 1], out_zp, act_min, act_max);
    }
    for (; o < cout; o++) {
      const int8_t *wr = w + o * cin;
      int32_t acc0 = bias[o], acc1 = bias[o];
      int32_t i;
      for (i = 0; i < cin; i++) {
        acc0 += wr[i] * x0[i];
        acc1 += wr[i] * x1[i];
      }
      y[p * cout + o] = htpw_requant(acc0, mult[o], shift[o], out_zp, act_min, act_max);
      y[(p + 1) * cout + o] = htpw_requant(acc1, mult[o], shift[o], out_zp, act_min, act_max);
    }
  }
#else
  (void)scratch;
#endif
  /* portable path (and the DSP path's odd last position): two output channels share each input. */
  for (; p < positions; p++) {
    const int8_t *xr = x + p * cin;
    int8_t *yr = y + p * cout;
    int32_t o = 0;
    for (; o + 1 < cout; o += 2) {
      const int8_t *w0 = w + o * cin;
      const int8_t *w1 = w0 + cin;
      int32_t acc0 = bias[o], acc1 = bias[o + 1];
      int32_t i;
      for (i = 0; i < cin; i++) {
        const int32_t xv = xr[i];
        acc0 += w0[i] * xv;
        acc1 += w1[i] * xv;
      }
      yr[o] = htpw_requant(acc0, mult[o], shift[o], out_zp, act_min, act_max);
      yr[o + 1] = htpw_requant(acc1, mult[o + 1], shift[o + 1], out_zp, act_min, act_max);
    }
    for (; o < cout; o++) {
      const int8_t *w0 = w + o * cin;
      int32_t acc0 = bias[o];
      int32_t i;
      for (i = 0; i < cin; i++) acc0 += w0[i] * xr[i];
      yr[o] = htpw_requant(acc0, mult[o], shift[o], out_zp, act_min, act_max);
    }
  }
}

/*
 * One output channel of a pointwise layer: y[p * ystride] = requant(bias + sum_i w[i] * x[p][i])
 * for p < positions, x: [positions, cin], w: one row [cin] (the --pw-cache none path: the row was
 * synthesized just before). Same arithmetic and bound as htpw_pw_s8 (an integer sum: the order of
 * the products does not change it).
 * DSP path: the row is sign-extended once into `scratch` (int16, 2 * cin rounded up to 4, SXTB16
 * order), then each position runs 2 SMLAD per 4 MACs.
 */
HTPW_INLINE void htpw_pw_row_s8(const int8_t *x, int8_t *y, const int32_t positions, const int32_t cin,
                                const int32_t ystride, const int8_t *w, const int32_t bias, const int32_t mult,
                                const int32_t shift, const int32_t out_zp, const int32_t act_min,
                                const int32_t act_max, int16_t *scratch) {
  int32_t p;
#if HTPW_DSP
  const int32_t groups = cin >> 2;
  const int32_t tail = cin & 3;
  uint32_t *s = (uint32_t *)(void *)scratch;
  int32_t g;
  for (g = 0; g < groups; g++) {
    const uint32_t a = htpw_read4(w + 4 * g);
    s[2 * g] = htpw_sxtb16(a);
    s[2 * g + 1] = htpw_sxtb16_ror8(a);
  }
  for (p = 0; p < positions; p++) {
    const int8_t *xr = x + p * cin;
    int32_t acc = bias, i;
    for (g = 0; g < groups; g++) {
      const uint32_t a = htpw_read4(xr + 4 * g);
      acc = htpw_smlad(htpw_sxtb16(a), s[2 * g], acc);
      acc = htpw_smlad(htpw_sxtb16_ror8(a), s[2 * g + 1], acc);
    }
    for (i = cin - tail; i < cin; i++) acc += w[i] * xr[i];
    y[p * ystride] = htpw_requant(acc, mult, shift, out_zp, act_min, act_max);
  }
#else
  (void)scratch;
  for (p = 0; p < positions; p++) {
    const int8_t *xr = x + p * cin;
    int32_t acc = bias, i;
    for (i = 0; i < cin; i++) acc += w[i] * xr[i];
    y[p * ystride] = htpw_requant(acc, mult, shift, out_zp, act_min, act_max);
  }
#endif
}

/* ---------------------------------------------------------------- depthwise 1-D, multiplier 1 */

/*
 * y[p][c] = requant(bias[c] + sum_t w[t][c] * x[p * stride - pad + t * dil][c]) over valid taps,
 * x: [in_len, ch], w: [k, ch], y: [out_len, ch]; a tap in the padding subtracts in_offset * w
 * (the folded bias counted it). Positions whose taps are all inside run a loop without bounds
 * tests; with k a constant the tap loop unrolls.
 * DSP path: four channels per step: one word load each of inputs and weights, SXTB16 splits them
 * into halfword pairs (channels c, c + 2 and c + 1, c + 3), and the halfword products compile to
 * SMLABB / SMLATT (one instruction per MAC).
 */
HTPW_INLINE void htpw_dw_s8(const int8_t *x, int8_t *y, const int32_t in_len, const int32_t ch,
                            const int32_t out_len, const int32_t k, const int32_t stride,
                            const int32_t dil, const int32_t pad, const int8_t *w, const int32_t *bias,
                            const int32_t *mult, const int8_t *shift, const int32_t in_offset,
                            const int32_t out_zp, const int32_t act_min, const int32_t act_max) {
  int32_t p;
  for (p = 0; p < out_len; p++) {
    const int32_t in0 = p * stride - pad;
    int8_t *yr = y + p * ch;
    int32_t c;
    if (in0 >= 0 && in0 + (k - 1) * dil < in_len) {
      const int8_t *xr = x + in0 * ch;
      c = 0;
#if HTPW_DSP
      for (; c + 3 < ch; c += 4) {
        int32_t acc0 = bias[c], acc1 = bias[c + 1], acc2 = bias[c + 2], acc3 = bias[c + 3];
        int32_t t;
        for (t = 0; t < k; t++) {
          const uint32_t xv = htpw_read4(xr + t * dil * ch + c);
          const uint32_t wv = htpw_read4(w + t * ch + c);
          const uint32_t xa = htpw_sxtb16(xv), xb = htpw_sxtb16_ror8(xv);
          const uint32_t wa = htpw_sxtb16(wv), wb = htpw_sxtb16_ror8(wv);
          /* halfword products: (xa.lo * wa.lo) and (xa.hi * wa.hi) go to channels c and c + 2 */
          acc0 += (int32_t)(int16_t)(xa & 0xffffu) * (int32_t)(int16_t)(wa & 0xffffu);
          acc2 += (int32_t)((int32_t)xa >> 16) * (int32_t)((int32_t)wa >> 16);
          acc1 += (int32_t)(int16_t)(xb & 0xffffu) * (int32_t)(int16_t)(wb & 0xffffu);
          acc3 += (int32_t)((int32_t)xb >> 16) * (int32_t)((int32_t)wb >> 16);
        }
        yr[c] = htpw_requant(acc0, mult[c], shift[c], out_zp, act_min, act_max);
        yr[c + 1] = htpw_requant(acc1, mult[c + 1], shift[c + 1], out_zp, act_min, act_max);
        yr[c + 2] = htpw_requant(acc2, mult[c + 2], shift[c + 2], out_zp, act_min, act_max);
        yr[c + 3] = htpw_requant(acc3, mult[c + 3], shift[c + 3], out_zp, act_min, act_max);
      }
#endif
      for (; c < ch; c++) {
        int32_t acc = bias[c];
        int32_t t;
        for (t = 0; t < k; t++) acc += w[t * ch + c] * xr[t * dil * ch + c];
        yr[c] = htpw_requant(acc, mult[c], shift[c], out_zp, act_min, act_max);
      }
    } else {
      for (c = 0; c < ch; c++) {
        int32_t acc = bias[c];
        int32_t t;
        for (t = 0; t < k; t++) {
          const int32_t ix = in0 + t * dil;
          const int32_t wv = w[t * ch + c];
          if (ix >= 0 && ix < in_len) acc += wv * x[ix * ch + c];
          else acc -= in_offset * wv;
        }
        yr[c] = htpw_requant(acc, mult[c], shift[c], out_zp, act_min, act_max);
      }
    }
  }
}

/* ---------------------------------------------------------------- full 1-D convolution */

/* y[p][o] = requant(bias[o] + sum_t sum_i w[o][t][i] * x[p * stride - pad + t * dil][i]),
 * w: [cout, k, cin] (TFLite OHWI); padding taps subtract in_offset * w (folded bias). */
HTPW_INLINE void htpw_conv_s8(const int8_t *x, int8_t *y, const int32_t in_len, const int32_t cin,
                              const int32_t out_len, const int32_t cout, const int32_t k,
                              const int32_t stride, const int32_t dil, const int32_t pad, const int8_t *w,
                              const int32_t *bias, const int32_t *mult, const int8_t *shift,
                              const int32_t in_offset, const int32_t out_zp, const int32_t act_min,
                              const int32_t act_max) {
  int32_t p, o, t, i;
  for (p = 0; p < out_len; p++) {
    const int32_t in0 = p * stride - pad;
    for (o = 0; o < cout; o++) {
      int32_t acc = bias[o];
      const int8_t *wo = w + o * k * cin;
      for (t = 0; t < k; t++) {
        const int32_t ix = in0 + t * dil;
        const int8_t *wt = wo + t * cin;
        if (ix >= 0 && ix < in_len) {
          const int8_t *xr = x + ix * cin;
          for (i = 0; i < cin; i++) acc += wt[i] * xr[i];
        } else {
          for (i = 0; i < cin; i++) acc -= in_offset * wt[i];
        }
      }
      y[p * cout + o] = htpw_requant(acc, mult[o], shift[o], out_zp, act_min, act_max);
    }
  }
}

/* ---------------------------------------------------------------- pooling */

/* TFLite AveragePool int8: sum of the valid taps' raw int8 values (no zero point: input and
 * output share it), divided by the number of valid taps rounding half away from zero, clamped. */
HTPW_INLINE void htpw_avgpool_s8(const int8_t *x, int8_t *y, const int32_t in_len, const int32_t ch,
                                 const int32_t out_len, const int32_t size, const int32_t stride,
                                 const int32_t pad, const int32_t act_min, const int32_t act_max) {
  int32_t p, c, t;
  for (p = 0; p < out_len; p++) {
    const int32_t in0 = p * stride - pad;
    const int32_t t0 = in0 < 0 ? -in0 : 0;
    const int32_t t1 = in0 + size > in_len ? in_len - in0 : size;
    const int32_t count = t1 - t0;
    for (c = 0; c < ch; c++) {
      int32_t acc = 0;
      for (t = t0; t < t1; t++) acc += x[(in0 + t) * ch + c];
      if (count > 0) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
      acc = acc < act_min ? act_min : acc;
      acc = acc > act_max ? act_max : acc;
      y[p * ch + c] = (int8_t)acc;
    }
  }
}

/* TFLite MaxPool int8: maximum of the valid taps (starting from -128), clamped. */
HTPW_INLINE void htpw_maxpool_s8(const int8_t *x, int8_t *y, const int32_t in_len, const int32_t ch,
                                 const int32_t out_len, const int32_t size, const int32_t stride,
                                 const int32_t pad, const int32_t act_min, const int32_t act_max) {
  int32_t p, c, t;
  for (p = 0; p < out_len; p++) {
    const int32_t in0 = p * stride - pad;
    const int32_t t0 = in0 < 0 ? -in0 : 0;
    const int32_t t1 = in0 + size > in_len ? in_len - in0 : size;
    for (c = 0; c < ch; c++) {
      int32_t m = -128;
      for (t = t0; t < t1; t++) {
        const int32_t v = x[(in0 + t) * ch + c];
        m = v > m ? v : m;
      }
      m = m < act_min ? act_min : m;
      m = m > act_max ? act_max : m;
      y[p * ch + c] = (int8_t)m;
    }
  }
}

/* ---------------------------------------------------------------- residual add */

/* The 16 flash bytes of an add op (SYNTHESIS.md section 6, `P.requant`): int32 input1, input2 and
 * output multipliers, then int8 left shift, input1, input2 and output shifts. No padding: 12 + 4. */
typedef struct {
  int32_t mult[3];
  int8_t shift[4];
} htpw_add_params_t;

/* TFLite ADD int8: s_i = mbqm((q_i + off_i) * 2^left_shift, m_i, sh_i);
 * y = clamp(mbqm(s_1 + s_2, m_out, sh_out) + zp_out). */
HTPW_INLINE void htpw_add_s8(const int8_t *x1, const int8_t *x2, int8_t *y, const int32_t n,
                             const int32_t off1, const int32_t off2, const int32_t left_shift,
                             const int32_t m1, const int32_t sh1, const int32_t m2, const int32_t sh2,
                             const int32_t m_out, const int32_t sh_out, const int32_t out_zp,
                             const int32_t act_min, const int32_t act_max) {
  int32_t i;
  for (i = 0; i < n; i++) {
    const int32_t a = (int32_t)((uint32_t)(x1[i] + off1) << left_shift);
    const int32_t b = (int32_t)((uint32_t)(x2[i] + off2) << left_shift);
    const int32_t sum = htpw_mbqm(a, m1, sh1) + htpw_mbqm(b, m2, sh2);
    y[i] = htpw_requant(sum, m_out, sh_out, out_zp, act_min, act_max);
  }
}

#endif /* HTPW_KERNELS_H */
