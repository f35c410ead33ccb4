import { readFileSync } from 'node:fs';
import { checkKnownFlags, parseArgs, stringFlag, UsageError, inputFile, type Command } from '../command.ts';
import { readSweepConfig, runSweep, sweepJobs } from '../../pipeline/sweep.ts';
import { mergeSweeps, parseShard, shardOut } from '../../pipeline/shards.ts';
import { writeResultsMd } from '../../pipeline/results_md.ts';
import { removeDeadTemps } from '../../util/atomic_write.ts';
import { lockDirectory } from '../../util/lock.ts';

/** The reading guide's Markdown, or nothing. */
function readingOf(path: string | undefined): string[] {
  if (!path) return [];
  inputFile(path);
  return [readFileSync(path, 'utf8').trim()];
}

/** Lock the sweep directory (one sweep per directory) and remove dead writers' temporary files in it. */
function lockSweep(out: string): () => void {
  const release = lockDirectory(out, (m) => console.error(`sweep: ${m}`));
  const removed = removeDeadTemps(out, true);
  if (removed.length > 0) console.error(`sweep: removed ${removed.length} temporary file(s) of a writer that died`);
  return release;
}

const HELP = `hypertinypw sweep: train and evaluate every Pareto variant of a config (resumable)

usage: hypertinypw sweep <config.json> [--out <dir>] [--data <dir>] [--seeds 0,1] [--backbones-only] [--shard i/n] [--dry-run] [--quiet]
       hypertinypw sweep --merge <out-dir> <shard-dir>...
       hypertinypw sweep <config.json>... --report-only --include <a.jsonl,b.jsonl> --results-md RESULTS.md

Runs float-large, int8-large, pw-int8, pw-lowrank (ranks), pw-4bit and hypertinypw at each grid
point through the real pipeline, evaluates each deployable integer model in the simulator
(thresholds on validation, bootstrap CIs on test) and appends one line per model to
<out>/results.jsonl (per-example predictions in <out>/preds/, runs and model files in <out>/runs/).
A killed sweep continues where it stopped: ids already in results.jsonl are skipped and training
resumes from its checkpoints. Then: hypertinypw report <out>/results.jsonl --out <dir>.
The config format and its defaults are documented in configs/README.md.

options:
  --out <dir>    override the config's "out"
  --data <dir>   override the config's "data"
  --seeds <list> override the config's "seeds" (comma-separated integers)
  --backbones-only  run only the float-large models: train the large float backbones first (and
                 store them in the config's "backbones" directory, so later compressions start
                 from them on any machine)
  --shard i/n    run only the i-th of n disjoint slices of the models (job k goes to shard
                 k mod n + 1), into <out>/shard-i-of-n unless --out is given: one slice per
                 machine (a Slurm array task, a Kubernetes indexed Job), then --merge
  --merge <out-dir>  join the results.jsonl and preds/ of the given sweep output directories
                 into <out-dir> (an id twice with different metrics is an error)
  --only <a,b>   run only the models whose id contains one of these strings, in this order
                 (e.g. --only int8-large,dz8-dh8-r64,r32 runs the most telling points first)
  --dry-run      list the models and which are done, run nothing
  --results-md <file>   afterwards write <file> (e.g. RESULTS.md): a headline computed from the
                 results (flash vs the large float CNN, share of its macro-F1 with a paired CI,
                 paired differences against the plain baselines) + the full report; figures in
                 <dir of file>/results/
  --include <a.jsonl,b.jsonl>  also put these results files (e.g. a KWS run) into --results-md
  --report-only  run nothing: write --results-md from the --include files alone, listing the
                 models of the given configs (any number) that have no result yet
  --reading <file.md>  hand-written reading guide (caveats, what the numbers do and do not show)
                 placed under the generated note, so regenerating keeps it
  --quiet        no progress output`;

