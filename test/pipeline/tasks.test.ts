import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { minuteLabels } from '../../src/data/apnea/labels.ts';
import { readAnnotationFile } from '../../src/data/wfdb/annotation.ts';
import { hasHostGcc } from '../../src/codegen/toolchain.ts';
import { readResults } from '../../src/eval/results.ts';
import { splitIndices } from '../../src/data/dataset.ts';
import { loadPredictions, modelScores } from '../../src/pipeline/evaluate.ts';
import { readIntegerModel } from '../../src/pipeline/variants.ts';
import { formatRunSummary, runPipeline, type RunSummary } from '../../src/pipeline/run.ts';
import { readSweepConfig, runSweep } from '../../src/pipeline/sweep.ts';
import { exampleCostOf, knobBaseOf, largePresetOf, loadTask, smallPresetOf } from '../../src/pipeline/data.ts';
import { loadApnea } from '../../src/data/apnea/load.ts';
import { tmp } from './helpers.ts';

/**
 * Apnea-ECG and PTB-XL through the whole run job on the fixtures (real labels / database rows,
 * synthetic signals): load -> train -> QAT -> HyperTinyPW -> simulate -> evaluate -> bytes ->
 * C export + golden check (host gcc when present).
 */

const FIX = join(import.meta.dirname, '..', 'fixtures');
const GCC = hasHostGcc();
if (!GCC) console.log('tasks.test: no gcc on this host, the C golden check of the Apnea-ECG / PTB-XL runs is skipped');

/** A tiny model of the task's family (same input handling, fewer channels) so each run takes seconds. */
const TINY_APNEA = { stem: { channels: 8, kernel: 11, stride: 4 }, blocks: [{ channels: 12, stride: 4 }, { channels: 16, stride: 4 }, { channels: 16, stride: 2 }], dropout: 0 };
const TINY_PTBXL = { stem: { channels: 8, kernel: 7, stride: 2 }, blocks: [{ channels: 12, stride: 2 }, { channels: 16, stride: 2 }, { channels: 16 }], dropout: 0 };

describe('task table', () => {
  it('maps each task to its model presets and generator knobs', () => {
    expect([smallPresetOf('apnea'), largePresetOf('apnea'), knobBaseOf('apnea')]).toEqual(['apnea', 'apnea-large', 'apnea']);
    expect([smallPresetOf('ptbxl-lead2'), largePresetOf('ptbxl'), knobBaseOf('ptbxl')]).toEqual(['ptbxl', 'ptbxl-large', 'ptbxl']);
    expect([smallPresetOf('mitbih-aami'), largePresetOf('mitbih-binary'), knobBaseOf('mitbih-aami')]).toEqual(['small', 'large', 'mitbih']);
    expect(() => loadTask('apnea', tmp('empty'))).toThrow(/no Apnea-ECG record/);
  });

  it('apnea-5min: the same minutes and labels, each with two neighbouring minutes on either side', () => {
    expect([smallPresetOf('apnea-5min'), largePresetOf('apnea-5min'), knobBaseOf('apnea-5min')]).toEqual(['apnea', 'apnea-large', 'apnea']);
    const one = loadTask('apnea', join(FIX, 'apnea-ecg'));
    const five = loadTask('apnea-5min', join(FIX, 'apnea-ecg'));
    expect(five.name).toBe('apnea-ecg-5min');
    expect(five.shape).toEqual([one.shape[0], 30000, 1]);
    expect([Array.from(five.y), Array.from(five.split), Array.from(five.group)]).toEqual([Array.from(one.y), Array.from(one.split), Array.from(one.group)]);
    expect(Array.from(five.x)).toEqual(Array.from(loadApnea({ dir: join(FIX, 'apnea-ecg'), seed: 0, contextMinutes: 2 }).x));
    expect(exampleCostOf('apnea-5min')).toBe(5 * exampleCostOf('apnea'));
  });
});

