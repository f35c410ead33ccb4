import { describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendResult, parseResults, readResults, validateRecord, type ResultRecord } from '../../src/eval/results.ts';
import { FormatError } from '../../src/util/errors.ts';
import { syntheticResults } from './synthetic_results.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'htpw-results-'));

function rec(id: string, over: Partial<ResultRecord> = {}): ResultRecord {
  return {
    id,
    task: 'mitbih-aami',
    variant: 'hypertinypw',
    config: { dz: 6, dh: 16, rank: 4 },
    seed: 1,
    flash: { total: 300, byCategory: { generator: 100, backbone: 200 } },
    ram: { total: 50, byCategory: {} },
    metrics: { macroF1: { value: 0.6, lo: 0.55, hi: 0.64 } },
    durationSec: 12.5,
    createdAt: '2025-01-10T09:00:00.000Z',
    ...over,
  };
}

describe('results file (JSON lines)', () => {
  it('appends and reads back every synthetic record unchanged (plus schemaVersion)', () => {
    const path = join(tmp(), 'results.jsonl');
    const rs = syntheticResults();
    for (const r of rs) expect(appendResult(path, r)).toEqual([]);
    const back = readResults(path);
    expect(back.warnings).toEqual([]);
    expect(back.records).toEqual(rs.map((r) => ({ schemaVersion: 1, ...r })));
    expect(readFileSync(path, 'utf8').split('\n').length).toBe(rs.length + 1);
  });
  it('names the line of a bad record', () => {
    const good = JSON.stringify(rec('a'));
    const bad = JSON.stringify({ ...rec('b'), metrics: { accuracy: { value: 1, lo: 1, hi: 1 } } });
    expect(() => parseResults(`${good}\n${bad}\n${JSON.stringify(rec('c'))}\n`, 'r.jsonl')).toThrow(/r\.jsonl: line 2: metrics\.macroF1 is required/);
    expect(() => parseResults(`${good}\n{"id":\n${JSON.stringify(rec('c'))}\n`, 'r.jsonl')).toThrow(/line 2: not valid JSON/);
    expect(() => parseResults(`${good}\n${good}\n`, 'r.jsonl')).toThrow(/line 2: duplicate id "a" \(first on line 1\)/);
  });
  it('ignores a truncated last line with a warning', () => {
    const text = `${JSON.stringify(rec('a'))}\n${JSON.stringify(rec('b')).slice(0, 70)}`;
    const r = parseResults(text, 'r.jsonl');
    expect(r.records.map((x) => x.id)).toEqual(['a']);
    expect(r.warnings[0]).toMatch(/line 2 is incomplete/);
    // a complete record that only lacks its newline is kept
    expect(parseResults(JSON.stringify(rec('a')), 'r.jsonl').records).toHaveLength(1);
  });
  it('append cuts off the fragment a killed writer left, then writes whole lines', () => {
    const path = join(tmp(), 'results.jsonl');
    appendResult(path, rec('a'));
    appendFileSync(path, JSON.stringify(rec('b')).slice(0, 40));
    expect(readResults(path).warnings).toHaveLength(1);
    const w = appendResult(path, rec('c'));
    expect(w[0]).toMatch(/removed an incomplete last line/);
    const back = readResults(path);
    expect(back.warnings).toEqual([]);
    expect(back.records.map((x) => x.id)).toEqual(['a', 'c']);
  });
  it('append terminates a complete record that lacks its newline instead of deleting it', () => {
    const path = join(tmp(), 'results.jsonl');
    writeFileSync(path, JSON.stringify(rec('a')));
    expect(appendResult(path, rec('b'))).toEqual([]);
    expect(readResults(path).records.map((x) => x.id)).toEqual(['a', 'b']);
  });
  it('refuses to append an invalid record and writes nothing', () => {
    const path = join(tmp(), 'results.jsonl');
    expect(() => appendResult(path, rec('x', { flash: { total: 10, byCategory: { a: 3, b: 4 } } }))).toThrow(FormatError);
    expect(existsSync(path)).toBe(false);
  });
  it('validates fields', () => {
    expect(validateRecord(rec('a'))).toBeUndefined();
    expect(validateRecord(rec('a', { flash: { total: 10, byCategory: { a: 3, b: 4 } } }))).toMatch(/flash\.byCategory sums to 7/);
    expect(validateRecord(rec('a', { confusion: [[1, 2], [3]] }))).toMatch(/confusion row 1/);
    expect(validateRecord(rec('a', { confusion: [[1, 2], [3, 4]], classes: ['N', 'S', 'V'] }))).toMatch(/3 classes/);
    expect(validateRecord(rec('a', { metrics: { macroF1: { value: 0.5, lo: 0.6, hi: 0.4 } } }))).toMatch(/lo 0\.6 > hi 0\.4/);
    expect(validateRecord(rec('a', { createdAt: 'yesterday' }))).toMatch(/ISO 8601/);
    expect(validateRecord({ ...rec('a'), schemaVersion: 2 })).toMatch(/schemaVersion 2/);
    expect(validateRecord(rec('a', { curves: [{ epoch: 1, trainLoss: NaN, valMacroF1: 0.1 }] }))).toMatch(/curves\[0\]/);
  });
});
