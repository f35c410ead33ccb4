/*
 * htpw_kernels.h: the INT8 kernels of hypertinypw generated C (TFLite Micro reference semantics).
 *
 * C99, stdint.h and string.h only, no float, no allocation. Every kernel is `static inline` and
 * forced inline, and each layer function passes it a `static const` params struct, so each layer
 * compiles to a loop nest specialized for its shapes (every field is a compile-time constant).
 *
 * One kernel per op kind, htpw_<kind>_s8, the twin of the TypeScript kernel <kind>S8 in
 * src/quant/kernels/<kind>_s8.ts: it takes one params struct holding the TypeScript kernel's
 * arguments other than the tensors (its params, quant, dims, filter and bias: types.ts), in their
 * order and with their names, then its input and output tensors. The rounding mode is the
 * model's HTPW_SINGLE_ROUNDING. The generated C runs one sample: dims.n = 1.
 *
 * Numeric contract (src/quant/fixed_point.ts is the TypeScript twin):
 *   acc = bias[o] + sum (input + inputOffset) * filter        (int32; inputOffset = -input zero point)
 *   output = clamp(MultiplyByQuantizedMultiplier(acc, multiplier[o], shift[o]) + outputOffset, actMin, actMax)
 * The generated `bias` arrays hold the folded bias bias[o] + inputOffset * sum_all_taps(filter[o])
 * (the CMSIS-NN "kernel sum"), so the inner loops multiply raw int8 values; taps that fall in the
 * padding subtract inputOffset * filter again. The integer result is the same as TFLite's loop.
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

/* MultiplyByQuantizedMultiplier(x, multiplier, shift), shift > 0 shifts left; shift in [-31, 30]. */
HTPW_INLINE int32_t htpw_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
#if HTPW_SINGLE_ROUNDING
  /* TFLITE_SINGLE_ROUNDING: (x * multiplier + 2^(total - 1)) >> total, total = 31 - shift in [1, 62]. */
  const int32_t total = 31 - shift;
  return (int32_t)(((int64_t)x * multiplier + ((int64_t)1 << (total - 1))) >> total);
#else
  /* x * 2^left wraps like TFLite's int32 product (done in uint32 to stay defined in C). */
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  return htpw_rdbpot(htpw_srdhm((int32_t)((uint32_t)x << left), multiplier), right);
#endif
}

/* clamp(mbqm(acc) + outputOffset, actMin, actMax) computed as clamp(mbqm(acc), actMin - outputOffset,
 * actMax - outputOffset) + outputOffset: the same value without an int32 overflow when mbqm is near
 * the int32 limits. */
