import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { readResults } from '../../src/eval/results.ts';
import { bootstrapCI, pairedBootstrap } from '../../src/eval/bootstrap.ts';
import { macroF1, take } from '../../src/eval/metrics.ts';
import { DEMO_MITDB } from '../../src/pipeline/data.ts';
import { compareModels, loadPredictions } from '../../src/pipeline/evaluate.ts';
import { modelFileKind } from '../../src/pipeline/model_file.ts';
import { runPipeline, type RunSummary } from '../../src/pipeline/run.ts';
import { writeResultsMd } from '../../src/pipeline/results_md.ts';
import { hasHostGcc } from '../../src/codegen/toolchain.ts';
import { demoAami, expectRecordMatchesPredictions, tmp, TINY } from './helpers.ts';

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const code = await main(args);
    return { code, out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('the run job, end to end on the demo data (tiny settings)', () => {
  let out: string;
  let s: RunSummary;
  beforeAll(async () => {
    out = tmp('run');
    s = await runPipeline({
      task: 'mitbih-aami', data: DEMO_MITDB, dataset: demoAami(), out, epochs: 2, hyperEpochs: 2, qatEpochs: 1, large: false,
      modelOverrides: TINY, resamples: 100, quiet: true,
    });
  }, 120_000);

  it('produces every artifact', () => {
    for (const k of ['results', 'floatCheckpoint', 'int8Model', 'deployable', 'bytes', 'c', 'report', 'summary']) {
      expect(typeof s.files[k] === 'string' && existsSync(s.files[k]), `${k}: ${s.files[k]}`).toBe(true);
    }
    expect(modelFileKind(s.files.floatCheckpoint)).toBe('checkpoint');
    expect(modelFileKind(s.files.int8Model)).toBe('int-model');
    expect(modelFileKind(s.files.deployable)).toBe('deployable');
    expect(s.demo).toBe(true);
    for (const f of ['htpw.c', 'htpw.h', 'htpw_kernels.h', 'htpw_synthesis.h', 'htpw_golden.h', 'htpw_golden_test.c']) expect(existsSync(join(out, 'c', f)), f).toBe(true);
    expect(readFileSync(s.files.report, 'utf8')).toContain('hypertinypw');
    expect(readFileSync(s.files.bytes, 'utf8')).toMatch(/generatorTrunk/);
  });

  it('records float, INT8 and HyperTinyPW models with CIs and byte breakdowns', () => {
    const { records } = readResults(s.files.results);
    expect(records.map((r) => r.variant)).toEqual(['float-small', 'pw-int8', 'hypertinypw']);
    for (const r of records) expectRecordMatchesPredictions(r, loadPredictions(out, r.id));
    const [, int8, hyper] = records;
    // the tiny test model's PW layers are smaller than a generator: only the structure is checked here
    expect(int8.flash.byCategory.storedPW).toBeGreaterThan(0);
    expect(hyper.flash.byCategory.storedPW).toBeUndefined();
    expect(hyper.flash.byCategory.codes).toBeGreaterThan(0);
  });

  it.skipIf(!hasHostGcc())('the exported C matches the golden vectors on the host (needs gcc)', () => {
    expect(s.gcc).toBe('PASS');
  });

  it('compareModels runs a paired bootstrap between two saved models', () => {
    const c = compareModels(out, 'mitbih-aami.hypertinypw', 'mitbih-aami.pw-int8', { resamples: 200 });
    expect(c.macroF1.diff.lo).toBeLessThanOrEqual(c.macroF1.diff.hi);
    expect(c.macroF1.a.value - c.macroF1.b.value).toBeCloseTo(c.macroF1.diff.value, 12);
    // one pass over the draws gives exactly what separate pairedBootstrap / bootstrapCI calls give
    const pa = loadPredictions(out, 'mitbih-aami.hypertinypw'), pb = loadPredictions(out, 'mitbih-aami.pw-int8');
    const k = pa.classes.length;
    const f1 = (p: typeof pa) => (idx: Int32Array) => macroF1(take(p.yTrue, idx), take(p.yPred, idx), k);
    const bo = { seed: 0, resamples: 200 };
    const ref = pairedBootstrap(pa.yTrue.length, f1(pa), f1(pb), bo);
    expect([c.macroF1.a, c.macroF1.b, c.macroF1.diff, c.macroF1.fractionAGreater]).toEqual([ref.a, ref.b, ref.diff, ref.fractionAGreater]);
    expect(c.macroF1Ratio).toEqual(bootstrapCI(pa.yTrue.length, (idx) => f1(pa)(idx) / f1(pb)(idx), bo));
    const self = compareModels(out, 'mitbih-aami.pw-int8', 'mitbih-aami.pw-int8', { resamples: 100 });
    expect(self.macroF1.diff.lo).toBe(0);
    expect(self.macroF1.diff.hi).toBe(0);
  });

  it('eval reads each model file type and gives the numbers the run recorded', async () => {
    const recs = new Map(readResults(s.files.results).records.map((r) => [r.variant, r]));
    const files: [string, string, string][] = [
      [s.files.floatCheckpoint, 'checkpoint', 'float-small'],
      [s.files.int8Model, 'int-model', 'pw-int8'],
      [s.files.deployable, 'deployable', 'hypertinypw'],
    ];
    for (const [file, kind, variant] of files) {
      expect(modelFileKind(file)).toBe(kind);
      const r = await cli(['eval', file, '--task', 'mitbih-aami', '--data', DEMO_MITDB, '--json', '--resamples', '100']);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out) as { fileKind: string; metrics: { macroF1: { value: number; lo: number; hi: number } } };
      expect(j.fileKind).toBe(kind);
      expect(j.metrics.macroF1).toEqual(recs.get(variant)!.metrics.macroF1);
    }
    const c = await cli(['eval', '--compare', out, 'mitbih-aami.hypertinypw', 'mitbih-aami.pw-int8', '--resamples', '100']);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/paired bootstrap/);
  }, 60_000);

  it('writes a RESULTS.md with a computed headline and the report', () => {
    const md = join(out, 'RESULTS.md');
    const r = writeResultsMd({ results: [s.files.results], out: md, resamples: 100 });
    expect(r.records).toBe(3);
    const text = readFileSync(md, 'utf8');
    expect(text).toMatch(/## Headline/);
    expect(text).toMatch(/HyperTinyPW dz4-dh12-r3 \(seed 0\): .* vs PW stored INT8/);
    expect(text).toMatch(/\(results\/pareto-mitbih-aami\.svg\)/);
    expect(existsSync(join(out, 'results', 'pareto-mitbih-aami.svg'))).toBe(true);
  });

  it('eval rejects a file that is no model', async () => {
    const code = await main(['eval', s.files.summary, '--task', 'mitbih-aami', '--data', DEMO_MITDB]);
    expect(code).toBe(1);
  });
});
