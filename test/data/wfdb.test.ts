import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHeader } from '../../src/data/wfdb/header.ts';
import { decodeSignals, memoryByteSource, readRecord, toPhysical } from '../../src/data/wfdb/signal.ts';
import { parseAnnotations, readAnnotationFile, mnemonics } from '../../src/data/wfdb/annotation.ts';
import { encodeAnnotations, encodeSignals, formatHeader, signalChecksum } from '../../src/data/wfdb/writer.ts';
import { FormatError } from '../../src/util/errors.ts';
import { FIXTURES, SHARED, SHARED_ON, tempDir } from './helpers.ts';

const MIT = join(FIXTURES, 'mitdb');

describe('WFDB header', () => {
  it('parses the record line, signal lines and comments of a MIT-BIH header', () => {
    const h = parseHeader(readFileSync(join(MIT, '100.hea'), 'latin1'), '100.hea');
    expect(h).toMatchObject({ record: '100', nSignals: 2, fs: 360, nSamples: 3600 });
    expect(h.signals[0]).toMatchObject({ file: '100.dat', format: 212, gain: 200, baseline: 1024, adcResolution: 11, adcZero: 1024, description: 'MLII', units: 'mV' });
    expect(h.comments[0]).toBe('69 M 1085 1629 x1');
  });
  it('reads CRLF headers like LF ones', () => {
    const lf = readFileSync(join(MIT, '208.hea'), 'latin1');
    expect(parseHeader(lf.replace(/\n/g, '\r\n'), 'x')).toEqual(parseHeader(lf, 'x'));
  });
  it('parses gain(baseline)/units, byte offsets and defaults', () => {
    const h = parseHeader('r 2 100/1000(0) 10\nr.dat 16+4 1000.0(-3)/uV 16 0 5 7 0 lead I\nr.dat 16\n', 'r.hea');
    expect(h.signals[0]).toMatchObject({ byteOffset: 4, gain: 1000, baseline: -3, units: 'uV', initialValue: 5, checksum: 7, description: 'lead I' });
    expect(h.signals[1]).toMatchObject({ gain: 200, baseline: 0, units: 'mV' });
  });
  it('rejects multi-segment headers as not supported', () => {
    expect(() => parseHeader('multi/3 2 360 1000\n', 'm.hea')).toThrow(/multi-segment.*not supported/);
  });
});

describe('WFDB signals', () => {
  it('reads the fixture, verifying initial values and checksums, and converts to mV', () => {
    const r = readRecord(MIT, '100');
    expect(r.digital[0]!.length).toBe(3600);
    expect(r.digital[0]![0]).toBe(r.header.signals[0].initialValue);
    const mv = toPhysical(r.digital[0]!, r.header.signals[0]);
    expect(mv[0]).toBeCloseTo((r.digital[0]![0] - 1024) / 200, 6);
  });
  it('reads the same samples whatever the chunk size', () => {
    const a = readRecord(MIT, '208');
    const b = readRecord(MIT, '208', { chunkBytes: 6 });
    expect(b.digital).toEqual(a.digital);
  });
  it('names the record and signal on a checksum or initial value mismatch', () => {
    const dir = tempDir();
    copyFileSync(join(MIT, '100.dat'), join(dir, '100.dat'));
    const h = readFileSync(join(MIT, '100.hea'), 'latin1').split('\n');
    const bad = h[1].split(' ');
    bad[6] = String(Number(bad[6]) + 1);
    writeFileSync(join(dir, '100.hea'), [h[0], bad.join(' '), ...h.slice(2)].join('\n'));
    expect(() => readRecord(dir, '100')).toThrow(/record 100 signal 0 \(MLII\): checksum/);
    bad[6] = h[1].split(' ')[6];
    bad[5] = String(Number(bad[5]) + 1);
    writeFileSync(join(dir, '100.hea'), [h[0], bad.join(' '), ...h.slice(2)].join('\n'));
    expect(() => readRecord(dir, '100')).toThrow(/initial value/);
  });
  it('round-trips formats 16, 80 and 212 with any signal count (fast-check)', () => {
    fc.assert(fc.property(fc.constantFrom(16 as const, 80 as const, 212 as const), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 50 }), fc.integer(), (format, k, n, seed) => {
      const lim = { 16: 32768, 80: 128, 212: 2048 }[format];
      const sigs = Array.from({ length: k }, (_, s) => Int16Array.from({ length: n }, (_, i) => (((seed + 7919 * i + 104729 * s) % (2 * lim)) + 2 * lim) % (2 * lim) - lim));
      const bytes = encodeSignals(format, sigs);
      const header = parseHeader(formatHeader({ record: 'r', nSignals: k, fs: 100, nSamples: n, comments: [], signals: sigs.map((x, s) => ({ file: 'r.dat', format, samplesPerFrame: 1, skew: 0, byteOffset: 0, gain: 200, baseline: 0, units: 'mV', adcResolution: 12, adcZero: 0, initialValue: n ? x[0] : 0, checksum: signalChecksum(x), blockSize: 0, description: `s${s}` })) }), 'r.hea');
      const out = decodeSignals(header, () => memoryByteSource('r.dat', bytes), 'r.hea', { chunkBytes: 6 });
      expect(out).toEqual(sigs);
    }), { numRuns: 300 });
  });
  it('rejects a truncated file before allocating the declared length', () => {
    const h = parseHeader('r 1 360 1000000000000\nr.dat 16\n', 'r.hea');
    expect(() => decodeSignals(h, () => memoryByteSource('r.dat', new Uint8Array(10)), 'r.hea')).toThrow(FormatError);
  });
});