HTPW_INLINE int8_t htpw_requant(int32_t acc, int32_t multiplier, int32_t shift, int32_t outputOffset, int32_t actMin,
                                int32_t actMax) {
  int32_t v = htpw_mbqm(acc, multiplier, shift);
  v = v < actMin - outputOffset ? actMin - outputOffset : v;
  v = v > actMax - outputOffset ? actMax - outputOffset : v;
  return (int8_t)(v + outputOffset);
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

/* ---------------------------------------------------------------- kernel parameters */

/* Activation dims [n, l, c], channels last (TypeScript Dims). */
typedef struct {
  int32_t n, l, c;
} htpw_dims_t;

/* Filter dims [out, k, in] (TypeScript FilterDims; dwconv1d: out = in = c, stored [k, c]). */
typedef struct {
  int32_t out, k, in;
} htpw_filter_dims_t;

/* conv1d, dwconv1d, pwconv1d, fully_connected: ConvParams, PerChannelQuantParams (multiplier,
 * shift), inputDims, filterDims, filter, bias, outputDims. The native kernels read the folded
 * bias (see the top), the reference loops (tflm_reference_loops.h) TFLite's own. */
typedef struct {
  int32_t stride;
  int32_t dilation;
  int32_t padBefore;
  int32_t padAfter;
  int32_t inputOffset;  /* -input zero point, in [-127, 128] */
  int32_t outputOffset; /* +output zero point, in [-128, 127] */
  int32_t actMin;
  int32_t actMax;
  const int32_t *multiplier; /* [out], Q31 in [0, 2^31 - 1] */
  const int8_t *shift;       /* [out], in [-31, 30] */
  htpw_dims_t inputDims;
  htpw_filter_dims_t filterDims;
  const int8_t *filter;
  const int32_t *bias;
  htpw_dims_t outputDims;
} htpw_conv_params_t;

/* avgpool1d, maxpool1d: PoolParams, inputDims, outputDims. */
typedef struct {
  int32_t poolSize;
  int32_t stride;
  int32_t padBefore;
  int32_t padAfter;
  int32_t actMin;
  int32_t actMax;
  htpw_dims_t inputDims;
  htpw_dims_t outputDims;
} htpw_pool_params_t;

/* global_avgpool: { actMin, actMax }, inputDims, outputDims. */
typedef struct {
  int32_t actMin;
  int32_t actMax;
  htpw_dims_t inputDims;
  htpw_dims_t outputDims;
} htpw_global_avgpool_params_t;

/* add: AddParams (TFLite's ArithmeticParams), input1Dims, input2Dims, outputDims. */
typedef struct {
  int32_t input1Offset;
  int32_t input2Offset;
  int32_t outputOffset;
  int32_t leftShift;
  int32_t input1Multiplier;
  int32_t input1Shift;
  int32_t input2Multiplier;
  int32_t input2Shift;
  int32_t outputMultiplier;
  int32_t outputShift;
  int32_t actMin;
  int32_t actMax;
  htpw_dims_t input1Dims;
  htpw_dims_t input2Dims;
  htpw_dims_t outputDims;
} htpw_add_params_t;

/* The 16 flash bytes of an add op (SYNTHESIS.md section 6, `P.requant`): int32 input1, input2 and
 * output multipliers, then int8 left, input1, input2 and output shifts. No padding: 12 + 4. The
 * CMSIS-NN backend reads it; the native add's htpw_add_params_t holds the same values. */
typedef struct {
  int32_t multiplier[3];
  int8_t shift[4];
} htpw_add_requant_t;

/* ---------------------------------------------------------------- pointwise / fully connected */

/*
 * output[q][o] = requant(bias[o] + sum_i filter[o][i] * input[q][i]) for q < positions, o < cout:
 * input [positions, cin], filter [cout, cin], output [positions, cout], positions = outputDims.n *
 * outputDims.l, cin = filterDims.in, cout = filterDims.out; bias folded (see the top), so
 * inputOffset is not read. The accumulator holds at most cin products of |x * w| <= 128 * 127 plus
 * the bias: no int32 overflow while cin * 16256 + |bias| < 2^31 (exportC checks the folded bias
 * fits int32).
 *
 * DSP path: two positions at a time are sign-extended once into `scratch` (int16, 2 * cin
 * rounded up to 4, order x0 x2 x1 x3 per group of four: the order SXTB16 gives the weights), then
 * each pair of output channels runs 8 SMLAD per 16 MACs.
 */
HTPW_INLINE void htpw_pwconv1d_s8(const htpw_conv_params_t *params, const int8_t *input, int8_t *output,
                                  int16_t *scratch) {
  const int32_t positions = params->outputDims.n * params->outputDims.l;
  const int32_t cin = params->filterDims.in;
  const int32_t cout = params->filterDims.out;
  const int8_t *filter = params->filter;
  const int32_t *bias = params->bias;
  const int32_t *multiplier = params->multiplier;
  const int8_t *shift = params->shift;
  const int32_t outputOffset = params->outputOffset;
  const int32_t actMin = params->actMin;
  const int32_t actMax = params->actMax;
  int32_t p = 0;
#if HTPW_DSP
  const int32_t groups = cin >> 2;
  const int32_t tail = cin & 3;
  for (; p + 1 < positions; p += 2) {
    const int8_t *x0 = input + p * cin;
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
      const int8_t *w0 = filter + o * cin;
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
        const int32_t wa = filter[o * cin + i], wb = filter[(o + 1) * cin + i];
        acc00 += wa * x0[i];
        acc01 += wb * x0[i];
        acc10 += wa * x1[i];
        acc11 += wb * x1[i];
      }
      output[p * cout + o] = htpw_requant(acc00, multiplier[o], shift[o], outputOffset, actMin, actMax);
      output[p * cout + o + 1] = htpw_requant(acc01, multiplier[o + 1], shift[o + 1], outputOffset, actMin, actMax);
      output[(p + 1) * cout + o] = htpw_requant(acc10, multiplier[o], shift[o], outputOffset, actMin, actMax);
      output[(p + 1) * cout + o + 1] = htpw_requant(acc11, multiplier[o + 1], shift[o + 1], outputOffset, actMin, actMax);
    }
    for (; o < cout; o++) {
      const int8_t *wr = filter + o * cin;
      int32_t acc0 = bias[o], acc1 = bias[o];
      int32_t i;
      for (i = 0; i < cin; i++) {
        acc0 += wr[i] * x0[i];
        acc1 += wr[i] * x1[i];
      }
      output[p * cout + o] = htpw_requant(acc0, multiplier[o], shift[o], outputOffset, actMin, actMax);
      output[(p + 1) * cout + o] = htpw_requant(acc1, multiplier[o], shift[o], outputOffset, actMin, actMax);
    }
  }
