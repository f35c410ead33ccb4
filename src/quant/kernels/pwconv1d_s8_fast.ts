/**
 * The js kernel set's pointwise kernel: the integers of `pwconv1dS8` (pwconv1d_s8.ts, the
 * readable reference beside it), computed faster. test/quant/kernels.test.ts checks the two are
 * byte-identical on random shapes, offsets and requantizations (Cin up to 1100, across the
 * 512-input chunks).
 */
import { requantizer } from '../fixed_point.ts';
import { checkPw } from './pwconv1d_s8.ts';
import type { ConvParams, Dims, FilterDims, PerChannelQuantParams } from './types.ts';

/** lane width of the packed pair: two int sums A + B * 2^24, exact while |A| < 2^23 */
const LANE = 16777216;
/** |sum of CHUNK products int8 * int8| <= CHUNK * 127 * 128 < 2^23 for CHUNK <= 516 */
const CHUNK = 512;

/**
 * Fast INT8 GEMM with the same result as `pwconv1dS8`, bit for bit.
 *
 * Two exact rewrites:
 * 1. Offset folding (CMSIS-NN): sum_ci w * (x + off) = sum_ci w * x + off * sum_ci w, so the
 *    inner loop multiplies raw int8 values and `bias[co] + off * sum_ci w[co, ci]` is added once.
 * 2. Two channels per float64 multiply (SWAR): with packed weights W = w[co] + w[co + 1] * 2^24,
 *    sum_ci x * W = A + B * 2^24 where A, B are the two channels' dot products. Over a chunk of at
 *    most 512 inputs |A|, |B| <= 512 * 127 * 128 < 2^23, so every partial sum is an integer below
 *    2^48 (exact in a float64) and B = round(S / 2^24), A = S - B * 2^24 recover both exactly.
 * The loop nest is register-blocked 4 positions x 4 packed pairs (8 channels). Integers in the
 * float64 accumulators never exceed 2^53, so no rounding ever happens: the result equals the
 * reference's int32 `acc` exactly, and the requantization is the same MBQM call.
 */
export function pwconv1dS8Fast(
  params: ConvParams, quant: PerChannelQuantParams,
  inputDims: Dims, input: Int8Array,
  filterDims: FilterDims, filter: Int8Array, bias: Int32Array,
  outputDims: Dims, output: Int8Array,
): void {
  const { inputOffset, outputOffset, actMin, actMax } = params;
  const positions = checkPw('pwconv1dS8Fast', params, inputDims, input, filterDims, filter, bias, outputDims, output);
  const inCh = inputDims.c;
  const outCh = filterDims.out;
  const mbqm = requantizer(quant.rounding);
  const { multiplier, shift } = quant;

  const acc = gemmS8Raw(input, positions, inCh, filter, outCh);
  // folded bias: bias[co] + inputOffset * sum_ci w[co, ci]
  const foldedBias = new Float64Array(outCh);
  for (let co = 0; co < outCh; co++) {
    let s = 0;
    for (let ci = 0; ci < inCh; ci++) s += filter[co * inCh + ci];
    foldedBias[co] = bias[co] + inputOffset * s;
  }
  for (let p = 0; p < positions; p++) {
    const base = p * outCh;
    for (let co = 0; co < outCh; co++) {
      let v = mbqm(acc[base + co] + foldedBias[co], multiplier[co], shift[co]);
      v += outputOffset;
      output[base + co] = v < actMin ? actMin : v > actMax ? actMax : v;
    }
  }
}

/**
 * Raw products: out[p, co] = sum_ci filter[co, ci] * input[p, ci] (no offsets), as float64
 * integers, exact. input [positions, inCh], filter [outCh, inCh].
 */
