import { checkKnownFlags, numberFlag, parseArgs, stringFlag, UsageError, type Command } from '../command.ts';
import { checkTask, TASKS } from '../../pipeline/data.ts';
import { formatRunSummary, runPipeline } from '../../pipeline/run.ts';

const HELP = `hypertinypw run: the main job, one task end to end through the real pipeline

usage: hypertinypw run [--task ${TASKS.join('|')}] [--data <dir>] [--out <dir>] [--quick]

Trains a small separable CNN, QAT to INT8 (every PW stored), trains the HyperTinyPW generator end
to end and compresses to a Deployable, synthesizes it and evaluates every model in the bit-exact
simulator (thresholds tuned on validation only, bootstrap 95% CIs on test), prints the byte table,
exports C (<out>/c/) with golden vectors, compiles and runs it with the host gcc when there is one
(PASS/FAIL), and writes a report (<out>/report/report.md) and <out>/summary.json.

Data: without --data, MIT-BIH tasks use ../shared/data/mitdb (beside the repository) when it
exists, else the bundled excerpt data/demo/mitdb (about 2 minutes on 2 idle cores); kws12 uses
../shared/data/speech-commands, apnea and apnea-5min ../shared/data/apnea-ecg, ptbxl and ptbxl-lead2
../shared/data/ptb-xl (download the full databases with \`hypertinypw data download\`). On the full MIT-BIH database the run takes much longer; it prints
its estimate first.

options:
  --task T          ${TASKS.join(' | ')} (default mitbih-aami)
  --data <dir>      dataset directory
  --out <dir>       output directory (default runs/run-<task>); a rerun reuses finished training
  --quick           tiny settings (3 epochs, 200 bootstrap resamples): a smoke test, not results
  --epochs N        small float CNN epochs      --hyper-epochs N  HyperTinyPW epochs
  --qat-epochs N    QAT epochs                  --large / --no-large  include the large float CNN
  --large-epochs N  large float CNN epochs      --resamples N     bootstrap resamples (default 1000)
  --no-gcc          skip the host C check       --cache <dir>     preprocessed-data cache
  --json            print the summary as JSON   --quiet           no progress output`;

export const runCommand: Command = {
  name: 'run',
  summary: 'the main job: train, QAT, HyperTinyPW, simulate, evaluate, bytes, C export, report (npm start)',
  help: HELP,
  async run(args: string[]): Promise<number> {
    const bools = ['quick', 'large', 'no-large', 'no-gcc', 'json', 'quiet'];
    const p = parseArgs(args, bools);
    checkKnownFlags(p, [...bools, 'task', 'data', 'out', 'epochs', 'hyper-epochs', 'qat-epochs', 'large-epochs', 'resamples', 'cache']);
    if (p.positional.length) throw new UsageError(`unexpected argument "${p.positional[0]}"`);
    const task = checkTask(stringFlag(p, 'task', 'mitbih-aami')!);
    const data = stringFlag(p, 'data');
    const int = (n: string) => {
      const v = numberFlag(p, n);
      if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new UsageError(`--${n} must be a positive integer`);
      return v;
    };
    const summary = await runPipeline({
      task, data, out: stringFlag(p, 'out'), quick: p.flags.has('quick'), epochs: int('epochs'), hyperEpochs: int('hyper-epochs'),
      qatEpochs: int('qat-epochs'), largeEpochs: int('large-epochs'), resamples: int('resamples'), cacheDir: stringFlag(p, 'cache'),
      large: p.flags.has('large') ? true : p.flags.has('no-large') ? false : undefined, noGcc: p.flags.has('no-gcc'), quiet: p.flags.has('quiet'),
    });
    console.log(p.flags.has('json') ? JSON.stringify(summary, null, 2) : formatRunSummary(summary));
    return summary.gcc === 'FAIL' ? 1 : 0;
  },
};
