/**
 * Arm CMSIS-NN as a linkable library for the generated C (`exportC(..., { kernels: 'cmsis-nn' })`)
 * and for the oracle tests: found at ../shared/third_party/cmsis-nn (beside the checkout; override
 * with HTPW_CMSIS_NN=/path), never copied into the repository. Only the int8 operators and their
 * support functions are built: the *_s8*.c files of the convolution, fully connected, pooling and
 * basic math groups, of NNSupportFunctions and TransposeFunctions (the MVE depthwise path), plus
 * arm_q7_to_q15_with_offset.c.
 *
 * Rounding: CMSIS-NN's arm_nn_requantize is TFLite Micro's double rounding by default and
 * TFLITE_SINGLE_ROUNDING's `(x * m + 2^(30 - shift)) >> (31 - shift)` when built with
 * -DCMSIS_NN_USE_SINGLE_ROUNDING; a library is built per mode and a model links the one of its
 * IntModel.rounding.
 *
 * Builds are cached under the OS temp directory, keyed by compiler, flags, rounding and the
 * sources' sizes and modification times; a build is written to a fresh directory and renamed into
 * place, so parallel test workers never see half a library.
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RoundingMode } from '../quant/int_model.ts';
import { run } from './toolchain.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The CMSIS-NN checkout (Include/ and Source/), or null when absent. */
export function cmsisNnRoot(): string | null {
  const root = process.env.HTPW_CMSIS_NN ?? resolve(REPO_ROOT, '..', 'shared', 'third_party', 'cmsis-nn');
  return existsSync(join(root, 'Include', 'arm_nnfunctions.h')) && existsSync(join(root, 'Source')) ? root : null;
}

const GROUPS = ['BasicMathFunctions', 'ConvolutionFunctions', 'FullyConnectedFunctions', 'NNSupportFunctions', 'PoolingFunctions', 'TransposeFunctions'];
const INT8 = /_s8(_[a-z0-9_]+)?\.c$|^arm_q7_to_q15_with_offset\.c$/;
const NOT_INT8 = /lstm|svdf|_s16_s8|_f16|_f32/;

/** The int8 sources of CMSIS-NN (absolute paths, sorted). */
export function cmsisNnSources(root: string): string[] {
  const files: string[] = [];
  for (const group of GROUPS) {
    const dir = join(root, 'Source', group);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (INT8.test(f) && !NOT_INT8.test(f)) files.push(join(dir, f));
  }
  return files;
}

export interface CmsisNnBuild {
  /** -I directory of arm_nnfunctions.h */
  include: string;
  /** the static library (link after the objects that call it) */
  lib: string;
}

/** Compiler flags selecting the rounding mode CMSIS-NN implements for `rounding`. */
export function cmsisRoundingFlags(rounding: RoundingMode): string[] {
  return rounding === 'single' ? ['-DCMSIS_NN_USE_SINGLE_ROUNDING'] : [];
}

/**
 * Build (or reuse) libcmsisnn.a with `cc` ('gcc' or 'arm-none-eabi-gcc') and `cflags` (the
 * target's -mcpu flags and the optimization level) for the given rounding mode.
 */
export function buildCmsisNn(root: string, cc: 'gcc' | 'arm-none-eabi-gcc', cflags: string[], rounding: RoundingMode): CmsisNnBuild {
  const include = join(root, 'Include');
  const sources = cmsisNnSources(root);
  const flags = [...cflags, ...cmsisRoundingFlags(rounding)];
  const key = createHash('sha1')
    .update(JSON.stringify([cc, flags, root, sources.map((f) => [f, statSync(f).size, statSync(f).mtimeMs])]))
    .digest('hex')
    .slice(0, 16);
  const dir = join(tmpdir(), `htpw-cmsis-nn-${key}`);
  const lib = join(dir, 'libcmsisnn.a');
  if (existsSync(lib)) return { include, lib };
  const work = mkdtempSync(join(tmpdir(), `htpw-cmsis-nn-build-${key}-`));
  const objs = join(work, 'obj');
  mkdirSync(objs);
  // one compiler run for all files (the basenames are unique): objects land in objs/
  const c = run(cc, ['-c', ...flags, '-ffunction-sections', '-fdata-sections', '-I', include, ...sources], { cwd: objs });
  if (c.status !== 0) throw new Error(`${cc} could not compile CMSIS-NN:\n${c.stderr}`.slice(0, 4000));
  const objects = sources.map((f) => join(objs, basename(f).replace(/\.c$/, '.o')));
  const ar = cc === 'gcc' ? 'ar' : 'arm-none-eabi-ar';
  const r = run(ar, ['rcs', join(work, 'libcmsisnn.a'), ...objects]);
  if (r.status !== 0) throw new Error(`${ar} failed: ${r.stderr}`);
  rmSync(objs, { recursive: true, force: true });
  try {
    renameSync(work, dir);
  } catch {
    // another worker renamed its build first: use that one
    rmSync(work, { recursive: true, force: true });
  }
  return { include, lib };
}
