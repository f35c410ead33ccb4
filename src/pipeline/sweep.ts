/**
 * The sweep: every variant of a Pareto plot, trained and evaluated through the real pipeline,
 * one ResultRecord line per model in <out>/results.jsonl (appendResult), per-example test
 * predictions in <out>/preds/<id>.json.gz, model files and training runs in <out>/runs/.
 *
 * Resumable at two levels: ids already in results.jsonl are skipped, and every training stage
 * runs train() with resume in its own run directory (a killed training continues from its last
 * checkpoint; a finished one only reloads best.ckpt). Intermediate integer models (the QAT'd
 * small backbone the 4-bit and low-rank ablations start from) are kept as files and reused.
 *
 * Config (JSON; every field but task and out optional; defaults in DEFAULT_SWEEP):
 *   task         'mitbih-aami' | 'mitbih-binary' | 'kws12'
 *   data         data directory (default: ../shared/data/mitdb if it exists, else data/demo/mitdb;
 *                ../shared/data/speech-commands for kws12); relative paths are relative to the
 *                current directory, like every CLI path
 *   out          output directory
 *   cacheDir     preprocessed-data cache (default .cache/hypertinypw)
 *   seeds        training seeds (model init and data order), default [0]
 *   variants     which of float-large, int8-large, pw-int8, pw-lowrank, pw-4bit, hypertinypw
 *   small        { preset, overrides, train }  the small backbone (pw-* and hypertinypw)
 *   large        { preset, overrides, train }  the large float CNN (float-large, int8-large)
 *   quantize     { large: 'ptq' | 'qat' | ['qat', 'ptq'], small: 'ptq' | 'qat', qat: { epochs, lr }, calibration }
 *                (a list for large: one int8-large model per method; the first keeps the plain id
 *                '<task>.int8-large.s<k>', each further one adds its method: '<task>.int8-large.ptq.s<k>')
 *   lowRank      { ranks: [...] }
 *   hyper        { base: 'mitbih' | 'apnea' | 'ptbxl' | 'kws' (default by task), grid: [{ dz, dh, rank, ...knobs }], train, initFromBackbone,
 *                  backbone: 'small' | 'large', fitInit, distill: { alpha, temperature }, matched: { knobs } }
 *   bootstrap    { resamples, seed }
 *   backbones    store of trained float backbones (backbones.ts; e.g. results/backbones): a stored
 *                backbone is loaded instead of trained, a newly trained one is stored
 */

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import { appendResult, readResults, type ByteBreakdown, type CurvePoint, type ResultRecord } from '../eval/results.ts';
import type { GeneratorKnobs, KnobBase } from '../hyper/config.ts';
import type { Deployable } from '../hyper/deployable.ts';
import { GAIN_MODES, HEADS } from '../hyper/heads.ts';
import type { SeparableCnn, SeparableCnnConfig } from '../nn/models/separable_cnn.ts';
import type { TrainConfig } from '../nn/trainer.ts';
import type { IntModel } from '../quant/int_model.ts';
import { ArgumentError, FormatError, ResourceError } from '../util/errors.ts';
import { checkTask, defaultDataDir, describeDataset, knobBaseOf, largePresetOf, loadTask, smallPresetOf, type TaskName } from './data.ts';
import { evaluate, resultRecord, savePredictions, type Evaluable } from './evaluate.ts';
import { readBackbone, storeBackbone, type BackboneKind } from './backbones.ts';
import { inShard, type Shard } from './shards.ts';
import {
  VARIANTS, floatBytes, hyperFlashBytes, intBytes, knobsOf, matchWidth, modelConfigFor, pw4bit, pwInt8, quantizeModel, readIntegerModel, trainFloat, trainHyper, trainLowRank,
  writeIntegerModel, type QatStage, type VariantName,
} from './variants.ts';

export interface ModelStage {
  preset?: string;
  overrides?: Partial<SeparableCnnConfig>;
  train?: Partial<TrainConfig>;
}

type QuantMethod = 'ptq' | 'qat';

/** Plot label of int8-large by method ('INT8' for the config's first method, as before lists existed). */
const INT8_LARGE_LABEL: Record<QuantMethod, string> = { ptq: 'INT8 (PTQ)', qat: 'INT8 (QAT)' };