#else
  (void)scratch;
#endif
  /* portable path (and the DSP path's odd last position): two output channels share each input. */
  for (; p < positions; p++) {
    const int8_t *xr = input + p * cin;
    int8_t *yr = output + p * cout;
    int32_t o = 0;
    for (; o + 1 < cout; o += 2) {
      const int8_t *w0 = filter + o * cin;
      const int8_t *w1 = w0 + cin;
      int32_t acc0 = bias[o], acc1 = bias[o + 1];
      int32_t i;
      for (i = 0; i < cin; i++) {
        const int32_t xv = xr[i];
        acc0 += w0[i] * xv;
        acc1 += w1[i] * xv;
      }
      yr[o] = htpw_requant(acc0, multiplier[o], shift[o], outputOffset, actMin, actMax);
      yr[o + 1] = htpw_requant(acc1, multiplier[o + 1], shift[o + 1], outputOffset, actMin, actMax);
    }
    for (; o < cout; o++) {
      const int8_t *w0 = filter + o * cin;
      int32_t acc0 = bias[o];
      int32_t i;
      for (i = 0; i < cin; i++) acc0 += w0[i] * xr[i];
      yr[o] = htpw_requant(acc0, multiplier[o], shift[o], outputOffset, actMin, actMax);
    }
  }
}

/* Fully connected: the pointwise kernel over the outputDims.n rows of filterDims.in = L * C values
 * (an [L, C] input is flattened, as TFLite does); outputDims [n, 1, cout]. */
HTPW_INLINE void htpw_fully_connected_s8(const htpw_conv_params_t *params, const int8_t *input, int8_t *output,
                                         int16_t *scratch) {
  htpw_pwconv1d_s8(params, input, output, scratch);
}

/*
 * One output channel of a pointwise layer (the --pw-cache none path: the row was synthesized just
 * before): output[q * cout] = requant(bias + sum_i filter[i] * input[q][i]) for q < positions, with
 * `filter` one row [cin], `output` the channel's first value, and the shapes, offsets and clamp of
 * the layer's params (whose filter, bias, multiplier and shift it does not read). Same arithmetic
 * and bound as htpw_pwconv1d_s8 (an integer sum: the order of the products does not change it).
 * DSP path: the row is sign-extended once into `scratch` (int16, 2 * cin rounded up to 4, SXTB16
 * order), then each position runs 2 SMLAD per 4 MACs.
 */
