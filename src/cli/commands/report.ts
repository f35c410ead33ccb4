import { FormatError } from '../../util/errors.ts';
import { checkKnownFlags, parseArgs, stringFlag, UsageError, inputFile, type Command } from '../command.ts';
import { readResults } from '../../eval/results.ts';
import { writeReport } from '../../report/report.ts';

/** `hypertinypw report <results.jsonl> --out <dir>`: report.md + SVG plots from a sweep's results. */
export const reportCommand: Command = {
  name: 'report',
  summary: 'write report.md and SVG plots (Pareto, confusion, curves) from a results.jsonl',
  help: [
    'usage: hypertinypw report <results.jsonl> --out <dir> [--title <text>]',
    '',
    'Reads a sweep results file (one JSON record per line; a truncated last line is ignored with a',
    'warning) and writes <dir>/report.md with per-task tables (flash, RAM, macro-F1 with 95% CI,',
    'bytes and macro-F1 relative to the large float CNN), a data-derived comparison of HyperTinyPW',
    'against the stored low-rank baseline, and SVG figures: Pareto plot per task, confusion',
    'matrices, training curves.',
    '',
    'options:',
    '  --out <dir>      output directory (created if missing)',
    '  --title <text>   heading of report.md',
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    const p = parseArgs(args);
    checkKnownFlags(p, ['out', 'title']);
    if (p.positional.length !== 1) throw new UsageError('expected exactly one results file (see --help)');
    const input = p.positional[0];
    const out = stringFlag(p, 'out');
    if (out === undefined) throw new UsageError('--out <dir> is required');
    inputFile(input);
    const { records, warnings } = readResults(input);
    if (records.length === 0) throw new FormatError(input, `no complete result record${warnings.length ? ` (${warnings[0]})` : ' (empty file)'}`);
    for (const w of warnings) console.error(`warning: ${w}`);
    const { reportPath, files } = writeReport(records, out, { title: stringFlag(p, 'title'), source: input, warnings });
    console.log(`${reportPath} (${records.length} models, ${files.length} files)`);
    return 0;
  },
};
