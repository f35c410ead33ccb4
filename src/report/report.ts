/**
 * The sweep report: report.md with, per task, a Pareto plot, a table of every model (flash, RAM,
 * metrics with CIs, bytes and macro-F1 relative to the large float CNN), the flash breakdown, a
 * sentence computed from the data on where HyperTinyPW beats the stored low-rank baseline and
 * where it does not (and any baseline that dominates it), confusion matrices and training curves.
 * Every figure is an SVG next to report.md, linked from it.
 *
 * Reference for the ratios: the mean flash and mean macro-F1 of the task's 'float-large' records.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic_write.ts';
import { ArgumentError } from '../util/errors.ts';
import { KNOWN_VARIANTS, type ResultRecord } from '../eval/results.ts';
import { confusionSvg } from './confusion.ts';
import { curvesSvg } from './curves.ts';
import { paretoSvg } from './pareto.ts';
import { formatBytes, variantStyle } from './svg.ts';

export interface ReportOptions {
  /** heading of report.md (default 'HyperTinyPW sweep report') */
  title?: string;
  /** name of the results file, printed in the header */
  source?: string;
  /** warnings from reading the results, printed in the header */
  warnings?: string[];
  /** variants whose best model (highest macro-F1) gets a confusion matrix; default float-large, pw-lowrank, hypertinypw */
  confusionVariants?: string[];
}

export interface ReportOutput {
  reportPath: string;
  /** every file written (report.md first), absolute or relative as outDir is */
  files: string[];
}

const GEN = 'hypertinypw';
const LOWRANK = 'pw-lowrank';
const FLOAT = 'float-large';

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'task';
}

function kB(b: number): string {
  return (b / 1000).toFixed(b < 10_000 ? 2 : 1);
}

function f3(v: number): string {
  return v.toFixed(3);
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : '\u2212'}${Math.abs(v).toFixed(3)}`;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * Apnea-ECG: the per-record diagnosis each model's minute decisions give (config.diagnosis, a
 * DiagnosisSummary of src/data/apnea/diagnosis.ts; NaN was written to JSON as null). Empty for
 * other tasks.
 */
function diagnosisTable(rs: ResultRecord[]): string[] {
  type Dx = { threshold: number; records: unknown[]; correct: number; sensitivity: number | null; specificity: number | null; correlation: number | null };
  const withDx = rs.filter((r) => r.config.diagnosis);
  if (withDx.length === 0) return [];
  const f = (v: number | null) => (v === null || Number.isNaN(v) ? 'n/a' : f3(v));
  const t = (withDx[0].config.diagnosis as Dx).threshold;
  const md = [`Per-record diagnosis of the test records (OSA when apnea minutes per hour >= ${t}, from each model's minute decisions vs the released labels):`, ''];
  md.push('| variant | config | seed | records correct | sensitivity | specificity | index r |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of withDx) {
    const d = r.config.diagnosis as Dx;
    md.push(`| ${mdCell(r.variant)} | ${mdCell(configLabel(r))} | ${r.seed} | ${d.correct}/${d.records.length} | ${f(d.sensitivity)} | ${f(d.specificity)} | ${f(d.correlation)} |`);
  }
  md.push('');
  return md;
}

export function configLabel(r: ResultRecord): string {
  if (typeof r.config.label === 'string') return r.config.label;
  const s = Object.entries(r.config)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  return s.length > 48 ? `${s.slice(0, 45)}...` : s;
}

/** "<variant> <config>" for legends and titles, without a config label that only repeats the
 * variant's words ("PW stored INT8", not "PW stored INT8 PW INT8"; "float CNN (large)", not
 * "float CNN (large) float32": a word with a bit width appended repeats the word). */
export function modelLabel(variantLabel: string, config: string): string {
  const words = new Set(variantLabel.toLowerCase().split(/[\s()]+/).filter(Boolean));
  const redundant = config.toLowerCase().split(/\s+/).filter(Boolean).every((w) => words.has(w) || words.has(w.replace(/\d+$/, '')));
  return redundant ? variantLabel : `${variantLabel} ${config}`;
}