export function gemmS8Raw(input: Int8Array, positions: number, inCh: number, filter: Int8Array, outCh: number): Float64Array {
  const out = new Float64Array(positions * outCh);
  const pairs = (outCh + 1) >> 1;
  const pairsPadded = (pairs + 3) & ~3;
  const posPadded = (positions + 3) & ~3;
  for (let c0 = 0; c0 < inCh; c0 += CHUNK) {
    const kc = Math.min(CHUNK, inCh - c0);
    // packed weights [pairsPadded, kc]: w[2j] + w[2j + 1] * 2^24 (missing channels are 0)
    const wp = new Float64Array(pairsPadded * kc);
    for (let j = 0; j < pairs; j++) {
      const lo = 2 * j * inCh + c0;
      const hasHi = 2 * j + 1 < outCh;
      for (let ci = 0; ci < kc; ci++) wp[j * kc + ci] = filter[lo + ci] + (hasHi ? filter[lo + inCh + ci] * LANE : 0);
    }
    // inputs as float64 [posPadded, kc] (padding rows are 0)
    const xf = new Float64Array(posPadded * kc);
    for (let p = 0; p < positions; p++) {
      const src = p * inCh + c0;
      for (let ci = 0; ci < kc; ci++) xf[p * kc + ci] = input[src + ci];
    }
    for (let p = 0; p < posPadded; p += 4) {
      const x0 = p * kc;
      const x1 = x0 + kc;
      const x2 = x1 + kc;
      const x3 = x2 + kc;
      for (let j = 0; j < pairsPadded; j += 4) {
        const w0 = j * kc;
        const w1 = w0 + kc;
        const w2 = w1 + kc;
        const w3 = w2 + kc;
        let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
        let a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
        for (let ci = 0; ci < kc; ci++) {
          const v0 = xf[x0 + ci], v1 = xf[x1 + ci], v2 = xf[x2 + ci], v3 = xf[x3 + ci];
          const u0 = wp[w0 + ci], u1 = wp[w1 + ci], u2 = wp[w2 + ci], u3 = wp[w3 + ci];
          a00 += v0 * u0; a01 += v0 * u1; a02 += v0 * u2; a03 += v0 * u3;
          a10 += v1 * u0; a11 += v1 * u1; a12 += v1 * u2; a13 += v1 * u3;
          a20 += v2 * u0; a21 += v2 * u1; a22 += v2 * u2; a23 += v2 * u3;
          a30 += v3 * u0; a31 += v3 * u1; a32 += v3 * u2; a33 += v3 * u3;
        }
        unpack(out, positions, outCh, p, j, a00, a01, a02, a03);
        unpack(out, positions, outCh, p + 1, j, a10, a11, a12, a13);
        unpack(out, positions, outCh, p + 2, j, a20, a21, a22, a23);
        unpack(out, positions, outCh, p + 3, j, a30, a31, a32, a33);
      }
    }
  }
  return out;
}

/** Split four packed sums of one position into channels 2j .. 2j + 7 and add them to `out`. */
function unpack(out: Float64Array, positions: number, outCh: number, p: number, j: number, s0: number, s1: number, s2: number, s3: number): void {
  if (p >= positions) return;
  const base = p * outCh + 2 * j;
  const end = (p + 1) * outCh;
  const h0 = Math.round(s0 / LANE), h1 = Math.round(s1 / LANE), h2 = Math.round(s2 / LANE), h3 = Math.round(s3 / LANE);
  if (base + 7 < end) {
    out[base] += s0 - h0 * LANE; out[base + 1] += h0;
    out[base + 2] += s1 - h1 * LANE; out[base + 3] += h1;
    out[base + 4] += s2 - h2 * LANE; out[base + 5] += h2;
    out[base + 6] += s3 - h3 * LANE; out[base + 7] += h3;
    return;
  }
  const vals = [s0 - h0 * LANE, h0, s1 - h1 * LANE, h1, s2 - h2 * LANE, h2, s3 - h3 * LANE, h3];
  for (let i = 0; i < 8 && base + i < end; i++) out[base + i] += vals[i];
}
