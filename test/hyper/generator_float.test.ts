import { describe, expect, it } from 'vitest';
import { backward, mul, noGrad, sum, tensor, Rng, type Tensor } from '../../src/core/index.ts';
import { configForModel, DEFAULT_KNOBS, type GeneratorKnobs } from '../../src/hyper/config.ts';
import { buildDeployable, synthesize } from '../../src/hyper/deployable.ts';
import { markGenerated } from '../../src/hyper/generated.ts';
import { generatedOps } from '../../src/hyper/generated.ts';
import { dequantizeSynthesized } from '../../src/hyper/synthesis.ts';
import { kernelLevels } from '../../src/hyper/fake_quant_generated.ts';
import { FloatGenerator } from '../../src/hyper/generator_float.ts';
import { quantizeGenerator } from '../../src/hyper/stored.ts';
import { configFor, separableModel } from '../../src/hyper/testing.ts';

function scalarLoss(gen: FloatGenerator, R: Tensor[]): Tensor {
  let total: Tensor | null = null;
  for (let l = 0; l < gen.layerCount; l++) {
    const s = sum(mul(gen.weightFor(l), R[l]));
    total = total ? sumOf(total, s) : s;
  }
  return total!;
}
const sumOf = (a: Tensor, b: Tensor) => sum(mul(tensor([1, 1]), tensorStack(a, b)));
function tensorStack(a: Tensor, b: Tensor): Tensor {
  // [2] from two scalars, differentiable through both (concat of reshaped scalars)
  return concat2(a, b);
}
import { concat, reshape } from '../../src/core/index.ts';
const concat2 = (a: Tensor, b: Tensor) => concat([reshape(a, [1]), reshape(b, [1])], 0);

const KNOB_CASES: [string, Partial<GeneratorKnobs>][] = [
  ['shared-basis, stored gains', {}],
  ['basis-coeff', { head: 'basis-coeff' }],
  ['generated gains', { gains: 'generated' }],
  ['per-layer, no gains', { sharing: 'per-layer', gains: 'none' }],
];

