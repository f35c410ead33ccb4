import { describe, expect, it } from 'vitest';
import { Rng, Tensor, backward, mul, parameter, sum, tensor } from '../../src/core/index.ts';
import { fakeQuantActivation, fakeQuantBias, fakeQuantGlobalAvgPool, fakeQuantWeightPerChannel } from '../../src/quant/fake_quant.ts';
import { chooseActivationParams, dequantizeValue, quantizeBias, quantizeValue, quantizeWeightsPerChannel } from '../../src/quant/quantize.ts';

/** loss = sum(g * f(x)) so that d loss / d x = g * f'(x) (the STE's definition). */
function gradOf(f: (x: Tensor) => Tensor, x: Float32Array, shape: number[], g: Float32Array): Float32Array {
  const p = parameter(tensor(x, shape));
  backward(sum(mul(f(p), tensor(g, shape))));
  return p.grad!;
}

describe('fakeQuantWeightPerChannel', () => {
  it('forward equals quantizeWeightsPerChannel dequantized; [K, C] per C', () => {
    const rng = new Rng(1);
    const w = new Float32Array(6 * 5).map(() => rng.normal());
    w.fill(0, 10, 15); // an all-zero channel (row 2)
    const fq = fakeQuantWeightPerChannel(tensor(w, [6, 5]), 0).values();
    const { q, scales } = quantizeWeightsPerChannel(w, 6);
    for (let i = 0; i < w.length; i++) expect(fq[i]).toBe(Math.fround(q[i] * scales[Math.floor(i / 5)]));
    // depthwise layout [K = 5, C = 6]: channel c is column c
    const wt = new Float32Array(30);
    for (let c = 0; c < 6; c++) for (let k = 0; k < 5; k++) wt[k * 6 + c] = w[c * 5 + k];
    const fd = fakeQuantWeightPerChannel(tensor(wt, [5, 6]), 1).values();
    for (let c = 0; c < 6; c++) for (let k = 0; k < 5; k++) expect(fd[k * 6 + c]).toBe(fq[c * 5 + k]);
  });

  it('STE: the gradient passes inside the clip range and is zero where clipped', () => {
    const w = Float32Array.from([0.5, -1, 2, 0.1, 3, -4]);
    const g = Float32Array.from([1, 2, 3, 4, 5, 6]);
    expect([...gradOf((x) => fakeQuantWeightPerChannel(x, 0), w, [2, 3], g)]).toEqual([...g]); // max-derived scale: nothing clips
    // fixed scales 0.01: 2, 3 and -4 are beyond 127 levels and clip; 0.5, -1 and 0.1 do not
    const got = gradOf((x) => fakeQuantWeightPerChannel(x, 0, Float32Array.from([0.01, 0.01])), w, [2, 3], g);
    expect([...got]).toEqual([1, 2, 0, 4, 0, 0]);
  });
});

describe('fakeQuantActivation', () => {
  it('forward equals quantizeValue then dequantizeValue', () => {
    const rng = new Rng(2);
    const { scale, zeroPoint } = chooseActivationParams(-1.3, 2.7);
    const x = new Float32Array(200).map(() => rng.uniform(-2, 4));
    const y = fakeQuantActivation(tensor(x), scale, zeroPoint).values();
    for (let i = 0; i < x.length; i++) expect(y[i]).toBe(dequantizeValue(quantizeValue(x[i], scale, zeroPoint), scale, zeroPoint));
  });

  it('STE with clipping: gradient 1 inside [scale (qmin - zp), scale (qmax - zp)], 0 outside', () => {
    const { scale, zeroPoint } = chooseActivationParams(-1, 1);
    const lo = scale * (-128 - zeroPoint);
    const hi = scale * (127 - zeroPoint);
    const x = Float32Array.from([lo - 0.1, lo + 0.01, 0, 0.5, hi - 0.01, hi + 0.1]);
    const g = Float32Array.from([1, 2, 3, 4, 5, 6]);
    expect([...gradOf((t) => fakeQuantActivation(t, scale, zeroPoint), x, [6], g)]).toEqual([0, 2, 3, 4, 5, 0]);
  });

  it('with right shifts it reproduces double rounding (fractions in [0.5 - 2^-(k+1), 0.5) round up)', () => {
    const x = Float32Array.from([0.49, 0.495, 1.4922, -0.496]);
    const plain = fakeQuantActivation(tensor(x), 1, 0).values();
    expect([...plain]).toEqual([0, 0, 1, 0]);
    const dbl = fakeQuantActivation(tensor(x), 1, 0, -128, 127, Int32Array.from([6])).values();
    // 0.495 * 64 = 31.68 -> 32 -> 0.5 -> 1; 1.4922 * 64 = 95.5 -> 96 -> 1.5 -> 2; -0.496 -> -1
    expect([...dbl]).toEqual([0, 1, 2, -1]);
  });
});

describe('fakeQuantBias and fakeQuantGlobalAvgPool', () => {
  it('bias: quantizeBias levels, identity gradient', () => {
    const b = Float32Array.from([0.123, -0.5, 3]);
    const ws = Float32Array.from([0.01, 0.02, 0.003]);
    const y = fakeQuantBias(tensor(b), 0.05, ws).values();
    const q = quantizeBias(b, 0.05, ws);
    for (let c = 0; c < 3; c++) expect(y[c]).toBeCloseTo(q[c] * Math.fround(Math.fround(0.05) * ws[c]), 6);
    expect([...gradOf((t) => fakeQuantBias(t, 0.05, ws), b, [3], Float32Array.from([1, 2, 3]))]).toEqual([1, 2, 3]);
  });

  it('global average pool: the int8 kernel\'s rounding of the int8 sum (ties away from zero in the q domain)', () => {
    const scale = 0.1;
    const zp = -128;
    // int8 inputs of one channel over L = 4: sum -505 -> -126.25 -> -126; sum -510 -> -127.5 -> -128
    for (const [qs, expected] of [[[-126, -127, -126, -126], -126], [[-127, -128, -127, -128], -128]] as const) {
      const mean = qs.reduce((a, q) => a + scale * (q - zp), 0) / 4;
      const y = fakeQuantGlobalAvgPool(tensor([mean]), scale, zp, 4).values()[0];
      expect(Math.round(y / scale) + zp).toBe(expected);
    }
  });
});
