import { checkKnownFlags, numberFlag, parseArgs, stringFlag, UsageError, inputFile, type Command } from '../command.ts';
import { checkTask, defaultDataDir, loadTask, TASKS } from '../../pipeline/data.ts';
import { taskLines } from '../../pipeline/task_lines.ts';
import { compareModels, evaluate, savePredictions } from '../../pipeline/evaluate.ts';
import { loadAnyModel } from '../../pipeline/model_file.ts';

const HELP = `hypertinypw eval: evaluate a model file the protocol's way

usage: hypertinypw eval <model.ckpt | model.htpw> --task <task> [--data <dir>] [--json] [--resamples N] [--seed S]
       hypertinypw eval --compare <results dir> <idA> <idB> [--json]

The model is a float checkpoint (.ckpt, 'HTPWCKPT', run in float) or an integer model (.htpw: an
IntModel 'HTPWIMDL', run in the bit-exact simulator, or a Deployable 'HTPWDEPL', synthesized in
TypeScript first), told apart by its magic. Decision thresholds are tuned on the validation split only and applied frozen to test;
metrics (macro-F1, accuracy, balanced accuracy, per-class F1, confusion; argmax metrics too)
carry seeded percentile bootstrap 95% CIs (default 1000 resamples).
--compare runs a paired bootstrap of macro-F1 (and accuracy) between two models of a sweep or run
directory from their saved per-example predictions (<dir>/preds/<id>.json.gz).

options:
  --task T            ${TASKS.join(' | ')}
  --data <dir>        dataset directory (default as in 'run')
  --save <dir> --id I also save the per-example predictions as <dir>/preds/<I>.json.gz
  --json              machine-readable output`;

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate a checkpoint, IntModel or Deployable (thresholds on val, CIs on test); paired comparison',
  help: HELP,
  async run(args: string[]): Promise<number> {
    const p = parseArgs(args, ['json']);
    checkKnownFlags(p, ['task', 'data', 'json', 'resamples', 'seed', 'compare', 'save', 'id', 'cache']);
    const json = p.flags.has('json');
    const resamples = numberFlag(p, 'resamples', 1000)!;
    const seed = numberFlag(p, 'seed', 0)!;
    const cmp = stringFlag(p, 'compare');
    if (cmp !== undefined) {
      if (p.positional.length !== 2) throw new UsageError('--compare <results dir> needs two ids');
      const c = compareModels(cmp, p.positional[0], p.positional[1], { resamples, seed });
      if (json) console.log(JSON.stringify(c, null, 2));
      else {
        const d = c.macroF1.diff;
        console.log(`${c.idA} - ${c.idB}: macro-F1 difference ${d.value.toFixed(4)} [${d.lo.toFixed(4)}, ${d.hi.toFixed(4)}] (paired bootstrap, ${d.resamples} resamples); A > B in ${(100 * c.macroF1.fractionAGreater).toFixed(1)}% of resamples`);
        if (c.accuracy) console.log(`  accuracy difference ${c.accuracy.diff.value.toFixed(4)} [${c.accuracy.diff.lo.toFixed(4)}, ${c.accuracy.diff.hi.toFixed(4)}]`);
      }
      return 0;
    }
    if (p.positional.length !== 1) throw new UsageError('expected one <model.ckpt | model.htpw>');
    const task = checkTask(stringFlag(p, 'task') ?? (() => { throw new UsageError('--task is required'); })());
    const data = stringFlag(p, 'data', defaultDataDir(task).dir)!;
    const { kind, model } = loadAnyModel(inputFile(p.positional[0]));
    const ds = loadTask(task, data, { cacheDir: stringFlag(p, 'cache', '.cache/hypertinypw') });
    const ev = evaluate(model, ds, { resamples, seed });
    const save = stringFlag(p, 'save');
    if (save) savePredictions(save, stringFlag(p, 'id') ?? (() => { throw new UsageError('--save needs --id'); })(), ev.predictions);
    if (json) {
      const { predictions: _p, ...rest } = ev;
      console.log(JSON.stringify({ file: p.positional[0], fileKind: kind, ...rest }, null, 2));
      return 0;
    }
    console.log(`${p.positional[0]} (${kind}, run as ${ev.modelKind}) on ${ds.name}: ${ev.nVal} val / ${ev.nTest} test examples, ${ev.kind} thresholds tuned on val (val macro-F1 ${ev.valMacroF1.toFixed(4)})`);
    for (const [name, m] of Object.entries(ev.metrics)) console.log(`  ${name.padEnd(24)} ${m.value.toFixed(4)} [${m.lo.toFixed(4)}, ${m.hi.toFixed(4)}]`);
    console.log(`  per-class F1: ${ev.classes.map((c, i) => `${c} ${Number.isNaN(ev.perClassF1[i]) ? '-' : ev.perClassF1[i].toFixed(3)}`).join(', ')}`);
    if (ev.confusion) console.log(`  confusion (rows true, columns predicted; ${ev.classes.join(' ')}):\n${ev.confusion.map((r) => `    ${r.map((v) => String(v).padStart(6)).join(' ')}`).join('\n')}`);
    // task lines beyond the metrics above (Apnea-ECG: the per-record diagnosis)
    for (const line of taskLines(ds, ev).lines.filter((l) => !l.startsWith('macro-AUC'))) console.log(`  ${line}`);
    return 0;
  },
};
