/**
 * The main job (`hypertinypw run`, `npm start`): one task end to end through the real pipeline.
 *
 *   data -> small separable CNN (float, trained, best epoch on val)
 *        -> QAT -> IntModel (every PW stored INT8: the 'pw-int8' point)
 *        -> HyperModel (backbone initialized from the float CNN, generator trained end to end)
 *        -> compressToDeployable -> Deployable ('hypertinypw') -> synthesize -> simulator
 *        -> evaluation (thresholds tuned on val, frozen on test, bootstrap CIs) of each model
 *        -> byte table (accountBytes), C export + golden vectors (+ host gcc check), report
 *   optionally the large float CNN and its INT8 version (the reference of the byte ratios).
 *
 * Every artifact goes under `out`: models/, runs/, results.jsonl, preds/, bytes.txt, c/,
 * report/report.md, summary.json.
 */

import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import { splitIndices } from '../data/dataset.ts';
import { appendResult, readResults, type ResultRecord } from '../eval/results.ts';
import { exportCWithLayout } from '../codegen/export_c.ts';
import { goldenFiles } from '../codegen/golden.ts';
import { compileHost, hasHostGcc, run as runProcess, writeFiles } from '../codegen/toolchain.ts';
import { formatByteTable } from '../hyper/bytes.ts';
import { synthesize, type Deployable } from '../hyper/deployable.ts';
import type { GeneratorKnobs } from '../hyper/config.ts';
import type { TrainConfig } from '../nn/trainer.ts';
import type { SeparableCnnConfig } from '../nn/models/separable_cnn.ts';
import { quantizeInput } from '../quant/simulator.ts';
import { writeReport } from '../report/report.ts';
import { writeFileAtomic } from '../util/atomic_write.ts';
import { lockDirectory } from '../util/lock.ts';
import { checkTask, defaultDataDir, describeDataset, exampleCostOf, knobBaseOf, largePresetOf, loadTask, smallPresetOf, type TaskName } from './data.ts';
import { taskLines } from './task_lines.ts';
import { evaluate, resultRecord, savePredictions, type Evaluable, type Evaluation } from './evaluate.ts';
import { floatBytes, intBytes, knobsOf, modelConfigFor, pwInt8, quantizeModel, trainFloat, trainHyper, writeIntegerModel } from './variants.ts';

export interface RunOptions {
  task?: TaskName;
  /** data directory (default: defaultDataDir(task)) */
  data?: string;
  /** output directory (default runs/run-<task>) */
  out?: string;
  /** tiny settings: fewer epochs, 200 bootstrap resamples (not for reported numbers) */
  quick?: boolean;
  /** epochs of the small float CNN / the HyperModel / QAT (defaults by data size, see below) */
  epochs?: number;
  hyperEpochs?: number;
  qatEpochs?: number;
  /** also train the large float CNN and evaluate it float and INT8 (default: true on the demo data) */
  large?: boolean;
  largeEpochs?: number;
  /** generator knobs (default: docs/METHOD.md's MIT-BIH (4, 12, 3); (6, 16, 4) for kws12, apnea, ptbxl) */
  knobs?: Partial<GeneratorKnobs>;
  /** small-model overrides (tests shrink the model) */
  modelOverrides?: Partial<SeparableCnnConfig>;
  train?: Partial<TrainConfig>;
  resamples?: number;
  cacheDir?: string;
  /** a loaded dataset (tests) */
  dataset?: Dataset;
  quiet?: boolean;
  log?: (msg: string) => void;
  /** skip the host gcc check */
  noGcc?: boolean;
}

export interface RunSummary {
  task: string;
  data: string;
  demo: boolean;
  out: string;
  seconds: number;
  records: { id: string; variant: string; flash: number; ram: number; macroF1: [number, number, number]; accuracy?: [number, number, number]; lines?: string[] }[];
  files: Record<string, string>;
  gcc: 'PASS' | 'FAIL' | 'skipped';
  gccOutput?: string;
}