export interface SweepConfig {
  name?: string;
  task: TaskName;
  data?: string;
  out: string;
  cacheDir?: string;
  seeds?: number[];
  variants?: VariantName[];
  small?: ModelStage;
  large?: ModelStage;
  quantize?: { large?: QuantMethod | QuantMethod[]; small?: QuantMethod; qat?: QatStage; calibration?: number };
  lowRank?: { ranks: number[] };
  hyper?: HyperSweepConfig;
  bootstrap?: { resamples?: number; seed?: number };
  /** store of trained float backbones, <backbones>/<task>/seed<k>/ (default: none) */
  backbones?: string;
}

/** The hyper part of a sweep config (configs/README.md): the compressions of a trained backbone. */
export interface HyperSweepConfig {
  base?: KnobBase;
  grid?: Partial<GeneratorKnobs>[];
  train?: Partial<TrainConfig>;
  initFromBackbone?: boolean;
  /** which trained backbone pw-*, hypertinypw and cnn-matched start from (default 'small') */
  backbone?: 'small' | 'large';
  /** fit the generator / low-rank factors to the trained PW kernels first (default true) */
  fitInit?: boolean;
  /** distillation from the large float CNN while training pw-lowrank / hypertinypw (default off) */
  distill?: { alpha?: number; temperature?: number };
  /** cnn-matched: the HyperTinyPW point whose flash the scaled CNN matches (default the last grid point) */
  matched?: { knobs: Partial<GeneratorKnobs> };
}

/** Defaults applied under a config (documented in configs/README.md). */
export const DEFAULT_SWEEP = {
  cacheDir: '.cache/hypertinypw',
  seeds: [0],
  variants: [...VARIANTS] as VariantName[],
  smallTrain: { epochs: 12, batchSize: 64, lr: 3e-3 } as Partial<TrainConfig>,
  largeTrain: { epochs: 6, batchSize: 64, lr: 2e-3 } as Partial<TrainConfig>,
  quantize: { large: 'ptq' as const, small: 'qat' as const, qat: { epochs: 2, lr: 5e-4 }, calibration: 512 },
  ranks: [4, 8],
  grid: [{ dz: 4, dh: 12, rank: 3 }, { dz: 6, dh: 16, rank: 4 }, { dz: 8, dh: 24, rank: 8 }] as Partial<GeneratorKnobs>[],
  bootstrap: { resamples: 1000, seed: 0 },
};

/** Plot label of a variant without grid knobs. */
export const DEFAULT_LABEL: Record<VariantName, string> = {
  'float-large': 'float32', 'int8-large': 'INT8', 'pw-int8': 'PW INT8', 'pw-lowrank': '', 'pw-4bit': 'PW 4-bit', hypertinypw: '', 'cnn-matched': 'CNN, matched flash',
};

export interface SweepJob {
  id: string;
  variant: VariantName;
  seed: number;
  /** label of the point in plots (e.g. 'dz4-dh12-r3', 'r8') */
  label: string;
  config: Record<string, unknown>;
}

export function readSweepConfig(path: string): SweepConfig {
  if (!existsSync(path)) throw new FormatError(path, 'no such file or directory');
  let c: SweepConfig;
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as SweepConfig;
  } catch (e) {
    throw new FormatError(path, `not a sweep config: not valid JSON (${(e as Error).message})`);
  }
  if (typeof c.out !== 'string') throw new ArgumentError('sweep', `${path}: "out" (output directory) is required`);
  checkTask(c.task);
  return c;
}

/** 'dz8-dh8-r64', plus the structural knobs that differ from the defaults (ablations: '-perlayer', '-allpw', ...). */
export function knobLabel(k: Partial<GeneratorKnobs>): string {
  const g = knobsOf({ knobs: k });
  const gen = Array.isArray(g.generated) ? `-pw${g.generated.join('.')}` : g.generated === 'all' ? '-allpw' : '';
  return `dz${g.dz}-dh${g.dh}-r${g.rank}${g.sharing === 'per-layer' ? '-perlayer' : ''}${gen}${HEADS[g.head].idSuffix}${GAIN_MODES[g.gains].idSuffix}${bitsLabel(g)}`;
}

/** The storage bit widths in an id when they differ from the defaults: '-b8' when all five are 8,
 * else '-bits' + code, trunk, head, basis, gain bits (e.g. '-bits66886'). */
