/**
 * Arm CMSIS-NN as an outside oracle: the generated C with `kernels: 'cmsis-nn'` runs every layer
 * through Arm's s8 functions (convolve / 1x1 / depthwise wrappers, fully connected per channel,
 * average and max pooling, elementwise add; 1-D layers as H = 1 images) and the golden program
 * compares each layer's output with the TypeScript simulator byte for byte. CMSIS-NN is built in
 * the rounding mode of the model (double = TFLite Micro default, single =
 * CMSIS_NN_USE_SINGLE_ROUNDING); a library built in the other mode must fail.
 * Skips visibly when ../shared/third_party/cmsis-nn (or HTPW_CMSIS_NN) is absent.
 */
import { describe, expect, it } from 'vitest';
import { cmsisNnRoot } from '../../src/codegen/cmsis_nn_library.ts';
import { exportCWithLayout } from '../../src/codegen/export_c.ts';
import { hasArmToolchain, hasHostGcc, TARGETS } from '../../src/codegen/toolchain.ts';
import { chainModel, depthwiseModel, pointwiseModel, shapeInput } from '../../src/codegen/testing/shape_models.ts';
import { randomIntModel, randomInput } from '../../src/quant/testing/random_model.ts';
import { ptq } from '../../src/quant/ptq.ts';
import { quantizeInput } from '../../src/quant/simulator.ts';
import type { IntModel, RoundingMode } from '../../src/quant/int_model.ts';
import { corruptGolden, FAMILIES, familyCase, prepareCmsis, runArmCmsis, runHostCmsis } from './helpers.ts';
import { L, trainedModel } from '../quant/sinusoids.ts';

const root = cmsisNnRoot();
const gcc = hasHostGcc();
const arm = hasArmToolchain();
if (!root) console.log('test/codegen/cmsis_nn: CMSIS-NN not found at ../shared/third_party/cmsis-nn (set HTPW_CMSIS_NN), skipping the CMSIS-NN oracle tests');
if (root && !gcc) console.log('test/codegen/cmsis_nn: gcc not found, skipping the host CMSIS-NN tests');
if (root && !arm) console.log('test/codegen/cmsis_nn: arm-none-eabi-gcc / qemu-system-arm not found, skipping the Cortex-M CMSIS-NN tests');

function pass(r: { status: number | null; stdout: string; stderr: string }, kernels = 0): void {
  expect(r.stdout + r.stderr).toContain('PASS');
  expect(r.stdout).toContain(`${kernels} synthesized kernels`);
  expect(r.status).toBe(0);
}

const withRounding = (m: IntModel, rounding: RoundingMode): IntModel => ({ ...m, rounding });

