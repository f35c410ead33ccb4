import { describe, expect, it } from 'vitest';
import { synthesize } from '../../src/hyper/deployable.ts';
import { generatedOps } from '../../src/hyper/generated.ts';
import { synthesizeLayer, generateFloat, dequantizeSynthesized, pBits, type LayerSynthesisInputs } from '../../src/hyper/synthesis.ts';
import { encodeDeployable, decodeDeployable } from '../../src/hyper/deployable_io.ts';
import { randomDeployable, separableDeployable } from '../../src/hyper/testing.ts';
import { quantizeGenerator, type IntLinear, type StoredGenerator } from '../../src/hyper/stored.ts';
import { makeConfig, DEFAULT_KNOBS, type GeneratorKnobs } from '../../src/hyper/config.ts';
import { randomFloatGenerator } from '../../src/hyper/testing.ts';
import { simulate } from '../../src/quant/simulator.ts';
import { randomInput } from '../../src/quant/testing/random_model.ts';
import { validateIntModel } from '../../src/quant/validate.ts';
import type { IntModel, PwConv1dOp } from '../../src/quant/int_model.ts';

const gen = (m: IntModel) => m.ops.filter((o): o is PwConv1dOp => o.kind === 'pwconv1d' && o.source === 'generated');
const bytesOf = (m: IntModel) => gen(m).map((o) => [Array.from(o.weights), Array.from(o.bias), Array.from(o.requant.multiplier), Array.from(o.requant.shift)]);

/** Error bound of synthesized vs float64 generator, per output channel:
 * |W_syn - W_float| <= 0.5 * rowmax/127 (INT8 rounding) + excess * rowmax (integer intermediates). */
const FAMILIES: [string, Partial<GeneratorKnobs>, number][] = [
  ['default 6-bit', {}, 0.005],
  ['basis-coeff', { head: 'basis-coeff' }, 0.005],
  ['per-layer', { sharing: 'per-layer', generated: 'all' }, 0.01],
  ['8-bit, r=16, dh=64', { rank: 16, dh: 64, trunkBits: 8, headBits: 8, basisBits: 8, codeBits: 8 }, 0.005],
  ['all 4-bit', { codeBits: 4, trunkBits: 4, headBits: 4, basisBits: 4, gainBits: 4 }, 0.05],
  ['generated gains', { gains: 'generated' }, 0.05],
  ['factor-heads', { head: 'factor-heads' }, 0.05],
  ['factor-heads, generated gains, r=8', { head: 'factor-heads', gains: 'generated', rank: 8 }, 0.05],
  ['factor-heads, no gains, per-layer', { head: 'factor-heads', gains: 'none', sharing: 'per-layer', generated: 'all' }, 0.05],
];

