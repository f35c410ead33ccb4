import { describe, expect, it } from 'vitest';
import { exportCWithLayout, foldedBias } from '../../src/codegen/export_c.ts';
import { compileArm, hasArmToolchain, sectionBytes, sections, TARGETS, weightSymbols, writeFiles } from '../../src/codegen/toolchain.ts';
import { chainModel, depthwiseModel, pointwiseModel, shapeInput } from '../../src/codegen/testing/shape_models.ts';
import { randomIntModel, randomInput } from '../../src/quant/testing/random_model.ts';
import { accountBytes } from '../../src/hyper/bytes.ts';
import { serializeFlashSections } from '../../src/hyper/deployable_io.ts';
import { synthesize, type Deployable } from '../../src/hyper/deployable.ts';
import { separableDeployable } from '../../src/hyper/testing.ts';
import type { IntModel } from '../../src/quant/int_model.ts';
import { FAMILIES, familyCase, prepare, runArm, workDir } from './helpers.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const arm = hasArmToolchain();
if (!arm) console.log('test/codegen/mcu: arm-none-eabi-gcc / qemu-system-arm not found, skipping the Cortex-M tests');

function check(r: { status: number | null; stdout: string; stderr: string }, kernels = 0): void {
  expect(r.stdout + r.stderr).toContain('PASS');
  expect(r.stdout).toContain(`${kernels} synthesized kernels`);
  expect(r.status).toBe(0);
}

describe.skipIf(!arm)('generated C on emulated Cortex-M (QEMU, semihosting): byte-identical to the simulator', () => {
  const chain = chainModel(7, 'double');
  const chainDir = prepare(chain, [shapeInput(chain, 1), shapeInput(chain, 2)]);
  const rnd = randomIntModel(21);
  const rndDir = prepare(rnd, [randomInput(rnd, 1)]);

  for (const target of ['m4', 'm4-nodsp', 'm0'] as const) {
    it(`hand-built chain on ${target}`, () => check(runArm(chainDir.dir, chainDir.prefix, target)));
    it(`random model on ${target}`, () => check(runArm(rndDir.dir, rndDir.prefix, target)));
  }

  it('DSP pointwise (groups of 4, odd tails) and depthwise (4-channel steps) on cortex-m4', () => {
    const pw = pointwiseModel(7, 22, 13, 3, 'single');
    const a = prepare(pw, [shapeInput(pw, 3)]);
    check(runArm(a.dir, a.prefix, 'm4'));
    const dw = depthwiseModel(11, 14, 5, 4);
    const b = prepare(dw, [shapeInput(dw, 4)]);
    check(runArm(b.dir, b.prefix, 'm4'));
  });

  it('a small model within the microbit 16 KB RAM at -Os on cortex-m0', () => {
    const m = randomIntModel(5, { length: 24, maxChannels: 8 });
    const p = prepare(m, [randomInput(m, 5)]);
    check(runArm(p.dir, p.prefix, 'm0', '-Os'));
  });
});

describe.skipIf(!arm)('C synthesis on emulated Cortex-M: cache identical to synthesize(), layers identical to the simulator', () => {
  const byName = new Map(FAMILIES);
  const cases: [string, keyof typeof TARGETS, string][] = [
    ['shared-basis, stored 6-bit gains', 'm4', '-O2'],
    ['shared-basis, stored 6-bit gains', 'm4-nodsp', '-O2'],
    ['all 8-bit, r 16, dz 32, dh 64, trunk depth 3', 'm4', '-O2'],
    ['generated gains', 'm4-nodsp', '-O0'],
    ['all 4-bit', 'm0', '-Os'],
    ['per-layer generators', 'm0', '-O2'],
    ['factor heads', 'm4', '-O2'],
    ['factor heads, generated gains, r 8, 8-bit heads', 'm0', '-Os'],
  ];
  it('MIT-BIH-sized deployable (187 x 1, 5 generated layers of 32..128 channels) on cortex-m4 DSP and cortex-m0 code', () => {
    const { deployable } = separableDeployable(1, { dz: 4, dh: 12, rank: 3 });
    const p = prepare(deployable, [randomInput(synthesize(deployable), 1)]);
    check(runArm(p.dir, p.prefix, 'm4'), 5);
    check(runArm(p.dir, p.prefix, 'm0-code-4mb'), 5);
  });
  cases.forEach(([family, target, opt], k) => {
    it(`${family} on ${TARGETS[target].name} at ${opt}`, () => {
      const { dep, inputs } = familyCase(400 + k, byName.get(family)!, target === 'm0' ? { length: 24, maxChannels: 10 } : {});
      const p = prepare(dep, inputs);
      check(runArm(p.dir, p.prefix, target, opt), dep.layers.length);
    });
  });
});

