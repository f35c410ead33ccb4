import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMitbih, MITBIH_RECORDS } from '../src/data/mitbih/load.ts';
import { mitbihStats } from '../src/data/mitbih/stats.ts';
import { readRecord } from '../src/data/wfdb/signal.ts';
import { record, writeResults, type BenchRecord } from './lib/harness.ts';

/**
 * Data pipeline on the real MIT-BIH records in ../shared/data/mitdb: read + preprocess all 44
 * non-paced records (cold, no cache), the cached reload, the 44-record WFDB read alone against a
 * naive whole-file reader (readFileSync + per-sample decode into number[]), and peak RSS.
 * Targets: cold < 10 s, peak < 1 GB, cached reload < 1 s.
 */
const dir = join(import.meta.dirname, '..', '..', 'shared', 'data', 'mitdb');

function naiveRead(rec: string): number[][] {
  const b = readFileSync(join(dir, `${rec}.dat`));
  const out: number[][] = [[], []];
  for (let i = 0; i + 2 < b.length; i += 3) {
    out[0].push(((b[i + 1] & 0x0f) << 8 | b[i]) << 20 >> 20);
    out[1].push(((b[i + 1] & 0xf0) << 4 | b[i + 2]) << 20 >> 20);
  }
  return out;
}

const time = (f: () => void) => { const t = performance.now(); f(); return performance.now() - t; };
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const cacheDir = mkdtempSync(join(tmpdir(), 'htpw-bench-'));
const records: BenchRecord[] = [];
try {
  const cold = time(() => loadMitbih({ dir, task: 'aami', cacheDir }));
  peak = Math.max(peak, process.memoryUsage().rss);
  const warm = Math.min(...[0, 1, 2].map(() => time(() => loadMitbih({ dir, task: 'aami', cacheDir }))));
  const ours = Math.min(...[0, 1].map(() => time(() => { for (const r of MITBIH_RECORDS) readRecord(dir, r); })));
  const naive = Math.min(...[0, 1].map(() => time(() => { for (const r of MITBIH_RECORDS) naiveRead(r); })));
  const stats = time(() => mitbihStats(dir));
  clearInterval(sampler);
  records.push(
    record('mitbih: read + preprocess 44 records (cold, writes cache)', cold, null, 'ms', 'target < 10000 ms'),
    record('mitbih: cached reload', warm, cold, 'ms', 'baseline = the cold load; target < 1000 ms'),
    record('wfdb: read 44 records (format 212, checksums verified)', ours, naive, 'ms', 'baseline = naive readFileSync + number[] decoder, no verification'),
    record('mitbih: stats from .atr (44 records)', stats, null, 'ms'),
    record('mitbih: peak RSS during the benchmark', peak / 2 ** 20, null, 'MiB', 'target < 1024 MiB'),
  );
} finally {
  clearInterval(sampler);
  rmSync(cacheDir, { recursive: true, force: true });
}
writeResults('data', records);
