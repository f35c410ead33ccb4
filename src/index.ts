/**
 * hypertinypw: the library API. The objects of the end-to-end path (docs/ARCHITECTURE.md),
 * one hand-over per step, and the pipeline that strings them together:
 *
 *   Dataset ──train──▶ SeparableCnn (+ checkpoint) ──ptq / qatFineTune──▶ IntModel
 *           ──buildHyperModel + trainHyperModel + qatCompress──▶ Deployable ──synthesize──▶ IntModel
 *   IntModel ──simulateBatch──▶ scores ──evaluate──▶ metrics with CIs ──appendResult──▶ results.jsonl
 *   Deployable ──exportC / goldenFiles──▶ C sources       results ──writeReport──▶ report.md
 *
 * Example (the same steps as `hypertinypw run`, on the bundled demo data):
 *
 *   import { loadMitbih, separableCnnConfig, trainFloat, quantizeModel, trainHyper, evaluate,
 *            accountBytes, exportC, deployableFromIntModel } from 'hypertinypw';
 *   const ds = loadMitbih({ dir: 'data/demo/mitdb', task: 'aami' });
 *   const cfg = separableCnnConfig('small', { numClasses: ds.classes.length });
 *   const { model } = await trainFloat(ds, cfg, 'runs/demo/small', { train: { epochs: 20 } });
 *   const int8 = await quantizeModel(model, ds, { method: 'qat', qat: { epochs: 2, lr: 5e-4 } });
 *   const { deployable } = await trainHyper(ds, cfg, 'runs/demo/htpw', { knobs: { dz: 4, dh: 12, rank: 3 }, init: model, train: { epochs: 20 } });
 *   for (const m of [deployableFromIntModel(int8), deployable]) {
 *     const ev = evaluate(m, ds);                 // simulator; thresholds on val, 95% CIs on test
 *     console.log(ev.metrics.macroF1, accountBytes(m).flash.total);
 *   }
 *   const cFiles = exportC(deployable);           // Map<file name, C source>
 */

// --- data: Dataset ---
export type { Dataset, SplitName } from './data/dataset.ts';
export { splitIndices } from './data/dataset.ts';
export { loadMitbih, type LoadMitbihOptions } from './data/mitbih/load.ts';
export { AAMI_CLASSES, BINARY_CLASSES, DS1, DS2 } from './data/mitbih/aami.ts';
export { loadSpeechCommands, KWS_KEYWORDS, type SpeechCommandsOptions } from './data/audio/speech_commands.ts';
export { loadApnea, type LoadApneaOptions } from './data/apnea/load.ts';
export { APNEA_CLASSES, APNEA_LEARNING_RECORDS, APNEA_TEST_RECORDS } from './data/apnea/labels.ts';
export { diagnoseRecords, formatDiagnosis, type DiagnosisSummary } from './data/apnea/diagnosis.ts';
export { loadPtbxl, findPtbxlDatabase, PTBXL_SUPERCLASSES, PTBXL_LEADS, type LoadPtbxlOptions } from './data/ptbxl/load.ts';

// --- nn: float model, training, checkpoints ---
export { Module } from './nn/module.ts';
export type { LayerDescriptor } from './nn/descriptor.ts';
export { SeparableCnn, separableCnnConfig, buildModel, ECG_SMALL, ECG_LARGE, KWS_SMALL, type SeparableCnnConfig, type ModelSpec } from './nn/models/separable_cnn.ts';
export { APNEA_SMALL, APNEA_LARGE, PTBXL_SMALL, PTBXL_LARGE } from './nn/models/separable_cnn.ts';
export { train, trainDataOf, validationScore, DEFAULT_TRAIN_CONFIG, type TrainConfig, type TrainData, type TrainOptions, type TrainResult, type EpochLog } from './nn/trainer.ts';
export { predictLogits } from './nn/batch.ts';
export { saveCheckpoint, loadCheckpoint, loadModel, type CheckpointContents } from './nn/checkpoint.ts';

