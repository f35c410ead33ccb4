import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planArena, tensorLifetimes, flashBytesPerOp } from '../../src/quant/arena.ts';
import { dequantizeOutput, quantizeInput, simulate, simulateBatch } from '../../src/quant/simulator.ts';
import { randomInput, randomIntModel } from '../../src/quant/testing/random_model.ts';
import { intModelProblems } from '../../src/quant/validate.ts';
import { simulateRef } from './bigint_reference.ts';
import { expectSameBytes } from './helpers.ts';

describe('simulate = op-by-op BigInt reference on random models', () => {
  it('every tensor of every op, both rounding modes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const model = randomIntModel(seed);
      expect(intModelProblems(model)).toEqual([]);
      const x = randomInput(model, seed ^ 0x5bd1e995);
      const ref = simulateRef(model, x);
      const r = simulate(model, x, { dump: true });
      for (const op of model.ops) expectSameBytes(r.activations![op.output], ref[op.output], `${model.name} op "${op.name}"`);
      expectSameBytes(r.output, ref[model.outputId], `${model.name} output`);
    }), { numRuns: 60 });
  });

  it('simulateBatch == n calls of simulate', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 4 }), (seed, n) => {
      const model = randomIntModel(seed);
      const xs = randomInput(model, seed + 1, n);
      const size = xs.length / n;
      const batch = simulateBatch(model, xs, n);
      const outSize = batch.length / n;
      for (let b = 0; b < n; b++) {
        expectSameBytes(batch.subarray(b * outSize, (b + 1) * outSize), simulate(model, xs.subarray(b * size, (b + 1) * size)).output, `${model.name} sample ${b}`);
      }
    }), { numRuns: 30 });
  });

  it('rejects an input of the wrong size', () => {
    const model = randomIntModel(1);
    expect(() => simulate(model, new Int8Array(3))).toThrow(/takes/);
  });

  it('quantizeInput / dequantizeOutput follow TFLite QUANTIZE / DEQUANTIZE', () => {
    const model = randomIntModel(2);
    const t = model.tensors[model.inputId];
    const x = Float32Array.from([0, t.scale * 2.5, -t.scale * 2.5, 1e9, -1e9]);
    const q = quantizeInput(model, x);
    expect(Array.from(q)).toEqual([t.zeroPoint, Math.min(127, t.zeroPoint + 3), Math.max(-128, t.zeroPoint - 3), 127, -128]);
    const o = model.tensors[model.outputId];
    expect(Array.from(dequantizeOutput(model, Int8Array.from([o.zeroPoint, 127])))).toEqual([0, Math.fround(o.scale * (127 - o.zeroPoint))]);
  });
});

describe('arena plan', () => {
  it('tensors alive at the same time never overlap; deterministic; peak bounded by the sum', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const model = randomIntModel(seed);
      const plan = planArena(model);
      expect(planArena(model)).toEqual(plan);
      const life = tensorLifetimes(model);
      let sum = 0;
      for (let a = 0; a < model.tensors.length; a++) {
        sum += Math.ceil(plan.sizes[a] / 16) * 16;
        expect(plan.offsets[a] % 16).toBe(0);
        for (let b = a + 1; b < model.tensors.length; b++) {
          const la = life[a];
          const lb = life[b];
          if (!la || !lb || la[1] < lb[0] || lb[1] < la[0]) continue;
          const disjoint = plan.offsets[a] + plan.sizes[a] <= plan.offsets[b] || plan.offsets[b] + plan.sizes[b] <= plan.offsets[a];
          expect(disjoint, `${model.name}: tensors ${a} and ${b} overlap`).toBe(true);
        }
      }
      expect(plan.peakBytes).toBeLessThanOrEqual(sum);
      // the largest two consecutive live tensors are a lower bound
      const lower = Math.max(...model.ops.map((op) => plan.sizes[op.input] + plan.sizes[op.output]));
      expect(plan.peakBytes).toBeGreaterThanOrEqual(lower);
    }), { numRuns: 100 });
  });

  it('a chain reuses memory: ping-pong between two buffers', () => {
    const model = randomIntModel(7, { blocks: 3, pooling: false, residual: false, length: 32, minChannels: 8, maxChannels: 8, strides: false });
    const plan = planArena(model);
    const sizes = model.tensors.map((t) => t.shape.reduce((a, b) => a * b, 1));
    expect(plan.peakBytes).toBeLessThan(sizes.reduce((a, b) => a + b, 0) / 2);
  });

  it('flash table counts weights, int32 biases and int32 multiplier + int8 shift per channel', () => {
    const model = randomIntModel(3);
    const table = flashBytesPerOp(model);
    for (const [k, op] of model.ops.entries()) {
      if ('weights' in op) expect(table[k]).toMatchObject({ weightBytes: op.weights.length, biasBytes: 4 * op.outChannels, requantBytes: 5 * op.outChannels });
      else expect(table[k].weightBytes).toBe(0);
    }
  });
});