describe('synthesis', () => {
  it('is deterministic: same deployable, same bytes (also after a file round trip)', () => {
    for (let seed = 0; seed < 10; seed++) {
      const { deployable } = randomDeployable(seed, seed < 5 ? {} : { head: 'factor-heads' });
      const a = bytesOf(synthesize(deployable));
      expect(bytesOf(synthesize(deployable))).toEqual(a);
      expect(bytesOf(synthesize(decodeDeployable(encodeDeployable(deployable))))).toEqual(a);
    }
  });

  it.each(FAMILIES)('stays within the documented bound of the float64 generator (%s)', (_name, knobs, excess) => {
    for (let seed = 0; seed < 12; seed++) {
      const { deployable: d } = randomDeployable(seed, knobs, { maxChannels: 24 });
      const g = d.generator!;
      const ops = generatedOps(d.model);
      g.layers.forEach((L, l) => {
        const s = synthesizeLayer(g, l, d.layers[l], d.model.tensors[ops[l].input].scale, d.model.tensors[ops[l].output].scale);
        const W = dequantizeSynthesized(s, L.cIn);
        const F = generateFloat(g, l);
        for (let o = 0; o < L.cOut; o++) {
          let fm = 0;
          for (let i = 0; i < L.cIn; i++) fm = Math.max(fm, Math.abs(F[o * L.cIn + i]));
          let wm = 0;
          for (let i = 0; i < L.cIn; i++) wm = Math.max(wm, Math.abs(s.weights[o * L.cIn + i]));
          if (s.multiplier[o] !== 0) expect(wm).toBe(127); // per-channel symmetric: the row max maps to 127
          for (let i = 0; i < L.cIn; i++) expect(Math.abs(W[o * L.cIn + i] - F[o * L.cIn + i])).toBeLessThanOrEqual((0.5 / 127 + excess) * fm + 1e-12);
        }
      });
    }
  });

  it('reproduces the real bias and the weight scale the integers imply', () => {
    for (let seed = 0; seed < 6; seed++) {
      const { deployable: d, original } = randomDeployable(seed);
      const m = synthesize(d);
      for (const op of gen(m)) {
        const orig = original.ops.find((o) => o.name === op.name) as PwConv1dOp;
        const sIn = m.tensors[op.input].scale;
        for (let o = 0; o < op.outChannels; o++) {
          if (op.requant.multiplier[o] === 0) continue;
          const real = orig.bias[o] * Math.fround(sIn * orig.weightScales[o]);
          const unit = sIn * op.weightScales[o];
          if (Math.abs(op.bias[o]) < 2 ** 31 - 1) expect(Math.abs(op.bias[o] * unit - real)).toBeLessThanOrEqual(0.5001 * unit + 1e-6 * Math.abs(real));
          const M = op.requant.multiplier[o] * 2 ** (op.requant.shift[o] - 31);
          expect(Math.abs(M - (sIn * op.weightScales[o]) / m.tensors[op.output].scale)).toBeLessThanOrEqual(1e-6 * M);
        }
      }
    }
  });

  it('rounds ties half away from zero and normalizes P (hand-made generator)', () => {
    // identity-like MLP: weight 0, bias = the value, multiplier 2^30, shift 1 -> output = acc
    const lin = (values: number[], inF: number, actMin: number, actMax: number): IntLinear => ({
      inFeatures: inF, outFeatures: values.length, bits: 8, weights: new Int8Array(values.length * inF), bias: Int32Array.from(values),
      multiplier: new Int32Array(values.length).fill(2 ** 30), shift: new Int32Array(values.length).fill(1), actMin, actMax,
      weightScales: new Float32Array(values.length).fill(1), inputScale: 1, outputScale: 1,
    });
    const config = makeConfig({ ...DEFAULT_KNOBS.mitbih, dz: 1, dh: 1, rank: 1, trunkDepth: 1, gains: 'stored' }, [{ cIn: 4, cOut: 2 }]);
    const g: StoredGenerator = {
      config, codeScale: 1,
      instances: [{ cMax: 4, trunk: [lin([0], 1, 0, 32767)], core: lin([3 << 20], 1, -8388607, 8388607),
        U: { bits: 8, shape: [4, 1], values: Int8Array.from([1, 1, 0, 0]), scale: 1 },
        V: { bits: 8, shape: [1, 4], values: Int8Array.from([2, 1, -1, 0]), scale: 1 } }],
      layers: [{ generator: 0, cIn: 4, cOut: 2, code: { bits: 8, shape: [1], values: Int8Array.from([0]), scale: 1 }, gains: { bits: 8, shape: [2], values: Int8Array.from([5, -3]), scale: 1 } }],
    };
    const inputs: LayerSynthesisInputs = { kMultiplier: 2 ** 30, kExponent: -20, biasQ: Int32Array.from([1 << 20, -(1 << 20)]), biasExponent: 0 };
    const s = synthesizeLayer(g, 0, inputs);
    // P = 3*2^20 (bitlen 22), qP = 17 -> sP = 5, P' = 98304; R = P' * [2, 1, -1, 0]; m = 2 P'
    // 127 * R / m = 127, 63.5 -> 64, -63.5 -> -64, 0; gain -3 flips the sign of row 1
    expect(pBits(1)).toBe(17);
    expect(Array.from(s.weights)).toEqual([127, 64, -64, 0, -127, -64, 64, 0]);
    // A = 5 * 196608 = 983040 (bitlen 20): X = 2^30 * A, t = 50 - 31 = 19 -> mult = 2^30 * 983040 / 2^19 = 2^11 * 983040
    expect(s.multiplier[0]).toBe(2 ** 11 * 983040);
    expect(s.shift[0]).toBe(19 - 20 + 5);
    // bias = round(2^20 * 2^(31 - 4) / mult)
    expect(s.bias[0]).toBe(Math.round((2 ** 20 * 2 ** 27) / (2 ** 11 * 983040)));
    expect(s.bias[1]).toBeLessThan(0);
  });

  it('synthesized deployables validate and run in the simulator', () => {
    for (let seed = 0; seed < 6; seed++) {
      for (const knobs of [{}, { gains: 'generated' as const }, { sharing: 'per-layer' as const, generated: 'all' as const }, { head: 'factor-heads' as const }]) {
        const { deployable } = randomDeployable(seed, knobs);
        const model = synthesize(deployable);
        validateIntModel(model);
        const out = simulate(model, randomInput(model, seed)).output;
        expect(out.length).toBe(model.tensors[model.outputId].shape.reduce((a, b) => a * b, 1));
      }
    }
    const { deployable } = separableDeployable(3);
    const model = synthesize(deployable);
    validateIntModel(model);
    expect(simulate(model, randomInput(model, 1)).output.length).toBe(5);
  });

  it('quantizeGenerator rejects mismatched shapes', () => {
    const config = makeConfig(DEFAULT_KNOBS.mitbih, [{ cIn: 8, cOut: 16 }, { cIn: 16, cOut: 16 }]);
    const f = randomFloatGenerator(config, 1);
    expect(() => quantizeGenerator({ ...f, codes: f.codes.slice(1) }, config)).toThrow(/codes/);
    const bad = { ...f, instances: [{ ...f.instances[0], U: new Float32Array(3) }] };
    expect(() => quantizeGenerator(bad, config)).toThrow(/U has/);
    expect(() => makeConfig({ ...DEFAULT_KNOBS.mitbih, rank: 257 }, [{ cIn: 1, cOut: 1 }])).toThrow(/rank/);
  });
});
