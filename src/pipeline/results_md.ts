/**
 * RESULTS.md: the sweep report (src/report writeReport: Pareto plots, tables, flash breakdown,
 * generator vs low-rank, dominating baselines, confusion matrices, curves) preceded by a headline
 * computed from the data for every task: each HyperTinyPW point's flash as a fraction of the large
 * float CNN's, its macro-F1 as a share of the float CNN's with a paired-bootstrap 95% CI (from the
 * saved per-example predictions), and paired differences against the plain baselines (every PW
 * stored INT8, the best stored low-rank model with no more flash, PW at 4 bits). Nothing in it is
 * written by hand; where a baseline wins, the headline says so.
 */

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { readResults, type ResultRecord } from '../eval/results.ts';
import { writeReport } from '../report/report.ts';
import { writeFileAtomic } from '../util/atomic_write.ts';
import { compareModels, findPredictions } from './evaluate.ts';
import { familiesOf, taskVerdicts } from './verdicts.ts';
import { verdictsMd } from './verdicts_md.ts';

export interface ResultsMdOptions {
  /** results.jsonl files (their preds/ beside them) */
  results: string[];
  /** output markdown file (e.g. RESULTS.md) */
  out: string;
  /** directory of the SVG figures (default: <dir of out>/results) */
  figures?: string;
  title?: string;
  /** paragraphs placed after the title (how the numbers were produced, caveats) */
  notes?: string[];
  resamples?: number;
  /** ids the configs expect (sweepJobs); those without a result are listed as not run yet */
  expected?: string[];
}

/** Models whose tuned multiclass offsets sit at the grid's bound (the search was cut short there). */
function offsetsAtBoundMd(rs: ResultRecord[]): string[] {
  const hits = rs.flatMap((r) => {
    const th = (r.config.evaluation as { thresholds?: { kind?: string; offsets?: number[]; atBound?: number[] } } | undefined)?.thresholds;
    if (th?.kind !== 'multiclass' || !th.atBound?.length) return [];
    return [`${r.id} (${th.atBound.map((c) => `${r.classes?.[c] ?? c} ${th.offsets![c]}`).join(', ')})`];
  });
  return hits.length ? [`- Offsets at the grid bound: ${hits.join('; ')}.`] : ['- No tuned offset sits at the grid bound.'];
}

const f3 = (v: number) => v.toFixed(3);
const kB = (b: number) => (b / 1000).toFixed(b < 10_000 ? 2 : 1);

function headline(task: string, rs: ResultRecord[], dirOf: Map<string, string>, resamples: number): string[] {
  const md: string[] = [];
  const floats = rs.filter((r) => r.variant === 'float-large');
  const gens = rs.filter((r) => r.variant === 'hypertinypw').sort((a, b) => a.flash.total - b.flash.total);
  if (gens.length === 0) return [`- ${task}: no HyperTinyPW result yet.`];
  // each compression is set against the float backbone of its own seed (the one it started from)
  const refOf = (g: ResultRecord) => floats.find((f) => f.seed === g.seed) ?? floats[0];
  const cmp = (a: ResultRecord, b: ResultRecord) => {
    const da = dirOf.get(a.id)!, db = dirOf.get(b.id)!;
    if (da !== db || !findPredictions(da, a.id) || !findPredictions(db, b.id)) return null;
    return compareModels(da, a.id, b.id, { resamples, seed: 0 });
  };
  const diff = (a: ResultRecord, b: ResultRecord | undefined, name: string) => {
    if (!b) return `no ${name} result of seed ${a.seed}`;
    const c = cmp(a, b);
    const d = c ? c.macroF1.diff : null;
    const verdict = d ? (d.lo > 0 ? 'better' : d.hi < 0 ? 'worse' : 'not distinguishable') : '';
    return `${d ? `${d.value >= 0 ? '+' : ''}${f3(d.value)} [${f3(d.lo)}, ${f3(d.hi)}] (${verdict})` : `${f3(a.metrics.macroF1.value - b.metrics.macroF1.value)}`} vs ${name} (${kB(b.flash.total)} kB)`;
  };
  // baselines of the same seed only (the pairing the verdicts use): the best of a family by macro-F1
  const bestOf = (variant: string, seed: number) =>
    rs.filter((r) => r.variant === variant && r.seed === seed).sort((a, b) => b.metrics.macroF1.value - a.metrics.macroF1.value)[0];
  for (const g of gens) {
    const label = `${typeof g.config.label === 'string' ? g.config.label : g.id} (seed ${g.seed})`;
    const int8 = bestOf('pw-int8', g.seed);
    const bit4 = bestOf('pw-4bit', g.seed);
    const acc = g.metrics.accuracy;
    const parts: string[] = [`HyperTinyPW ${label}: ${kB(g.flash.total)} kB flash, RAM ${kB(g.ram.total)} kB, macro-F1 ${f3(g.metrics.macroF1.value)} [${f3(g.metrics.macroF1.lo)}, ${f3(g.metrics.macroF1.hi)}]${acc ? `, accuracy ${f3(acc.value)} [${f3(acc.lo)}, ${f3(acc.hi)}]` : ''}`];
    const ref = refOf(g);
    if (ref) {
      const c = cmp(g, ref);
      const share = c ? `${(100 * c.macroF1Ratio.value).toFixed(1)}% [${(100 * c.macroF1Ratio.lo).toFixed(1)}, ${(100 * c.macroF1Ratio.hi).toFixed(1)}]` : `${((100 * g.metrics.macroF1.value) / ref.metrics.macroF1.value).toFixed(1)}%`;
      parts.push(`${(ref.flash.total / g.flash.total).toFixed(1)}x fewer flash bytes than the large float CNN (${kB(ref.flash.total)} kB) at ${share} of its macro-F1 (${f3(ref.metrics.macroF1.value)})`);
    } else parts.push('no float-large result yet (no ratios)');
    const lowsOfSeed = rs.filter((r) => r.variant === 'pw-lowrank' && r.seed === g.seed);
    const lows = lowsOfSeed.filter((r) => r.flash.total <= g.flash.total).sort((a, b) => b.metrics.macroF1.value - a.metrics.macroF1.value);
    const anyLow = [...lowsOfSeed].sort((a, b) => a.flash.total - b.flash.total);
    parts.push(diff(g, int8, 'PW stored INT8'));
    parts.push(lows.length ? diff(g, lows[0], `the best low-rank with no more flash (${lows[0].config.label ?? lows[0].id})`) : anyLow.length ? `${diff(g, anyLow[0], `the smallest low-rank (${anyLow[0].config.label ?? anyLow[0].id})`)}, which needs more flash` : `no low-rank result of seed ${g.seed}`);
    parts.push(diff(g, bit4, 'PW at 4 bits'));
    md.push(`- ${parts.join('; ')}.`);
  }
  md.push('', '  One line per seed. Differences are macro-F1(HyperTinyPW) minus a baseline of the same seed (compressed from the same float backbone), with a paired bootstrap 95% CI over the same test resamples; "better" / "worse" only when the interval excludes 0.');
  return md;
}

