export * from './int_model.ts';
export * from './fixed_point.ts';
export * from './quantize.ts';
export * from './kernels/index.ts';
export { simulate, simulateBatch, quantizeInput, dequantizeOutput, runOp, type SimulationResult } from './simulator.ts';
export { planArena, tensorLifetimes, flashBytesPerOp, flashBytesPerTensor, ARENA_ALIGNMENT, type ArenaPlan, type OpFlashBytes } from './arena.ts';
export { encodeIntModel, decodeIntModel, writeIntModel, readIntModel, INT_MODEL_MAGIC } from './int_model_io.ts';
export { validateIntModel, intModelProblems, accumulatorBound, tapsPerOutput, shapeSize, seqShape } from './validate.ts';
export { randomIntModel, randomInput, type RandomModelOptions } from './testing/random_model.ts';
export * from './storage.ts';
export {
  foldBatchNorm, fusedGraph, foldTensors, foldScaleTensor, runFused, foldedForward, bnInvStd, channelAxisOf,
  type FoldedLayer, type FusedGraph, type FusedStep, type FusedActivation, type WeightedKind, type WeightedStep, type DescribedModel, type FusedRunHooks,
} from './bn_fold.ts';
export { calibrate, type ActivationRanges, type CalibrateOptions } from './calibrate.ts';
export { fakeQuantWeightPerChannel, fakeQuantActivation, fakeQuantBias, fakeQuantGlobalAvgPool, weightScalesOf } from './fake_quant.ts';
export { QatModel, qatFineTune, type QatOptions, type QatFineTuneOptions } from './qat.ts';
export { convertToIntModel, type ConvertOptions } from './convert.ts';
export { ptq, type PtqOptions } from './ptq.ts';
