import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasHostGcc } from '../../src/codegen/toolchain.ts';
import { randomIntModel, randomInput } from '../../src/quant/testing/random_model.ts';
import { FAMILIES, familyCase, prepare, runHost } from './helpers.ts';

describe.skipIf(!hasHostGcc())('property: random IntModel -> exportC -> gcc -> run equals the simulator', () => {
  it('for random small models (6 runs, -O1, ASan + UBSan)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), (seed, dsp) => {
        const model = randomIntModel(seed, { length: 6 + (seed % 20) });
        const { dir, prefix } = prepare(model, [randomInput(model, seed), randomInput(model, seed + 1)], { dsp });
        const r = runHost(dir, prefix, '-O1');
        expect(r.stdout + r.stderr, `seed ${seed}`).toContain('PASS');
        expect(r.status).toBe(0);
      }),
      { numRuns: 6, seed: 20240608 },
    );
  });
});

describe.skipIf(!hasHostGcc())('property: random Deployable -> exportC -> gcc: C synthesis cache and layers equal synthesize() + simulator', () => {
  it('for random deployables across the generator families (5 runs, -O1, ASan + UBSan)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: FAMILIES.length - 1 }), (seed, fam) => {
        const { dep, inputs } = familyCase(seed, FAMILIES[fam][1]);
        const { dir, prefix } = prepare(dep, inputs);
        const r = runHost(dir, prefix, '-O1');
        expect(r.stdout + r.stderr, `seed ${seed}, family ${FAMILIES[fam][0]}`).toContain(`${dep.layers.length} synthesized kernels`);
        expect(r.status).toBe(0);
      }),
      { numRuns: 5, seed: 20250301 },
    );
  });
});