/** Below this many test examples a plot says so on its face. */
export const FEW_TEST_EXAMPLES = 100;

/** The caveat for plots of models evaluated on fewer than FEW_TEST_EXAMPLES test examples, or ''. */
export function fewTestExamplesNote(rs: ResultRecord[]): string {
  return fewExamplesNote(rs, 'nTest', 'test');
}

/** The same for training curves, whose validation macro-F1 rests on the validation split. */
export function fewValExamplesNote(rs: ResultRecord[]): string {
  return fewExamplesNote(rs, 'nVal', 'validation');
}

function fewExamplesNote(rs: ResultRecord[], key: 'nTest' | 'nVal', split: string): string {
  const ns = rs.map((r) => (r.config.evaluation as Record<string, unknown> | undefined)?.[key]).filter((n): n is number => typeof n === 'number');
  if (ns.length === 0) return '';
  const n = Math.min(...ns);
  if (n >= FEW_TEST_EXAMPLES) return '';
  return split === 'test'
    ? `only ${n} test examples (< ${FEW_TEST_EXAMPLES}): intervals are wide, differences say little`
    : `validation macro-F1 on only ${n} examples (< ${FEW_TEST_EXAMPLES}): the curves are noisy`;
}

function variantRank(v: string): number {
  const i = (KNOWN_VARIANTS as readonly string[]).indexOf(v);
  return i >= 0 ? i : KNOWN_VARIANTS.length;
}

function sortRecords(rs: ResultRecord[]): ResultRecord[] {
  return [...rs].sort((a, b) => variantRank(a.variant) - variantRank(b.variant) || a.variant.localeCompare(b.variant) || a.flash.total - b.flash.total || a.seed - b.seed || a.id.localeCompare(b.id));
}

const mF1 = (r: ResultRecord) => r.metrics.macroF1.value;

/**
 * One honest sentence, computed from the data: for every HyperTinyPW model, compare it with the
 * best stored low-rank model that uses no more flash. "Clearly" means the 95% CIs do not overlap.
 */
export function generatorVsLowRank(records: ResultRecord[]): string {
  const gens = records.filter((r) => r.variant === GEN).sort((a, b) => a.flash.total - b.flash.total);
  const lows = records.filter((r) => r.variant === LOWRANK).sort((a, b) => a.flash.total - b.flash.total);
  if (gens.length === 0 || lows.length === 0) return `Generator vs stored low-rank: not comparable here (${gens.length} HyperTinyPW and ${lows.length} low-rank results).`;
  const wins: string[] = [], losses: string[] = [], below: string[] = [];
  const ciNote = (g: ResultRecord, l: ResultRecord, d: number) => {
    const disjoint = d > 0 ? g.metrics.macroF1.lo > l.metrics.macroF1.hi : g.metrics.macroF1.hi < l.metrics.macroF1.lo;
    return disjoint ? 'CIs disjoint' : 'CIs overlap';
  };
  for (const g of gens) {
    const budget = lows.filter((l) => l.flash.total <= g.flash.total);
    if (budget.length === 0) {
      // smaller than every low-rank model: compare with the smallest one
      const s = lows[0];
      const d = mF1(g) - mF1(s);
      const txt = `${kB(g.flash.total)} kB: ${signed(d)} vs low-rank ${configLabel(s)} at ${kB(s.flash.total)} kB, with fewer bytes (${ciNote(g, s, d)})`;
      (d >= 0 ? wins : below).push(txt);
      continue;
    }
    const best = budget.reduce((a, b) => (mF1(b) > mF1(a) ? b : a));
    const d = mF1(g) - mF1(best);
    const txt = `${kB(g.flash.total)} kB: ${signed(d)} vs low-rank ${configLabel(best)} at ${kB(best.flash.total)} kB (${ciNote(g, best, d)})`;
    (d > 0 ? wins : losses).push(txt);
  }
  const parts: string[] = [];
  const n = gens.length;
  parts.push(
    wins.length > 0
      ? `HyperTinyPW is more accurate than the best stored low-rank model with no more flash (or the smallest one, when HyperTinyPW is smaller still) at ${wins.length} of ${n} sizes (${wins.join('; ')})`
      : `HyperTinyPW is more accurate than the stored low-rank baseline at none of its ${n} sizes`,
  );
  if (losses.length > 0) parts.push(`it is not at ${losses.length} (${losses.join('; ')})`);
  if (below.length > 0) parts.push(`below the smallest low-rank model it only trades macro-F1 for bytes (${below.join('; ')})`);
  return `Generator vs stored low-rank (macro-F1, from the data): ${parts.join('; ')}.`;
}

