import { splitIndices } from '../../data/dataset.ts';
import { argmaxRows, predictLogits } from '../../nn/batch.ts';
import { loadModel } from '../../nn/checkpoint.ts';
import { trainDataOf, validationScore } from '../../nn/trainer.ts';
import { evenCalibration, loadTask, taskOfFlag } from '../../pipeline/data.ts';
import { modelScores } from '../../pipeline/evaluate.ts';
import { convertToIntModel } from '../../quant/convert.ts';
import type { IntModel, RoundingMode } from '../../quant/int_model.ts';
import { writeIntModel } from '../../quant/int_model_io.ts';
import { ptq } from '../../quant/ptq.ts';
import { qatFineTune } from '../../quant/qat.ts';
import { UsageError, checkKnownFlags, numberFlag, parseArgs, stringFlag, inputFile, type Command } from '../command.ts';

/**
 * `hypertinypw quantize`: float checkpoint -> IntModel (.htpw) by post-training quantization
 * (calibration on training examples) or quantization-aware fine-tuning (BN frozen, EMA ranges),
 * then the test split (DS2) through the bit-exact simulator: macro-F1 (argmax) of the float
 * model and of the IntModel, and how often their predictions agree.
 */

const HELP = `hypertinypw quantize: quantize a trained checkpoint to an INT8 IntModel (.htpw)

usage:
  hypertinypw quantize <checkpoint.ckpt> --data <dir> --task <aami|binary|apnea|ptbxl|...> --method <ptq|qat> --out <model.htpw> [options]

options:
  --data <dir>             MIT-BIH directory (e.g. data/demo/mitdb)
  --task aami|binary       the checkpoint's task (default aami; also apnea, apnea-5min, ptbxl, ptbxl-lead2, kws12)
  --method ptq|qat         post-training quantization or QAT fine-tuning (default ptq)
  --calib minmax|ema|percentile   calibration method (default minmax)
  --percentile P           for --calib percentile (default 99.99)
  --calib-examples N       training examples used for calibration (default 4096)
  --epochs N               QAT epochs (default 3)
  --lr X                   QAT learning rate (default 5e-4)
  --batch-size N           QAT batch size (default 64)
  --rounding double|single requantization rounding (default double, TFLite Micro's)
  --qat-dir <dir>          QAT run directory (checkpoints, train.jsonl; default none)
  --cache <dir>            preprocessed-beat cache (default .cache/hypertinypw)
  --rr                     the checkpoint was trained with the 6 RR channels (default: read from the
                           checkpoint's meta.extra.rrChannels; MIT-BIH checkpoints without it: with)
  --quiet                  no progress output`;

function decisions(logits: Float32Array, k: number, multi: boolean): Int32Array {
  if (!multi) return argmaxRows(logits, k);
  const out = new Int32Array(logits.length / k);
  for (let i = 0; i < out.length; i++) for (let j = 0; j < k; j++) if (logits[i * k + j] >= 0) out[i] |= 1 << j;
  return out;
}

