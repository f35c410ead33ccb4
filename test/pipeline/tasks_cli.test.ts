import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { compileHost, hasHostGcc, run } from '../../src/codegen/toolchain.ts';
import { knobBaseOf, loadTask, smallPresetOf, type TaskName } from '../../src/pipeline/data.ts';
import { modelConfigFor, trainHyper } from '../../src/pipeline/variants.ts';
import type { SeparableCnnConfig } from '../../src/nn/models/separable_cnn.ts';
import { tmp } from './helpers.ts';

/**
 * The step-by-step commands on the Apnea-ECG and PTB-XL fixtures, as a user types them:
 *   train -> quantize (QAT) -> eval -> bytes -> export-c -> golden -> host gcc check  (every PW stored)
 *   HyperTinyPW checkpoint -> compress -> eval -> export-c -> golden -> host gcc check (synthesis in C)
 * The HyperModel checkpoint comes from the library (trainHyper): no subcommand trains one alone.
 */

const FIX = join(import.meta.dirname, '..', 'fixtures');
const GCC = hasHostGcc();
if (!GCC) console.log('tasks_cli.test: no gcc on this host, the C golden checks are skipped');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
  try {
    return { code: await main(args), out: lines.join('\n'), err: errors.join('\n') };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

/** export-c + golden into dir, then (with gcc) build the checking program and expect its PASS line. */
async function exportAndCheck(model: string, dir: string): Promise<string> {
  const e = await cli(['export-c', model, '--out', dir]);
  expect(e.code, e.out).toBe(0);
  const g = await cli(['golden', model, '--out', dir]);
  expect(g.code, g.out).toBe(0);
  for (const f of ['htpw.c', 'htpw.h', 'htpw_golden.h', 'htpw_golden_test.c']) expect(existsSync(join(dir, f)), f).toBe(true);
  if (!GCC) return 'skipped';
  const exe = compileHost(dir, ['htpw.c', 'htpw_golden_test.c'], 'golden_test', ['-O2', '-DHTPW_LAYER_HOOK=htpw_golden_hook']);
  const r = run(exe, []);
  expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  expect(r.stdout).toMatch(/PASS 3 cases/);
  return r.stdout;
}

const TINY_APNEA: Partial<SeparableCnnConfig> = { stem: { channels: 8, kernel: 11, stride: 4 }, blocks: [{ channels: 12, stride: 4 }, { channels: 16, stride: 4 }, { channels: 16, stride: 2 }], dropout: 0 };
const DIAGNOSIS = /per-record diagnosis \(apnea minutes\/h >= 5\): \d\/3 records correct/;
const CASES: [TaskName, string, Partial<SeparableCnnConfig>, RegExp][] = [
  ['apnea', 'apnea-ecg', TINY_APNEA, DIAGNOSIS],
  ['ptbxl', 'ptb-xl', { stem: { channels: 8, kernel: 7, stride: 2 }, blocks: [{ channels: 12, stride: 2 }, { channels: 16, stride: 2 }, { channels: 16 }], dropout: 0 }, /macroAuc +\d\.\d{4} \[/],
];

describe('train, quantize, eval, bytes, export-c, golden on the task fixtures', () => {
  for (const [task, dir, tiny, want] of CASES) {
    it(`${task}: every PW stored INT8`, async () => {
      const out = tmp(`cli-${task}`);
      const data = join(FIX, dir);
      writeFileSync(join(out, 'cfg.json'), JSON.stringify({ modelOverrides: tiny, train: { batchSize: 2 } }));
      const t = await cli(['train', '--config', join(out, 'cfg.json'), '--data', data, '--task', task, '--epochs', '1', '--out', join(out, 'small'), '--quiet']);
      expect(t.code).toBe(0);
      expect(JSON.parse(t.out).testMacroF1Argmax).toBeGreaterThanOrEqual(0);
      const q = await cli(['quantize', join(out, 'small', 'best.ckpt'), '--data', data, '--task', task, '--method', 'qat', '--epochs', '1', '--batch-size', '2', '--out', join(out, 'int8.htpw'), '--quiet']);
      expect(q.code).toBe(0);
      expect(JSON.parse(q.out).testExamples).toBeGreaterThan(0);
      const e = await cli(['eval', join(out, 'int8.htpw'), '--task', task, '--data', data, '--resamples', '50']);
      expect(e.code).toBe(0);
      expect(e.out).toMatch(want);
      const b = await cli(['bytes', join(out, 'int8.htpw')]);
      expect(b.code).toBe(0);
      expect(b.out).toMatch(/storedPW/);
      await exportAndCheck(join(out, 'int8.htpw'), join(out, 'c'));
      expect(await main(['train', '--data', data, '--task', 'nope', '--out', join(out, 'x')])).toBe(2);
    }, 120_000);

    it(`${task}: HyperTinyPW checkpoint -> compress -> eval -> C with synthesis`, async () => {
      const out = tmp(`cli-hyper-${task}`);
      const data = join(FIX, dir);
      const ds = loadTask(task, data);
      await trainHyper(ds, modelConfigFor(ds, smallPresetOf(task), tiny), join(out, 'hyper'), { base: knobBaseOf(task), knobs: { dz: 6, dh: 16, rank: 4 }, train: { epochs: 1, batchSize: 4 }, qat: { epochs: 1, lr: 3e-4 }, quiet: true });
      const c = await cli(['compress', join(out, 'hyper', 'best.ckpt'), '--task', task, '--data', data, '--knobs', '6,16,4', '--out', join(out, 'h.htpw')]);
      expect(c.code, c.out).toBe(0);
      expect(c.out).toMatch(/generatorTrunk/);
      expect(c.out).toMatch(/generator \+ codes \+ gains = [\d.]+% of them/);
      const e = await cli(['eval', join(out, 'h.htpw'), '--task', task, '--data', data, '--resamples', '50']);
      expect(e.code).toBe(0);
      expect(e.out).toMatch(want);
      expect(await exportAndCheck(join(out, 'h.htpw'), join(out, 'c'))).toMatch(GCC ? /PASS .* [1-9]\d* synthesized kernels/ : /skipped/);
      expect(existsSync(join(out, 'c', 'htpw_golden_kernels.h'))).toBe(true);
    }, 120_000);
  }

  it('apnea-5min: the 5-minute context task trains, quantizes, evaluates and exports through the same commands', async () => {
    const out = tmp('cli-apnea-5min');
    const data = join(FIX, 'apnea-ecg');
    writeFileSync(join(out, 'cfg.json'), JSON.stringify({ modelOverrides: TINY_APNEA, train: { batchSize: 4 } }));
    expect((await cli(['train', '--config', join(out, 'cfg.json'), '--data', data, '--task', 'apnea-5min', '--epochs', '1', '--out', join(out, 'small'), '--quiet'])).code).toBe(0);
    expect((await cli(['quantize', join(out, 'small', 'best.ckpt'), '--data', data, '--task', 'apnea-5min', '--method', 'ptq', '--out', join(out, 'int8.htpw'), '--quiet'])).code).toBe(0);
    const e = await cli(['eval', join(out, 'int8.htpw'), '--task', 'apnea-5min', '--data', data, '--resamples', '50', '--json']);
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/apnea-ecg-5min/);
    // the one-minute task's data does not fit the 5-minute model: a one-line error, not a crash
    const wrong = await cli(['eval', join(out, 'int8.htpw'), '--task', 'apnea', '--data', data]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/^hypertinypw eval: .*model input \[30000,1\] does not match the dataset's examples \[6000, 1\]$/);
    await exportAndCheck(join(out, 'int8.htpw'), join(out, 'c'));
  }, 120_000);
});
