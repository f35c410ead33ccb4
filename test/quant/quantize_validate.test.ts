import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activationRange, addQuantParams, chooseActivationParams, perChannelRequant, quantizeBias, quantizeWeightsPerChannel } from '../../src/quant/quantize.ts';
import { quantizeMultiplier } from '../../src/quant/fixed_point.ts';
import { randomIntModel } from '../../src/quant/testing/random_model.ts';
import { intModelProblems, validateIntModel } from '../../src/quant/validate.ts';
import type { Conv1dOp } from '../../src/quant/int_model.ts';

describe('quantize helpers', () => {
  it('activation params: real 0 is exact and the range is covered', () => {
    fc.assert(fc.property(fc.double({ min: -100, max: 0, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (lo, hi) => {
      const { scale, zeroPoint } = chooseActivationParams(lo, hi);
      if (hi - lo < 1e-6) return true;
      expect(Number.isInteger(zeroPoint) && zeroPoint >= -128 && zeroPoint <= 127).toBe(true);
      expect(Math.fround(scale)).toBe(scale);
      // the representable range [s(-128 - zp), s(127 - zp)] covers [lo, hi] up to one step of nudging
      expect(scale * (-128 - zeroPoint)).toBeLessThanOrEqual(lo + scale);
      expect(scale * (127 - zeroPoint)).toBeGreaterThanOrEqual(hi - scale);
      return true;
    }), { numRuns: 500 });
    expect(chooseActivationParams(0, 6)).toEqual({ scale: Math.fround(6 / 255), zeroPoint: -128 });
    // both candidate zero points are -0.5 (equal error, TFLite takes the one from max); half away from zero -> -1
    expect(chooseActivationParams(-1, 1).zeroPoint).toBe(-1);
  });

  it('weights: symmetric per channel in [-127, 127], max maps to +-127, all-zero channel gets scale 1', () => {
    const w = Float32Array.from([0.5, -1, 0.25, 0, 0, 0, 3, 1.5, -3]);
    const { q, scales } = quantizeWeightsPerChannel(w, 3);
    expect(Array.from(scales)).toEqual([Math.fround(1 / 127), 1, Math.fround(3 / 127)]);
    expect(Array.from(q)).toEqual([64, -127, 32, 0, 0, 0, 127, 64, -127]);
  });

  it('bias: rounded with the float32 bias scale and saturated to int32', () => {
    const b = quantizeBias(Float32Array.from([1, -1, 1e30, -1e30, 0.5]), 0.5, Float32Array.from([0.01, 0.01, 0.01, 0.01, 1]));
    expect(Array.from(b)).toEqual([200, -200, 2147483647, -2147483648, 1]);
  });

  it('per-channel requant uses (double) in * (double) w[c] / (double) out', () => {
    const w = Float32Array.from([0.013, 0.0007, 0]);
    const r = perChannelRequant(0.1, w, 0.3, 'double');
    for (let c = 0; c < 3; c++) {
      const e = quantizeMultiplier((Math.fround(0.1) * w[c]) / Math.fround(0.3));
      expect([r.multiplier[c], r.shift[c]]).toEqual([e.multiplier, e.shift]);
    }
    expect(r.multiplier[2]).toBe(0);
  });

  it('add params: input shifts <= 0, left shift 20', () => {
    const p = addQuantParams(0.02, 0.05, 0.06, 'double');
    expect(p.leftShift).toBe(20);
    expect(p.input1Shift).toBeLessThanOrEqual(0);
    expect(p.input2Shift).toBeLessThanOrEqual(0);
    expect(p.input2Multiplier).toBe(2 ** 30); // 0.05 / 0.1 = 0.5
  });

  it('relu / relu6 clamps', () => {
    expect(activationRange('relu', 0.1, -100)).toEqual({ actMin: -100, actMax: 127 });
    expect(activationRange('relu6', 0.1, -100)).toEqual({ actMin: -100, actMax: -40 });
    expect(activationRange('none', 0.1, 3)).toEqual({ actMin: -128, actMax: 127 });
  });
});

describe('validateIntModel', () => {
  it('accepts random models', () => {
    for (let s = 0; s < 50; s++) expect(intModelProblems(randomIntModel(s))).toEqual([]);
  });

  it('filledAtLoad: the named ops may have empty arrays, no other op may', () => {
    const model = randomIntModel(5);
    const k = model.ops.findIndex((op) => 'weights' in op);
    const op = model.ops[k] as Conv1dOp;
    model.ops[k] = { ...op, weights: new Int8Array(0), bias: new Int32Array(0), requant: { multiplier: new Int32Array(0), shift: new Int32Array(0) }, weightScales: new Float32Array(0) };
    expect(intModelProblems(model, { filledAtLoad: new Set([op.name]) })).toEqual([]);
    expect(intModelProblems(model).join('\n')).toMatch(/weights have 0 values/);
    expect(intModelProblems(model, { filledAtLoad: new Set(['another op']) }).join('\n')).toMatch(/bias has 0 entries/);
  });

  it('enforces the accumulator bound Cin * K * 127 * 255 + |bias| < 2^31', () => {
    const model = randomIntModel(4);
    const stem = model.ops[0] as Conv1dOp;
    const taps = stem.inChannels * stem.kernelSize;
    stem.bias[0] = 2 ** 31 - taps * 127 * 255 - 1;
    expect(intModelProblems(model)).toEqual([]);
    stem.bias[0] = -(2 ** 31 - taps * 127 * 255);
    expect(() => validateIntModel(model)).toThrow(/accumulator bound/);
  });

  it('rejects bad ids, shapes, multipliers, shifts, clamps, weights', () => {
    const check = (mutate: (m: ReturnType<typeof randomIntModel>) => void, pattern: RegExp) => {
      const m = randomIntModel(9);
      mutate(m);
      expect(intModelProblems(m).join('\n')).toMatch(pattern);
    };
    check((m) => { m.ops[1].input = 99; }, /not a tensor id/);
    check((m) => { m.ops[0].input = m.ops[1].output; }, /not produced by an earlier op/);
    check((m) => { (m.ops[0] as Conv1dOp).requant.multiplier[0] = 5; }, /multiplier 5/);
    check((m) => { (m.ops[0] as Conv1dOp).requant.shift[0] = 31; }, /shift 31/);
    check((m) => { (m.ops[0] as Conv1dOp).requant.shift[0] = 20; }, /left shift|2\^20/);
    check((m) => { m.ops[0].actMin = 100; m.ops[0].actMax = 0; }, /act range/);
    check((m) => { (m.ops[0] as Conv1dOp).weights[0] = -128; }, /-128/);
    check((m) => { m.tensors[m.ops[0].output].shape = [3, 3]; }, /output shape/);
    check((m) => { m.tensors[0].zeroPoint = 200; }, /zero point/);
    check((m) => { m.version = 2 as 1; }, /version/);
  });
});