/** Every baseline model with no more flash and at least the macro-F1 of a HyperTinyPW model. */
export function dominatingBaselines(records: ResultRecord[]): string {
  const gens = records.filter((r) => r.variant === GEN);
  if (gens.length === 0) return '';
  const hits: string[] = [];
  for (const g of gens) {
    const dom = records.filter((b) => b.variant !== GEN && b.flash.total <= g.flash.total && mF1(b) >= mF1(g));
    for (const b of dom) hits.push(`${b.variant} ${configLabel(b)} (${kB(b.flash.total)} kB, ${f3(mF1(b))}) over HyperTinyPW ${configLabel(g)} (${kB(g.flash.total)} kB, ${f3(mF1(g))})`);
  }
  return hits.length === 0
    ? 'No baseline dominates any HyperTinyPW model (none has both no more flash and at least its macro-F1).'
    : `Baselines that dominate a HyperTinyPW model (no more flash, at least its macro-F1): ${hits.join('; ')}.`;
}

const METRIC_ORDER = ['macroF1Record', 'macroF1Argmax', 'macroF1ArgmaxRecord', 'accuracy', 'accuracyArgmax', 'balancedAccuracy', 'balancedAccuracyArgmax', 'macroAuc'];
const METRIC_NAMES: Record<string, string> = {
  macroF1: 'macro-F1', macroF1Record: 'macro-F1, patient CI', macroF1Argmax: 'macro-F1 argmax', macroF1ArgmaxRecord: 'macro-F1 argmax, patient CI',
  accuracy: 'accuracy', accuracyArgmax: 'accuracy argmax', balancedAccuracy: 'balanced acc.', balancedAccuracyArgmax: 'balanced acc. argmax', macroAuc: 'macro-AUC',
};

/** Per-class F1 of every single-label model, tuned decisions / argmax (from config.evaluation). */
function perClassTable(rs: ResultRecord[]): string[] {
  const withPc = rs.filter((r) => r.classes && (r.config.evaluation as { perClassF1?: unknown } | undefined)?.perClassF1);
  if (withPc.length === 0) return [];
  const classes = withPc[0].classes!;
  const cell = (v: unknown) => (typeof v === 'number' ? f3(v) : '\u2013');
  const md = ['Per-class F1 on test (validation-tuned decisions / argmax):', '', `| variant | config | seed | ${classes.join(' | ')} |`, `| --- | --- | ---: |${classes.map(() => ' ---: |').join('')}`];
  for (const r of withPc) {
    const ev = r.config.evaluation as { perClassF1: Record<string, unknown>; perClassF1Argmax?: Record<string, unknown> };
    md.push(`| ${mdCell(r.variant)} | ${mdCell(configLabel(r))} | ${r.seed} | ${classes.map((c) => `${cell(ev.perClassF1[c])} / ${cell(ev.perClassF1Argmax?.[c])}`).join(' | ')} |`);
  }
  return [...md, ''];
}