describe('WFDB annotations', () => {
  it('reads the fixture .atr (aux rhythm text, beat codes)', () => {
    const a = readAnnotationFile(join(MIT, '100.atr'));
    expect(mnemonics(a)[0]).toBe('+');
    expect(a.aux[0]).toBe('(N');
    expect(mnemonics(a).filter((m) => m === 'N').length).toBeGreaterThan(5);
  });
  it('round-trips SKIP, NUM, SUB, CHN and AUX fields (fast-check)', () => {
    const ann = fc.array(fc.record({ d: fc.integer({ min: 0, max: 100000 }), code: fc.integer({ min: 1, max: 49 }), sub: fc.integer({ min: -128, max: 127 }), chan: fc.integer({ min: 0, max: 255 }), num: fc.integer({ min: -128, max: 127 }), aux: fc.string({ maxLength: 10 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')) }), { maxLength: 30 });
    fc.assert(fc.property(ann, (list) => {
      let t = 0;
      const sample = Int32Array.from(list, (e) => (t += e.d));
      const a = { sample, code: Uint8Array.from(list, (e) => e.code), subtype: Int8Array.from(list, (e) => e.sub), chan: Uint8Array.from(list, (e) => e.chan), num: Int8Array.from(list, (e) => e.num), aux: list.map((e) => e.aux) };
      expect(parseAnnotations(encodeAnnotations(a), 'x')).toEqual(a);
    }), { numRuns: 300 });
  });
});

describe.skipIf(!SHARED_ON)('WFDB on the real data (opt-in)', () => {
  it('reads all 48 MIT-BIH records with checksums verified, and the Apnea-ECG annotations', () => {
    const recs = readFileSync(join(SHARED, 'mitdb', 'SHA256SUMS.txt'), 'utf8').match(/\d{3}(?=\.hea)/g)!;
    expect(recs.length).toBe(48);
    for (const r of recs) expect(readRecord(join(SHARED, 'mitdb'), r).digital[0]!.length).toBe(650000);
    expect(readAnnotationFile(join(SHARED, 'apnea-ecg', 'a02.qrs')).sample.length).toBe(35242);
    for (const h of ['a01', 'a02', 'a03']) expect(parseHeader(readFileSync(join(SHARED, 'apnea-ecg', `${h}.hea`), 'latin1'), h).signals[0].format).toBe(16);
  }, 60000);
});
