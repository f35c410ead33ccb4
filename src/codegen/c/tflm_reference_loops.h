/*
 * Plain TFLite-Micro-style loops (reference_integer_ops conv / depthwise_conv with H = 1): the
 * parameters read from the params struct at run time (the functions are not inlined, and are
 * kept from propagating their callers' constants), acc += filter * (input + inputOffset) per tap
 * with the padding test, then bias, requantize, offset, clamp. The baseline the instruction-count
 * bench measures in the same run, and the layers of `export-c --kernels reference` (the whole
 * model on these loops, bit-exact: golden-tested). Parameters (htpw_conv_params_t, with TFLite's
 * own bias) and requantization are htpw_kernels.h's.
 */
#ifndef HTPW_TFLM_REFERENCE_LOOPS_H
#define HTPW_TFLM_REFERENCE_LOOPS_H
#include "htpw_kernels.h"

#if defined(__GNUC__)
#define HTPW_REF_FN __attribute__((noinline, noipa))
#else
#define HTPW_REF_FN
#endif

HTPW_REF_FN void ref_conv1d_s8(const htpw_conv_params_t *params, const int8_t *input, int8_t *output);
HTPW_REF_FN void ref_conv1d_s8(const htpw_conv_params_t *params, const int8_t *input, int8_t *output) {
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
    for (o = 0; o < cout; o++) {
      int32_t acc = 0;
      for (t = 0; t < k; t++) {
        const int32_t ix = p * stride - padBefore + t * dilation;
        if (ix < 0 || ix >= inLen) continue;
        for (i = 0; i < cin; i++) acc += filter[(o * k + t) * cin + i] * (input[ix * cin + i] + inputOffset);
      }
      acc += bias[o];
      acc = htpw_mbqm(acc, multiplier[o], shift[o]);
      acc += outputOffset;
      acc = acc < actMin ? actMin : acc;
      acc = acc > actMax ? actMax : acc;
      output[p * cout + o] = (int8_t)acc;
    }
  }
}

/* pointwise, and fully connected (ref_fully_connected_s8): positions = outputDims.n * outputDims.l,
 * cin = filterDims.in, cout = filterDims.out. */
HTPW_REF_FN void ref_pwconv1d_s8(const htpw_conv_params_t *params, const int8_t *input, int8_t *output);
HTPW_REF_FN void ref_pwconv1d_s8(const htpw_conv_params_t *params, const int8_t *input, int8_t *output) {
  const int32_t inputOffset = params->inputOffset;
  const int32_t outputOffset = params->outputOffset;
  const int32_t actMin = params->actMin;
  const int32_t actMax = params->actMax;
  const int32_t *multiplier = params->multiplier;
  const int8_t *shift = params->shift;
  const int32_t positions = params->outputDims.n * params->outputDims.l;
  const int32_t cin = params->filterDims.in;
  const int32_t cout = params->filterDims.out;
  const int8_t *filter = params->filter;
  const int32_t *bias = params->bias;
  int32_t p, o, i;
  for (p = 0; p < positions; p++) {
    for (o = 0; o < cout; o++) {
      int32_t acc = 0;
      for (i = 0; i < cin; i++) acc += filter[o * cin + i] * (input[p * cin + i] + inputOffset);
      acc += bias[o];
      acc = htpw_mbqm(acc, multiplier[o], shift[o]);
      acc += outputOffset;
      acc = acc < actMin ? actMin : acc;
      acc = acc > actMax ? actMax : acc;
      output[p * cout + o] = (int8_t)acc;
    }
  }
}

HTPW_INLINE void ref_fully_connected_s8(const htpw_conv_params_t *params, const int8_t *input, int8_t *output) {
  ref_pwconv1d_s8(params, input, output);
}

HTPW_REF_FN void ref_dwconv1d_s8(const htpw_conv_params_t *params, const int8_t *input, int8_t *output);
HTPW_REF_FN void ref_dwconv1d_s8(const htpw_conv_params_t *params, const int8_t *input, int8_t *output) {
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
  int32_t p, c, t;
  for (p = 0; p < outLen; p++) {
    for (c = 0; c < ch; c++) {
      int32_t acc = 0;
      for (t = 0; t < k; t++) {
        const int32_t ix = p * stride - padBefore + t * dilation;
        if (ix >= 0 && ix < inLen) acc += filter[t * ch + c] * (input[ix * ch + c] + inputOffset);
      }
      acc += bias[c];
      acc = htpw_mbqm(acc, multiplier[c], shift[c]);
      acc += outputOffset;
      acc = acc < actMin ? actMin : acc;
      acc = acc > actMax ? actMax : acc;
      output[p * ch + c] = (int8_t)acc;
    }
  }
}
#endif
