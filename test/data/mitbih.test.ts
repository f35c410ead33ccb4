import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AAMI_OF_MNEMONIC, DS1, DS2, PACED_RECORDS } from '../../src/data/mitbih/aami.ts';
import { recordBeats, resampleWindow } from '../../src/data/mitbih/beats.ts';
import { loadMitbih } from '../../src/data/mitbih/load.ts';
import { mitbihStats } from '../../src/data/mitbih/stats.ts';
import { chooseValidationRecords } from '../../src/data/mitbih/split.ts';
import { FIXTURES, SHARED, SHARED_ON, miniMitdb, tempDir } from './helpers.ts';

describe('MIT-BIH AAMI protocol', () => {
  it('maps the AAMI classes and keeps DS1, DS2 and the paced records disjoint', () => {
    expect(Object.keys(AAMI_OF_MNEMONIC).sort().join('')).toBe(['N', 'L', 'R', 'e', 'j', 'A', 'a', 'J', 'S', 'V', 'E', 'F', '/', 'f', 'Q'].sort().join(''));
    expect(DS1.length).toBe(22);
    expect(DS2.length).toBe(22);
    const all = new Set<string>([...DS1, ...DS2, ...PACED_RECORDS]);
    expect(all.size).toBe(48);
  });
  it('draws validation records by patient, seeded, covering every class when possible', () => {
    const per = new Map<string, number[]>(DS1.map((r, i) => [r, [100, i % 5 === 0 ? 3 : 0, i % 3 === 0 ? 5 : 0, i === 4 || i === 9 ? 2 : 0, i === 7 || i === 13 ? 1 : 0]]));
    const v = chooseValidationRecords(per, { count: 4, seed: 3 });
    expect(v).toEqual(chooseValidationRecords(per, { count: 4, seed: 3 }));
    // N, S, V, F (Q is dropped by the default tasks and not scored) present on both sides
    const tot = (recs: readonly string[]) => recs.reduce((a, r) => a.map((x, i) => x + per.get(r)![i]), [0, 0, 0, 0]);
    expect(tot(v).every((x) => x > 0)).toBe(true);
    expect(tot(DS1.filter((r) => !v.includes(r))).every((x) => x > 0)).toBe(true);
    expect(chooseValidationRecords(per)).toHaveLength(6);
    expect(chooseValidationRecords(per, { records: ['101'] })).toEqual(['101']);
  });
});

describe('beat segmentation', () => {
  it('cuts one window per AAMI beat, z-scored, with RR features', () => {
    const b = recordBeats(join(FIXTURES, 'mitdb'), '208');
    const n = b.aami.length;
    expect(b.x.length).toBe(n * 128);
    expect(new Set(b.aami).size).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < n; i++) {
      const s = b.x.subarray(i * 128, (i + 1) * 128);
      const m = s.reduce((a, v) => a + v, 0) / 128;
      expect(Math.abs(m)).toBeLessThan(1e-4);
      expect(b.rr[i * 4]).toBeGreaterThan(0.1);
    }
  });
  it('box-resampling preserves the mean of a window; linear upsampling hits the end points', () => {
    fc.assert(fc.property(fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 8, maxLength: 64 }), fc.integer({ min: 1, max: 8 }), (v, l) => {
      const src = Float32Array.from(v);
      const out = new Float32Array(l);
      resampleWindow(src, 0, src.length, out, 0, 1, l);
      const mean = (a: Float32Array) => a.reduce((x, y) => x + y, 0) / a.length;
      expect(mean(out)).toBeCloseTo(mean(src), 3);
      const up = new Float32Array(src.length * 2);
      resampleWindow(src, 0, src.length, up, 0, 1, up.length);
      expect(up[0]).toBe(src[0]);
      expect(up[up.length - 1]).toBeCloseTo(src[src.length - 1], 4);
    }), { numRuns: 200 });
  });
});

describe('loadMitbih pipeline and cache (44 fixture copies)', () => {
  it('builds splits by record, all three tasks, and reloads identically from the cache', () => {
    const dir = miniMitdb();
    const cacheDir = tempDir();
    const a5 = loadMitbih({ dir, task: 'aami5', cacheDir });
    expect(a5.meta.cache).toBe('miss');
    expect(a5.classes).toEqual(['N', 'S', 'V', 'F', 'Q']);
    const a = loadMitbih({ dir, task: 'aami', cacheDir });
    expect(a.meta.cache).toBe('hit');
    expect(a.classes).toEqual(['N', 'S', 'V', 'F']);
    // AAMI-4 = the five-class beats minus the Q ones, in the same order
    const keep = Array.from(a5.y.keys()).filter((i) => a5.y[i] !== 4);
    expect(a.shape[0]).toBe(keep.length);
    expect(a.meta.droppedQ).toBe(a5.shape[0] - keep.length);
    expect(Array.from(a.y)).toEqual(keep.map((i) => a5.y[i]));
    expect(Array.from(a.group)).toEqual(keep.map((i) => a5.group[i]));
    expect(a.x.subarray(0, 128)).toEqual(a5.x.subarray(keep[0] * 128, keep[0] * 128 + 128));
    expect(a.x.subarray(-128)).toEqual(a5.x.subarray(keep.at(-1)! * 128, keep.at(-1)! * 128 + 128));
    expect(a.shape[1]).toBe(128);
    expect(a.shape[2]).toBe(1);
    expect(a.features!.length).toBe(a.shape[0] * 4);
    const valRecords = a.meta.valRecords as string[];
    for (let i = 0; i < a.y.length; i++) {
      const r = a.groupNames[a.group[i]];
      expect(a.split[i]).toBe((DS2 as readonly string[]).includes(r) ? 2 : valRecords.includes(r) ? 1 : 0);
    }
    const b = loadMitbih({ dir, task: 'binary', cacheDir });
    expect(b.meta.cache).toBe('hit');
    expect(b.x).toEqual(a.x);
    expect(Array.from(b.y)).toEqual(Array.from(a.y, (c) => (c === 0 ? 0 : 1)));
    expect(b.name).toBe('mitbih-binary');
    // a corrupt cache is rebuilt, a different window gets its own cache file
    const f = readdirSync(cacheDir)[0];
    writeFileSync(join(cacheDir, f), 'garbage');
    expect(loadMitbih({ dir, task: 'aami', cacheDir }).meta.cache).toBe('miss');
    expect(loadMitbih({ dir, task: 'aami', cacheDir, length: 64 }).shape[1]).toBe(64);
    expect(readdirSync(cacheDir).length).toBe(2);
  });
});

describe.skipIf(!SHARED_ON)('MIT-BIH real data (opt-in)', () => {
  const dir = join(SHARED, 'mitdb');
  it('matches the de Chazal 2004 class counts of DS1 and DS2', () => {
    const s = mitbihStats(dir);
    expect(s.DS1).toEqual({ N: 45866, S: 944, V: 3788, F: 415, Q: 8, total: 51021 });
    expect(s.DS2).toEqual({ N: 44259, S: 1837, V: 3221, F: 388, Q: 7, total: 49712 });
    expect(s.val.total + s.train.total).toBe(51021);
  });
  it('loads every beat of the 44 records; AAMI-4 drops the 15 Q beats', () => {
    const cacheDir = tempDir();
    expect(loadMitbih({ dir, task: 'aami5', cacheDir }).shape).toEqual([100733, 128, 1]);
    expect(loadMitbih({ dir, task: 'aami', cacheDir }).shape).toEqual([100718, 128, 1]);
  }, 60000);
});