describe.skipIf(!arm)('more cores (QEMU): Cortex-M7 mps2-an500, M33 mps2-an505 (Secure, code 0x10000000, RAM 0x38000000), M55 mps3-an547 (TCMs)', () => {
  const m = randomIntModel(23, { length: 24, maxChannels: 8 });
  const model = prepare(m, [randomInput(m, 1), randomInput(m, 2)]);
  const { dep, inputs } = familyCase(430, new Map(FAMILIES).get('shared-basis, stored 6-bit gains')!, { length: 24, maxChannels: 10 });
  const deployable = prepare(dep, inputs);
  for (const target of ['m7', 'm7-nodsp', 'm33', 'm33-nodsp', 'm55', 'm55-mve'] as const) {
    it(`random model and a deployable (C synthesis) on ${TARGETS[target].name}`, () => {
      check(runArm(model.dir, model.prefix, target));
      check(runArm(deployable.dir, deployable.prefix, target), dep.layers.length);
    });
  }
});

/** Link a deployable (or model) for a target with a trivial main; returns the ELF. */
function link(input: Deployable | IntModel, target: keyof typeof TARGETS) {
  const dir = workDir('bytes');
  const { files, layout } = exportCWithLayout(input, { prefix: 'bx' });
  writeFiles(dir, files);
  writeFileSync(join(dir, 'main.c'), '#include <stdint.h>\n#include "bx.h"\nstatic int8_t in[BX_INPUT_SIZE], out[BX_OUTPUT_SIZE];\nint main(void) { if (bx_init() != 0) return 2; return bx_invoke(in, out); }\n');
  const { elf } = compileArm(dir, ['bx.c', 'main.c'], 'bx.elf', TARGETS[target], ['-O2']);
  return { elf, layout };
}

describe.skipIf(!arm)('byte agreement: the linked weight symbols (nm -S) are accountBytes(...).flash.total', () => {
  it('deployable on cortex-m4 and cortex-m0: symbol sizes sum to accountBytes, and their bytes are the flash sections', () => {
    const { dep } = familyCase(77, { gains: 'generated' });
    const account = accountBytes(dep).flash.total;
    const want = serializeFlashSections(dep);
    for (const target of ['m4', 'm0'] as const) {
      const { elf, layout } = link(dep, target);
      const syms = weightSymbols(elf);
      expect(syms.reduce((a, s) => a + s.size, 0)).toBe(account);
      expect(syms.map((s) => s.name).sort()).toEqual(layout.flashSymbols.map((f) => f.symbol).sort());
      const sec = sections(elf).get('.htpw_weights')!;
      const image = sectionBytes(elf, '.htpw_weights');
      const model = layout.model;
      for (const f of layout.flashSymbols) {
        const s = syms.find((x) => x.name === f.symbol)!;
        const got = image.subarray(s.addr - sec.addr, s.addr - sec.addr + s.size);
        let expected = want.get(f.section)!;
        const op = model.ops.find((o) => `${o.name}.bias` === f.section);
        if (op && 'weights' in op) expected = new Uint8Array(foldedBias(op, model.tensors[op.input].zeroPoint).buffer);
        expect(got, `${target} ${f.section}`).toEqual(expected);
      }
    }
  });

  it('IntModel (with add ops) on cortex-m4: symbol sizes sum to accountBytes(intModel)', () => {
    let m = randomIntModel(41, { blocks: 3 });
    for (let s = 42; !m.ops.some((o) => o.kind === 'add'); s++) m = randomIntModel(s, { blocks: 3 });
    const { elf } = link(m, 'm4');
    expect(weightSymbols(elf).reduce((a, s) => a + s.size, 0)).toBe(accountBytes(m).flash.total);
  });
});
