/**
 * The verdicts of a task as Markdown (RESULTS.md): one line per criterion and decision rule, then
 * a table of every HyperTinyPW point (share of the large float CNN's macro-F1 with its pooled,
 * record-level CI; flash ratio; the matched low-rank baseline and the paired difference). Every
 * number comes from taskVerdicts.
 */

import { BAR, CLAIM, type TaskVerdicts } from './verdicts.ts';

/** The seeds a paired comparison used: "s0, s1" when seed-matched, "unpaired" when the families share no seed. */
const seedsOf = (paired: number[] | null) => (paired ? paired.map((s) => `s${s}`).join(', ') : 'unpaired');

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const f3 = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(3);
const kB = (b: number) => `${(b / 1000).toFixed(b < 10_000 ? 2 : 1)} kB`;

export function verdictsMd(v: TaskVerdicts): string[] {
  const md: string[] = [];
  const ref = v.reference ? `the large float CNN (${kB(v.reference.flash)}, ${v.reference.seeds} seed${v.reference.seeds === 1 ? '' : 's'})` : 'the large float CNN (not run yet)';
  md.push(`- The paper's claim (>= ${pct(CLAIM.share)} of ${ref}'s macro-F1 at >= ${CLAIM.flashRatio}x fewer flash bytes): **${v.claim.tuned}** with validation-tuned thresholds, **${v.claim.argmax}** with argmax.`);
  md.push(`- Our bar (>= ${pct(BAR.share)} at <= ${kB(BAR.maxFlash)} and above low-rank at matched bytes): **${v.bar.tuned}** (tuned), **${v.bar.argmax}** (argmax).`);
  if (v.missing.length) md.push(`- Not run yet for this task: ${v.missing.join(', ')}; the verdicts above cover only what exists.`);
  if (v.points.length) {
    md.push('', '| point | decisions | seeds | flash | fewer bytes | share of float macro-F1 [95% CI] | claim | low-rank at matched bytes | difference [95% CI] | bar |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const p of v.points) {
      const r = p.share.ratio;
      const low = p.lowRank ? `${p.lowRank.label} (${kB(p.lowRank.flash)})` : '-';
      const d = p.lowRank?.diff.diff;
      md.push(`| ${p.label} | ${p.decisions} | ${seedsOf(p.share.pairedSeeds)} | ${kB(p.flash)} | ${p.flashRatio.toFixed(1)}x | ${pct(r.value)} [${pct(r.lo)}, ${pct(r.hi)}] | ${p.claim} | ${low} | ${d ? `${f3(d.value)} [${f3(d.lo)}, ${f3(d.hi)}]` : '-'} | ${p.bar} |`);
    }
    md.push('', `Shares and differences: pooled over the seeds both families have (a compression of seed s against the float backbone of seed s it started from; "unpaired" = no common seed, all seeds of both pooled), mean macro-F1 per family, paired on the same test beats, ${v.points[0].share.resamples} bootstrap resamples of ${v.points[0].share.resampling === 'record' ? 'whole test records (patients)' : 'test beats (some predictions predate the record-level resampling)'}. "met" = the whole 95% interval clears the bar, "not met" = the whole interval misses it, else "inconclusive".`);
  }
  if (v.comparisons.length) {
    md.push('', 'Paired comparisons against every baseline (macro-F1 of the HyperTinyPW point minus the baseline, pooled over the matched seeds, same resampling):', '');
    md.push('| point | baseline | decisions | seeds | difference [95% CI] | share of resamples the point wins |', '|---|---|---|---|---|---|');
    for (const c of v.comparisons) {
      const d = c.diff.diff;
      md.push(`| ${c.point} (${kB(c.pointFlash)}) | ${c.baseline} (${kB(c.baselineFlash)}) | ${c.decisions} | ${seedsOf(c.diff.pairedSeeds)} | ${f3(d.value)} [${f3(d.lo)}, ${f3(d.hi)}] | ${pct(c.diff.fractionAGreater)} |`);
    }
  }
  return md;
}
