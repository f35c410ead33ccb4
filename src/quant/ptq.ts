/**
 * Post-training quantization: calibrate the activation ranges on calibration examples, then
 * convert (BN folded, per-channel INT8 weights, INT32 biases) to an IntModel.
 */

import type { DescribedModel } from './bn_fold.ts';
import { calibrate, type ActivationRanges, type Calibration, type CalibrateOptions } from './calibrate.ts';
import { convertToIntModel } from './convert.ts';
import type { IntModel, IntModelMeta, RoundingMode } from './int_model.ts';

export interface PtqOptions {
  method?: CalibrateOptions['method'];
  percentile?: number;
  rounding?: RoundingMode;
  name?: string;
  batchSize?: number;
  weightOverrides?: Map<string, Float32Array>;
  meta?: IntModelMeta;
}

export function ptq(model: DescribedModel, calib: Calibration, opts: PtqOptions = {}): { intModel: IntModel; ranges: ActivationRanges } {
  const ranges = calibrate(model, calib.x, calib.shape, { method: opts.method, percentile: opts.percentile, batchSize: opts.batchSize, weightOverrides: opts.weightOverrides });
  const intModel = convertToIntModel(model, ranges, {
    name: opts.name, rounding: opts.rounding, weightOverrides: opts.weightOverrides,
    meta: { ...(opts.meta ?? {}), calibration: { method: opts.method ?? 'minmax', ...(opts.method === 'percentile' ? { percentile: opts.percentile ?? 99.99 } : {}), examples: calib.shape[0] } },
  });
  return { intModel, ranges };
}
