import { describe, expect, it } from 'vitest';
import { exportC, asDeployable, sanitizeIdentifier } from '../../src/codegen/export_c.ts';
import { accountBytes } from '../../src/hyper/bytes.ts';
import { hasHostGcc } from '../../src/codegen/toolchain.ts';
import { chainModel, depthwiseModel, pointwiseModel, shapeInput } from '../../src/codegen/testing/shape_models.ts';
import { randomIntModel, randomInput } from '../../src/quant/testing/random_model.ts';
import { corruptGolden, prepare, runHost } from './helpers.ts';

const gcc = hasHostGcc();
if (!gcc) console.log('test/codegen/host: gcc not found, skipping the compiled host tests');

describe('exportC output', () => {
  it('has the API, sanitized identifiers, no float / malloc in the inference source, and the model byte count', () => {
    const model = chainModel(3, 'double');
    const files = exportC(model, { prefix: 'My Model-1' });
    expect([...files.keys()].sort()).toEqual(['htpw_kernels.h', 'my_model_1.c', 'my_model_1.h']);
    const h = files.get('my_model_1.h')!;
    const c = files.get('my_model_1.c')!;
    for (const m of ['ARENA_SIZE', 'CACHE_SIZE', 'INPUT_SIZE', 'OUTPUT_SIZE', 'INPUT_SCALE', 'INPUT_ZERO_POINT', 'OUTPUT_SCALE', 'OUTPUT_ZERO_POINT']) expect(h).toContain(`#define MY_MODEL_1_${m} `);
    expect(h).toContain('int my_model_1_init(void);');
    expect(h).toContain('int my_model_1_invoke(const int8_t *input, int8_t *output);');
    // the synthesized IntModel's 'generated' op has no generator: exportC stores it, like accountBytes of the stored model
    expect(h).toMatch(new RegExp(`#define MY_MODEL_1_WEIGHT_BYTES ${accountBytes(asDeployable(model)).flash.total}\\b`));
    expect(Number(/CACHE_SIZE (\d+)/.exec(h)![1])).toBe(0);
    const code = c + files.get('htpw_kernels.h')!;
    const noComments = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    expect(noComments).not.toMatch(/\b(float|double|malloc|calloc|free)\b/);
    expect([...code.matchAll(/#include <([^>]+)>/g)].map((m) => m[1]).sort()).toEqual(['stdint.h', 'stdint.h', 'string.h', 'string.h']);
    // the model name "chain */ ..." cannot end a comment early
    expect(c.split('\n')[0]).not.toMatch(/\*\/.*\*\//);
    expect(sanitizeIdentifier('9 lives!')).toBe('n9_lives');
  });

  it('rejects a model whose multiplier is negative', () => {
    const model = pointwiseModel(2, 4, 4);
    const bad = { ...model, ops: [{ ...model.ops[0], requant: { multiplier: Int32Array.of(-5, 1 << 30, 1 << 30, 1 << 30), shift: new Int32Array(4) } }] } as typeof model;
    expect(() => exportC(bad, {})).toThrow(/multiplier/);
  });
});

describe.skipIf(!gcc)('generated C on the host (gcc, ASan + UBSan): byte-identical to the simulator', () => {
  const cases: [string, () => { model: ReturnType<typeof chainModel>; inputs: Int8Array[] }][] = [
    ['hand-built chain, double rounding, synthesized PW stored', () => { const m = chainModel(1, 'double'); return { model: m, inputs: [shapeInput(m, 1), shapeInput(m, 2)] }; }],
    ['hand-built chain, single rounding', () => { const m = chainModel(2, 'single'); return { model: m, inputs: [shapeInput(m, 3)] }; }],
    ['pointwise 9 x 13 -> 11 (DSP tails)', () => { const m = pointwiseModel(9, 13, 11, 4, 'single'); return { model: m, inputs: [shapeInput(m, 4)] }; }],
    ['depthwise 12 x 10 k5', () => { const m = depthwiseModel(12, 10, 5, 5); return { model: m, inputs: [shapeInput(m, 5)] }; }],
    ['random model seed 11', () => { const m = randomIntModel(11); return { model: m, inputs: [randomInput(m, 1), randomInput(m, 2)] }; }],
    ['random model seed 12', () => { const m = randomIntModel(12); return { model: m, inputs: [randomInput(m, 3)] }; }],
  ];
  for (const [name, make] of cases) {
    for (const opt of name.startsWith('hand-built chain, double') || name.includes('seed 11') ? ['-O0', '-O2'] : ['-O2']) {
      it(`${name} at ${opt}`, () => {
        const { model, inputs } = make();
        const { dir, prefix } = prepare(model, inputs);
        const r = runHost(dir, prefix, opt);
        expect(r.stdout + r.stderr).toContain('PASS');
        expect(r.status).toBe(0);
      });
    }
  }

  it('reports the first mismatching layer and position and exits 1', () => {
    const model = chainModel(1, 'double');
    const { dir, prefix } = prepare(model, [shapeInput(model, 1)]);
    corruptGolden(dir, prefix, 2, 3);
    const r = runHost(dir, prefix, '-O2', false);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('MISMATCH case 0 layer 2 (tensor 3) position 3');
  });
});