export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'train and evaluate the Pareto variants of a config into results.jsonl (resumable)',
  help: HELP,
  async run(args: string[]): Promise<number> {
    const p = parseArgs(args, ['dry-run', 'quiet', 'backbones-only', 'report-only']);
    checkKnownFlags(p, ['report-only', 'out', 'data', 'seeds', 'only', 'backbones-only', 'shard', 'merge', 'dry-run', 'quiet', 'results-md', 'include', 'reading']);
    const merge = stringFlag(p, 'merge');
    if (merge !== undefined) {
      if (p.positional.length === 0) throw new UsageError('--merge <out-dir> needs the sweep output directories to join');
      const release = lockSweep(merge);
      let m: ReturnType<typeof mergeSweeps>;
      try {
        m = mergeSweeps(p.positional, merge);
      } finally {
        release();
      }
      console.log(JSON.stringify({ results: `${merge}/results.jsonl`, merged: m.ids.length, duplicates: m.duplicates.length }));
      return 0;
    }
    const includes = stringFlag(p, 'include')?.split(',').filter(Boolean) ?? [];
    const writeMd = (md: string, results: string[], expected: string[]) => {
      const files = [...results, ...includes];
      const r = writeResultsMd({
        results: files, out: md, title: 'HyperTinyPW results', expected,
        notes: [`Generated by \`hypertinypw sweep ${args.join(' ')}\` from ${files.map((f) => `\`${f}\``).join(' and ')} (configs in configs/, documented in configs/README.md). Every number is measured: integer models run in the bit-exact simulator after synthesis, decision thresholds are tuned on validation only, intervals are seeded percentile bootstrap 95% CIs on the test split (over beats, and over whole test records where marked), flash and RAM are packed bytes from accountBytes.`, ...readingOf(stringFlag(p, 'reading'))],
      });
      console.error(`wrote ${r.path} (${r.records} models; figures in ${r.figures})`);
    };
    if (p.flags.has('report-only')) {
      const md = stringFlag(p, 'results-md');
      if (!md || p.positional.length === 0 || includes.length === 0) throw new UsageError('--report-only needs <config.json>... (for the list of expected models), --include <results files> and --results-md <file>');
      writeMd(md, [], p.positional.flatMap((f) => sweepJobs(readSweepConfig(inputFile(f))).map((j) => j.id)));
      return 0;
    }
    if (p.positional.length !== 1) throw new UsageError('expected one <config.json>');
    const c = readSweepConfig(inputFile(p.positional[0]));
    const out = stringFlag(p, 'out');
    const data = stringFlag(p, 'data');
    const shardText = stringFlag(p, 'shard');
    const shard = shardText === undefined ? undefined : parseShard(shardText);
    if (out) c.out = out;
    else if (shard) c.out = shardOut(c.out, shard);
    if (data) c.data = data;
    const seeds = stringFlag(p, 'seeds');
    if (seeds !== undefined) {
      const list = seeds.split(',').map((v) => Number(v));
      if (list.length === 0 || !list.every((v) => Number.isInteger(v) && v >= 0)) throw new UsageError(`--seeds: "${seeds}" is not a comma-separated list of integers >= 0`);
      c.seeds = list;
    }
    const dryRun = p.flags.has('dry-run');
    const release = dryRun ? () => {} : lockSweep(c.out);
    let s: Awaited<ReturnType<typeof runSweep>>;
    try {
      s = await runSweep(c, { quiet: p.flags.has('quiet'), dryRun, backbonesOnly: p.flags.has('backbones-only'), shard, only: stringFlag(p, 'only')?.split(',').filter(Boolean) });
    } finally {
      release();
    }
    const md = stringFlag(p, 'results-md');
    if (md) writeMd(md, [s.resultsPath], sweepJobs(c).map((j) => j.id));
    console.log(JSON.stringify({ results: s.resultsPath, ran: s.ran.length, skipped: s.skipped.length, failed: s.failed, seconds: Math.round(s.seconds) }));
    return s.failed.length ? 1 : 0;
  },
};
