/** The plot fixes of #17: no line hidden under a twin, no repeated legend words, CI bars set apart, small test sets flagged. */
import { describe, expect, it } from 'vitest';
import type { CurvePoint, ResultRecord } from '../../src/eval/results.ts';
import { curvesSvg } from '../../src/report/curves.ts';
import { dodge, paretoSvg } from '../../src/report/pareto.ts';
import { fewTestExamplesNote, fewValExamplesNote, modelLabel, writeReport } from '../../src/report/report.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pts = (k: number): CurvePoint[] => [1, 2, 3].map((e) => ({ epoch: e, trainLoss: k / e, valMacroF1: 0.1 * e + k / 100 }));

describe('plots', () => {
  it('a curve identical to an earlier one is drawn dashed on top and named as such; every epoch has a marker', () => {
    const svg = curvesSvg([
      { variant: 'float-large', label: 'float CNN (large) float32', points: pts(1) },
      { variant: 'int8-large', label: 'INT8 CNN (large)', points: pts(1) },
      { variant: 'pw-int8', label: 'PW stored INT8', points: pts(2) },
    ], 't');
    const paths = [...svg.matchAll(/<path d="M[^"]*L[^"]*" fill="none" stroke="[^"]+" stroke-width="([\d.]+)"( stroke-dasharray="([^"]+)")?/g)];
    // 3 series x 2 panels; the INT8 twin (2nd of each panel) dashed and wider
    expect(paths).toHaveLength(6);
    expect(paths.map((m) => m[3] ?? '')).toEqual(['', '7 5', '', '', '7 5', '']);
    expect(svg).toContain('INT8 CNN (large) (same curve as float CNN (large) float32)');
    expect(svg).not.toContain('PW stored INT8 (same');
    expect((svg.match(/<circle /g) ?? []).length).toBeGreaterThanOrEqual(6);
  });

  it('a config label that only repeats the variant name is dropped from legends', () => {
    expect(modelLabel('PW stored INT8', 'PW INT8')).toBe('PW stored INT8');
    expect(modelLabel('INT8 CNN (large)', 'INT8')).toBe('INT8 CNN (large)');
    // a word with a bit width appended repeats the word
    expect(modelLabel('float CNN (large)', 'float32')).toBe('float CNN (large)');
    expect(modelLabel('PW INT8 low-rank', 'r4')).toBe('PW INT8 low-rank r4');
  });

  it('points at almost the same x with overlapping intervals are set apart; separate ones stay put', () => {
    expect(dodge([100, 104, 300], [[10, 50], [20, 60], [10, 50]])).toEqual([-3.5, 3.5, 0]);
    expect(dodge([100, 104], [[10, 20], [30, 40]])).toEqual([0, 0]);
    const svg = paretoSvg([
      { variant: 'pw-lowrank', label: 'r4', x: 15_000, y: 0.07, lo: 0, hi: 0.13 },
      { variant: 'hypertinypw', label: 'h', x: 15_300, y: 0.09, lo: 0.01, hi: 0.15 },
    ], { title: 't' });
    const bars = [...svg.matchAll(/<line x1="([\d.]+)" y1="[\d.]+" x2="\1" y2="[\d.]+" stroke="#[0-9A-Fa-f]+" stroke-width="1.5" stroke-opacity/g)].map((m) => Number(m[1]));
    expect(bars).toHaveLength(2);
    expect(Math.abs(bars[0] - bars[1])).toBeGreaterThanOrEqual(6);
  });

  it('a plot resting on fewer than 100 test examples says so', () => {
    const rec = (nTest: number) => ({ config: { evaluation: { nTest } } }) as unknown as ResultRecord;
    expect(fewTestExamplesNote([rec(27), rec(27)])).toMatch(/only 27 test examples/);
    expect(fewTestExamplesNote([rec(5000)])).toBe('');
    expect(fewTestExamplesNote([{ config: {} } as unknown as ResultRecord])).toBe('');
    const svg = paretoSvg([{ variant: 'pw-int8', label: 'a', x: 1000, y: 0.5, lo: 0.4, hi: 0.6 }], { title: 't', note: fewTestExamplesNote([rec(27)]) });
    expect(svg).toContain('only 27 test examples');
  });

  it('training curves resting on fewer than 100 validation examples say so; the report writes it on the curves plot', () => {
    const rec = (nVal: number) => ({ config: { evaluation: { nVal } } }) as unknown as ResultRecord;
    expect(fewValExamplesNote([rec(23), rec(500)])).toMatch(/validation macro-F1 on only 23 examples/);
    expect(fewValExamplesNote([rec(100)])).toBe('');
    expect(curvesSvg([{ variant: 'pw-int8', label: 'a', points: pts(1) }], 't', [], 'NOTE-X')).toContain('NOTE-X');
    expect(curvesSvg([{ variant: 'pw-int8', label: 'a', points: pts(1) }], 't')).not.toContain('#a01010');
    // the committed kws12 subset sweep: 23 validation and 27 test clips
    const out = mkdtempSync(join(tmpdir(), 'htpw-plots-'));
    const records = readFileSync(join(__dirname, '../../results/kws12-subset.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ResultRecord);
    writeReport(records, out, { source: 'kws12-subset.jsonl' });
    expect(readFileSync(join(out, 'curves-kws12.svg'), 'utf8')).toContain('validation macro-F1 on only 23 examples');
    expect(readFileSync(join(out, 'pareto-kws12.svg'), 'utf8')).toContain('only 27 test examples');
    expect(readFileSync(join(out, 'curves-kws12.svg'), 'utf8')).not.toMatch(/float CNN \(large\) float32/);
  });
});