HTPW_INLINE void htpw_pwconv1d_row_s8(const htpw_conv_params_t *params, const int8_t *filter, const int32_t bias,
                                      const int32_t multiplier, const int32_t shift, const int8_t *input,
                                      int8_t *output, int16_t *scratch) {
  const int32_t positions = params->outputDims.n * params->outputDims.l;
  const int32_t cin = params->filterDims.in;
  const int32_t cout = params->filterDims.out;
  const int32_t outputOffset = params->outputOffset;
  const int32_t actMin = params->actMin;
  const int32_t actMax = params->actMax;
  int32_t p;
#if HTPW_DSP
  const int32_t groups = cin >> 2;
  const int32_t tail = cin & 3;
  uint32_t *s = (uint32_t *)(void *)scratch;
  int32_t g;
  for (g = 0; g < groups; g++) {
    const uint32_t a = htpw_read4(filter + 4 * g);
    s[2 * g] = htpw_sxtb16(a);
    s[2 * g + 1] = htpw_sxtb16_ror8(a);
  }
  for (p = 0; p < positions; p++) {
    const int8_t *xr = input + p * cin;
    int32_t acc = bias, i;
    for (g = 0; g < groups; g++) {
      const uint32_t a = htpw_read4(xr + 4 * g);
      acc = htpw_smlad(htpw_sxtb16(a), s[2 * g], acc);
      acc = htpw_smlad(htpw_sxtb16_ror8(a), s[2 * g + 1], acc);
    }
    for (i = cin - tail; i < cin; i++) acc += filter[i] * xr[i];
    output[p * cout] = htpw_requant(acc, multiplier, shift, outputOffset, actMin, actMax);
  }
#else
  (void)scratch;
  for (p = 0; p < positions; p++) {
    const int8_t *xr = input + p * cin;
    int32_t acc = bias, i;
    for (i = 0; i < cin; i++) acc += filter[i] * xr[i];
    output[p * cout] = htpw_requant(acc, multiplier, shift, outputOffset, actMin, actMax);
  }
#endif
}

/* ---------------------------------------------------------------- depthwise 1-D, multiplier 1 */

/*
 * output[q][c] = requant(bias[c] + sum_t filter[t][c] * input[q * stride - padBefore + t * dilation][c])
 * over valid taps, input [inLen, ch], filter [k, ch], output [outLen, ch]; a tap in the padding
 * subtracts inputOffset * filter (the folded bias counted it). Positions whose taps are all
 * inside run a loop without bounds tests; with k a constant the tap loop unrolls.
 * DSP path: four channels per step: one word load each of inputs and weights, SXTB16 splits them
 * into halfword pairs (channels c, c + 2 and c + 1, c + 3), and the halfword products compile to
 * SMLABB / SMLATT (one instruction per MAC).
 */
HTPW_INLINE void htpw_dwconv1d_s8(const htpw_conv_params_t *params, const int8_t *input, int8_t *output) {
  const int32_t stride = params->stride;
  const int32_t dilation = params->dilation;
  const int32_t padBefore = params->padBefore;
  const int32_t inputOffset = params->inputOffset;
  const int32_t outputOffset = params->outputOffset;
  const int32_t actMin = params->actMin;
  const int32_t actMax = params->actMax;
  const int32_t *multiplier = params->multiplier;
  const int8_t *shift = params->shift;
  const int32_t inLen = params->inputDims.l;
  const int32_t ch = params->inputDims.c;
  const int32_t k = params->filterDims.k;
  const int8_t *filter = params->filter;
  const int32_t *bias = params->bias;
  const int32_t outLen = params->outputDims.l;
  int32_t p;
  for (p = 0; p < outLen; p++) {
    const int32_t in0 = p * stride - padBefore;
    int8_t *yr = output + p * ch;
    int32_t c;
    if (in0 >= 0 && in0 + (k - 1) * dilation < inLen) {
      const int8_t *xr = input + in0 * ch;
      c = 0;
#if HTPW_DSP
      for (; c + 3 < ch; c += 4) {
        int32_t acc0 = bias[c], acc1 = bias[c + 1], acc2 = bias[c + 2], acc3 = bias[c + 3];
        int32_t t;
        for (t = 0; t < k; t++) {
          const uint32_t xv = htpw_read4(xr + t * dilation * ch + c);
          const uint32_t wv = htpw_read4(filter + t * ch + c);
          const uint32_t xa = htpw_sxtb16(xv), xb = htpw_sxtb16_ror8(xv);
          const uint32_t wa = htpw_sxtb16(wv), wb = htpw_sxtb16_ror8(wv);
          /* halfword products: (xa.lo * wa.lo) and (xa.hi * wa.hi) go to channels c and c + 2 */
          acc0 += (int32_t)(int16_t)(xa & 0xffffu) * (int32_t)(int16_t)(wa & 0xffffu);
          acc2 += (int32_t)((int32_t)xa >> 16) * (int32_t)((int32_t)wa >> 16);
          acc1 += (int32_t)(int16_t)(xb & 0xffffu) * (int32_t)(int16_t)(wb & 0xffffu);
          acc3 += (int32_t)((int32_t)xb >> 16) * (int32_t)((int32_t)wb >> 16);
        }
        yr[c] = htpw_requant(acc0, multiplier[c], shift[c], outputOffset, actMin, actMax);
        yr[c + 1] = htpw_requant(acc1, multiplier[c + 1], shift[c + 1], outputOffset, actMin, actMax);
        yr[c + 2] = htpw_requant(acc2, multiplier[c + 2], shift[c + 2], outputOffset, actMin, actMax);
        yr[c + 3] = htpw_requant(acc3, multiplier[c + 3], shift[c + 3], outputOffset, actMin, actMax);
      }
#endif
      for (; c < ch; c++) {
        int32_t acc = bias[c];
        int32_t t;
        for (t = 0; t < k; t++) acc += filter[t * ch + c] * xr[t * dilation * ch + c];
        yr[c] = htpw_requant(acc, multiplier[c], shift[c], outputOffset, actMin, actMax);
      }
    } else {
      for (c = 0; c < ch; c++) {
        int32_t acc = bias[c];
        int32_t t;
        for (t = 0; t < k; t++) {
          const int32_t ix = in0 + t * dilation;
          const int32_t wv = filter[t * ch + c];
          if (ix >= 0 && ix < inLen) acc += wv * input[ix * ch + c];
          else acc -= inputOffset * wv;
        }
        yr[c] = htpw_requant(acc, multiplier[c], shift[c], outputOffset, actMin, actMax);
      }
    }
  }
}

