import { describe, expect, it, vi } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APNEA_TEST_RECORDS, minuteLabels } from '../../src/data/apnea/labels.ts';
import { diagnoseRecords, formatDiagnosis } from '../../src/data/apnea/diagnosis.ts';
import { loadApnea } from '../../src/data/apnea/load.ts';
import { findPtbxlDatabase, loadPtbxl, parsePtbxlDatabase, parseScpStatements, superclassTargets } from '../../src/data/ptbxl/load.ts';
import { readAnnotationFile } from '../../src/data/wfdb/annotation.ts';
import { parseHeader } from '../../src/data/wfdb/header.ts';
import { splitIndices } from '../../src/data/dataset.ts';
import { dataCommand } from '../../src/cli/commands/data.ts';
import { ArgumentError } from '../../src/util/errors.ts';
import { FIXTURES, SHARED, SHARED_ON, tempDir } from './helpers.ts';

const APN = join(FIXTURES, 'apnea-ecg');
const PTB = join(FIXTURES, 'ptb-xl');

/** Minute labels of every .apn in dir, read straight from the files. */
function labelFiles(dir: string): Map<string, Int8Array> {
  return new Map(readdirSync(dir).filter((f) => f.endsWith('.apn')).sort().map((f) => [f.slice(0, -4), minuteLabels(readAnnotationFile(join(dir, f)), 100, f)]));
}

describe('Apnea-ECG task data (fixture: real labels, synthetic signals)', () => {
  const ds = loadApnea({ dir: APN });
  const files = labelFiles(APN);

  it('one example per labelled minute; split counts equal the label files', () => {
    expect(ds.shape.slice(1)).toEqual([6000, 1]);
    const want = { train: [0, 0], val: [0, 0], test: [0, 0] } as Record<string, number[]>;
    const splitOf = ds.meta.splits as Record<string, number>;
    for (const [r, l] of files) {
      const s = ['train', 'val', 'test'][splitOf[r]];
      for (const v of l) want[s][v]++;
      const idx = [...ds.group.keys()].filter((i) => ds.groupNames[ds.group[i]] === r);
      expect(idx.length, r).toBe(l.length);
      expect(idx.map((i) => ds.y[i]), r).toEqual(Array.from(l));
    }
    for (const s of ['train', 'val', 'test'] as const) {
      const got = [0, 0];
      for (const i of splitIndices(ds, s)) got[ds.y[i]]++;
      expect(got, s).toEqual(want[s]);
    }
  });

  it('x records are the test set; validation holds out whole learning records', () => {
    const splitOf = ds.meta.splits as Record<string, number>;
    for (const [r, s] of Object.entries(splitOf)) expect(s === 2, r).toBe(APNEA_TEST_RECORDS.includes(r));
    expect(Object.values(splitOf).filter((s) => s === 1).length).toBeGreaterThanOrEqual(1);
    for (const g of new Set(ds.group)) expect(new Set([...ds.group.keys()].filter((i) => ds.group[i] === g).map((i) => ds.split[i])).size).toBe(1);
  });

  it('context minutes: the example of minute m holds minutes m-1 .. m+1 (edges repeated)', () => {
    const c = loadApnea({ dir: APN, records: ['a01'], valRecords: [], testRecords: [], contextMinutes: 1, normalization: 'none' });
    const plain = loadApnea({ dir: APN, records: ['a01'], valRecords: [], testRecords: [], normalization: 'none' });
    expect(c.shape).toEqual([3, 18000, 1]);
    // minute 1 with context = minutes 0, 1, 2 concatenated
    expect(Array.from(c.x.subarray(18000, 36000))).toEqual([...plain.x.subarray(0, 18000)]);
    // minute 0: the first 6000 samples repeat the record's first sample
    expect(c.x.subarray(0, 6000).every((v) => v === plain.x[0])).toBe(true);
  });

  it('per-record diagnosis from minute decisions', () => {
    // record 0: 60 minutes, 6 apnea (6/h); record 1: 60 minutes, 2 apnea (2/h)
    const group = [...new Array(60).fill(0), ...new Array(60).fill(1)];
    const yTrue = group.map((g, i) => (g === 0 ? (i < 6 ? 1 : 0) : i < 62 ? 1 : 0));
    const yPred = group.map((g, i) => (g === 0 ? (i < 4 ? 1 : 0) : i < 62 ? 1 : 0));
    const d = diagnoseRecords(group, ['a', 'b'], yTrue, yPred);
    expect(d.records.map((r) => [r.record, r.trueIndex, r.predIndex, r.trueOsa, r.predOsa])).toEqual([['a', 6, 4, true, false], ['b', 2, 2, false, false]]);
    expect(d.correct).toBe(1);
    expect(d.sensitivity).toBe(0);
    expect(d.specificity).toBe(1);
    expect(formatDiagnosis(d)).toMatch(/1\/2 records correct/);
    expect(() => diagnoseRecords([0], ['a'], [1, 0], [1])).toThrow(ArgumentError);
  });
});