function fmt(s: number): string {
  return s < 60 ? `${s.toFixed(0)} s` : `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
}

/**
 * Time estimate of a run from the split sizes, calibrated on this 2-core machine while other jobs
 * shared it: per example and epoch ~1.8 ms for the small ECG CNN (forward + backward), ~2.2 ms
 * for the HyperModel and for QAT, ~8 ms for the large CNN; ~1.3 ms per example to simulate an
 * integer model (val + test, each evaluated model).
 */
export function estimateSeconds(nTrain: number, nEval: number, epochs: number, hyperEpochs: number, qatEpochs: number, large: boolean, largeEpochs: number): number {
  const train = nTrain * (1.8e-3 * epochs + 2.2e-3 * (hyperEpochs + 2 * qatEpochs) + (large ? 8e-3 * largeEpochs : 0));
  return train + nEval * 1.3e-3 * (large ? 5 : 3) + 15;
}

/**
 * Run the main job (RunOptions). The output directory is locked for the whole run (util/lock.ts):
 * a second run on it fails with one line.
 */
export async function runPipeline(o: RunOptions = {}): Promise<RunSummary> {
  const out = o.out ?? join('runs', `run-${checkTask(o.task ?? 'mitbih-aami')}`);
  const release = lockDirectory(out, o.log ?? ((m: string) => process.stderr.write(`${m}\n`)));
  try {
    return await runLocked({ ...o, out });
  } finally {
    release();
  }
}

async function runLocked(o: RunOptions): Promise<RunSummary> {
  const t0 = Date.now();
  const log = o.log ?? ((m: string) => { if (!o.quiet) process.stderr.write(`${m}\n`); });
  const task = checkTask(o.task ?? 'mitbih-aami');
  const def = defaultDataDir(task);
  const dataDir = o.data ?? def.dir;
  const demo = o.data === undefined ? def.demo : resolve(dataDir).endsWith(join('data', 'demo', 'mitdb'));
  const out = o.out ?? join('runs', `run-${task}`);
  mkdirSync(out, { recursive: true });
  const step = (n: number, total: number, msg: string) => log(`[${n}/${total}] ${msg}  (${fmt((Date.now() - t0) / 1000)})`);
  const total = 8;

  step(1, total, `loading ${task} from ${dataDir}${demo ? ' (bundled demo excerpt: figures say nothing about the method)' : ''}`);
  const ds = o.dataset ?? loadTask(task, dataDir, { cacheDir: o.cacheDir ?? '.cache/hypertinypw', onProgress: o.quiet ? undefined : (m) => log(`  ${m}`) });
  log(`  ${describeDataset(ds)}`);
  const nTrain = splitIndices(ds, 'train').length;
  const small = nTrain < 5000;
  // defaults: the demo excerpt (647 training beats) gets many cheap epochs; the full database
  // (~43k training beats, ~75 s per small-CNN epoch here) the sweep's budget
  const epochs = o.epochs ?? (o.quick ? 3 : small ? 30 : 8);
  const hyperEpochs = o.hyperEpochs ?? (o.quick ? 3 : small ? 30 : 4);
  const qatEpochs = o.qatEpochs ?? (o.quick ? 1 : small ? 2 : 1);
  // kws12 has no separate large preset: the reference there is the sweep's widened KWS CNN (configs/kws12.json)
  const large = o.large ?? (small && !o.quick && task !== 'kws12');
  const largeEpochs = o.largeEpochs ?? (small ? 15 : 3);
  const resamples = o.resamples ?? (o.quick ? 200 : 1000);
  const nEval = splitIndices(ds, 'val').length + splitIndices(ds, 'test').length;
  const cost = exampleCostOf(task);
  const est = cost * estimateSeconds(nTrain, nEval, epochs, hyperEpochs, qatEpochs, large, largeEpochs);
  log(`  ${nTrain} training examples; small CNN ${epochs} epochs, HyperTinyPW ${hyperEpochs} epochs, QAT ${qatEpochs} epochs${large ? `, large float CNN ${largeEpochs} epochs` : ''}; estimated ${fmt(est)}${small || !task.startsWith('mitbih') ? '' : ` (full dataset: the long run; --data ${'data/demo/mitdb'} runs the 2-minute demo)`}`);

  const resultsPath = join(out, 'results.jsonl');
  const have = new Map((existsSync(resultsPath) ? readResults(resultsPath).records : []).map((r) => [r.id, r]));
  const records: ResultRecord[] = [];
  const linesOf = new Map<string, string[]>();
  const files: Record<string, string> = { results: resultsPath };
  const record = (id: string, variant: string, model: Evaluable, bytes: ReturnType<typeof floatBytes>, config: Record<string, unknown>, curves: ResultRecord['curves'], t: number): Evaluation => {
    const ev = evaluate(model, ds, { resamples, seed: 0 });
    const extra = taskLines(ds, ev);
    linesOf.set(id, extra.lines);
    const rec = resultRecord(ev, { id, variant, seed: 0, flash: bytes.flash, ram: bytes.ram, config: { ...config, ...extra.detail, quick: Boolean(o.quick), demo }, curves, durationSec: (Date.now() - t) / 1000 });
    savePredictions(out, id, ev.predictions);
    if (!have.has(id)) appendResult(resultsPath, rec);
    else log(`  ${id} is already in ${resultsPath}; kept the earlier line (delete the file to start over)`);
    records.push(have.get(id) ?? rec);
    const m = ev.metrics;
    log(`  ${variant}: macro-F1 ${m.macroF1.value.toFixed(3)} [${m.macroF1.lo.toFixed(3)}, ${m.macroF1.hi.toFixed(3)}]${m.accuracy ? `, accuracy ${m.accuracy.value.toFixed(3)} [${m.accuracy.lo.toFixed(3)}, ${m.accuracy.hi.toFixed(3)}]` : ''}, argmax macro-F1 ${m.macroF1Argmax.value.toFixed(3)}; flash ${bytes.flash.total} B, RAM ${bytes.ram.total} B`);
    for (const line of extra.lines) log(`    ${line}`);
    return ev;
  };
  const modelsDir = join(out, 'models');
  mkdirSync(modelsDir, { recursive: true });
  const trainCfg = { ...(o.train ?? {}) };
  const preset = smallPresetOf(task);
  const cfg = modelConfigFor(ds, preset, o.modelOverrides ?? {});

  step(2, total, `training the small separable CNN (${preset}, ${cfg.blocks.length} blocks) for ${epochs} epochs`);
  let t = Date.now();
  const base = await trainFloat(ds, cfg, join(out, 'runs', 'small'), { train: { ...trainCfg, epochs }, quiet: o.quiet, note: (m) => log(`  ${m}`) });
  files.floatCheckpoint = join(out, 'runs', 'small', 'best.ckpt');
  log(`  trained in ${fmt(base.seconds)}; ${base.model.parameterCount()} parameters`);
  record(`${task}.float-small`, 'float-small', base.model, floatBytes(base.model), { preset, label: 'float32 small' }, base.curves, t);

  step(3, total, `QAT (${qatEpochs} epochs) -> IntModel, every PW stored INT8`);
  t = Date.now();
  let int8: ReturnType<typeof pwInt8> | null = null;
  {
    const im = await quantizeModel(base.model, ds, { method: 'qat', qat: { epochs: qatEpochs, lr: 5e-4 }, quiet: o.quiet, outDir: join(out, 'runs', 'qat') });
    int8 = pwInt8(im);
    files.int8Model = join(modelsDir, 'pw-int8.htpw');
    writeIntegerModel(files.int8Model, im);
    record(`${task}.pw-int8`, 'pw-int8', int8, intBytes(int8), { preset, method: 'qat', qatEpochs, label: 'PW INT8' }, base.curves, t);
  }

  step(4, total, `HyperTinyPW: generator trained end to end (${hyperEpochs} epochs), compressed, synthesized`);
  t = Date.now();
  let dep: Deployable | null = null;
  const knobs = knobsOf({ knobs: o.knobs ?? {}, base: knobBaseOf(task) });
  {
    const h = await trainHyper(ds, cfg, join(out, 'runs', 'hypertinypw'), { knobs, init: base.model, train: { ...trainCfg, epochs: hyperEpochs }, qat: { epochs: qatEpochs, lr: 3e-4 }, quiet: o.quiet, note: (m) => log(`  ${m}`) });
    dep = h.deployable;
    files.deployable = join(modelsDir, 'hypertinypw.htpw');
    writeIntegerModel(files.deployable, dep);
    const a = intBytes(dep).account;
    record(`${task}.hypertinypw`, 'hypertinypw', dep, intBytes(dep), { preset, knobs, label: `dz${knobs.dz}-dh${knobs.dh}-r${knobs.rank}`, generatorFraction: a.generatorFraction }, h.curves, t);
  }

  if (large) {
    step(5, total, `the large float CNN (${largeEpochs} epochs) and its INT8 version (PTQ): the reference of the byte ratios`);
    t = Date.now();
    const lcfg = modelConfigFor(ds, largePresetOf(task));
    const l = await trainFloat(ds, lcfg, join(out, 'runs', 'large'), { train: { ...trainCfg, epochs: largeEpochs }, quiet: o.quiet, note: (m) => log(`  ${m}`) });
    record(`${task}.float-large`, 'float-large', l.model, floatBytes(l.model), { preset: largePresetOf(task), label: 'float32' }, l.curves, t);
    t = Date.now();
    const lim = pwInt8(await quantizeModel(l.model, ds, { method: 'ptq' }));
    record(`${task}.int8-large`, 'int8-large', lim, intBytes(lim), { preset: largePresetOf(task), method: 'ptq', label: 'INT8 (PTQ)' }, l.curves, t);
  } else step(5, total, 'large float CNN skipped (--large to include it)');

  step(6, total, 'byte table (accountBytes)');
  const tables: string[] = [];
  if (int8) tables.push(formatByteTable(intBytes(int8).account, 'pw-int8 (every PW stored INT8)'));
  if (dep) tables.push(formatByteTable(intBytes(dep).account, `hypertinypw dz${knobs.dz} dh${knobs.dh} r${knobs.rank}`));
  const fb = floatBytes(base.model);
  tables.push(`float-small (float32): flash ${fb.flash.total} B (4 B x ${base.model.parameterCount()} parameters), RAM ${fb.ram.total} B (float activations)`);
  files.bytes = join(out, 'bytes.txt');
  writeFileAtomic(files.bytes, `${tables.join('\n\n')}\n`);
  for (const line of tables.join('\n\n').split('\n')) log(`  ${line}`);

  step(7, total, 'C export and golden vectors');
  let gcc: RunSummary['gcc'] = 'skipped';
  let gccOutput: string | undefined;
  const target: Deployable | null = dep ?? int8;
  if (target) {
    const cdir = join(out, 'c');
    const { files: cfiles, layout } = exportCWithLayout(target, { prefix: 'htpw', source: dep ? files.deployable : files.int8Model });
    writeFiles(cdir, cfiles);
    // golden inputs: the first test examples, quantized as the device would receive them
    const im = synthesize(target);
    const test = splitIndices(ds, 'test');
    const row = ds.shape[1] * ds.shape[2];
    const inputs = Array.from({ length: Math.min(3, test.length) }, (_, i) => quantizeInput(im, ds.x.subarray(test[i] * row, (test[i] + 1) * row)));
    writeFiles(cdir, goldenFiles(target, inputs, { prefix: 'htpw', modelSource: dep ? files.deployable : files.int8Model, generator: 'hypertinypw run' }));
    files.c = cdir;
    log(`  ${cdir}: ${[...cfiles.keys()].join(', ')} + htpw_golden.{h,json}, htpw_golden_test.c; ${layout.weightBytes} B parameters, arena ${layout.arenaBytes} B, cache ${layout.cacheBytes} B`);
    if (o.noGcc) log('  host gcc check skipped (--no-gcc)');
    else if (!hasHostGcc()) log('  no gcc on this host: the C build check is skipped');
    else {
      try {
        const exe = compileHost(cdir, ['htpw.c', 'htpw_golden_test.c'], 'golden_test', ['-O2', '-DHTPW_LAYER_HOOK=htpw_golden_hook']);
        const r = runProcess(exe, [], { timeoutSec: 120 });
        gccOutput = `${r.stdout}${r.stderr}`.trim();
        gcc = r.status === 0 && /PASS/.test(r.stdout) ? 'PASS' : 'FAIL';
      } catch (e) {
        gcc = 'FAIL';
        gccOutput = (e as Error).message;
      }
      log(`  host C (gcc -O2) against the golden vectors: ${gcc}${gccOutput ? ` (${gccOutput.split('\n').pop()})` : ''}`);
    }
  } else log('  nothing to export (no integer model was produced)');

  step(8, total, 'report');
  const rep = writeReport(records, join(out, 'report'), {
    title: `hypertinypw run: ${task}${demo ? ' (bundled demo data)' : ''}${o.quick ? ' (quick settings)' : ''}`, source: resultsPath,
    confusionVariants: ['float-large', 'pw-int8', 'hypertinypw'],
  });
  files.report = rep.reportPath;
  const seconds = (Date.now() - t0) / 1000;
  const summary: RunSummary = {
    task, data: dataDir, demo, out, seconds, files, gcc, gccOutput,
    records: records.map((r) => ({
      id: r.id, variant: r.variant, flash: r.flash.total, ram: r.ram.total,
      macroF1: [r.metrics.macroF1.value, r.metrics.macroF1.lo, r.metrics.macroF1.hi],
      ...(r.metrics.accuracy ? { accuracy: [r.metrics.accuracy.value, r.metrics.accuracy.lo, r.metrics.accuracy.hi] as [number, number, number] } : {}),
      ...(linesOf.get(r.id)?.length ? { lines: linesOf.get(r.id) } : {}),
    })),
  };
  files.summary = join(out, 'summary.json');
  writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/** The final summary block printed by `hypertinypw run`. */
export function formatRunSummary(s: RunSummary): string {
  const pct = (v: number) => v.toFixed(3);
  const lines = [
    `hypertinypw run: ${s.task} on ${s.data}${s.demo ? ' (demo excerpt)' : ''}, ${fmt(s.seconds)}`,
    '',
    `  ${'model'.padEnd(14)} ${'flash B'.padStart(9)} ${'RAM B'.padStart(8)}  macro-F1 [95% CI]${s.records.some((r) => r.accuracy) ? '         accuracy [95% CI]' : ''}`,
    ...s.records.flatMap((r) => [
      `  ${r.variant.padEnd(14)} ${String(r.flash).padStart(9)} ${String(r.ram).padStart(8)}  ${pct(r.macroF1[0])} [${pct(r.macroF1[1])}, ${pct(r.macroF1[2])}]${r.accuracy ? `   ${pct(r.accuracy[0])} [${pct(r.accuracy[1])}, ${pct(r.accuracy[2])}]` : ''}`,
      ...(r.lines ?? []).map((l) => `  ${''.padEnd(14)} ${l}`),
    ]),
    '',
    `  C build against the golden vectors: ${s.gcc}`,
    ...Object.entries(s.files).map(([k, v]) => `  ${k.padEnd(16)} ${v}`),
  ];
  return lines.join('\n');
}
