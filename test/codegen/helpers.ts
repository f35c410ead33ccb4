import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IntModel, RoundingMode } from '../../src/quant/int_model.ts';
import { synthesize, type Deployable } from '../../src/hyper/deployable.ts';
import type { GeneratorKnobs } from '../../src/hyper/config.ts';
import type { PwCacheMode } from '../../src/hyper/cost.ts';
import { randomDeployable } from '../../src/hyper/testing.ts';
import { randomInput, type RandomModelOptions } from '../../src/quant/testing/random_model.ts';
import { exportC, type KernelBackend } from '../../src/codegen/export_c.ts';
import { goldenFiles } from '../../src/codegen/golden.ts';
import { compileArm, compileHost, run, runQemu, writeFiles, TARGETS, type RunResult } from '../../src/codegen/toolchain.ts';
import { buildCmsisNn } from '../../src/codegen/cmsis_nn_library.ts';

export const SANITIZE = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-g'];

let counter = 0;
export function workDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `htpw-codegen-${tag}-${process.pid}-${counter++}-`));
}

/** Export a model or deployable + golden vectors for `inputs` into a fresh directory. */
export function prepare(model: IntModel | Deployable, inputs: Int8Array[], opts: { dsp?: boolean; prefix?: string; pwCache?: PwCacheMode; kernels?: KernelBackend } = {}): { dir: string; prefix: string } {
  const dir = workDir('m');
  const files = exportC(model, opts);
  const prefix = [...files.keys()].find((f) => f.endsWith('.c'))!.replace(/\.c$/, '');
  writeFiles(dir, files);
  writeFiles(dir, goldenFiles(model, inputs, { prefix, generator: 'test/codegen', pwCache: opts.pwCache, kernels: opts.kernels }));
  return { dir, prefix };
}

export function runHost(dir: string, prefix: string, opt: string, sanitize = true): RunResult {
  const exe = compileHost(dir, [`${prefix}.c`, `${prefix}_golden_test.c`], `t${opt}.out`, [opt, ...(sanitize ? SANITIZE : []), `-DHTPW_LAYER_HOOK=${prefix}_golden_hook`]);
  return run(exe, [], { timeoutSec: 60 });
}

export function runArm(dir: string, prefix: string, target: keyof typeof TARGETS, opt = '-O2'): RunResult {
  const { elf } = compileArm(dir, [`${prefix}.c`, `${prefix}_golden_test.c`], `t_${target}.elf`, TARGETS[target], [opt, `-DHTPW_LAYER_HOOK=${prefix}_golden_hook`]);
  return runQemu(elf, TARGETS[target], { timeoutSec: 30 });
}

/** Corrupt one expected value of layer `layer`, case 0, position `pos` in the golden header. */
export function corruptGolden(dir: string, prefix: string, layer: number, pos: number): void {
  const file = join(dir, `${prefix}_golden.h`);
  const text = readFileSync(file, 'utf8');
  const re = new RegExp(`(${prefix}_golden_l${layer}_0\\[\\d+\\] = \\{\\n  )([^\\n]*)`);
  const out = text.replace(re, (_m, head: string, row: string) => {
    const vals = row.split(',').map((v) => v.trim()).filter(Boolean).map(Number);
    vals[pos] = vals[pos] === 127 ? 126 : vals[pos] + 1;
    return head + vals.join(', ') + ',';
  });
  writeFileSync(file, out);
}

/** Generator families of the C synthesis tests (knobs over the MIT-BIH defaults of src/hyper). */
export const FAMILIES: [string, Partial<GeneratorKnobs>][] = [
  ['shared-basis, stored 6-bit gains', {}],
  ['basis-coeff head', { head: 'basis-coeff' }],
  ['per-layer generators', { sharing: 'per-layer' }],
  ['generated gains', { gains: 'generated' }],
  ['no gains', { gains: 'none', rank: 1 }],
  ['all 4-bit', { codeBits: 4, trunkBits: 4, headBits: 4, basisBits: 4, gainBits: 4 }],
  ['all 8-bit, r 16, dz 32, dh 64, trunk depth 3', { codeBits: 8, trunkBits: 8, headBits: 8, basisBits: 8, gainBits: 8, rank: 16, dz: 32, dh: 64, trunkDepth: 3 }],
  ['every PW generated, 5-bit codes, 7-bit bases', { generated: 'all', codeBits: 5, basisBits: 7, rank: 5 }],
  ['lifted caps: r 40, dz 128, dh 128', { rank: 40, dz: 128, dh: 128, trunkBits: 8, headBits: 8, basisBits: 8, codeBits: 8 }],
  ['lifted caps: r 200 (qP 9), dh 4', { rank: 200, dz: 4, dh: 4, basisBits: 8 }],
  ['factor heads', { head: 'factor-heads' }],
  ['factor heads, generated gains, r 8, 8-bit heads', { head: 'factor-heads', gains: 'generated', rank: 8, headBits: 8 }],
  ['factor heads, no gains, per-layer, r 16', { head: 'factor-heads', gains: 'none', sharing: 'per-layer', rank: 16 }],
];