describe('FloatGenerator', () => {
  it('has the stored structure and round-trips toFloatParams -> quantizeGenerator', () => {
    for (const [, knobs] of KNOB_CASES) {
      const config = configFor([{ cIn: 8, cOut: 12 }, { cIn: 12, cOut: 6 }, { cIn: 6, cOut: 10 }], knobs);
      const gen = new FloatGenerator(config, { seed: 3 });
      const p = gen.toFloatParams();
      const q = quantizeGenerator(p, config);
      expect(q.layers.length).toBe(3);
      const other = new FloatGenerator(config, { seed: 99 });
      other.loadFloatParams(p);
      for (let l = 0; l < 3; l++) expect(noGrad(() => other.weightFor(l).values())).toEqual(noGrad(() => gen.weightFor(l).values()));
    }
  });

  it('starts every W_l near the Kaiming std sqrt(2 / C_in)', () => {
    const config = configFor([{ cIn: 16, cOut: 32 }, { cIn: 32, cOut: 48 }, { cIn: 48, cOut: 48 }]);
    const gen = new FloatGenerator(config, { seed: 1 });
    config.layers.forEach((s, l) => {
      const w = noGrad(() => gen.weightFor(l).values());
      const rms = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
      expect(rms / Math.sqrt(2 / s.cIn)).toBeGreaterThan(0.95);
      expect(rms / Math.sqrt(2 / s.cIn)).toBeLessThan(1.05);
    });
  });

  it.each(KNOB_CASES)('gradients reach codes, trunk, heads, bases and gains (finite differences, %s)', (_n, knobs) => {
    const config = configFor([{ cIn: 5, cOut: 7 }, { cIn: 7, cOut: 4 }], { dz: 3, dh: 6, rank: 2, ...knobs });
    const gen = new FloatGenerator(config, { seed: 11 });
    const rng = new Rng(5);
    const R = config.layers.map((s) => tensor(Float32Array.from({ length: s.cIn * s.cOut }, () => rng.normal()), [s.cOut, s.cIn]));
    const named = gen.namedParameters();
    for (const [, p] of named) p.grad = null;
    backward(scalarLoss(gen, R));
    const f = () => noGrad(() => scalarLoss(gen, R).item());
    let checked = 0;
    for (const [name, p] of named) {
      expect(p.grad, name).not.toBeNull();
      const g = p.grad!;
      // the largest-gradient entry of every parameter, central differences in float64 terms
      let k = 0;
      for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[k])) k = i;
      const h = 1e-2 * Math.max(1, Math.abs(p.data[k]));
      const v0 = p.data[k];
      p.data[k] = v0 + h;
      const fp = f();
      p.data[k] = v0 - h;
      const fm = f();
      p.data[k] = v0;
      const fd = (fp - fm) / (2 * h);
      expect(Math.abs(fd - g[k]), `${name}[${k}]: fd ${fd} vs grad ${g[k]}`).toBeLessThan(0.03 * Math.abs(g[k]) + 2e-3);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(7);
    expect(named.some(([n]) => n === 'codes')).toBe(true);
  });

  it('fake-quantized W_l equals the synthesized weights up to the documented synthesis error', () => {
    const cases: [string, Partial<GeneratorKnobs>, number][] = [
      ['default 6-bit', {}, 0.005],
      ['basis-coeff', { head: 'basis-coeff' }, 0.005],
      ['8-bit', { codeBits: 8, trunkBits: 8, headBits: 8, basisBits: 8, gainBits: 8 }, 0.005],
      ['all 4-bit', { codeBits: 4, trunkBits: 4, headBits: 4, basisBits: 4, gainBits: 4 }, 0.1],
      ['generated gains', { gains: 'generated' }, 0.05],
    ];
    const measured: Record<string, number> = {};
    for (const [name, knobs, excess] of cases) {
      let same = 0;
      let total = 0;
      for (let seed = 0; seed < 3; seed++) {
        const original = separableModel(seed, { length: 16, stem: 8, widths: [8, 16, 24, 24], classes: 3 });
        const k: GeneratorKnobs = { ...DEFAULT_KNOBS.mitbih, ...knobs };
        const config = configForModel(original, k);
        const gen = new FloatGenerator(config, { seed: seed + 7 });
        const stored = quantizeGenerator(gen.toFloatParams(), config);
        const { model, biases } = markGenerated(original, k.generated);
        const synth = synthesize(buildDeployable(model, stored, biases));
        generatedOps(synth).forEach((op, l) => {
          const wSyn = dequantizeSynthesized({ weights: op.weights, bias: op.bias, multiplier: op.requant.multiplier, shift: op.requant.shift, weightScales: op.weightScales }, op.inChannels);
          const wFq = noGrad(() => gen.weightFor(l, { fakeQuant: true }).values());
          const lv = kernelLevels(wFq, op.outChannels, op.inChannels).levels;
          for (let o = 0; o < op.outChannels; o++) {
            let F = 0;
            for (let i = 0; i < op.inChannels; i++) F = Math.max(F, Math.abs(wFq[o * op.inChannels + i]));
            for (let i = 0; i < op.inChannels; i++) {
              const j = o * op.inChannels + i;
              measured[name] = Math.max(measured[name] ?? 0, (Math.abs(wSyn[j] - wFq[j]) - F / 127) / F);
              expect(Math.abs(wSyn[j] - wFq[j]), `${name} seed ${seed} layer ${l} [${o}, ${i}]`).toBeLessThanOrEqual(F / 127 + (excess + 1e-3) * F);
              if (lv[j] === op.weights[j]) same++;
              total++;
            }
          }
        });
      }
      // the INT8 levels themselves agree almost everywhere (differences only at rounding ties)
      expect(same / total, name).toBeGreaterThan(name === 'all 4-bit' ? 0.6 : name === 'generated gains' ? 0.8 : 0.95);
      measured[`${name} same-level fraction`] = same / total;
    }
    if (process.env.HTPW_VERBOSE) console.log(measured);
  });

  it('folds a BN scale into the stored gains: fake quant with bnScale matches synthesis of the folded generator', () => {
    const original = separableModel(4, { length: 16, stem: 8, widths: [8, 16, 24], classes: 3 });
    const k: GeneratorKnobs = { ...DEFAULT_KNOBS.mitbih };
    const config = configForModel(original, k);
    const gen = new FloatGenerator(config, { seed: 2 });
    const rng = new Rng(8);
    const bnScales = config.layers.map((s) => Float32Array.from({ length: s.cOut }, () => (0.3 + 2 * rng.next()) * (rng.next() < 0.1 ? -1 : 1)));
    const stored = quantizeGenerator(gen.toFloatParams({ bnScales }), config);
    const { model, biases } = markGenerated(original, k.generated);
    const synth = synthesize(buildDeployable(model, stored, biases));
    generatedOps(synth).forEach((op, l) => {
      const wSyn = dequantizeSynthesized({ weights: op.weights, bias: op.bias, multiplier: op.requant.multiplier, shift: op.requant.shift, weightScales: op.weightScales }, op.inChannels);
      const wFq = noGrad(() => gen.weightFor(l, { fakeQuant: true, bnScale: bnScales[l] }).values());
      for (let o = 0; o < op.outChannels; o++) {
        let F = 0;
        for (let i = 0; i < op.inChannels; i++) F = Math.max(F, Math.abs(wFq[o * op.inChannels + i] * bnScales[l][o]));
        for (let i = 0; i < op.inChannels; i++) {
          const j = o * op.inChannels + i;
          expect(Math.abs(wSyn[j] - wFq[j] * bnScales[l][o])).toBeLessThanOrEqual(F / 127 + 6e-3 * F);
        }
      }
    });
  });
});
