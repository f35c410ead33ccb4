import { FormatError } from '../../util/errors.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitIndices } from '../../data/dataset.ts';
import { confusionMatrix, macroF1 } from '../../eval/metrics.ts';
import { argmaxRows, predictLogits } from '../../nn/batch.ts';
import { separableCnnConfig, type SeparableCnnConfig } from '../../nn/models/separable_cnn.ts';
import { DEFAULT_TRAIN_CONFIG, train, trainDataOf, validationScore, type TrainConfig } from '../../nn/trainer.ts';
import { loadTask, smallPresetOf, taskOfFlag } from '../../pipeline/data.ts';
import { writeFileAtomic } from '../../util/atomic_write.ts';
import { lockDirectory } from '../../util/lock.ts';
import { UsageError, checkKnownFlags, numberFlag, parseArgs, stringFlag, inputFile, type Command } from '../command.ts';

/**
 * `hypertinypw train`: train a separable CNN on MIT-BIH (AAMI 5-class or binary), select the
 * best epoch on the validation records, then report the test (DS2) macro-F1 of the best weights
 * (argmax decisions) in <out>/summary.json.
 *
 * Config JSON (every field optional; command-line flags override it):
 *   {
 *     "data": "../shared/data/mitdb",     MIT-BIH directory (WFDB .hea/.dat/.atr)
 *     "task": "aami",                     'aami' (N S V F Q) | 'binary' (normal vs abnormal)
 *     "cacheDir": ".cache/hypertinypw",   preprocessed-beat cache
 *     "model": "small",                   preset: small (~24k params) | large (~339k) | kws
 *     "modelOverrides": {},               any SeparableCnnConfig field (numClasses is set from the task)
 *     "out": "runs/train",                run directory
 *     "rrChannels": true,                 MIT-BIH: append the 6 RR input channels (src/nn/features.ts; default true)
 *     "train": { ... }                    TrainConfig fields, defaults in src/nn/trainer.ts:
 *                                         epochs 20, batchSize 64, lr 3e-3, AdamW (wd 1e-4), cosine
 *                                         with 1 warmup epoch, clipNorm 5, weighted CE (power 0.5),
 *                                         shuffle sampler, patience 0, seed 0, workers 1
 *   }
 */

interface TrainFileConfig {
  data?: string;
  task?: 'aami' | 'binary';
  cacheDir?: string;
  model?: string;
  modelOverrides?: Partial<SeparableCnnConfig>;
  out?: string;
  train?: Partial<TrainConfig>;
  rrChannels?: boolean;
}

const HELP = `hypertinypw train: train a separable 1-D CNN on MIT-BIH and keep the best checkpoint

usage:
  hypertinypw train --config <json>
  hypertinypw train --data <dir> --task <aami|binary|apnea|ptbxl|...> --model <preset> --epochs N --out <dir> [options]

options:
  --config <file>          JSON config (fields: data, task, cacheDir, model, modelOverrides, out, train{...});
                           flags below override it
  --data <dir>             MIT-BIH directory with the WFDB records
  --task aami|binary|apnea|apnea-5min|ptbxl|ptbxl-lead2|kws12  the task (default aami: 5 AAMI classes)
  --model <preset>         small | large | kws | apnea | apnea-large | ptbxl | ptbxl-large (default: the task's small preset)
  --epochs N               epochs (default ${DEFAULT_TRAIN_CONFIG.epochs})
  --out <dir>              run directory: last.ckpt, prev.ckpt, best.ckpt, train.jsonl, summary.json
  --workers N              data-parallel gradient workers (default 1 = in process)
  --resume                 continue from the newest readable checkpoint in --out
  --batch-size N           (default ${DEFAULT_TRAIN_CONFIG.batchSize})
  --lr X                   peak learning rate (default ${DEFAULT_TRAIN_CONFIG.lr})
  --seed N                 data-order / dropout seed (default 0); the model init seed is modelOverrides.seed
  --patience N             early stopping patience in epochs (default 0 = off)
  --checkpoint-every K     also checkpoint every K batches
  --cache <dir>            preprocessed-beat cache (default .cache/hypertinypw)
  --no-rr                  MIT-BIH: beats without the 6 RR channels (default: with them; src/nn/features.ts;
                           config "rrChannels")
  --quiet                  no progress output`;

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a separable CNN on MIT-BIH (checkpoints, JSONL log, best checkpoint, resume)',
  help: HELP,
  async run(args: string[]): Promise<number> {
    const p = parseArgs(args, ['resume', 'quiet', 'no-rr']);
    checkKnownFlags(p, ['config', 'data', 'task', 'model', 'epochs', 'out', 'workers', 'resume', 'batch-size', 'lr', 'seed', 'patience', 'checkpoint-every', 'cache', 'quiet', 'no-rr']);
    const cfgPath = stringFlag(p, 'config');
    let file: TrainFileConfig = {};
    if (cfgPath !== undefined) {
      inputFile(cfgPath);
      try {
        file = JSON.parse(readFileSync(cfgPath, 'utf8')) as TrainFileConfig;
      } catch (e) {
        throw new FormatError(cfgPath, `not a training config: not valid JSON (${(e as Error).message})`);
      }
    }
    const data = stringFlag(p, 'data', file.data);
    const task = stringFlag(p, 'task', file.task ?? 'aami');
    const taskName = taskOfFlag(task!);
    const preset = stringFlag(p, 'model', file.model ?? smallPresetOf(taskName))!;
    const out = stringFlag(p, 'out', file.out);
    const cacheDir = stringFlag(p, 'cache', file.cacheDir ?? '.cache/hypertinypw');
    if (data === undefined) throw new UsageError('--data <dir> (or "data" in --config) is required');
    if (out === undefined) throw new UsageError('--out <dir> (or "out" in --config) is required');
    const trainCfg: Partial<TrainConfig> = { ...(file.train ?? {}) };
    const num = (flag: string, key: keyof TrainConfig) => {
      const v = numberFlag(p, flag);
      if (v !== undefined) (trainCfg as Record<string, unknown>)[key] = v;
    };
    num('epochs', 'epochs');
    num('workers', 'workers');
    num('batch-size', 'batchSize');
    num('lr', 'lr');
    num('seed', 'seed');
    num('patience', 'patience');
    num('checkpoint-every', 'checkpointEveryBatches');
    const quiet = p.flags.get('quiet') === true;

    // the run directory stays locked until summary.json is written (train() locks it again inside)
    const release = lockDirectory(out, (m) => console.error(`train: ${m}`));
    try {
      return await trainAndSummarize(p, args, { file, data, task, taskName, preset, out, cacheDir, trainCfg, quiet });
    } finally {
      release();
    }
  },
};