describe('PTB-XL task data (fixture: 12 real rows, synthetic records)', () => {
  const rows = parsePtbxlDatabase(readFileSync(join(PTB, 'ptbxl_database.csv'), 'utf8'), 'db');
  const st = parseScpStatements(readFileSync(join(PTB, 'scp_statements.csv'), 'utf8'), 'st');

  it('folds 1-8 / 9 / 10 and superclass counts equal the database rows', () => {
    const ds = loadPtbxl({ dir: PTB });
    expect(ds.shape).toEqual([rows.length, 1000, 12]);
    for (const [s, folds] of [['train', [1, 8]], ['val', [9, 9]], ['test', [10, 10]]] as const) {
      const want = [0, 0, 0, 0, 0];
      const inSplit = rows.filter((r) => r.stratFold >= folds[0] && r.stratFold <= folds[1]);
      for (const r of inSplit) superclassTargets(r.scpCodes, st).forEach((v, k) => (want[k] += v));
      const got = [0, 0, 0, 0, 0];
      const idx = splitIndices(ds, s);
      for (const i of idx) for (let k = 0; k < 5; k++) got[k] += ds.yMulti![i * 5 + k];
      expect(idx.length, s).toBe(inSplit.length);
      expect(got, s).toEqual(want);
      expect(got.every((v) => v > 0 && v < idx.length + 1), `${s}: every superclass present`).toBe(true);
    }
  });

  it('the lead-II option keeps column II of the 12-lead examples', () => {
    const all = loadPtbxl({ dir: PTB });
    const ii = loadPtbxl({ dir: PTB, leads: ['ii'] });
    expect(ii.shape).toEqual([rows.length, 1000, 1]);
    expect(ii.name).toBe('ptbxl-superdiag-ii');
    for (let i = 0; i < 3000; i += 7) expect(ii.x[i]).toBe(all.x[i * 12 + 1]);
    expect(() => loadPtbxl({ dir: PTB, leads: ['V7'] })).toThrow(/no lead "V7"/);
  });

  it('finds the database csv by name pattern; a one-line usage error when there is none', async () => {
    const dir = tempDir();
    copyFileSync(join(PTB, 'scp_statements.csv'), join(dir, 'scp_statements.csv'));
    expect(() => findPtbxlDatabase(dir)).toThrow(/no ptbxl_database\*\.csv/);
    writeFileSync(join(dir, 'ptbxl_database_ecgid1-4.csv'), readFileSync(join(PTB, 'ptbxl_database.csv')));
    expect(findPtbxlDatabase(dir).path).toBe(join(dir, 'ptbxl_database_ecgid1-4.csv'));
    mkdirSync(join(dir, 'records100'));
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void lines.push(a.join(' '));
    try {
      expect(await dataCommand.run(['stats', 'ptb-xl', '--dir', dir, '--json'])).toBe(0);
    } finally {
      console.log = log;
    }
    expect(JSON.parse(lines.join('\n')).test.records).toBe(rows.filter((r) => r.stratFold === 10).length);
    await expect(dataCommand.run(['stats', 'ptb-xl', '--dir', tempDir()])).rejects.toThrow(/no ptbxl_database/);
    await expect(dataCommand.run(['stats', 'apnea-ecg', '--dir', tempDir()])).rejects.toThrow(/no .apn label file/);
  });

  it.skipIf(!SHARED_ON)('the shared folder as it is: stats from ptbxl_database_ecgid1-547.csv (opt-in)', async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void lines.push(a.join(' '));
    try {
      expect(await dataCommand.run(['stats', 'ptb-xl', '--dir', join(SHARED, 'ptb-xl'), '--json'])).toBe(0);
    } finally {
      console.log = log;
    }
    const s = JSON.parse(lines.join('\n')) as Record<string, { records: number }>;
    expect(s.train.records + s.val.records + s.test.records).toBe(521);
  });

  it.skipIf(!SHARED_ON)('the shared Apnea-ECG labels: release and test records as the loader splits them (opt-in)', () => {
    const files = labelFiles(join(SHARED, 'apnea-ecg', 'more-labels'));
    expect([...files.keys()].filter((r) => APNEA_TEST_RECORDS.includes(r)).length).toBe(35);
    const total = [...files].filter(([r]) => r.startsWith('x')).reduce((a, [, l]) => a + l.length, 0);
    expect(total).toBeGreaterThan(35 * 400);
  });
});

