/**
 * Property tests of the C generator: fast-check draws the model's structure (input length and
 * channels, blocks, widths, rounding, pooling, residuals, strides, DSP paths) and, for
 * deployables, the generator's knobs (dz, dh, rank, trunk depth, every bit width, head, gains,
 * sharing, which PW layers are generated); the seed only fills in weights and quantization
 * parameters. A failure shrinks to the smallest structure that still breaks, and fast-check
 * prints the seed and path that replay it. No fixed fast-check seed: every run explores new
 * cases; each case compiles with gcc (ASan + UBSan), so the run counts stay small.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasHostGcc } from '../../src/codegen/toolchain.ts';
import type { GeneratorKnobs } from '../../src/hyper/config.ts';
import { randomIntModel, randomInput, type RandomModelOptions } from '../../src/quant/testing/random_model.ts';
import { familyCase, prepare, runHost } from './helpers.ts';

const modelOptions: fc.Arbitrary<RandomModelOptions> = fc.record({
  length: fc.integer({ min: 6, max: 48 }),
  inChannels: fc.integer({ min: 1, max: 3 }),
  blocks: fc.integer({ min: 1, max: 3 }),
  minChannels: fc.constant(2),
  maxChannels: fc.integer({ min: 2, max: 12 }),
  classes: fc.integer({ min: 2, max: 6 }),
  rounding: fc.constantFrom('single' as const, 'double' as const),
  pooling: fc.boolean(),
  residual: fc.boolean(),
  strides: fc.boolean(),
});

const bits = fc.integer({ min: 2, max: 8 });
const knobs: fc.Arbitrary<Partial<GeneratorKnobs>> = fc.record({
  dz: fc.integer({ min: 1, max: 32 }),
  dh: fc.integer({ min: 1, max: 64 }),
  rank: fc.integer({ min: 1, max: 16 }),
  trunkDepth: fc.integer({ min: 1, max: 3 }),
  codeBits: bits,
  trunkBits: bits,
  headBits: bits,
  basisBits: bits,
  gainBits: bits,
  head: fc.constantFrom('shared-basis' as const, 'basis-coeff' as const),
  gains: fc.constantFrom('stored' as const, 'generated' as const, 'none' as const),
  sharing: fc.constantFrom('shared' as const, 'per-layer' as const),
  generated: fc.constantFrom('all-but-first' as const, 'all' as const),
});

const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

describe.skipIf(!hasHostGcc())('property: random IntModel -> exportC -> gcc -> run equals the simulator', () => {
  it('for random model structures (10 runs, -O1, ASan + UBSan)', () => {
    fc.assert(
      fc.property(seed, modelOptions, fc.boolean(), (s, opts, dsp) => {
        const model = randomIntModel(s, opts);
        const { dir, prefix } = prepare(model, [randomInput(model, s), randomInput(model, s + 1)], { dsp });
        const r = runHost(dir, prefix, '-O1');
        expect(r.stdout + r.stderr, JSON.stringify({ seed: s, opts, dsp })).toContain('PASS');
        expect(r.status).toBe(0);
      }),
      { numRuns: 10 },
    );
  });
});

describe.skipIf(!hasHostGcc())('property: random Deployable -> exportC -> gcc: C synthesis cache and layers equal synthesize() + simulator', () => {
  it('for random generator knobs and model structures (10 runs, -O1, ASan + UBSan)', () => {
    fc.assert(
      // at least two blocks: 'all-but-first' needs two pointwise layers (one per block)
      fc.property(seed, knobs, modelOptions.map((o) => ({ ...o, blocks: Math.max(2, o.blocks!) })), (s, k, opts) => {
        const { dep, inputs } = familyCase(s, k, opts);
        const { dir, prefix } = prepare(dep, inputs);
        const r = runHost(dir, prefix, '-O1');
        expect(r.stdout + r.stderr, JSON.stringify({ seed: s, knobs: k, opts })).toContain(`PASS 2 cases`);
        expect(r.stdout + r.stderr).toContain(`${dep.layers.length} synthesized kernels`);
        expect(r.status).toBe(0);
      }),
      { numRuns: 10 },
    );
  });
});
