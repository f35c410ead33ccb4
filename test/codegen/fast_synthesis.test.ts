/**
 * The C synthesis's faster paths give the integers of SYNTHESIS.md (src/codegen/c/htpw_synthesis.h):
 * on the Arm DSP path, SMLAD of int16 pairs (ranks 1 .. 16: pairs that fit int16 and the int32
 * fallback when |P| reaches 2^15, which ranks 1 and 2 do often), the rank-3/4 assembly loops (odd and
 * non-multiple-of-4 widths exercise their tails), the int32 step b, and step h's two 32-bit divisions
 * (Cortex-M4 has them; on the host the same code is forced with -DHTPW_SYN_DIVLU under ASan + UBSan).
 * Every synthesized kernel is compared field by field with synthesize() and every layer with the
 * simulator. The instruction counts are a benchmark (`npm run bench -- mcu`), not a test.
 */
import { describe, expect, it } from 'vitest';
import { hasArmToolchain, hasHostGcc, compileHost, run } from '../../src/codegen/toolchain.ts';
import { FAMILIES, familyCase, prepare, runArm, SANITIZE } from './helpers.ts';

const arm = hasArmToolchain();
const gcc = hasHostGcc();
if (!arm) console.log('test/codegen/fast_synthesis: arm-none-eabi-gcc / qemu-system-arm not found, skipping the Cortex-M4 runs');
if (!gcc) console.log('test/codegen/fast_synthesis: gcc not found, skipping the host run');

function pass(r: { status: number | null; stdout: string; stderr: string }, kernels: number): void {
  expect(r.stdout + r.stderr).toContain('PASS');
  expect(r.stdout).toContain(`${kernels} synthesized kernels`);
  expect(r.status).toBe(0);
}

describe.skipIf(!arm)('fast C synthesis on Cortex-M4 (DSP): kernels and layers byte-identical', () => {
  const ranks: [number, Record<string, unknown>][] = [
    [1, { gains: 'none' }],
    [2, {}],
    [3, {}],
    [4, { head: 'basis-coeff' }],
    [3, { gains: 'generated', basisBits: 8 }],
    [5, { sharing: 'per-layer' }],
    [16, { basisBits: 8, headBits: 8 }],
  ];
  ranks.forEach(([rank, knobs], k) => {
    it(`rank ${rank} ${JSON.stringify(knobs)}`, () => {
      const { dep, inputs } = familyCase(600 + k, { ...knobs, rank });
      const p = prepare(dep, inputs);
      pass(runArm(p.dir, p.prefix, 'm4'), dep.layers.length);
    }, 300_000);
  });

  it('rank 3 at -O0 (the assembly loops under the register pressure of unoptimized code) and -Os', () => {
    const { dep, inputs } = familyCase(610, new Map(FAMILIES).get('shared-basis, stored 6-bit gains')!);
    const p = prepare(dep, inputs);
    pass(runArm(p.dir, p.prefix, 'm4', '-O0'), dep.layers.length);
    pass(runArm(p.dir, p.prefix, 'm4', '-Os'), dep.layers.length);
  }, 600_000);
});

describe.skipIf(!gcc)('step h with two 32-bit divisions (HTPW_SYN_DIVLU) on the host, ASan + UBSan', () => {
  it('stored, generated and no gains; 8-bit rank 16; rank 200', () => {
    const names = ['shared-basis, stored 6-bit gains', 'generated gains', 'no gains', 'all 8-bit, r 16, dz 32, dh 64, trunk depth 3', 'lifted caps: r 200 (qP 9), dh 4'];
    FAMILIES.filter(([name]) => names.includes(name)).forEach(([, knobs], k) => {
      const { dep, inputs } = familyCase(620 + k, knobs);
      const p = prepare(dep, inputs);
      const exe = compileHost(p.dir, [`${p.prefix}.c`, `${p.prefix}_golden_test.c`], 'divlu.out', ['-O2', '-DHTPW_SYN_DIVLU', ...SANITIZE, `-DHTPW_LAYER_HOOK=${p.prefix}_golden_hook`]);
      pass(run(exe, [], { timeoutSec: 60 }), dep.layers.length);
    });
  }, 600_000);
});
