/**
 * Writes the bundled demo data in data/demo/mitdb/ from the real MIT-BIH Arrhythmia Database
 * (read-only, ../shared/data/mitdb or the directory given as the first argument):
 * for each of the 44 non-paced records, the 20 s span richest in non-N AAMI beats (weights
 * S, F, Q = 4, V = 1), lead MLII only, re-encoded in format 212 with its .atr annotations.
 * `npm start` trains on DS1's spans and tests on DS2's, so the whole pipeline runs in minutes on
 * a fresh clone. Run: node --import tsx scripts/make_demo_data.ts [mitdb-dir]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAnnotationFile } from '../src/data/wfdb/annotation.ts';
import { mnemonicOf } from '../src/data/wfdb/codes.ts';
import { excerptRecord } from '../src/data/wfdb/excerpt.ts';
import { AAMI_OF_MNEMONIC, DS1, DS2 } from '../src/data/mitbih/aami.ts';

const SPAN_SECONDS = 20;
const FS = 360;
const RECORD_SAMPLES = 650000;
/** weight of a beat of each AAMI class index (N, S, V, F, Q) when choosing the span */
const CLASS_WEIGHT = [0, 4, 1, 4, 4];

const here = dirname(fileURLToPath(import.meta.url));
const src = process.argv[2] ?? join(here, '..', '..', 'shared', 'data', 'mitdb');
const out = join(here, '..', 'data', 'demo', 'mitdb');

function richestSpan(record: string, n: number): number {
  const a = readAnnotationFile(join(src, `${record}.atr`));
  const margin = FS; // keep a second at each edge so beat windows stay inside the span
  let best = 0;
  let bestScore = -1;
  for (let start = 0; start + n <= RECORD_SAMPLES; start += FS) {
    let score = 0;
    for (let i = 0; i < a.sample.length; i++) {
      if (a.sample[i] < start + margin || a.sample[i] >= start + n - margin) continue;
      const k = AAMI_OF_MNEMONIC[mnemonicOf(a.code[i])];
      if (k !== undefined) score += CLASS_WEIGHT[k];
    }
    if (score > bestScore) {
      bestScore = score;
      best = start;
    }
  }
  return best;
}

mkdirSync(out, { recursive: true });
const n = SPAN_SECONDS * FS;
for (const record of [...DS1, ...DS2]) {
  const start = richestSpan(record, n);
  const ex = excerptRecord(src, record, start, n, { signals: ['MLII'], format: 212, comment: `hypertinypw demo data: MLII samples ${start}..${start + n} of MIT-BIH record ${record}` });
  writeFileSync(join(out, `${record}.hea`), ex.hea);
  writeFileSync(join(out, `${record}.dat`), ex.dat);
  writeFileSync(join(out, `${record}.atr`), ex.ann!);
  console.log(`${record}: samples ${start}..${start + n}`);
}
console.log(`wrote ${out}`);
