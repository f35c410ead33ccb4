/**
 * `hypertinypw export-c` and `hypertinypw golden` on a Deployable file ('HTPWDEPL') and on an
 * IntModel file ('HTPWIMDL'), told apart by the magic; the written C passes its golden check.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportCCommand } from '../../src/cli/commands/export_c.ts';
import { goldenCommand } from '../../src/cli/commands/golden.ts';
import { hasHostGcc } from '../../src/codegen/toolchain.ts';
import { writeDeployable } from '../../src/hyper/deployable_io.ts';
import { accountBytes } from '../../src/hyper/bytes.ts';
import { writeIntModel } from '../../src/quant/int_model_io.ts';
import { randomIntModel } from '../../src/quant/testing/random_model.ts';
import { familyCase, runHost, runHostCmsis, workDir } from './helpers.ts';
import { cmsisNnRoot } from '../../src/codegen/cmsis_nn_library.ts';
import { UsageError } from '../../src/cli/command.ts';

async function quiet<T>(fn: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = () => {};
  try {
    return await fn();
  } finally {
    console.log = log;
  }
}

describe.skipIf(!hasHostGcc())('CLI export-c / golden on .htpw files', () => {
  it('a Deployable file: synthesized kernels in the golden vectors, C synthesis passes', async () => {
    const dir = workDir('cli');
    const { dep } = familyCase(55, { head: 'basis-coeff' });
    const file = join(dir, 'model.htpwdep');
    writeDeployable(file, dep);
    const out = join(dir, 'c');
    expect(await quiet(() => exportCCommand.run([file, '--out', out, '--prefix', 'ecg']))).toBe(0);
    expect(await quiet(() => goldenCommand.run([file, '--out', out, '--prefix', 'ecg', '--cases', '2']))).toBe(0);
    expect(existsSync(join(out, 'htpw_synthesis.h'))).toBe(true);
    expect(readFileSync(join(out, 'ecg.h'), 'utf8')).toMatch(new RegExp(`#define ECG_WEIGHT_BYTES ${accountBytes(dep).flash.total}\\b`));
    const json = JSON.parse(readFileSync(join(out, 'ecg_golden.json'), 'utf8'));
    expect(json.synthesized).toHaveLength(dep.layers.length);
    expect(json.synthesized[0].multiplier.length).toBe(dep.generator!.layers[0].cOut);
    const r = runHost(out, 'ecg', '-O2', false);
    expect(r.stdout).toContain(`2 cases`);
    expect(r.stdout).toContain(`${dep.layers.length} synthesized kernels`);
    expect(r.status).toBe(0);
  });

  it('an IntModel file: every weight stored, golden passes', async () => {
    const dir = workDir('cli');
    const m = randomIntModel(9);
    const file = join(dir, 'model.htpw');
    writeIntModel(file, m);
    const out = join(dir, 'c');
    expect(await quiet(() => exportCCommand.run([file, '--out', out]))).toBe(0);
    expect(await quiet(() => goldenCommand.run([file, '--out', out]))).toBe(0);
    expect(readFileSync(join(out, 'htpw.h'), 'utf8')).toMatch(new RegExp(`#define HTPW_WEIGHT_BYTES ${accountBytes(m).flash.total}\\b`));
    const r = runHost(out, 'htpw', '-O2', false);
    expect(r.stdout).toContain('PASS 3 cases');
    expect(r.status).toBe(0);
  });

  it.skipIf(!cmsisNnRoot())('--kernels cmsis-nn: the C calls CMSIS-NN and passes the golden check built with --kernels cmsis-nn; a bad value is a usage error', async () => {
    const dir = workDir('cli');
    const { dep } = familyCase(56, {});
    const file = join(dir, 'model.htpwdep');
    writeDeployable(file, dep);
    const out = join(dir, 'c');
    expect(await quiet(() => exportCCommand.run([file, '--out', out, '--prefix', 'cm', '--kernels', 'cmsis-nn']))).toBe(0);
    expect(await quiet(() => goldenCommand.run([file, '--out', out, '--prefix', 'cm', '--cases', '2', '--kernels', 'cmsis-nn']))).toBe(0);
    expect(readFileSync(join(out, 'cm.c'), 'utf8')).toContain('arm_convolve_wrapper_s8(');
    const r = runHostCmsis(cmsisNnRoot()!, out, 'cm', dep.model.rounding);
    expect(r.stdout).toContain(`${dep.layers.length} synthesized kernels`);
    expect(r.status).toBe(0);
    await expect(exportCCommand.run([file, '--out', out, '--kernels', 'tflm'])).rejects.toThrow(UsageError);
    await expect(exportCCommand.run([file, '--out', out, '--kernels', 'tflm'])).rejects.toThrow(/--kernels: "tflm" is not one of native, cmsis-nn/);
  }, 300_000);

  it('--pw-cache none through export-c and golden: no cache array, rows checked, passes; a bad mode is a usage error', async () => {
    const dir = workDir('cli');
    const { dep } = familyCase(57, {});
    const file = join(dir, 'model.htpwdep');
    writeDeployable(file, dep);
    const out = join(dir, 'c');
    expect(await quiet(() => exportCCommand.run([file, '--out', out, '--prefix', 'nc', '--pw-cache', 'none']))).toBe(0);
    expect(await quiet(() => goldenCommand.run([file, '--out', out, '--prefix', 'nc', '--cases', '2', '--pw-cache', 'none']))).toBe(0);
    const src = readFileSync(join(out, 'nc.c'), 'utf8');
    expect(src).not.toContain('nc_cache[');
    expect(src).toContain('htpw_pwconv1d_row_s8(');
    expect(readFileSync(join(out, 'nc_golden_test.c'), 'utf8')).toContain('nc_generated_row(');
    const r = runHost(out, 'nc', '-O2', false);
    expect(r.stdout).toContain(`${dep.layers.length} synthesized kernels`);
    expect(r.status).toBe(0);
    await expect(exportCCommand.run([file, '--out', out, '--pw-cache', 'some'])).rejects.toThrow(/--pw-cache: "some" is not one of all, layer, none/);
    await expect(exportCCommand.run([file, '--out', out, '--pw-cache', 'none', '--kernels', 'cmsis-nn'])).rejects.toThrow(UsageError);
  });
});
