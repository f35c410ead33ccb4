import { measure } from 'mitata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The benchmark record every suite writes to bench/results/<suite>.json.
 * `ours` and `baseline` are in `unit`; `ratio` is always "times better than the baseline":
 * baseline / ours for a time or size unit (lower is better), ours / baseline for a rate unit
 * (higher is better, unit ending in "/s"). A record without a baseline has baseline and ratio null.
 */
export interface BenchRecord {
  case: string;
  ours: number;
  baseline: number | null;
  ratio: number | null;
  unit: string;
  /** what the baseline is, or anything a reader needs to interpret the figure */
  note?: string;
}

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export function higherIsBetter(unit: string): boolean {
  return unit.endsWith('/s') || unit === 'x';
}

/** Build a record, computing the ratio from the unit's direction. */
export function record(name: string, ours: number, baseline: number | null, unit: string, note?: string): BenchRecord {
  let ratio: number | null = null;
  if (baseline !== null && ours > 0 && baseline > 0) ratio = higherIsBetter(unit) ? ours / baseline : baseline / ours;
  return { case: name, ours, baseline, ratio, unit, ...(note ? { note } : {}) };
}

/** Mean time of one call of `fn` in milliseconds, measured by mitata (warm-up, outlier-robust sampling). */
export async function timeMs(fn: () => unknown, opts: { minSamples?: number; maxMs?: number } = {}): Promise<number> {
  const stats = await measure(fn, { min_samples: opts.minSamples ?? 5, max_samples: 1e6, min_cpu_time: (opts.maxMs ?? 1000) * 1e6 } as never);
  return (stats as { avg: number }).avg / 1e6;
}

/** Write bench/results/<suite>.json and echo a table to stdout. */
export function writeResults(suite: string, records: BenchRecord[]): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${suite}.json`);
  const doc = { suite, date: new Date().toISOString(), node: process.version, records };
  writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  console.log(`\n${suite}: wrote ${file}`);
  for (const r of records) {
    const fmt = (v: number | null) => (v === null ? '-' : v >= 100 ? v.toFixed(1) : v.toPrecision(4));
    console.log(`  ${r.case.padEnd(48)} ours ${fmt(r.ours).padStart(10)} ${r.unit.padEnd(10)} baseline ${fmt(r.baseline).padStart(10)}  ratio ${fmt(r.ratio)}`);
  }
}

/**
 * Median ms of one call of each function, measured INTERLEAVED: every round calls each function
 * once, in order, until `minRounds` rounds and `minMs` of wall clock have passed (after one
 * warm-up round). On a shared, loaded machine the engines then see the same load over time, so
 * their ratio is fair even when the absolute figures are not. Async functions are awaited.
 */
export async function interleavedMs<K extends string>(
  fns: Record<K, () => unknown>, opts: { minMs?: number; minRounds?: number } = {},
): Promise<Record<K, number>> {
  const names = Object.keys(fns) as K[];
  const times = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (const k of names) await fns[k]();
  const start = performance.now();
  for (let round = 0; round < (opts.minRounds ?? 9) || performance.now() - start < (opts.minMs ?? 3000); round++) {
    for (const k of names) {
      const t = performance.now();
      await fns[k]();
      times[k].push(performance.now() - t);
    }
  }
  return Object.fromEntries(names.map((k) => [k, times[k].sort((p, q) => p - q)[times[k].length >> 1]])) as Record<K, number>;
}
