import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frexp, INT32_MAX, INT32_MIN, mbqmDouble, mbqmSingle, quantizeMultiplier, roundingDivideByPOT, srdhm } from '../../src/quant/fixed_point.ts';
import { mbqmDoubleRef, mbqmSingleRef, rdbpotRef, srdhmRef } from './bigint_reference.ts';

const int32 = () => fc.oneof(
  fc.integer({ min: INT32_MIN, max: INT32_MAX }),
  fc.constantFrom(INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX - 1, INT32_MAX, 1 << 30, -(1 << 30), (1 << 30) + 1, 1 << 21, -(1 << 21), (1 << 21) + 1, -(1 << 21) - 1),
  fc.integer({ min: -(1 << 22), max: 1 << 22 }), // around the exact-product fast path limit 2^21
  fc.integer({ min: -1000, max: 1000 }),
);
const multiplier = () => fc.oneof(fc.integer({ min: 1 << 30, max: INT32_MAX }), fc.constantFrom(0, 1 << 30, INT32_MAX), fc.integer({ min: 0, max: INT32_MAX }));
const RUNS = { numRuns: 20000 };

describe('fixed point = BigInt transcription of TFLite common.h', () => {
  it('SaturatingRoundingDoublingHighMul over all int32 pairs', () => {
    fc.assert(fc.property(int32(), int32(), (a, b) => srdhm(a, b) === Number(srdhmRef(BigInt(a), BigInt(b)))), RUNS);
    expect(srdhm(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
  });

  it('SRDHM ties: products exactly at +-2^30 and +-(2^30 +- 1)', () => {
    for (const a of [1, -1, 2, -2, 3, -3, 1 << 15, -(1 << 15)]) {
      for (const b of [1 << 30, -(1 << 30), (1 << 29) + 1, 1 << 29, -(1 << 29), 3 << 28, INT32_MIN, INT32_MAX]) {
        expect(srdhm(a, b), `${a} * ${b}`).toBe(Number(srdhmRef(BigInt(a), BigInt(b))));
      }
    }
  });

  it('RoundingDivideByPOT for every exponent 0..31, with ties', () => {
    fc.assert(fc.property(int32(), fc.integer({ min: 0, max: 31 }), (x, e) => roundingDivideByPOT(x, e) === Number(rdbpotRef(BigInt(x), BigInt(e)))), RUNS);
    for (let e = 1; e <= 30; e++) {
      for (const x of [1 << (e - 1), -(1 << (e - 1)), 3 << (e - 1), -(3 << (e - 1)) | 0, INT32_MIN, INT32_MAX]) {
        expect(roundingDivideByPOT(x, e), `${x} / 2^${e}`).toBe(Number(rdbpotRef(BigInt(x), BigInt(e))));
      }
    }
  });

  it('MultiplyByQuantizedMultiplier (double rounding) within its range |x * 2^left| < 2^31', () => {
    fc.assert(fc.property(int32(), multiplier(), fc.integer({ min: -31, max: 30 }), (x0, m, s) => {
      const x = s > 0 ? Math.trunc(x0 / 2 ** s) : x0; // keep x * 2^s inside int32
      return mbqmDouble(x, m, s) === Number(mbqmDoubleRef(BigInt(x), BigInt(m), BigInt(s)));
    }), RUNS);
  });

  it('MultiplyByQuantizedMultiplier (single rounding) over the documented shift range', () => {
    fc.assert(fc.property(int32(), multiplier(), fc.integer({ min: -31, max: 30 }), (x0, m, s) => {
      const x = s > 0 ? Math.trunc(x0 / 2 ** s) : x0; // keep the result inside int32
      return mbqmSingle(x, m, s) === Number(mbqmSingleRef(BigInt(x), BigInt(m), BigInt(s)));
    }), RUNS);
    for (const s of [-31, -30, -17, -16, -15, -1, 0, 1, 15, 16, 30]) {
      for (const x of [INT32_MIN, INT32_MAX, -1, 1, 0, 12345, -12345]) {
        for (const m of [0, 1 << 30, INT32_MAX]) {
          const xs = s > 0 ? Math.trunc(x / 2 ** s) : x;
          expect(mbqmSingle(xs, m, s), `${xs} ${m} ${s}`).toBe(Number(mbqmSingleRef(BigInt(xs), BigInt(m), BigInt(s))));
          expect(mbqmDouble(xs, m, s), `${xs} ${m} ${s}`).toBe(Number(mbqmDoubleRef(BigInt(xs), BigInt(m), BigInt(s))));
        }
      }
    }
  });

  it('double rounding rounds twice, single rounding once (5 * 0.5 * 2^-1 = 1.25)', () => {
    // double: SRDHM(5, 2^30) = round(2.5) = 3, then RDBPOT(3, 1) = round(1.5) = 2; single: round(1.25) = 1
    expect(mbqmDouble(5, 1 << 30, -1)).toBe(2);
    expect(mbqmSingle(5, 1 << 30, -1)).toBe(1);
    // gemmlowp's negative nudge 1 - 2^30 sends -1.5 to -1 in SRDHM
    expect(srdhm(-3, 1 << 30)).toBe(-1);
  });
});

/** frexp from the IEEE bits (independent of the implementation's log2 search). */
function frexpBits(x: number): [number, number] {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const biased = (dv.getUint16(0) >> 4) & 0x7ff;
  if (biased === 0) {
    const [f, e] = frexpBits(x * 2 ** 64);
    return [f, e - 64];
  }
  const e = biased - 1022;
  return [x / 2 ** e, e];
}

describe('QuantizeMultiplier', () => {
  it('frexp equals the IEEE exponent split', () => {
    fc.assert(fc.property(fc.double({ min: Number.MIN_VALUE, max: 1e300, noNaN: true }), (x) => {
      const [f, e] = frexp(x);
      const [g, d] = frexpBits(x);
      return f === g && e === d;
    }), RUNS);
  });

  it('matches the formula and is within 2^-31 relative error', () => {
    fc.assert(fc.property(fc.double({ min: 1e-12, max: 1e6, noNaN: true }), fc.constantFrom('double' as const, 'single' as const), (M, mode) => {
      const { multiplier, shift } = quantizeMultiplier(M, mode);
      const [f, e0] = frexpBits(M);
      let q = Math.floor(f * 2 ** 31 + 0.5); // positive: half away from zero = floor(v + 0.5), exact here
      let e = e0;
      if (q === 2 ** 31) { q /= 2; e++; }
      if (e < -31) { e = 0; q = 0; }
      if (mode === 'single' && e > 30) { e = 30; q = INT32_MAX; }
      if (multiplier !== q || shift !== e) return false;
      if (q === 0 || (mode === 'single' && e === 30 && q === INT32_MAX)) return true;
      return q >= 2 ** 30 && q <= INT32_MAX && Math.abs(q * 2 ** (e - 31) - M) <= M * 2 ** -31;
    }), RUNS);
  });

  it('edge cases: 0, rounding up to 2^31, flush below 2^-32, powers of two', () => {
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(2 ** -32)).toEqual({ multiplier: 2 ** 30, shift: -31 });
    expect(quantizeMultiplier(2 ** -33)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** 40, 'single')).toEqual({ multiplier: INT32_MAX, shift: 30 });
    expect(quantizeMultiplier(2 ** 40, 'double')).toEqual({ multiplier: 2 ** 30, shift: 41 });
    expect(() => quantizeMultiplier(-1)).toThrow(RangeError);
    expect(() => quantizeMultiplier(Number.NaN)).toThrow(RangeError);
  });
});
