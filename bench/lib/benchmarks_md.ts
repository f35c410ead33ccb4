import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRecord } from './harness.ts';

/**
 * Regenerates BENCHMARKS.md from bench/results/*.json (run by `npm run bench` after the suites,
 * or alone: node --import tsx bench/lib/benchmarks_md.ts). The figures are whatever the last run
 * of each suite measured; each section says when and how to reproduce it.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const resultsDir = join(root, 'bench', 'results');

interface SuiteDoc {
  suite: string;
  date: string;
  node: string;
  records: BenchRecord[];
  notes?: string[];
}

function fmt(v: number | null): string {
  if (v === null || v === undefined) return '-';
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toPrecision(3);
}

const suites: SuiteDoc[] = readdirSync(resultsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as SuiteDoc);

const lines: string[] = [
  '# Benchmarks',
  '',
  'Generated from `bench/results/*.json` by `bench/lib/benchmarks_md.ts`; do not edit by hand.',
  'Run all suites with `npm run bench`, one with `npm run bench -- <suite>`. The machine is shared',
  'and noisy (2 cores): every ratio compares against a baseline measured in the same run.',
  '`ratio` is always "times better than the baseline" (baseline / ours for times and sizes,',
  'ours / baseline for rates).',
  '',
];
for (const s of suites) {
  lines.push(`## ${s.suite}`, '', `Measured ${s.date.slice(0, 16).replace('T', ' ')} UTC on Node ${s.node}; reproduce with \`npm run bench -- ${s.suite}\`.`, '');
  lines.push('| case | ours | baseline | ratio | unit | note |', '|---|---:|---:|---:|---|---|');
  for (const r of s.records) lines.push(`| ${r.case} | ${fmt(r.ours)} | ${fmt(r.baseline)} | ${fmt(r.ratio)} | ${r.unit} | ${(r.note ?? '').replace(/\|/g, '/')} |`);
  for (const n of s.notes ?? []) lines.push('', n);
  lines.push('');
}
writeFileSync(join(root, 'BENCHMARKS.md'), lines.join('\n'));
console.log(`BENCHMARKS.md: ${suites.length} suites`);
