import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHeader } from '../../src/data/wfdb/header.ts';
import { decodeSignals, memoryByteSource } from '../../src/data/wfdb/signal.ts';
import { parseAnnotations } from '../../src/data/wfdb/annotation.ts';
import { parseCsv } from '../../src/data/ptbxl/csv.ts';
import { parseScpCodes } from '../../src/data/ptbxl/scp_codes.ts';
import { parsePtbxlDatabase } from '../../src/data/ptbxl/load.ts';
import { FormatError } from '../../src/util/errors.ts';
import { FIXTURES } from './helpers.ts';

/** Every parser either succeeds or throws a FormatError naming the source; anything else fails. */
function typed(source: string, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).source.startsWith(source)).toBe(true);
    expect((e as FormatError).fault.length).toBeGreaterThan(0);
  }
}

const RUNS = 2000;
const HEA = readFileSync(join(FIXTURES, 'mitdb', '208.hea'), 'latin1');
const DAT = new Uint8Array(readFileSync(join(FIXTURES, 'mitdb', '208.dat')));
const ATR = new Uint8Array(readFileSync(join(FIXTURES, 'mitdb', '208.atr')));
const CSV = readFileSync(join(FIXTURES, 'ptb-xl', 'ptbxl_database.csv'), 'utf8');

const mutateText = (text: string) => fc.tuple(fc.nat(text.length), fc.nat(text.length), fc.string({ maxLength: 12 })).map(([a, b, s]) => text.slice(0, Math.min(a, b)) + s + text.slice(Math.max(a, b)));
const mutateBytes = (bytes: Uint8Array) => fc.tuple(fc.nat(bytes.length), fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 })).map(([cut, edits]) => {
  const b = bytes.slice(0, cut);
  for (const [i, v] of edits) if (i < b.length) b[i] = v;
  return b;
});

describe('fuzz: every parser fails with a typed FormatError, in bounded time', () => {
  it('header: random text, mutations, truncations, huge numbers', () => {
    const huge = fc.constantFrom('1e400', '99999999999999999999', '-1', '4097', 'NaN', 'x');
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutateText(HEA), fc.nat(HEA.length).map((n) => HEA.slice(0, n)),
      fc.tuple(fc.integer({ min: 0, max: 8 }), huge).map(([f, v]) => HEA.split('\n').map((l, k) => (k === 1 ? l.split(' ').map((t, j) => (j === f ? v : t)).join(' ') : k === 0 ? l.split(' ').map((t, j) => (j === f % 4 ? v : t)).join(' ') : l)).join('\n'))),
    (text) => typed('h.hea', () => parseHeader(text, 'h.hea'))), { numRuns: RUNS });
  });
  it('signal: mutated headers over mutated / truncated sample bytes', () => {
    fc.assert(fc.property(mutateText(HEA), mutateBytes(DAT), (text, bytes) => typed('', () => {
      const h = parseHeader(text, 's.hea');
      decodeSignals(h, (f) => memoryByteSource(f, bytes), 's.hea');
    })), { numRuns: RUNS });
  });
  it('annotation: random bytes, truncations, mutations', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutateBytes(ATR)), (bytes) => typed('a.atr', () => parseAnnotations(bytes, 'a.atr'))), { numRuns: RUNS });
  });
  it('CSV and the PTB-XL database: random text, mutations, truncations', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutateText(CSV), fc.nat(CSV.length).map((n) => CSV.slice(0, n))), (text) => {
      typed('c.csv', () => parseCsv(text, 'c.csv'));
      typed('c.csv', () => parsePtbxlDatabase(text, 'c.csv'));
    }), { numRuns: RUNS });
  });
  it('scp_codes literal: random and mutated dicts', () => {
    const good = "{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}";
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 60 }), mutateText(good)), (text) => typed('p', () => parseScpCodes(text, 'p'))), { numRuns: RUNS * 2 });
    expect(parseScpCodes(good, 'p')).toEqual({ NORM: 100, LVOLT: 0, SR: 0 });
    expect(parseScpCodes('{"a\\"b": -1e2,}', 'p')).toEqual({ 'a"b': -100 });
  });
});
