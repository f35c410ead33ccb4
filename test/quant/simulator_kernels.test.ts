import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { setKernelSet, simdSupported } from '../../src/core/wasm/index.ts';
import { synthesize } from '../../src/hyper/deployable.ts';
import { randomDeployable } from '../../src/hyper/testing.ts';
import type { IntModel } from '../../src/quant/int_model.ts';
import { simulate, simulateBatch } from '../../src/quant/simulator.ts';
import { randomInput, randomIntModel } from '../../src/quant/testing/random_model.ts';
import { expectSameBytes } from './helpers.ts';

/**
 * The simulator with the WebAssembly SIMD INT8 kernels and with the typed-array kernels
 * (HTPW_KERNELS=js, here setKernelSet) gives identical bytes: every activation of random
 * IntModels (both rounding modes, small and wide channel counts, every op kind the SIMD set
 * covers: convolutions, pools, residual adds), the bench model, and the output of a synthesized
 * HyperTinyPW Deployable, single samples and batches.
 */
function withKernels<T>(set: 'js' | 'simd', run: () => T): T {
  setKernelSet(set);
  try {
    return run();
  } finally {
    setKernelSet(null);
  }
}

function expectSameSimulation(model: IntModel, seed: number, n: number): void {
  const x = randomInput(model, seed, n);
  const size = x.length / n;
  const js = withKernels('js', () => simulateBatch(model, x, n));
  const simd = withKernels('simd', () => simulateBatch(model, x, n));
  expectSameBytes(simd, js, `${model.name} batch of ${n}`);
  const one = x.subarray(0, size);
  const jsActs = withKernels('js', () => simulate(model, one, { dump: true }).activations!);
  const simdActs = withKernels('simd', () => simulate(model, one, { dump: true }).activations!);
  for (const op of model.ops) expectSameBytes(simdActs[op.output], jsActs[op.output], `${model.name} op "${op.name}" (${op.kind})`);
}

describe('simulator: SIMD kernel set = js kernel set, byte for byte', () => {
  afterEach(() => setKernelSet(null));

  it('this engine runs the SIMD set (Node 20 validates WebAssembly SIMD)', () => {
    expect(simdSupported()).toBe(true);
  });

  it('random IntModels, every activation, both rounding modes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 3 }), (seed, n) => {
      expectSameSimulation(randomIntModel(seed), seed ^ 0x2545f491, n);
    }), { numRuns: 60, seed: 7 });
  });

  it('wide random IntModels (17..70 channels, L up to 300)', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const model = randomIntModel(seed, { length: 100 + 50 * seed, minChannels: 17, maxChannels: 70, blocks: 4, rounding: seed % 2 ? 'single' : 'double' });
      expectSameSimulation(model, seed, 2);
    }
  });

  it('every op kind of the SIMD set is exercised (pools, residual adds, dilated convolutions, batches of 5)', () => {
    const seen = new Set<string>();
    for (let seed = 100; seed < 140; seed++) {
      const model = randomIntModel(seed, { pooling: true, residual: true, minChannels: 1, maxChannels: 20 });
      for (const op of model.ops) seen.add('dilation' in op && op.dilation > 1 ? `${op.kind} dilated` : op.kind);
      expectSameSimulation(model, seed, 5);
    }
    for (const kind of ['conv1d', 'conv1d dilated', 'dwconv1d', 'dwconv1d dilated', 'pwconv1d', 'avgpool1d', 'maxpool1d', 'add', 'global_avgpool', 'fully_connected']) expect(seen.has(kind), kind).toBe(true);
  });

  it('the L = 256 model of bench/int8.bench.ts, a batch of 64', () => {
    const model = randomIntModel(2024, { length: 256, inChannels: 1, blocks: 5, minChannels: 32, maxChannels: 64, classes: 5, pooling: true, residual: true });
    expectSameSimulation(model, 2, 64);
  });

  it('a synthesized HyperTinyPW Deployable', () => {
    for (const seed of [3, 11]) {
      const { deployable } = randomDeployable(seed);
      expectSameSimulation(synthesize(deployable), seed, 3);
    }
  });
});
