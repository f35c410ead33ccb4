import { describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadApnea } from '../../src/data/apnea/load.ts';
import { minuteLabels } from '../../src/data/apnea/labels.ts';
import { readAnnotationFile } from '../../src/data/wfdb/annotation.ts';
import { encodeAnnotations, encodeSignals, formatHeader, signalChecksum } from '../../src/data/wfdb/writer.ts';
import { loadPtbxl, parsePtbxlDatabase, parseScpStatements, superclassTargets } from '../../src/data/ptbxl/load.ts';
import { parseCsv } from '../../src/data/ptbxl/csv.ts';
import { FIXTURES, SHARED, SHARED_ON, tempDir } from './helpers.ts';

const APN = join(FIXTURES, 'apnea-ecg');
const PTB = join(FIXTURES, 'ptb-xl');

/** A synthesized Apnea-ECG record in the published layout (100 Hz, format 16, one ECG signal). */
function synthApnea(dir: string, name: string, minutes: number, labels: string): void {
  const sig = Int16Array.from({ length: minutes * 6000 }, (_, i) => Math.round(200 * Math.sin(i / 17)) - 12);
  writeFileSync(join(dir, `${name}.dat`), encodeSignals(16, [sig]));
  writeFileSync(join(dir, `${name}.hea`), formatHeader({ record: name, nSignals: 1, fs: 100, nSamples: sig.length, comments: [], signals: [{ file: `${name}.dat`, format: 16, samplesPerFrame: 1, skew: 0, byteOffset: 0, gain: 200, baseline: 0, units: 'mV', adcResolution: 12, adcZero: 0, initialValue: sig[0], checksum: signalChecksum(sig), blockSize: 0, description: 'ECG' }] }, true));
  writeFileSync(join(dir, `${name}.apn`), encodeAnnotations({ sample: Int32Array.from(labels, (_, m) => m * 6000), code: Uint8Array.from(labels, (c) => (c === 'A' ? 8 : 1)) }));
}

describe('Apnea-ECG', () => {
  it('reads the fixture record and labels into one-minute segments', () => {
    const ds = loadApnea({ dir: APN, records: ['a01'], testRecords: [], valRecords: [] });
    expect(ds.shape).toEqual([3, 6000, 1]);
    expect(Array.from(ds.y)).toEqual(Array.from(minuteLabels(readAnnotationFile(join(APN, 'a01.apn')), 100, 'a01')));
    expect(readAnnotationFile(join(APN, 'a02.qrs')).sample.length).toBeGreaterThan(500);
  });
  it('splits synthesized records by record (x records = test), with decimation', () => {
    const dir = tempDir();
    for (const [r, l] of [['a02', 'AANNA'], ['b01', 'NNN'], ['c01', 'NNNN'], ['a03', 'AAA'], ['x01', 'ANAN']] as const) synthApnea(dir, r, l.length + 1, l);
    const ds = loadApnea({ dir, decimate: 4, seed: 1 });
    expect(ds.shape).toEqual([19, 1500, 1]);
    const splitOf = new Map<string, Set<number>>();
    ds.group.forEach((g, i) => splitOf.set(ds.groupNames[g], (splitOf.get(ds.groupNames[g]) ?? new Set()).add(ds.split[i])));
    for (const s of splitOf.values()) expect(s.size).toBe(1);
    expect([...splitOf.get('x01')!]).toEqual([2]);
  });
  it.skipIf(!SHARED_ON)('decodes every real .apn file to the documented minute counts (opt-in)', () => {
    const dir = join(SHARED, 'apnea-ecg', 'more-labels');
    const count = (f: string) => { const l = minuteLabels(readAnnotationFile(join(dir, f)), 100, f); return [l.filter((v) => v === 1).length, l.filter((v) => v === 0).length]; };
    expect(count('a01.apn')).toEqual([470, 19]);
    expect(count('c04.apn')).toEqual([0, 482]);
    expect(readdirSync(dir).filter((f) => /^x\d\d\.apn$/.test(f)).length).toBe(35);
  });
});

describe('PTB-XL', () => {
  it('parses CSV quoting (commas, doubled quotes, newlines, CRLF)', () => {
    expect(parseCsv('a,"b,""c""\nd",e\r\n1,,3', 'x')).toEqual([['a', 'b,"c"\nd', 'e'], ['1', '', '3']]);
  });
  it('maps scp_codes to the 5 superclasses and loads the fixture records (strat folds -> splits)', () => {
    const st = parseScpStatements(readFileSync(join(PTB, 'scp_statements.csv'), 'utf8'), 'st');
    expect(st.get('NORM')).toBe('NORM');
    expect(st.get('IMI')).toBe('MI');
    expect(Array.from(superclassTargets({ NORM: 100, IMI: 15, SR: 0 }, st))).toEqual([1, 1, 0, 0, 0]);
    const ds = loadPtbxl({ dir: PTB });
    expect(ds.shape).toEqual([12, 1000, 12]);
    expect(ds.yMulti!.length).toBe(60);
    const rows = parsePtbxlDatabase(readFileSync(join(PTB, 'ptbxl_database.csv'), 'utf8'), 'db');
    expect(Array.from(ds.split)).toEqual(rows.map((r) => (r.stratFold <= 8 ? 0 : r.stratFold === 9 ? 1 : 2)));
  });
  it.skipIf(!SHARED_ON)('parses the real csvs (opt-in)', () => {
    const d = join(SHARED, 'ptb-xl');
    const st = parseScpStatements(readFileSync(join(d, 'scp_statements.csv'), 'utf8'), 'st');
    expect(new Set(st.values())).toEqual(new Set(['NORM', 'MI', 'STTC', 'CD', 'HYP']));
    for (const f of ['ptbxl_database_ecgid1-547.csv', 'ptbxl_database_filtered3028_arianasatryan.csv']) {
      const rows = parsePtbxlDatabase(readFileSync(join(d, f), 'utf8'), f);
      expect(rows.length).toBe(f.includes('547') ? 521 : 3028);
      expect(rows.filter((r) => superclassTargets(r.scpCodes, st).some((v) => v)).length).toBeGreaterThan(rows.length * 0.9);
    }
  });
});
