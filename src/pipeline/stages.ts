/**
 * The stages the pipeline orchestrates, as the library folders implement them (one place to see
 * which function of which folder each pipeline step calls):
 *
 *   src/quant  ptq(model, calib) -> { intModel, ranges }                     (ptq.ts)
 *              qatFineTune(model, data, { epochs, lr, ... }) -> { qat, ranges } (qat.ts)
 *              convertToIntModel(model, ranges, opts) -> IntModel              (convert.ts)
 *   src/hyper  buildHyperModel(config, knobs) -> HyperModel, buildLowRankModel (hyper_model.ts)
 *              trainHyperModel(model, data, opts): the nn trainer, workers 1
 *              qatCompress(model, data, calib, opts) -> { deployable, intModel } (compress.ts)
 *              compressLowRank(model, calib, opts) -> { deployable, intModel }
 */

export { ptq } from '../quant/ptq.ts';
export { qatFineTune } from '../quant/qat.ts';
export { convertToIntModel } from '../quant/convert.ts';
export { buildHyperModel, buildLowRankModel, trainHyperModel, HyperModel, LowRankModel } from '../hyper/hyper_model.ts';
export { compressToDeployable, qatCompress, compressLowRank } from '../hyper/compress.ts';

export type { Calibration } from '../quant/calibrate.ts';