describe('apnea end to end on the fixture', () => {
  let s: RunSummary;
  let out: string;
  beforeAll(async () => {
    out = tmp('apnea');
    s = await runPipeline({ task: 'apnea', data: join(FIX, 'apnea-ecg'), out, epochs: 2, hyperEpochs: 2, qatEpochs: 1, large: false, modelOverrides: TINY_APNEA, resamples: 100, quiet: true, train: { batchSize: 4 } });
  }, 180_000);

  it('records float, INT8 and HyperTinyPW with CIs, bytes, and the per-record diagnosis line', () => {
    const { records } = readResults(s.files.results);
    expect(records.map((r) => r.variant)).toEqual(['float-small', 'pw-int8', 'hypertinypw']);
    for (const r of records) {
      expect(r.task).toBe('apnea-ecg');
      expect(r.metrics.macroF1.lo).toBeLessThanOrEqual(r.metrics.macroF1.hi);
      expect(r.confusion!.flat().reduce((a, b) => a + b, 0)).toBe((r.config.evaluation as { nTest: number }).nTest);
    }
    expect(records[2].flash.byCategory.codes).toBeGreaterThan(0);
    expect(records[2].flash.byCategory.storedPW).toBeUndefined();
    const text = formatRunSummary(s);
    expect(text).toMatch(/model +flash B +RAM B +macro-F1 \[95% CI\] +accuracy/);
    expect(text).toMatch(/per-record diagnosis/);
  });

  it('the report carries the per-record diagnosis table, one row per model, as recorded', () => {
    const md = readFileSync(join(out, 'report', 'report.md'), 'utf8');
    expect(md).toMatch(/Per-record diagnosis of the test records \(OSA when apnea minutes per hour >= 5/);
    for (const r of readResults(s.files.results).records) {
      const d = r.config.diagnosis as { correct: number; records: unknown[] };
      expect(md).toContain(`| ${r.variant} | `);
      expect(md).toMatch(new RegExp(`\\| ${r.variant} \\| [^|]+ \\| 0 \\| ${d.correct}/${d.records.length} \\| [\\d.]+ \\| n/a \\| n/a \\|`));
    }
    expect(md).not.toMatch(/NaN|null|undefined/);
  });

  it('the diagnosis uses the test records’ released labels (true apnea index from the .apn files)', () => {
    const r = readResults(s.files.results).records[2];
    const d = r.config.diagnosis as { records: { record: string; minutes: number; trueIndex: number; predIndex: number }[] };
    const dir = join(FIX, 'apnea-ecg');
    const tests = readdirSync(dir).filter((f) => /^x\d\d\.apn$/.test(f)).map((f) => f.slice(0, 3));
    expect(d.records.map((x) => x.record)).toEqual(tests);
    const p = loadPredictions(out, 'apnea.hypertinypw');
    let k = 0;
    for (const rec of d.records) {
      const l = minuteLabels(readAnnotationFile(join(dir, `${rec.record}.apn`)), 100, rec.record);
      expect(rec.minutes).toBe(l.length);
      expect(rec.trueIndex).toBeCloseTo((60 * l.filter((v) => v === 1).length) / l.length, 12);
      const pred = p.yPred.slice(k, k + l.length);
      expect(rec.predIndex).toBeCloseTo((60 * pred.filter((v) => v === 1).length) / l.length, 12);
      k += l.length;
    }
  });

  it.skipIf(!GCC)('the exported C matches the golden vectors on the host', () => {
    expect(s.gcc).toBe('PASS');
    for (const f of ['htpw.c', 'htpw_golden.h', 'htpw_golden_test.c']) expect(existsSync(join(out, 'c', f)), f).toBe(true);
  });
});

describe('ptbxl end to end on the fixture (multi-label)', () => {
  let s: RunSummary;
  let out: string;
  beforeAll(async () => {
    out = tmp('ptbxl');
    s = await runPipeline({ task: 'ptbxl', data: join(FIX, 'ptb-xl'), out, epochs: 2, hyperEpochs: 2, qatEpochs: 1, large: false, modelOverrides: TINY_PTBXL, resamples: 100, quiet: true, train: { batchSize: 2 } });
  }, 180_000);

  it('records multi-label macro-F1 with per-class thresholds from fold 9 and macro-AUC beside it', () => {
    const { records } = readResults(s.files.results);
    expect(records.map((r) => r.variant)).toEqual(['float-small', 'pw-int8', 'hypertinypw']);
    for (const r of records) {
      expect(r.task).toBe('ptbxl-superdiag');
      const ev = r.config.evaluation as { kind: string; thresholds: { kind: string; thresholds: number[] }; nVal: number; nTest: number };
      expect(ev.kind).toBe('multilabel');
      expect(ev.thresholds.thresholds).toHaveLength(5);
      expect([ev.nVal, ev.nTest]).toEqual([3, 3]);
      expect(r.metrics.macroAuc).toBeDefined();
    }
    expect(formatRunSummary(s)).toMatch(/macro-AUC \d\.\d{3} \[/);
    expect(readFileSync(s.files.bytes, 'utf8')).toMatch(/generatorTrunk/);
  });

  it('the recorded macro-AUC is the pairwise (Mann-Whitney) AUC of the deployed model’s test scores', () => {
    const ds = loadTask('ptbxl', join(FIX, 'ptb-xl'));
    const test = splitIndices(ds, 'test');
    const { scores } = modelScores(readIntegerModel(s.files.deployable), ds, test);
    const K = 5;
    let sum = 0;
    let n = 0;
    for (let k = 0; k < K; k++) {
      const pos: number[] = [], neg: number[] = [];
      test.forEach((e, i) => (ds.yMulti![e * K + k] ? pos : neg).push(scores[i * K + k]));
      if (!pos.length || !neg.length) continue;
      let w = 0;
      for (const a of pos) for (const b of neg) w += a > b ? 1 : a === b ? 0.5 : 0;
      sum += w / (pos.length * neg.length);
      n++;
    }
    const r = readResults(s.files.results).records[2];
    expect(r.metrics.macroAuc.value).toBeCloseTo(sum / n, 12);
  });

  it.skipIf(!GCC)('the exported C matches the golden vectors on the host', () => {
    expect(s.gcc).toBe('PASS');
  });

  it('the lead-II task loads [1000, 1] examples from the same records', () => {
    const ds = loadTask('ptbxl-lead2', join(FIX, 'ptb-xl'));
    expect(ds.shape).toEqual([12, 1000, 1]);
  });
});

describe('the shipped sweep configs (configs/apnea.json, configs/ptbxl.json) on the fixtures', () => {
  for (const [file, dir, tiny] of [['apnea.json', 'apnea-ecg', TINY_APNEA], ['ptbxl.json', 'ptb-xl', TINY_PTBXL]] as const) {
    it(`${file}: the paper's (6, 16, 4) first; every variant runs (tiny model, 1 epoch)`, async () => {
      const c = readSweepConfig(join(import.meta.dirname, '..', '..', 'configs', file));
      expect(c.hyper!.grid![0]).toEqual({ dz: 6, dh: 16, rank: 4 });
      const out = tmp(`sweep-${file}`);
      const r = await runSweep({
        ...c, data: join(FIX, dir), out, lowRank: { ranks: [2] }, hyper: { ...c.hyper, grid: [c.hyper!.grid![0]], train: { epochs: 1 } },
        small: { ...c.small, overrides: tiny, train: { epochs: 1, batchSize: 4 } }, large: { ...c.large, overrides: tiny, train: { epochs: 1, batchSize: 4 } },
        quantize: { ...c.quantize, qat: { epochs: 1, lr: 3e-4 }, calibration: 8 }, bootstrap: { resamples: 50, seed: 0 },
      }, { quiet: true });
      expect(r.failed).toEqual([]);
      const recs = readResults(join(out, 'results.jsonl')).records;
      expect(new Set(recs.map((x) => x.variant))).toEqual(new Set(['pw-int8', 'pw-4bit', 'pw-lowrank', 'hypertinypw', 'float-large', 'int8-large']));
      expect(recs.find((x) => x.variant === 'hypertinypw')!.id).toMatch(/dz6-dh16-r4/);
    }, 240_000);
  }
});