// --- quant: IntModel, PTQ / QAT, simulator, arena ---
export type { IntModel, IntOp, ActivationTensor, PwConv1dOp, RoundingMode } from './quant/int_model.ts';
export { ptq, type PtqOptions } from './quant/ptq.ts';
export { calibrate, type ActivationRanges } from './quant/calibrate.ts';
export { convertToIntModel, type ConvertOptions } from './quant/convert.ts';
export { QatModel, qatFineTune, type QatFineTuneOptions } from './quant/qat.ts';
export { simulate, simulateBatch, quantizeInput, dequantizeOutput, type SimulationResult } from './quant/simulator.ts';
export { planArena, type ArenaPlan } from './quant/arena.ts';
export { readIntModel, writeIntModel, encodeIntModel, decodeIntModel } from './quant/int_model_io.ts';

// --- hyper: generator, Deployable, synthesis, bytes ---
export { DEFAULT_KNOBS, makeConfig, configForModel, type GeneratorKnobs, type GeneratorConfig } from './hyper/config.ts';
export { FloatGenerator } from './hyper/generator_float.ts';
export { HyperModel, LowRankModel, buildHyperModel, buildLowRankModel, trainHyperModel, loadHyperModel } from './hyper/hyper_model.ts';
export { compressToDeployable, qatCompress, compressLowRank, type CompressOptions, type CompressResult } from './hyper/compress.ts';
export { type Deployable, buildDeployable, deployableFromIntModel, synthesize } from './hyper/deployable.ts';
export { readDeployable, writeDeployable, encodeDeployable, decodeDeployable } from './hyper/deployable_io.ts';
export { accountBytes, formatByteTable, type ByteAccount } from './hyper/bytes.ts';
export { factorizePw, quantizePwTo4Bit } from './hyper/ablations.ts';

// --- eval: metrics, thresholds, bootstrap, results ---
export { macroF1, accuracy, balancedAccuracy, macroAuc, confusionMatrix } from './eval/metrics.ts';
export { tuneThresholds, applyThresholds, scoreMatrix, type Thresholds, type TaskKind } from './eval/thresholds.ts';
export { bootstrapCI, pairedBootstrap, type ConfidenceInterval, type PairedBootstrapResult } from './eval/bootstrap.ts';
export { appendResult, readResults, type ResultRecord, type MetricWithCI, type ByteBreakdown } from './eval/results.ts';

// --- report, codegen ---
export { writeReport, type ReportOptions } from './report/report.ts';
export { exportC, exportCWithLayout, type ExportCOptions, type CLayout } from './codegen/export_c.ts';
export { goldenFiles, goldenCases } from './codegen/golden.ts';

// --- pipeline: the orchestration ---
export { TASKS, loadTask, defaultDataDir, calibrationOf, describeDataset, contextMinutesOf, type TaskName } from './pipeline/data.ts';
export { smallPresetOf, largePresetOf, knobBaseOf } from './pipeline/data.ts';
export {
  evaluate, modelScores, resultRecord, savePredictions, loadPredictions, compareModels, taskKindOf,
  type Evaluable, type Evaluation, type EvaluateOptions, type Predictions, type Comparison,
} from './pipeline/evaluate.ts';
export {
  VARIANTS, trainFloat, quantizeModel, trainHyper, trainLowRank, pw4bit, pwInt8, floatBytes, intBytes, modelConfigFor, knobsOf,
  readIntegerModel, writeIntegerModel, type VariantName,
} from './pipeline/variants.ts';
export { loadAnyModel, modelFileKind, type ModelFileKind } from './pipeline/model_file.ts';
export { runSweep, sweepJobs, readSweepConfig, DEFAULT_SWEEP, type SweepConfig, type SweepJob, type SweepOptions, type SweepSummary } from './pipeline/sweep.ts';
export { runPipeline, formatRunSummary, type RunOptions, type RunSummary } from './pipeline/run.ts';

// --- interop: scijs ndarray in and out (views where the layout allows) ---
export { Tensor } from './core/tensor.ts';
export { fromNdarray, toNdarray } from './core/create.ts';
export {
  datasetFromNdarrays, datasetToNdarrays, predictNdarray, simulateNdarray,
  type NdarrayDatasetOptions, type DatasetNdarrays,
} from './interop/ndarray.ts';