function bitsLabel(g: GeneratorKnobs): string {
  const d = knobsOf({ knobs: {} });
  const bits = [g.codeBits, g.trunkBits, g.headBits, g.basisBits, g.gainBits];
  const defaults = [d.codeBits, d.trunkBits, d.headBits, d.basisBits, d.gainBits];
  if (bits.every((b, i) => b === defaults[i])) return '';
  return bits.every((b) => b === bits[0]) ? `-b${bits[0]}` : `-bits${bits.join('')}`;
}

/** The methods int8-large runs with (quantize.large: one or a list, each once). */
function largeQuantMethods(c: SweepConfig): QuantMethod[] {
  const m = c.quantize?.large ?? DEFAULT_SWEEP.quantize.large;
  const list = Array.isArray(m) ? m : [m];
  if (list.length === 0 || list.some((x) => x !== 'ptq' && x !== 'qat') || new Set(list).size !== list.length) {
    throw new ArgumentError('sweep', `quantize.large: expected 'ptq', 'qat' or a list of distinct ones, got ${JSON.stringify(m)}`);
  }
  return list;
}

/** The list of models a config trains and evaluates, in run order (cheap small models first). */
export function sweepJobs(c: SweepConfig): SweepJob[] {
  const variants = new Set(c.variants ?? DEFAULT_SWEEP.variants);
  for (const v of variants) if (!(VARIANTS as readonly string[]).includes(v)) throw new ArgumentError('sweep', `unknown variant "${v}" (${VARIANTS.join(', ')})`);
  const jobs: SweepJob[] = [];
  const add = (variant: VariantName, seed: number, label: string, config: Record<string, unknown>, plotLabel?: string) =>
    jobs.push({ id: `${c.task}.${variant}${label ? `.${label}` : ''}.s${seed}`, variant, seed, label, config: { ...config, label: plotLabel ?? (label || DEFAULT_LABEL[variant]) } });
  const largeMethods = largeQuantMethods(c);
  // QAT with distillation is another protocol for the trained compressions: '-kd' keeps their ids apart
  const kd = c.quantize?.qat?.distill === true ? '-kd' : '';
  if (kd && !c.hyper?.distill) throw new ArgumentError('sweep', 'quantize.qat.distill needs hyper.distill (the teacher and its alpha / temperature)');
  for (const seed of c.seeds ?? DEFAULT_SWEEP.seeds) {
    if (variants.has('pw-int8')) add('pw-int8', seed, '', {});
    if (variants.has('pw-4bit')) add('pw-4bit', seed, '', { pwBits: 4 });
    if (variants.has('pw-lowrank')) for (const r of c.lowRank?.ranks ?? DEFAULT_SWEEP.ranks) add('pw-lowrank', seed, `r${r}${kd}`, { rank: r });
    if (variants.has('hypertinypw')) for (const k of c.hyper?.grid ?? DEFAULT_SWEEP.grid) add('hypertinypw', seed, `${knobLabel(k)}${kd}`, { knobs: knobsOf({ knobs: k, base: c.hyper?.base ?? knobBaseOf(c.task) }) });
    if (variants.has('cnn-matched')) {
      const k = c.hyper?.matched?.knobs ?? (c.hyper?.grid ?? DEFAULT_SWEEP.grid).at(-1)!;
      add('cnn-matched', seed, `match-${knobLabel(k)}`, { matchKnobs: knobsOf({ knobs: k, base: c.hyper?.base ?? knobBaseOf(c.task) }) });
    }
    if (variants.has('float-large')) add('float-large', seed, '', {});
    if (variants.has('int8-large')) {
      largeMethods.forEach((method, i) => (i === 0 ? add('int8-large', seed, '', { method }) : add('int8-large', seed, method, { method }, INT8_LARGE_LABEL[method])));
    }
  }
  return jobs;
}

export interface SweepOptions {
  quiet?: boolean;
  /** progress lines (default: stderr) */
  log?: (msg: string) => void;
  /** called after each model's line is appended (tests throw here to simulate a kill) */
  onJobDone?: (job: SweepJob, record: ResultRecord) => void;
  /** an already loaded dataset (tests) */
  dataset?: Dataset;
  /** only list what would run */
  dryRun?: boolean;
  /** run only the float-large jobs (train, store and evaluate the large backbones) */
  backbonesOnly?: boolean;
  /** run only this slice of the job list (shards.ts) */
  shard?: Shard;
  /** run only the jobs whose id contains one of these strings (in this order of priority) */
  only?: string[];
}