async function trainAndSummarize(
  p: ReturnType<typeof parseArgs>, args: string[],
  o: { file: TrainFileConfig; data: string; task: string | undefined; taskName: ReturnType<typeof taskOfFlag>; preset: string; out: string; cacheDir: string | undefined; trainCfg: Partial<TrainConfig>; quiet: boolean },
): Promise<number> {
    const { file, data, task, taskName, preset, out, cacheDir, trainCfg, quiet } = o;
    const t0 = Date.now();
    const rr = taskName.startsWith('mitbih') && p.flags.get('no-rr') !== true && file.rrChannels !== false;
    const ds = loadTask(taskName, data, { cacheDir, rr });
    const modelCfg = separableCnnConfig(preset, { ...(file.modelOverrides ?? {}), numClasses: ds.classes.length, inputLength: ds.shape[1], inputChannels: ds.shape[2] });
    const spec = { family: 'separable_cnn' as const, config: modelCfg };
    const td = trainDataOf(ds);
    if (!quiet) console.error(`train: ${ds.name}, ${td.train.length} train / ${td.val.length} val examples, model ${preset}`);
    const res = await train({
      spec, data: td, config: trainCfg, outDir: out, resume: p.flags.get('resume') === true, quiet,
      onNote: (m) => console.error(`train: ${m}`), extra: { dataset: ds.name, task, preset, rrChannels: rr },
    });
    const trainSeconds = (Date.now() - t0) / 1000;
    // test (DS2) with the best weights, argmax decisions
    const test = splitIndices(ds, 'test');
    const { logits, numClasses } = predictLogits(res.model, ds.x, ds.shape, test);
    const pred = argmaxRows(logits, numClasses);
    const yt = test.map((i) => ds.y[i]);
    // multi-label (PTB-XL): macro-F1 over the classes at sigmoid >= 0.5, no confusion matrix
    const multi = td.multiLabel === true;
    const summary = {
      dataset: ds.name, classes: ds.classes, model: preset, rrChannels: rr, parameters: res.model.parameterCount(),
      bestEpoch: res.bestEpoch, valMacroF1: res.bestValMacroF1, epochsRun: res.history.length, stoppedEarly: res.stoppedEarly,
      testMacroF1Argmax: multi ? validationScore(logits, numClasses, test.map((i) => td.y[i]), true).f1 : macroF1(yt, pred, numClasses),
      ...(multi ? {} : { testConfusion: confusionMatrix(yt, pred, numClasses) }),
      wallSeconds: trainSeconds, secondsPerEpoch: res.history.map((h) => Math.round(h.seconds * 10) / 10),
      command: `hypertinypw train ${args.join(' ')}`,
    };
    writeFileAtomic(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(JSON.stringify({ out, bestEpoch: summary.bestEpoch, valMacroF1: summary.valMacroF1, testMacroF1Argmax: summary.testMacroF1Argmax, wallSeconds: summary.wallSeconds }));
    return 0;
}