export const quantizeCommand: Command = {
  name: 'quantize',
  summary: 'quantize a checkpoint to an INT8 IntModel (PTQ or QAT) and check it in the simulator',
  help: HELP,
  async run(args: string[]): Promise<number> {
    const p = parseArgs(args, ['rr', 'quiet']);
    checkKnownFlags(p, ['data', 'task', 'method', 'calib', 'percentile', 'calib-examples', 'epochs', 'lr', 'batch-size', 'rounding', 'qat-dir', 'cache', 'rr', 'quiet', 'out']);
    const ckpt = p.positional[0];
    if (ckpt === undefined) throw new UsageError('quantize needs a <checkpoint.ckpt> argument');
    inputFile(ckpt);
    const data = stringFlag(p, 'data');
    const out = stringFlag(p, 'out');
    const task = stringFlag(p, 'task', 'aami');
    const method = stringFlag(p, 'method', 'ptq');
    const calib = stringFlag(p, 'calib', 'minmax');
    const rounding = stringFlag(p, 'rounding', 'double') as RoundingMode;
    if (data === undefined) throw new UsageError('--data <dir> is required');
    if (out === undefined) throw new UsageError('--out <model.htpw> is required');
    const taskName = taskOfFlag(task!);
    if (method !== 'ptq' && method !== 'qat') throw new UsageError(`--method must be ptq or qat, got "${method}"`);
    if (calib !== 'minmax' && calib !== 'ema' && calib !== 'percentile') throw new UsageError(`--calib must be minmax, ema or percentile, got "${calib}"`);
    if (rounding !== 'double' && rounding !== 'single') throw new UsageError(`--rounding must be double or single, got "${rounding as string}"`);
    const quiet = p.flags.get('quiet') === true;
    const t0 = Date.now();

    const { model, checkpoint } = loadModel(ckpt);
    const extra = (checkpoint.meta.extra ?? {}) as { rrChannels?: boolean };
    const rr = p.flags.get('rr') === true || extra.rrChannels !== false;
    const ds = loadTask(taskName, data, { cacheDir: stringFlag(p, 'cache', '.cache/hypertinypw'), rr });
    const cfg = model.config;
    if (ds.shape[1] !== cfg.inputLength || ds.shape[2] !== cfg.inputChannels || ds.classes.length !== cfg.numClasses) {
      throw new UsageError(`checkpoint takes [${cfg.inputLength}, ${cfg.inputChannels}] -> ${cfg.numClasses} classes, data is [${ds.shape[1]}, ${ds.shape[2]}] with ${ds.classes.length} classes (check --task / --rr)`);
    }
    const train = splitIndices(ds, 'train');
    const test = splitIndices(ds, 'test');
    // labels as the trainer sees them (multi-label: packed masks); decisions: argmax, or the
    // mask of sigmoid >= 0.5 per class
    const td = trainDataOf(ds);
    const multi = td.multiLabel === true;
    const yt = test.map((i) => td.y[i]);
    const K = ds.classes.length;
    const floatLogits = predictLogits(model, ds.x, ds.shape, test).logits;
    const floatPred = decisions(floatLogits, K, multi);
    const floatF1 = validationScore(floatLogits, K, yt, multi).f1;

    const meta = { task: ds.name, classes: ds.classes, source: ckpt, method };
    let im: IntModel;
    if (method === 'ptq') {
      im = ptq(model, evenCalibration(ds, train, numberFlag(p, 'calib-examples', 4096)!), { method: calib, percentile: numberFlag(p, 'percentile'), rounding, name: `${ds.name}-ptq`, meta }).intModel;
    } else {
      const res = await qatFineTune(model, td, {
        epochs: numberFlag(p, 'epochs', 3)!, lr: numberFlag(p, 'lr', 5e-4)!, outDir: stringFlag(p, 'qat-dir'), quiet, rounding,
        calibMethod: calib, calibExamples: numberFlag(p, 'calib-examples', 4096), config: { batchSize: numberFlag(p, 'batch-size', 64)! },
        onNote: (m) => { if (!quiet) console.error(`quantize: ${m}`); },
      });
      im = convertToIntModel(model, res.ranges, { rounding, name: `${ds.name}-qat`, meta: { ...meta, qatEpochs: res.result.history.length, qatBestEpoch: res.result.bestEpoch } });
    }
    writeIntModel(out, im);
    const intLogits = modelScores(im, ds, test, 512).scores;
    const intPred = decisions(intLogits, K, multi);
    let agree = 0;
    for (let i = 0; i < test.length; i++) if (intPred[i] === floatPred[i]) agree++;
    console.log(JSON.stringify({
      out, method, calib, rounding, testExamples: test.length, floatMacroF1: floatF1, intMacroF1: validationScore(intLogits, K, yt, multi).f1,
      predictionAgreement: agree / Math.max(1, test.length), seconds: (Date.now() - t0) / 1000,
    }));
    return 0;
  },
};
