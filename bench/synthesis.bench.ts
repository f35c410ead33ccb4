/**
 * HyperTinyPW synthesis in TypeScript for a MIT-BIH-sized separable CNN (stem 32, widths
 * 32,64,64,128,128,128; PW1 kept, 5 generated layers of 32..128 channels), default MIT-BIH knobs
 * (dz 4, dh 12, r 3) and the Apnea/PTB-XL knobs (6, 16, 4). Reports time, MACs, cache and
 * flash bytes against the same model with every PW stored INT8. Times synthesizeLayers (no
 * cache: synthesize() reuses the layers of a deployable it has already synthesized).
 */
import { record, timeMs, writeResults, type BenchRecord } from './lib/harness.ts';
import { separableDeployable } from '../src/hyper/testing.ts';
import { synthesizeLayers } from '../src/hyper/deployable.ts';
import { synthesisCost } from '../src/hyper/cost.ts';
import { accountBytes } from '../src/hyper/bytes.ts';

const records: BenchRecord[] = [];
for (const [name, knobs] of [['mitbih (4,12,3)', { dz: 4, dh: 12, rank: 3 }], ['apnea (6,16,4)', { dz: 6, dh: 16, rank: 4 }]] as const) {
  const { deployable, original } = separableDeployable(1, knobs);
  const ms = await timeMs(() => synthesizeLayers(deployable), { maxMs: 1500 });
  const cost = synthesisCost(deployable.generator!);
  const ours = accountBytes(deployable);
  const plain = accountBytes(original);
  records.push(record(`synthesis time, ${name}`, ms, null, 'ms', `${cost.layers.length} generated layers, TS on Node ${process.version}`));
  records.push(record(`synthesis MACs, ${name}`, cost.macs, null, 'MAC', `${cost.divisions} divisions`));
  records.push(record(`PW cache RAM, ${name}`, cost.cacheBytes, null, 'B', 'int8 W + int32 bias + int32 mult + int8 shift per channel'));
  records.push(record(`synthesis scratch RAM, ${name}`, cost.scratchBytes, null, 'B'));
  records.push(record(`flash total, ${name}`, ours.flash.total, plain.flash.total, 'B', 'baseline: the same model with every PW stored INT8'));
  records.push(record(`generator+codes+gains / generated INT8, ${name}`, 100 * ours.generatorFraction!, null, '%'));
}
writeResults('synthesis', records);
