/*
 * Plain TFLite-Micro-style loops (reference_integer_ops conv / depthwise_conv with H = 1): runtime
 * parameters, acc += w * (x + input_offset) per tap with the padding test, then bias, requantize,
 * offset, clamp. The baseline the instruction-count bench measures in the same run, and the layers
 * of `export-c --kernels reference` (the whole model on these loops, bit-exact: golden-tested).
 * Requantization is htpw_kernels.h's (TFLite's formula).
 */
#ifndef HTPW_TFLM_REFERENCE_LOOPS_H
#define HTPW_TFLM_REFERENCE_LOOPS_H
#include "htpw_kernels.h"

#if defined(__GNUC__)
#define HTPW_REF_FN __attribute__((noinline, noipa))
#else
#define HTPW_REF_FN

HTPW_REF_FN void ref_conv_s8(const int8_t *x, int8_t *y, int32_t in_len, int32_t cin, int32_t out_len, int32_t cout,
                             int32_t k, int32_t stride, int32_t dil, int32_t pad, const int8_t *w,
                             const int32_t *bias, const int32_t *mult, const int8_t *shift, int32_t in_offset,
                             int32_t out_zp, int32_t act_min, int32_t act_max);
HTPW_REF_FN void ref_conv_s8(const int8_t *x, int8_t *y, int32_t in_len, int32_t cin, int32_t out_len, int32_t cout,
                             int32_t k, int32_t stride, int32_t dil, int32_t pad, const int8_t *w,
                             const int32_t *bias, const int32_t *mult, const int8_t *shift, int32_t in_offset,
                             int32_t out_zp, int32_t act_min, int32_t act_max) {
  int32_t p, o, t, i;
  for (p = 0; p < out_len; p++) {
    for (o = 0; o < cout; o++) {
      int32_t acc = 0;
      for (t = 0; t < k; t++) {
        const int32_t ix = p * stride - pad + t * dil;
        if (ix < 0 || ix >= in_len) continue;
        for (i = 0; i < cin; i++) acc += w[(o * k + t) * cin + i] * (x[ix * cin + i] + in_offset);
      }
      acc += bias[o];
      acc = htpw_mbqm(acc, mult[o], shift[o]);
      acc += out_zp;
      acc = acc < act_min ? act_min : acc;
      acc = acc > act_max ? act_max : acc;
      y[p * cout + o] = (int8_t)acc;
    }
  }
}
#endif

HTPW_REF_FN void ref_pw_s8(const int8_t *x, int8_t *y, int32_t positions, int32_t cin, int32_t cout, const int8_t *w,
                           const int32_t *bias, const int32_t *mult, const int8_t *shift, int32_t in_offset,
                           int32_t out_zp, int32_t act_min, int32_t act_max);
HTPW_REF_FN void ref_pw_s8(const int8_t *x, int8_t *y, int32_t positions, int32_t cin, int32_t cout, const int8_t *w,
                           const int32_t *bias, const int32_t *mult, const int8_t *shift, int32_t in_offset,
                           int32_t out_zp, int32_t act_min, int32_t act_max) {
  int32_t p, o, i;
  for (p = 0; p < positions; p++) {
    for (o = 0; o < cout; o++) {
      int32_t acc = 0;
      for (i = 0; i < cin; i++) acc += w[o * cin + i] * (x[p * cin + i] + in_offset);
      acc += bias[o];
      acc = htpw_mbqm(acc, mult[o], shift[o]);
      acc += out_zp;
      acc = acc < act_min ? act_min : acc;
      acc = acc > act_max ? act_max : acc;
      y[p * cout + o] = (int8_t)acc;
    }
  }
}

HTPW_REF_FN void ref_dw_s8(const int8_t *x, int8_t *y, int32_t in_len, int32_t ch, int32_t out_len, int32_t k,
                           int32_t stride, int32_t dil, int32_t pad, const int8_t *w, const int32_t *bias,
                           const int32_t *mult, const int8_t *shift, int32_t in_offset, int32_t out_zp,
                           int32_t act_min, int32_t act_max);
HTPW_REF_FN void ref_dw_s8(const int8_t *x, int8_t *y, int32_t in_len, int32_t ch, int32_t out_len, int32_t k,
                           int32_t stride, int32_t dil, int32_t pad, const int8_t *w, const int32_t *bias,
                           const int32_t *mult, const int8_t *shift, int32_t in_offset, int32_t out_zp,
                           int32_t act_min, int32_t act_max) {
  int32_t p, c, t;
  for (p = 0; p < out_len; p++) {
    for (c = 0; c < ch; c++) {
      int32_t acc = 0;
      for (t = 0; t < k; t++) {
        const int32_t ix = p * stride - pad + t * dil;
        if (ix >= 0 && ix < in_len) acc += w[t * ch + c] * (x[ix * ch + c] + in_offset);
      }
      acc += bias[c];
      acc = htpw_mbqm(acc, mult[c], shift[c]);
      acc += out_zp;
      acc = acc < act_min ? act_min : acc;
      acc = acc > act_max ? act_max : acc;
      y[p * ch + c] = (int8_t)acc;
    }
  }
}

HTPW_REF_FN void ref_conv_s8(const int8_t *x, int8_t *y, int32_t in_len, int32_t cin, int32_t out_len, int32_t cout,
                             int32_t k, int32_t stride, int32_t dil, int32_t pad, const int8_t *w,
                             const int32_t *bias, const int32_t *mult, const int8_t *shift, int32_t in_offset,
                             int32_t out_zp, int32_t act_min, int32_t act_max);
HTPW_REF_FN void ref_conv_s8(const int8_t *x, int8_t *y, int32_t in_len, int32_t cin, int32_t out_len, int32_t cout,
                             int32_t k, int32_t stride, int32_t dil, int32_t pad, const int8_t *w,
                             const int32_t *bias, const int32_t *mult, const int8_t *shift, int32_t in_offset,
                             int32_t out_zp, int32_t act_min, int32_t act_max) {
  int32_t p, o, t, i;
  for (p = 0; p < out_len; p++) {
    for (o = 0; o < cout; o++) {
      int32_t acc = 0;
      for (t = 0; t < k; t++) {
        const int32_t ix = p * stride - pad + t * dil;
        if (ix < 0 || ix >= in_len) continue;
        for (i = 0; i < cin; i++) acc += w[(o * k + t) * cin + i] * (x[ix * cin + i] + in_offset);
      }
      acc += bias[o];
      acc = htpw_mbqm(acc, mult[o], shift[o]);
      acc += out_zp;
      acc = acc < act_min ? act_min : acc;
      acc = acc > act_max ? act_max : acc;
      y[p * cout + o] = (int8_t)acc;
    }
  }
}
#endif