export interface SweepSummary {
  resultsPath: string;
  ran: string[];
  skipped: string[];
  failed: { id: string; error: string }[];
  seconds: number;
}

function fmt(s: number): string {
  return s < 60 ? `${s.toFixed(0)}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${(s / 3600).toFixed(1)}h`;
}

/** Run (or continue) a sweep. */
export async function runSweep(c: SweepConfig, o: SweepOptions = {}): Promise<SweepSummary> {
  const t0 = Date.now();
  const log = o.log ?? ((m: string) => { if (!o.quiet) process.stderr.write(`${m}\n`); });
  const out = c.out;
  mkdirSync(out, { recursive: true });
  const resultsPath = join(out, 'results.jsonl');
  const done = new Set(existsSync(resultsPath) ? readResults(resultsPath).records.map((r) => r.id) : []);
  const sliced = sweepJobs(c).filter((j, k) => inShard(k, o.shard) && (!o.backbonesOnly || j.variant === 'float-large'));
  const jobs = o.only ? o.only.flatMap((s) => sliced.filter((j) => j.id.includes(s))).filter((j, i, a) => a.indexOf(j) === i) : sliced;
  const todo = jobs.filter((j) => !done.has(j.id));
  log(`sweep ${c.name ?? c.task}: ${jobs.length} models, ${jobs.length - todo.length} already in ${resultsPath}, ${todo.length} to run`);
  const summary: SweepSummary = { resultsPath, ran: [], skipped: jobs.filter((j) => done.has(j.id)).map((j) => j.id), failed: [], seconds: 0 };
  if (o.dryRun || todo.length === 0) {
    for (const j of jobs) log(`  ${done.has(j.id) ? 'done' : 'todo'}  ${j.id}`);
    summary.seconds = (Date.now() - t0) / 1000;
    return summary;
  }
  const data = c.data ?? defaultDataDir(c.task).dir;
  const ds = o.dataset ?? loadTask(c.task, data, { cacheDir: c.cacheDir ?? DEFAULT_SWEEP.cacheDir, onProgress: o.quiet ? undefined : log });
  log(`data: ${describeDataset(ds)}`);
  const runs = join(out, 'runs', c.task);
  const bootstrap = { ...DEFAULT_SWEEP.bootstrap, ...(c.bootstrap ?? {}) };
  const quant = { ...DEFAULT_SWEEP.quantize, ...(c.quantize ?? {}) };
  const smallPreset = c.small?.preset ?? smallPresetOf(c.task);
  const largePreset = c.large?.preset ?? largePresetOf(c.task);
  const smallTrain = { ...DEFAULT_SWEEP.smallTrain, ...(c.small?.train ?? {}) };
  const largeTrain = { ...DEFAULT_SWEEP.largeTrain, ...(c.large?.train ?? {}) };
  const note = (m: string) => log(`  ${m}`);

  // shared intermediate stages, memoized per seed
  const smallCfg = (seed: number) => modelConfigFor(ds, smallPreset, { ...(c.small?.overrides ?? {}), seed });
  const largeCfg = (seed: number) => modelConfigFor(ds, largePreset, { ...(c.large?.overrides ?? {}), seed });
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, f: () => Promise<T>): Promise<T> => {
    if (!memo.has(key)) memo.set(key, f());
    return memo.get(key) as Promise<T>;
  };
  // a float backbone: from the store when it holds one, else trained (resumable) and stored
  const floatBackbone = async (kind: BackboneKind, seed: number, preset: string, cfg: SeparableCnnConfig, trainCfg: Partial<TrainConfig>) => {
    const stored = c.backbones ? readBackbone(c.backbones, c.task, seed, kind) : null;
    if (stored) {
      log(`  the ${kind} backbone (seed ${seed}) from ${c.backbones}`);
      return stored;
    }
    const runDir = join(runs, `${kind}.s${seed}`);
    log(`  training the ${kind === 'large' ? 'large float CNN' : 'small backbone'} (${preset}, seed ${seed}, up to ${trainCfg.epochs} epochs${trainCfg.patience ? `, patience ${trainCfg.patience}` : ''}) in ${runDir}`);
    const f = await trainFloat(ds, cfg, runDir, { train: { ...trainCfg, seed }, quiet: o.quiet, note });
    if (c.backbones) {
      const best = f.curves.reduce((a, p) => (p.valMacroF1 > a.valMacroF1 ? p : a), f.curves[0]);
      const file = storeBackbone(c.backbones, join(runDir, 'best.ckpt'), {
        task: c.task, seed, kind, preset, parameters: f.model.parameterCount(), curves: f.curves, bestEpoch: best.epoch, bestValMacroF1: best.valMacroF1,
        seconds: f.seconds, data: describeDataset(ds), train: { ...trainCfg, seed },
      });
      log(`  stored the ${kind} backbone in ${file}`);
    }
    return f;
  };
  const backbone = (seed: number) => once(`small.${seed}`, () => floatBackbone('small', seed, smallPreset, smallCfg(seed), smallTrain));
  const large = (seed: number) => once(`large.${seed}`, () => floatBackbone('large', seed, largePreset, largeCfg(seed), largeTrain));
  // the backbone the compressions start from (hyper.backbone): the small one or the large CNN
  const onLarge = c.hyper?.backbone === 'large';
  const base = (seed: number) => (onLarge ? large(seed) : backbone(seed));
  const baseCfg = (seed: number) => (onLarge ? largeCfg(seed) : smallCfg(seed));
  const basePreset = onLarge ? largePreset : smallPreset;
  const pwDir = (seed: number) => join(runs, `pw-int8${onLarge ? '-large' : ''}.s${seed}`);
  const hyperStage = async (seed: number) => ({
    init: c.hyper?.initFromBackbone === false ? undefined : (await base(seed)).model,
    fitInit: c.hyper?.fitInit, distill: c.hyper?.distill, teacher: c.hyper?.distill ? (await large(seed)).model : undefined,
    train: { ...smallTrain, ...(c.hyper?.train ?? {}), seed }, qat: quant.qat, quiet: o.quiet, note, calibration: quant.calibration,
  });
  const pwInt8Model = (seed: number) => once(`pwint8.${seed}`, async (): Promise<IntModel> => {
    const file = join(pwDir(seed), 'int8.htpw');
    if (existsSync(file)) return readIntegerModel(file) as IntModel;
    const b = await base(seed);
    log(`  quantizing the ${onLarge ? 'large' : 'small'} backbone (${quant.small})`);
    const im = await quantizeModel(b.model, ds, { method: quant.small, qat: quant.qat, calibration: quant.calibration, quiet: o.quiet, outDir: join(pwDir(seed), 'qat') });
    mkdirSync(pwDir(seed), { recursive: true });
    writeIntegerModel(file, im);
    return im;
  });

  let k = 0;
  for (const job of jobs) {
    k++;
    if (done.has(job.id)) {
      log(`[${k}/${jobs.length}] ${job.id}: already in the results, skipped`);
      continue;
    }
    const tj = Date.now();
    log(`[${k}/${jobs.length}] ${job.id}`);
    let record: ResultRecord | null = null;
    try {
      let model: Evaluable;
      let bytes: { flash: ByteBreakdown; ram: ByteBreakdown };
      let curves: CurvePoint[] | undefined;
      const extra: Record<string, unknown> = {};
      const jobDir = join(runs, job.id);
      switch (job.variant) {
        case 'float-large': {
          const l = await large(job.seed);
          model = l.model;
          bytes = floatBytes(l.model);
          curves = l.curves;
          extra.parameters = l.model.parameterCount();
          extra.preset = largePreset;
          break;
        }
        case 'int8-large': {
          const l = await large(job.seed);
          const im = await quantizeModel(l.model, ds, { method: job.config.method as QuantMethod, qat: quant.qat, calibration: quant.calibration, quiet: o.quiet, outDir: join(jobDir, 'qat') });
          model = pwInt8(im);
          bytes = intBytes(model as Deployable);
          curves = l.curves;
          extra.preset = largePreset;
          break;
        }
        case 'pw-int8': {
          model = pwInt8(await pwInt8Model(job.seed));
          bytes = intBytes(model as Deployable);
          curves = (await base(job.seed)).curves;
          extra.preset = basePreset;
          break;
        }
        case 'pw-4bit': {
          model = pw4bit(await pwInt8Model(job.seed));
          bytes = intBytes(model as Deployable);
          extra.preset = basePreset;
          break;
        }
        case 'pw-lowrank': {
          const lr = await trainLowRank(ds, baseCfg(job.seed), job.config.rank as number, jobDir, await hyperStage(job.seed));
          model = lr.deployable;
          bytes = intBytes(lr.deployable);
          curves = lr.curves;
          extra.preset = basePreset;
          if (lr.fitRelError) extra.fitRelError = lr.fitRelError;
          extra.training = 'W = A B trained end to end from the float backbone, QAT, two stored INT8 PWs per layer';
          break;
        }
        case 'hypertinypw': {
          const h = await trainHyper(ds, baseCfg(job.seed), jobDir, { ...(await hyperStage(job.seed)), knobs: job.config.knobs as Partial<GeneratorKnobs>, base: c.hyper?.base ?? knobBaseOf(c.task) });
          model = h.deployable;
          bytes = intBytes(h.deployable);
          curves = h.curves;
          extra.preset = basePreset;
          if (h.fitRelError) Object.assign(extra, { fitRelError: h.fitRelError, fitRelErrorQuantized: h.fitRelErrorQuantized });
          const a = intBytes(h.deployable).account;
          extra.generatorFraction = a.generatorFraction;
          extra.generatedInt8Bytes = a.generatedInt8Bytes;
          break;
        }
        case 'cnn-matched': {
          const target = hyperFlashBytes(baseCfg(job.seed), job.config.matchKnobs as GeneratorKnobs);
          const w = matchWidth(baseCfg(job.seed), target);
          log(`  width ${w.multiplier} of ${basePreset}: ${w.bytes} B INT8 against ${target} B of ${job.label.replace(/^match-/, '')}`);
          const f = await trainFloat(ds, w.config, join(jobDir, 'float'), { train: { ...smallTrain, ...(c.hyper?.train ?? {}), seed: job.seed }, quiet: o.quiet, note });
          model = pwInt8(await quantizeModel(f.model, ds, { method: quant.small, qat: quant.qat, calibration: quant.calibration, quiet: o.quiet, outDir: join(jobDir, 'qat') }));
          bytes = intBytes(model as Deployable);
          curves = f.curves;
          Object.assign(extra, { preset: basePreset, widthMultiplier: w.multiplier, targetFlash: target, parameters: f.model.parameterCount() });
          break;
        }
      }
      if (job.variant !== 'float-large') {
        mkdirSync(jobDir, { recursive: true });
        writeIntegerModel(join(jobDir, 'model.htpw'), model as Deployable);
      }
      log(`  evaluating (${job.variant === 'float-large' ? 'float' : 'simulator'}, thresholds on val, ${bootstrap.resamples} bootstrap resamples)`);
      const ev = evaluate(model, ds, { resamples: bootstrap.resamples, seed: bootstrap.seed });
      const rec = resultRecord(ev, {
        id: job.id, variant: job.variant, seed: job.seed, flash: bytes.flash, ram: bytes.ram, curves,
        config: { ...job.config, ...extra, data: resolve(isAbsolute(data) ? data : resolve(data)) },
        durationSec: (Date.now() - tj) / 1000,
      });
      savePredictions(out, job.id, ev.predictions);
      for (const w of appendResult(resultsPath, rec)) log(`  ${w}`);
      summary.ran.push(job.id);
      const m = ev.metrics;
      log(`  ${job.id}: flash ${bytes.flash.total} B, RAM ${bytes.ram.total} B, macro-F1 ${m.macroF1.value.toFixed(3)} [${m.macroF1.lo.toFixed(3)}, ${m.macroF1.hi.toFixed(3)}], ${fmt((Date.now() - tj) / 1000)} (total ${fmt((Date.now() - t0) / 1000)})`);
      record = rec;
    } catch (e) {
      // the machine stands in the way (a full disk, a run directory locked by another process):
      // every later model would fail the same way, so the sweep stops here with that one line
      if (e instanceof ResourceError) throw e;
      const msg = (e as Error).message;
      log(`  FAILED ${job.id}: ${msg}`);
      summary.failed.push({ id: job.id, error: msg });
    }
    if (record) o.onJobDone?.(job, record);
  }
  summary.seconds = (Date.now() - t0) / 1000;
  log(`sweep done in ${fmt(summary.seconds)}: ${summary.ran.length} run, ${summary.skipped.length} skipped, ${summary.failed.length} failed; results in ${resultsPath}`);
  return summary;
}