function taskSection(task: string, rs: ResultRecord[], outDir: string, opts: ReportOptions, files: string[]): string[] {
  const md: string[] = [];
  const tslug = slug(task);
  const sorted = sortRecords(rs);
  const variantOrder = [...new Set(sorted.map((r) => r.variant))];
  md.push(`## ${task}`, '');

  // one point per family (variant + config label), seeds pooled: the mean macro-F1 over the seeds
  // and the mean of their 95% intervals (record-level ones where the sweep recorded them)
  const families = new Map<string, ResultRecord[]>();
  for (const r of sorted) families.set(`${r.variant}\u0000${configLabel(r)}`, [...(families.get(`${r.variant}\u0000${configLabel(r)}`) ?? []), r]);
  const mean = (rs: ResultRecord[], f: (r: ResultRecord) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
  const pooled = [...families.values()].map((rs) => {
    const ci = (r: ResultRecord) => r.metrics.macroF1Record ?? r.metrics.macroF1;
    const seeds = rs.length > 1 ? ` (${rs.length} seeds)` : '';
    return { variant: rs[0].variant, label: `${configLabel(rs[0])}${seeds}`, flash: mean(rs, (r) => r.flash.total), ram: mean(rs, (r) => r.ram.total), y: mean(rs, mF1), lo: mean(rs, (r) => ci(r).lo), hi: mean(rs, (r) => ci(r).hi) };
  });
  const paretoFile = `pareto-${tslug}.svg`;
  const note = fewTestExamplesNote(sorted) || undefined;
  writeFileAtomic(join(outDir, paretoFile), paretoSvg(pooled.map((q) => ({ variant: q.variant, label: q.label, x: q.flash, y: q.y, lo: q.lo, hi: q.hi })), { title: `${task}: macro-F1 vs flash`, variantOrder, note }));
  files.push(join(outDir, paretoFile));
  const memFile = `memory-${tslug}.svg`;
  writeFileAtomic(join(outDir, memFile), paretoSvg(pooled.map((q) => ({ variant: q.variant, label: q.label, x: q.flash + q.ram, y: q.y, lo: q.lo, hi: q.hi })), { title: `${task}: macro-F1 vs flash + RAM`, variantOrder, note, xLabel: 'flash + RAM (bytes, log scale; 1 kB = 1000 B)' }));
  files.push(join(outDir, memFile));
  md.push(`![${task} Pareto plot](${paretoFile}) ![${task} macro-F1 vs flash + RAM](${memFile})`, '');
  md.push('_Plots: one point per variant and configuration, seeds pooled (mean macro-F1 over the seeds; bars: the mean of the per-seed 95% intervals, over whole test records where recorded). The table below lists every seed._', '');

  md.push(`- ${generatorVsLowRank(sorted)}`);
  const dom = dominatingBaselines(sorted);
  if (dom) md.push(`- ${dom}`);
  md.push('');

  const floats = sorted.filter((r) => r.variant === FLOAT);
  const refFlash = floats.length ? floats.reduce((a, r) => a + r.flash.total, 0) / floats.length : NaN;
  const refF1 = floats.length ? floats.reduce((a, r) => a + mF1(r), 0) / floats.length : NaN;
  const extra = [...new Set(sorted.flatMap((r) => Object.keys(r.metrics)).filter((m) => m !== 'macroF1'))].sort(
    (a, b) => (METRIC_ORDER.indexOf(a) + 1 || 99) - (METRIC_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b),
  );
  const head = ['variant', 'config', 'seed', 'flash kB', 'RAM kB', 'macro-F1 [95% CI]', ...extra.map((m) => `${METRIC_NAMES[m] ?? m} [95% CI]`), 'flash vs float', 'macro-F1 vs float'];
  md.push(`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i >= 2 ? ' ---: ' : ' --- ')).join('|')}|`);
  for (const r of sorted) {
    const ci = (m: { value: number; lo: number; hi: number } | undefined) => (m ? `${f3(m.value)} [${f3(m.lo)}, ${f3(m.hi)}]` : '\u2013');
    const ratio = Number.isFinite(refFlash) ? `${((100 * r.flash.total) / refFlash).toFixed(1)}% (1/${(refFlash / r.flash.total).toFixed(1)})` : '\u2013';
    const share = Number.isFinite(refF1) ? `${((100 * mF1(r)) / refF1).toFixed(1)}%` : '\u2013';
    const row = [variantStyle(r.variant, variantOrder).label, configLabel(r), String(r.seed), kB(r.flash.total), kB(r.ram.total), ci(r.metrics.macroF1), ...extra.map((m) => ci(r.metrics[m])), ratio, share];
    md.push(`| ${row.map(mdCell).join(' | ')} |`);
  }
  md.push('');
  if (!Number.isFinite(refFlash)) md.push('_No float-large result for this task: ratios are not available._', '');
  md.push(...perClassTable(sorted));

  const cats = [...new Set(sorted.flatMap((r) => Object.keys(r.flash.byCategory)))];
  if (cats.length > 0) {
    md.push('<details><summary>flash by category (kB)</summary>', '');
    md.push(`| variant | config | ${cats.join(' | ')} | total |`, `| --- | --- |${cats.map(() => ' ---: |').join('')} ---: |`);
    for (const r of sorted) md.push(`| ${mdCell(r.variant)} | ${mdCell(configLabel(r))} | ${cats.map((c) => (r.flash.byCategory[c] !== undefined ? kB(r.flash.byCategory[c]) : '\u2013')).join(' | ')} | ${kB(r.flash.total)} |`);
    md.push('', '</details>', '');
  }

  md.push(...diagnosisTable(sorted));

  const confVariants = opts.confusionVariants ?? [FLOAT, LOWRANK, GEN];
  for (const v of confVariants) {
    const withCm = sorted.filter((r) => r.variant === v && r.confusion);
    if (withCm.length === 0) continue;
    const best = withCm.reduce((a, b) => (mF1(b) > mF1(a) ? b : a));
    const file = `confusion-${tslug}-${slug(v)}.svg`;
    writeFileAtomic(join(outDir, file), confusionSvg(best.confusion!, best.classes, `${task}: ${modelLabel(variantStyle(v).label, configLabel(best))} (test${fewTestExamplesNote([best]) ? `, only ${best.confusion!.flat().reduce((a, b) => a + b, 0)} examples` : ''})`));
    files.push(join(outDir, file));
    md.push(`![confusion matrix, ${v}](${file})`, '');
  }

  const withCurves = sorted.filter((r) => r.curves && r.curves.length > 0);
  if (withCurves.length > 0) {
    const file = `curves-${tslug}.svg`;
    writeFileAtomic(
      join(outDir, file),
      curvesSvg(withCurves.map((r) => ({ variant: r.variant, label: `${modelLabel(variantStyle(r.variant, variantOrder).label, configLabel(r))}${new Set(withCurves.map((x) => x.seed)).size > 1 ? ` s${r.seed}` : ''}`, points: r.curves! })), `${task}: training curves`, variantOrder, fewValExamplesNote(withCurves) || undefined),
    );
    files.push(join(outDir, file));
    md.push(`![training curves](${file})`, '');
  }
  return md;
}

/** Write report.md and its SVG figures into outDir. */
export function writeReport(results: ResultRecord[], outDir: string, opts: ReportOptions = {}): ReportOutput {
  if (!Array.isArray(results)) throw new ArgumentError('writeReport', 'results must be an array of records');
  mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  const tasks = [...new Set(results.map((r) => r.task))].sort();
  const md: string[] = [`# ${opts.title ?? 'HyperTinyPW sweep report'}`, ''];
  md.push(`${results.length} models over ${tasks.length} task${tasks.length === 1 ? '' : 's'}${opts.source ? ` from \`${opts.source}\`` : ''}.`, '');
  md.push(
    'Conventions: flash and RAM in packed bytes, 1 kB = 1000 B. Metrics on the test split with decision thresholds tuned on validation only; ' +
      'intervals are the percentile bootstrap 95% CIs recorded by the sweep. "flash vs float" is the model\'s flash as a share of the large float CNN ' +
      '(mean over its seeds), "macro-F1 vs float" its macro-F1 as a share of the float CNN\'s. The dashed step line in each plot is the Pareto front ' +
      '(fewest bytes for a given macro-F1).',
    '',
  );
  if (opts.warnings && opts.warnings.length > 0) {
    md.push('Warnings while reading the results:', '', ...opts.warnings.map((w) => `- ${w}`), '');
  }
  if (tasks.length > 1) md.push(...tasks.map((t) => `- [${t}](#${slug(t)})`), '');
  for (const t of tasks) md.push(...taskSection(t, results.filter((r) => r.task === t), outDir, opts, files));
  const reportPath = join(outDir, 'report.md');
  writeFileAtomic(reportPath, md.join('\n'));
  return { reportPath, files: [reportPath, ...files] };
}
