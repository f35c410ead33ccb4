/**
 * Golden vectors from real ECG beats, not only random int8 inputs: beats of MIT-BIH record 119
 * from the bundled demo excerpt (data/demo/mitdb, both a normal and a ventricular class), cut to
 * the MIT-BIH-sized deployable's 187-sample input and quantized with its input scale / zero point.
 * The generated C (C synthesis + native kernels, and the CMSIS-NN backend) must match the simulator
 * on every layer, on the host and on the Cortex-M4.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_BEAT_OPTIONS, recordBeats } from '../../src/data/mitbih/beats.ts';
import { DEMO_DIR } from '../../src/inspect/site.ts';
import { separableDeployable } from '../../src/hyper/testing.ts';
import { synthesize } from '../../src/hyper/deployable.ts';
import { quantizeInput } from '../../src/quant/simulator.ts';
import { cmsisNnRoot } from '../../src/codegen/cmsis_nn_library.ts';
import { hasArmToolchain, hasHostGcc } from '../../src/codegen/toolchain.ts';
import { prepare, prepareCmsis, runArm, runHost, runHostCmsis } from './helpers.ts';

const gcc = hasHostGcc();
if (!gcc) console.log('test/codegen/real_beats: gcc not found, skipping');

/** Up to `perClass` beats of each AAMI class present in the record, as quantized model inputs. */
function realBeatInputs(perClass: number): { inputs: Int8Array[]; classes: number[] } {
  const { deployable } = separableDeployable(1, { dz: 4, dh: 12, rank: 3 });
  const model = synthesize(deployable);
  const length = model.tensors[model.inputId].shape[0];
  const beats = recordBeats(DEMO_DIR, '119', { ...DEFAULT_BEAT_OPTIONS, length });
  const inputs: Int8Array[] = [];
  const classes: number[] = [];
  const seen = new Map<number, number>();
  for (let b = 0; b < beats.aami.length; b++) {
    const c = beats.aami[b];
    if ((seen.get(c) ?? 0) >= perClass) continue;
    seen.set(c, (seen.get(c) ?? 0) + 1);
    classes.push(c);
    inputs.push(quantizeInput(model, beats.x.subarray(b * length, (b + 1) * length)));
  }
  return { inputs, classes };
}

describe.skipIf(!gcc)('golden vectors with real beats (demo record 119)', () => {
  const { deployable } = separableDeployable(1, { dz: 4, dh: 12, rank: 3 });
  const { inputs, classes } = realBeatInputs(2);

  it('are real, varied beats of two classes', () => {
    expect(new Set(classes).size).toBeGreaterThanOrEqual(2);
    for (const x of inputs) expect(new Set(x).size).toBeGreaterThan(20);
  });

  it('C synthesis + native kernels on the host (ASan + UBSan) and on cortex-m4', () => {
    const p = prepare(deployable, inputs);
    const r = runHost(p.dir, p.prefix, '-O2');
    expect(r.stdout).toContain(`PASS ${inputs.length} cases`);
    expect(r.status).toBe(0);
    if (hasArmToolchain()) {
      const a = runArm(p.dir, p.prefix, 'm4');
      expect(a.stdout).toContain(`PASS ${inputs.length} cases`);
      expect(a.status).toBe(0);
    }
  }, 300_000);

  it.skipIf(!cmsisNnRoot())('the CMSIS-NN backend on the host', () => {
    const p = prepareCmsis(deployable, inputs);
    const r = runHostCmsis(cmsisNnRoot()!, p.dir, p.prefix, deployable.model.rounding);
    expect(r.stdout).toContain(`PASS ${inputs.length} cases`);
    expect(r.status).toBe(0);
  }, 300_000);
});