/* ---------------------------------------------------------------- full 1-D convolution */

/* output[q][o] = requant(bias[o] + sum_t sum_i filter[o][t][i] * input[q * stride - padBefore + t * dilation][i]),
 * filter [cout, k, cin] (TFLite OHWI); padding taps subtract inputOffset * filter (folded bias). */
HTPW_INLINE void htpw_conv1d_s8(const htpw_conv_params_t *params, const int8_t *input, int8_t *output) {
  const int32_t stride = params->stride;
  const int32_t dilation = params->dilation;
  const int32_t padBefore = params->padBefore;
  const int32_t inputOffset = params->inputOffset;
  const int32_t outputOffset = params->outputOffset;
  const int32_t actMin = params->actMin;
  const int32_t actMax = params->actMax;
  const int32_t *multiplier = params->multiplier;
  const int8_t *shift = params->shift;
  const int32_t inLen = params->inputDims.l;
  const int32_t cin = params->inputDims.c;
  const int32_t k = params->filterDims.k;
  const int8_t *filter = params->filter;
  const int32_t *bias = params->bias;
  const int32_t outLen = params->outputDims.l;
  const int32_t cout = params->outputDims.c;
  int32_t p, o, t, i;
  for (p = 0; p < outLen; p++) {
    const int32_t in0 = p * stride - padBefore;
    for (o = 0; o < cout; o++) {
      int32_t acc = bias[o];
      const int8_t *wo = filter + o * k * cin;
      for (t = 0; t < k; t++) {
        const int32_t ix = in0 + t * dilation;
        const int8_t *wt = wo + t * cin;
        if (ix >= 0 && ix < inLen) {
          const int8_t *xr = input + ix * cin;
          for (i = 0; i < cin; i++) acc += wt[i] * xr[i];
        } else {
          for (i = 0; i < cin; i++) acc -= inputOffset * wt[i];
        }
      }
      output[p * cout + o] = htpw_requant(acc, multiplier[o], shift[o], outputOffset, actMin, actMax);
    }
  }
}

/* ---------------------------------------------------------------- pooling */

/* TFLite AveragePool int8: sum of the valid taps' raw int8 values (no zero point: input and
 * output share it), divided by the number of valid taps rounding half away from zero, clamped. */
HTPW_INLINE void htpw_avgpool1d_s8(const htpw_pool_params_t *params, const int8_t *input, int8_t *output) {
  const int32_t poolSize = params->poolSize;
  const int32_t stride = params->stride;
  const int32_t padBefore = params->padBefore;
  const int32_t actMin = params->actMin;
  const int32_t actMax = params->actMax;
  const int32_t inLen = params->inputDims.l;
  const int32_t ch = params->inputDims.c;
  const int32_t outLen = params->outputDims.l;
  int32_t p, c, t;
  for (p = 0; p < outLen; p++) {
    const int32_t in0 = p * stride - padBefore;
    const int32_t t0 = in0 < 0 ? -in0 : 0;
    const int32_t t1 = in0 + poolSize > inLen ? inLen - in0 : poolSize;
    const int32_t count = t1 - t0;
    for (c = 0; c < ch; c++) {
      int32_t acc = 0;
      for (t = t0; t < t1; t++) acc += input[(in0 + t) * ch + c];
      if (count > 0) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
      acc = acc < actMin ? actMin : acc;
      acc = acc > actMax ? actMax : acc;
      output[p * ch + c] = (int8_t)acc;
    }
  }
}