/** A random deployable of a family and two inputs for it. */
export function familyCase(seed: number, knobs: Partial<GeneratorKnobs>, modelOpts: RandomModelOptions = {}): { dep: Deployable; inputs: Int8Array[] } {
  const { deployable } = randomDeployable(seed, knobs, modelOpts);
  const m = synthesize(deployable);
  return { dep: deployable, inputs: [randomInput(m, seed), randomInput(m, seed + 1)] };
}

/** Flip bit `bit` of byte `index` of the flash array holding section `section` in the generated C. */
export function flipFlashBit(dir: string, prefix: string, section: string, index: number, bit: number): { before: number; after: number } {
  const file = join(dir, `${prefix}.c`);
  const text = readFileSync(file, 'utf8');
  const re = new RegExp(`(/\\* ${section.replace(/\./g, '\\.')}: \\d+ B \\*/\\nstatic const u?int8_t \\w+\\[\\d+\\] [^=]*= \\{\\n)([^}]*)\\}`);
  let before = 0;
  let after = 0;
  const out = text.replace(re, (_m, head: string, body: string) => {
    const vals = body.split(',').map((v) => v.trim()).filter(Boolean).map(Number);
    before = vals[index];
    after = vals[index] ^ (1 << bit);
    vals[index] = after;
    return `${head}  ${vals.join(', ')},\n}`;
  });
  if (out === text) throw new Error(`flipFlashBit: section ${section} not found`);
  writeFileSync(file, out);
  return { before, after };
}

/** Export with the CMSIS-NN backend + golden vectors (the cache check expects the TFLite bias). */
export function prepareCmsis(model: IntModel | Deployable, inputs: Int8Array[], prefix = 'cm'): { dir: string; prefix: string } {
  const dir = workDir('cmsis');
  writeFiles(dir, exportC(model, { kernels: 'cmsis-nn', prefix }));
  writeFiles(dir, goldenFiles(model, inputs, { prefix, generator: 'test/codegen cmsis-nn', kernels: 'cmsis-nn' }));
  return { dir, prefix };
}

/** Build the golden program against CMSIS-NN (built for `rounding`) on the host, with ASan + UBSan on our code, and run it. */
export function runHostCmsis(root: string, dir: string, prefix: string, rounding: RoundingMode, opt = '-O2'): RunResult {
  const lib = buildCmsisNn(root, 'gcc', ['-O2'], rounding);
  const exe = compileHost(dir, [`${prefix}.c`, `${prefix}_golden_test.c`], `cmsis${opt}.out`, [opt, ...SANITIZE, '-I', lib.include, `-DHTPW_LAYER_HOOK=${prefix}_golden_hook`], [lib.lib]);
  return run(exe, [], { timeoutSec: 60 });
}

/** The same on an emulated Cortex-M (CMSIS-NN built for the target's -mcpu: DSP path on the M4, portable on the M0). */
export function runArmCmsis(root: string, dir: string, prefix: string, target: keyof typeof TARGETS, rounding: RoundingMode, opt = '-O2'): RunResult {
  const t = TARGETS[target];
  const lib = buildCmsisNn(root, 'arm-none-eabi-gcc', [...t.cflags, '-O2'], rounding);
  const { elf } = compileArm(dir, [`${prefix}.c`, `${prefix}_golden_test.c`], `cmsis_${target}.elf`, t, [opt, '-I', lib.include, `-DHTPW_LAYER_HOOK=${prefix}_golden_hook`], [lib.lib]);
  return runQemu(elf, t, { timeoutSec: 30 });
}
