/**
 * hypertinypw nn: modules, layers, the separable CNN family, optimizers, losses, trainer and
 * checkpoints, over the Tensor + autodiff API of src/core.
 *
 *   const model = new SeparableCnn(separableCnnConfig('small', { numClasses: 5 }));
 *   const res = await train({ spec: { family: 'separable_cnn', config: model.config }, model,
 *                             data: trainDataOf(dataset), config: { epochs: 20 }, outDir: 'runs/x' });
 *   const { model: best } = loadModel('runs/x/best.ckpt');   // eval mode
 *   best.layers();                                          // LayerDescriptor[] for src/quant
 *   model.pointwiseLayers()[1][1].setWeightProvider(() => generator.weightFor(1)); // PW hook
 */
export { Module } from './module.ts';
export type { LayerDescriptor, LayerKind, TraceValue } from './descriptor.ts';
export {
  Conv1d, DepthwiseConv1d, PointwiseConv1d, BatchNorm1d, Linear, ReLU, ReLU6, Sigmoid, Pool1d, GlobalAvgPool1d,
  Dropout, Sequential, Residual, SqueezeExcite, type ConvLayerOptions, type WeightProvider,
} from './layers.ts';
export {
  SeparableCnn, SeparableBlock, buildModel, separableCnnConfig, checkSeparableCnnConfig, ECG_SMALL, ECG_LARGE, KWS_SMALL, PRESETS,
  type SeparableCnnConfig, type BlockSpec, type ModelSpec,
} from './models/separable_cnn.ts';
export {
  Optimizer, Sgd, Adam, AdamW, Ema, makeOptimizer, learningRate, clipGradNorm,
  type OptimizerConfig, type OptimizerState, type ScheduleConfig, type SgdOptions, type AdamOptions,
} from './optim.ts';
export { bindLoss, classCounts, classWeights, balancedSample, packMultiLabel, unpackMultiLabel, positiveCounts, multiLabelLoss, type LossConfig, type BoundLoss } from './losses.ts';
export { bindDistillation, distillationTerm, type DistillConfig } from './distill.ts';
export { gatherBatch, predictLogits, argmaxRows, reseedDropout, lossAndGrads } from './batch.ts';
export {
  CHECKPOINT_MAGIC, CHECKPOINT_VERSION, RUN_FILES, saveCheckpoint, loadCheckpoint, loadModel, saveRotating, latestCheckpoint,
  type CheckpointContents, type SaveCheckpointOptions,
} from './checkpoint.ts';
export { DataParallelEngine, InProcessEngine, shardBounds, type GradEngine } from './parallel.ts';
export {
  train, trainDataOf, resolveTrainConfig, DEFAULT_TRAIN_CONFIG,
  type TrainConfig, type TrainData, type TrainOptions, type TrainResult, type EpochLog, type BatchInfo,
} from './trainer.ts';
export { withRrChannels, rrChannels, RR_CHANNELS } from './features.ts';