describe('data download apnea-ecg | ptb-xl (local PhysioNet-like server with Range support)', () => {
  it('fetches the listed files under <db>/<version>/, resumes a cut transfer, verifies; records500/ left out for PTB-XL', async () => {
    const { createServer } = await import('node:http');
    const { createHash } = await import('node:crypto');
    const body = new Map<string, Buffer>([
      ['/apnea-ecg/1.0.0/x01.apn', readFileSync(join(APN, 'x01.apn'))],
      ['/apnea-ecg/1.0.0/x01.hea', readFileSync(join(APN, 'x01.hea'))],
      ['/apnea-ecg/1.0.0/x01.dat', readFileSync(join(APN, 'x01.dat'))],
      ['/ptb-xl/1.0.3/ptbxl_database.csv', readFileSync(join(PTB, 'ptbxl_database.csv'))],
      ['/ptb-xl/1.0.3/records100/00000/00001_lr.hea', readFileSync(join(PTB, 'records100', '00000', '00001_lr.hea'))],
      ['/ptb-xl/1.0.3/records100/00000/00001_lr.dat', readFileSync(join(PTB, 'records100', '00000', '00001_lr.dat'))],
      ['/ptb-xl/1.0.3/records500/00000/00001_hr.hea', Buffer.from('not fetched')],
    ]);
    const sums = (prefix: string) => [...body].filter(([k]) => k.startsWith(prefix)).map(([k, b]) => `${createHash('sha256').update(b).digest('hex')} ${k.slice(prefix.length)}`).join('\n') + '\n';
    let cut = ''; // the next request for this path is cut after 1000 bytes
    let ranges = 0;
    const server = createServer((req, res) => {
      const url = decodeURIComponent(req.url!);
      const m = /^\/([\w-]+)\/([\d.]+)\/SHA256SUMS\.txt$/.exec(url);
      const b = m ? Buffer.from(sums(`/${m[1]}/${m[2]}/`)) : body.get(url);
      if (!b) { res.writeHead(404).end(); return; }
      const r = /bytes=(\d+)-/.exec(req.headers.range ?? '');
      if (r) ranges++;
      const part = b.subarray(r ? Number(r[1]) : 0);
      res.writeHead(r ? 206 : 200, { 'content-length': part.length });
      if (url === cut) {
        cut = '';
        res.write(part.subarray(0, 1000), () => res.destroy());
      } else res.end(part);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      for (const [dataset, db, dat, local] of [
        ['apnea-ecg', '/apnea-ecg/1.0.0/', 'x01.dat', join(APN, 'x01.dat')],
        ['ptb-xl', '/ptb-xl/1.0.3/', 'records100/00000/00001_lr.dat', join(PTB, 'records100', '00000', '00001_lr.dat')],
      ] as const) {
        const dir = tempDir();
        cut = db + dat;
        const before = ranges;
        await expect(dataCommand.run(['download', dataset, '--dir', dir, '--base-url', base, '--quiet'])).rejects.toThrow(/interrupted after 1000 bytes.*run again to resume/);
        expect(existsSync(join(dir, `${dat}.part`)), dataset).toBe(true);
        expect(await dataCommand.run(['download', dataset, '--dir', dir, '--base-url', base, '--quiet'])).toBe(0);
        expect(JSON.parse(log.mock.calls.at(-1)![0] as string), dataset).toMatchObject({ files: 3, resumed: 1 });
        expect(ranges, dataset).toBe(before + 1);
        expect(readFileSync(join(dir, dat)), dataset).toEqual(readFileSync(local));
        expect(existsSync(join(dir, `${dat}.part`)), dataset).toBe(false);
        expect(existsSync(join(dir, 'records500')), dataset).toBe(false);
        expect(await dataCommand.run(['download', dataset, '--dir', dir, '--base-url', base, '--quiet'])).toBe(0);
        expect(JSON.parse(log.mock.calls.at(-1)![0] as string), dataset).toMatchObject({ files: 3, present: 3, downloaded: 0 });
      }
    } finally {
      log.mockRestore();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('fetchRetrying', () => {
  it('retries a request whose connection closes before any response, up to FETCH_ATTEMPTS, then rejects', async () => {
    const { createServer } = await import('node:http');
    const { fetchRetrying, FETCH_ATTEMPTS } = await import('../../src/data/download/fetch_file.ts');
    let drops = 0; // connections to close before answering
    let seen = 0;
    const server = createServer((req, res) => {
      seen++;
      if (drops > 0) { drops--; req.socket.destroy(); return; }
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/SHA256SUMS.txt`;
    try {
      drops = FETCH_ATTEMPTS - 1;
      expect(await (await fetchRetrying(url)).text()).toBe('ok');
      expect(seen).toBe(FETCH_ATTEMPTS);
      drops = FETCH_ATTEMPTS;
      seen = 0;
      await expect(fetchRetrying(url)).rejects.toThrow(/fetch failed/);
      expect(seen).toBe(FETCH_ATTEMPTS);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('the shared folders as they are (labels and rows, no signals)', () => {
  it.skipIf(!SHARED_ON)('loading a task there is a one-line error naming what is missing (opt-in)', async () => {
    const { loadTask } = await import('../../src/pipeline/data.ts');
    expect(() => loadTask('apnea', join(SHARED, 'apnea-ecg'))).toThrow(/no Apnea-ECG record with \.hea, \.dat and \.apn.*data download apnea-ecg/);
    expect(() => loadTask('ptbxl', join(SHARED, 'ptb-xl'))).toThrow(/ptbxl_database_ecgid1-547\.csv: lists records but .*00001_lr\.hea is missing/);
  });

  it.skipIf(!SHARED_ON)('the real Apnea-ECG headers have the layout the loader reads, and every labelled minute lies inside the signal (opt-in)', () => {
    const dir = join(SHARED, 'apnea-ecg');
    for (const r of ['a01', 'a02']) {
      const h = parseHeader(readFileSync(join(dir, `${r}.hea`), 'latin1'), r);
      expect([h.fs, h.nSignals, h.signals[0].format, h.signals[0].gain, h.signals[0].adcResolution], r).toEqual([100, 1, 16, 200, 12]);
      const l = minuteLabels(readAnnotationFile(join(dir, `${r}.apn`)), h.fs, r);
      expect(l.every((v) => v >= 0), r).toBe(true);
      expect(l.length * 6000, r).toBeLessThanOrEqual(h.nSamples!);
      expect(h.nSamples! - l.length * 6000, `${r}: unlabelled tail`).toBeLessThan(10 * 6000);
    }
  });

  it.skipIf(!SHARED_ON)('every database row names a 100 Hz record PhysioNet lists in RECORDS (opt-in)', () => {
    const d = join(SHARED, 'ptb-xl');
    const listed = new Set(readFileSync(join(d, 'RECORDS'), 'utf8').split(/\r?\n/).filter((l) => l.startsWith('records100/')));
    expect(listed.size).toBeGreaterThan(21_800); // ecg_id 1-21837 (the shared copy lacks the newline after the last 100 Hz line)
    for (const f of ['ptbxl_database_ecgid1-547.csv', 'ptbxl_database_filtered3028_arianasatryan.csv']) {
      const rows = parsePtbxlDatabase(readFileSync(join(d, f), 'utf8'), f);
      const missing = rows.filter((r) => !listed.has(r.filenameLr));
      expect(missing.map((r) => r.filenameLr), f).toEqual([]);
    }
  });
});