/* TFLite MaxPool int8: maximum of the valid taps (starting from -128), clamped. */
HTPW_INLINE void htpw_maxpool1d_s8(const htpw_pool_params_t *params, const int8_t *input, int8_t *output) {
  const int32_t poolSize = params->poolSize;
  const int32_t stride = params->stride;
  const int32_t padBefore = params->padBefore;
  const int32_t actMin = params->actMin;
  const int32_t actMax = params->actMax;
  const int32_t inLen = params->inputDims.l;
  const int32_t ch = params->inputDims.c;
  const int32_t outLen = params->outputDims.l;
  int32_t p, c, t;
  for (p = 0; p < outLen; p++) {
    const int32_t in0 = p * stride - padBefore;
    const int32_t t0 = in0 < 0 ? -in0 : 0;
    const int32_t t1 = in0 + poolSize > inLen ? inLen - in0 : poolSize;
    for (c = 0; c < ch; c++) {
      int32_t m = -128;
      for (t = t0; t < t1; t++) {
        const int32_t v = input[(in0 + t) * ch + c];
        m = v > m ? v : m;
      }
      m = m < actMin ? actMin : m;
      m = m > actMax ? actMax : m;
      output[p * ch + c] = (int8_t)m;
    }
  }
}

/* TFLite AVERAGE_POOL_2D with the filter covering all len positions, no padding: the sum of the
 * raw int8 values over the positions, divided by len rounding half away from zero, clamped. */
HTPW_INLINE void htpw_global_avgpool_s8(const htpw_global_avgpool_params_t *params, const int8_t *input,
                                        int8_t *output) {
  const int32_t actMin = params->actMin;
  const int32_t actMax = params->actMax;
  const int32_t len = params->inputDims.l;
  const int32_t ch = params->inputDims.c;
  int32_t c, i;
  for (c = 0; c < ch; c++) {
    int32_t acc = 0;
    for (i = 0; i < len; i++) acc += input[i * ch + c];
    acc = acc > 0 ? (acc + len / 2) / len : (acc - len / 2) / len;
    acc = acc < actMin ? actMin : acc;
    acc = acc > actMax ? actMax : acc;
    output[c] = (int8_t)acc;
  }
}

/* ---------------------------------------------------------------- residual add */

/* TFLite ADD int8: scaled_i = mbqm((input_i + inputOffset_i) * 2^leftShift, inputMultiplier_i,
 * inputShift_i); output = clamp(mbqm(scaled_1 + scaled_2, outputMultiplier, outputShift) + outputOffset). */
HTPW_INLINE void htpw_add_s8(const htpw_add_params_t *params, const int8_t *input1, const int8_t *input2,
                             int8_t *output) {
  const int32_t input1Offset = params->input1Offset;
  const int32_t input2Offset = params->input2Offset;
  const int32_t leftShift = params->leftShift;
  const int32_t size = params->input1Dims.n * params->input1Dims.l * params->input1Dims.c;
  int32_t i;
  for (i = 0; i < size; i++) {
    const int32_t shifted1 = (int32_t)((uint32_t)(input1[i] + input1Offset) << leftShift);
    const int32_t shifted2 = (int32_t)((uint32_t)(input2[i] + input2Offset) << leftShift);
    const int32_t scaled1 = htpw_mbqm(shifted1, params->input1Multiplier, params->input1Shift);
    const int32_t scaled2 = htpw_mbqm(shifted2, params->input2Multiplier, params->input2Shift);
    output[i] = htpw_requant(scaled1 + scaled2, params->outputMultiplier, params->outputShift, params->outputOffset,
                             params->actMin, params->actMax);
  }
}

#endif /* HTPW_KERNELS_H */
