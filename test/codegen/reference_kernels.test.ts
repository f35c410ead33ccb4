/**
 * `export-c --kernels reference`: the whole model on plain TFLite-Micro-style loops
 * (src/codegen/c/tflm_reference_loops.h: acc += w * (x + input_offset) per tap with the padding
 * test, then the TFLite bias; the baseline `npm run bench -- mcu` measures whole models against).
 * It must give the simulator's bytes on every layer like the other backends: a deployable (its
 * synthesized kernels cached with the TFLite bias) and an IntModel with add ops, on the host under
 * ASan + UBSan and on the Cortex-M4 and M0.
 */
import { describe, expect, it } from 'vitest';
import { exportC } from '../../src/codegen/export_c.ts';
import { hasArmToolchain, hasHostGcc } from '../../src/codegen/toolchain.ts';
import { randomIntModel, randomInput } from '../../src/quant/testing/random_model.ts';
import { ArgumentError } from '../../src/util/errors.ts';
import { FAMILIES, familyCase, prepare, runArm, runHost } from './helpers.ts';

const gcc = hasHostGcc();
const arm = hasArmToolchain();
if (!gcc) console.log('test/codegen/reference_kernels: gcc not found, skipping');

describe.skipIf(!gcc)('--kernels reference: every layer byte-identical to the simulator', () => {
  const { dep, inputs } = familyCase(700, new Map(FAMILIES).get('shared-basis, stored 6-bit gains')!);
  let m = randomIntModel(701, { blocks: 3 });
  for (let s = 702; !m.ops.some((o) => o.kind === 'add'); s++) m = randomIntModel(s, { blocks: 3 });

  it('a deployable and an IntModel with add ops on the host', () => {
    const a = prepare(dep, inputs, { kernels: 'reference' });
    expect(exportC(dep, { kernels: 'reference' }).get('htpw.c')).toContain('ref_pwconv1d_s8(');
    const r = runHost(a.dir, a.prefix, '-O2');
    expect(r.stdout).toContain(`${dep.layers.length} synthesized kernels`);
    expect(r.status).toBe(0);
    const b = prepare(m, [randomInput(m, 1), randomInput(m, 2)], { kernels: 'reference' });
    const s = runHost(b.dir, b.prefix, '-O2');
    expect(s.stdout).toContain('PASS 2 cases');
    expect(s.status).toBe(0);
  }, 300_000);

  it.skipIf(!arm)('the deployable on Cortex-M4 and an IntModel on Cortex-M0', () => {
    const a = prepare(dep, inputs, { kernels: 'reference' });
    const r = runArm(a.dir, a.prefix, 'm4');
    expect(r.stdout).toContain(`${dep.layers.length} synthesized kernels`);
    expect(r.status).toBe(0);
    const small = randomIntModel(703, { length: 24, maxChannels: 8 });
    const b = prepare(small, [randomInput(small, 1)], { kernels: 'reference' });
    const s = runArm(b.dir, b.prefix, 'm0', '-Os');
    expect(s.stdout).toContain('PASS 1 cases');
    expect(s.status).toBe(0);
  }, 300_000);

  it('--pw-cache none stays with the native kernels', () => {
    expect(() => exportC(dep, { kernels: 'reference', pwCache: 'none' })).toThrow(ArgumentError);
  });
});