describe('exportC with kernels cmsis-nn', () => {
  it('calls CMSIS-NN for every layer, keeps the TFLite bias in flash and widens the shifts at init', () => {
    const m = randomIntModel(15, { rounding: 'double' });
    const { files, layout } = exportCWithLayout(m, { kernels: 'cmsis-nn', prefix: 'cm' });
    const c = files.get('cm.c')!;
    expect(c).toContain('#include "arm_nnfunctions.h"');
    const calls = [...c.matchAll(/\b(arm_\w+_s8)\(&ctx|\b(arm_elementwise_add_s8)\(/g)].map((x) => x[1] ?? x[2]);
    expect(calls.length).toBe(m.ops.length);
    expect(c).not.toMatch(/\bhtpw_\w+_s8\(/);
    const conv = m.ops[0];
    if (conv.kind !== 'conv1d') throw new Error('seed 15 starts with a conv');
    expect(c).toContain(`static const int32_t cm_p1_${conv.name.replace(/\W/g, '_')}_bias[${conv.outChannels}]`);
    expect(c).toContain(`  ${conv.bias[0] === -2147483648 ? '(-2147483647 - 1)' : conv.bias[0]}, `);
    const channels = m.ops.reduce((a, op) => a + ('weights' in op ? op.outChannels : 0), 0);
    expect(layout.shift32Bytes).toBe(4 * channels);
    expect(layout.kernels).toBe('cmsis-nn');
    expect(() => exportCWithLayout(m, { kernels: 'tflm' as never })).toThrow(/kernels "tflm"/);
  });
});

describe.skipIf(!root || !gcc)('CMSIS-NN oracle on the host (gcc): every layer byte-identical to the simulator', () => {
  const models: [string, () => { model: IntModel; inputs: Int8Array[] }][] = [
    ['hand-built chain (dilated dw, pw, strided dw, global pool, fc), double rounding', () => { const m = chainModel(1, 'double'); return { model: m, inputs: [shapeInput(m, 1), shapeInput(m, 2)] }; }],
    ['hand-built chain, single rounding', () => { const m = chainModel(2, 'single'); return { model: m, inputs: [shapeInput(m, 3)] }; }],
    ['pointwise 9 x 13 -> 11', () => { const m = pointwiseModel(9, 13, 11, 4, 'double'); return { model: m, inputs: [shapeInput(m, 4)] }; }],
    ['depthwise 12 x 10 k5', () => { const m = depthwiseModel(12, 10, 5, 5); return { model: m, inputs: [shapeInput(m, 5)] }; }],
  ];
  for (const seed of [11, 15, 31, 32, 33, 34]) {
    for (const rounding of ['double', 'single'] as const) {
      models.push([`random model seed ${seed}, ${rounding} rounding`, () => { const m = randomIntModel(seed, { rounding }); return { model: m, inputs: [randomInput(m, seed), randomInput(m, seed + 1)] }; }]);
    }
  }
  for (const [name, make] of models) {
    it(name, () => {
      const { model, inputs } = make();
      const p = prepareCmsis(model, inputs);
      pass(runHostCmsis(root!, p.dir, p.prefix, model.rounding));
    }, 300_000); // the first run of each rounding mode builds CMSIS-NN for the host
  }

  it('a trained model (sinusoid task, PTQ) on quantized held-out windows, both rounding modes', async () => {
    const { model, data } = await trainedModel(2);
    const rows = (idx: Int32Array) => { const out = new Float32Array(idx.length * L); idx.forEach((s, i) => out.set(data.x.subarray(s * L, (s + 1) * L), i * L)); return out; };
    const { intModel } = ptq(model, { x: rows(data.train), shape: [data.train.length, L, 1] }, { name: 'sinusoid' });
    const held = data.val.slice(0, 4);
    for (const rounding of ['double', 'single'] as const) {
      const m = withRounding(intModel, rounding);
      const inputs = Array.from(held, (s) => quantizeInput(m, data.x.subarray(s * L, (s + 1) * L)));
      const p = prepareCmsis(m, inputs);
      pass(runHostCmsis(root!, p.dir, p.prefix, rounding));
    }
  }, 300_000);

  it('generated pointwise layers: the C synthesis writes the INT8 kernels CMSIS-NN reads', () => {
    const byName = new Map(FAMILIES);
    for (const [k, family] of ['shared-basis, stored 6-bit gains', 'basis-coeff head', 'all 4-bit'].entries()) {
      const { dep, inputs } = familyCase(600 + k, byName.get(family)!);
      const p = prepareCmsis(dep, inputs);
      pass(runHostCmsis(root!, p.dir, p.prefix, dep.model.rounding), dep.layers.length);
    }
  }, 300_000);

  it('fails on a one-LSB difference in any layer, and against CMSIS-NN built in the other rounding mode', () => {
    const m = randomIntModel(33, { rounding: 'double' });
    const inputs = [randomInput(m, 1), randomInput(m, 2), randomInput(m, 3)];
    for (const layer of [0, 2, m.ops.length - 1]) {
      const p = prepareCmsis(m, inputs);
      corruptGolden(p.dir, p.prefix, layer, 1);
      const r = runHostCmsis(root!, p.dir, p.prefix, 'double');
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(`MISMATCH case 0 layer ${layer} `);
    }
    // the same model's golden vectors against CMSIS-NN in single rounding: some requantization differs
    const p = prepareCmsis(m, inputs);
    const wrong = runHostCmsis(root!, p.dir, p.prefix, 'single');
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toMatch(/MISMATCH case \d+ layer \d+/);
  }, 300_000);
});

describe.skipIf(!root || !arm)('CMSIS-NN oracle on emulated Cortex-M (QEMU): DSP path on the M4 / M7 / M33, portable on the M0, MVE on the M55', () => {
  // the first run of each (core, rounding) builds CMSIS-NN for it (about 20 s on a loaded machine)
  for (const [seed, rounding] of [[15, 'double'], [32, 'single']] as const) {
    for (const [target, opt] of [['m4', '-O2'], ['m0', '-Os']] as const) {
      it(`random model seed ${seed}, ${rounding} rounding, on ${target} at ${opt}`, () => {
        const m = randomIntModel(seed, { rounding, length: 24, maxChannels: 8 });
        const p = prepareCmsis(m, [randomInput(m, 1), randomInput(m, 2)]);
        pass(runArmCmsis(root!, p.dir, p.prefix, target, rounding, opt));
      }, 300_000);
    }
  }

  for (const target of ['m7', 'm33', 'm55-mve'] as const) {
    it(`random model seed 15 on ${TARGETS[target].name} (the M55 build takes CMSIS-NN's Helium paths)`, () => {
      const m = randomIntModel(15, { rounding: 'double', length: 24, maxChannels: 8 });
      const p = prepareCmsis(m, [randomInput(m, 1), randomInput(m, 2)]);
      pass(runArmCmsis(root!, p.dir, p.prefix, target, 'double'));
    }, 300_000);
  }

  it('a deployable with generated layers on cortex-m4 (DSP)', () => {
    const { dep, inputs } = familyCase(610, new Map(FAMILIES).get('shared-basis, stored 6-bit gains')!);
    const p = prepareCmsis(dep, inputs);
    pass(runArmCmsis(root!, p.dir, p.prefix, 'm4', dep.model.rounding), dep.layers.length);
  }, 300_000);
});