/** Write RESULTS.md (and its figures) from one or more results files. */
export function writeResultsMd(o: ResultsMdOptions): { path: string; figures: string; records: number } {
  const records: ResultRecord[] = [];
  const warnings: string[] = [];
  const dirOf = new Map<string, string>();
  for (const f of o.results) {
    if (!existsSync(f)) {
      warnings.push(`${f} does not exist (yet)`);
      continue;
    }
    const r = readResults(f);
    warnings.push(...r.warnings);
    for (const rec of r.records) {
      if (dirOf.has(rec.id)) {
        warnings.push(`${f}: id ${rec.id} also in an earlier file; kept the first`);
        continue;
      }
      dirOf.set(rec.id, dirname(f));
      records.push(rec);
    }
  }
  const figures = o.figures ?? join(dirname(o.out), 'results');
  mkdirSync(figures, { recursive: true });
  const rep = writeReport(records, figures, { title: 'report', source: o.results.join(', '), warnings });
  const body = readFileSync(rep.reportPath, 'utf8').split('\n');
  // drop the report's own title; re-point its figure links at the figures directory
  const rel = relative(dirname(o.out), figures) || '.';
  const linked = body.slice(1).map((l) => l.replace(/\]\(([^)]+\.svg)\)/g, (_m, f: string) => `](${rel}/${f})`).replace(/^## /, '### '));
  const tasks = [...new Set(records.map((r) => r.task))].sort();
  const md: string[] = [`# ${o.title ?? 'Results'}`, '', ...(o.notes ?? []).flatMap((n) => [n, '']), '## Headline (computed from the results)', ''];
  for (const t of tasks) {
    const rs = records.filter((r) => r.task === t);
    md.push(`**${t}**`, '');
    const nTest = Math.min(...rs.map((r) => Number((r.config.evaluation as { nTest?: number } | undefined)?.nTest ?? Infinity)));
    if (nTest < 1000) md.push(`_Only ${nTest} test examples for ${t}: the intervals are wide and the numbers say little about the method._`, '');
    if (rs.some((r) => r.config.demo === true)) md.push(`_Some ${t} results come from the bundled demo excerpt, not the full dataset._`, '');
    md.push(...headline(t, rs, dirOf, o.resamples ?? 1000), '');
    const k = rs[0].classes?.length ?? 0;
    if (k >= 2) {
      md.push(`Verdicts (${t}, computed by src/pipeline/verdicts.ts):`, '');
      md.push(...verdictsMd(taskVerdicts(t, familiesOf(rs, (id) => dirOf.get(id)), k, { resamples: o.resamples ?? 1000 })), '');
      md.push(...offsetsAtBoundMd(rs), '');
    }
  }
  const notRun = (o.expected ?? []).filter((id) => !dirOf.has(id));
  if (notRun.length) md.push('## Not run yet', '', `${notRun.length} of ${o.expected!.length} models of the configs have no result yet: ${notRun.map((id) => `\`${id}\``).join(', ')}.`, '');
  md.push('## Full report', '', ...linked);
  writeFileAtomic(o.out, md.join('\n'));
  return { path: o.out, figures, records: records.length };
}
