import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults } from '../../src/eval/results.ts';
import { accountBytes } from '../../src/hyper/bytes.ts';
import { DEMO_MITDB } from '../../src/pipeline/data.ts';
import { knobLabel, runSweep, sweepJobs, type SweepConfig } from '../../src/pipeline/sweep.ts';
import { hyperFlashBytes, int8FlashBytes, knobsOf, matchWidth, readIntegerModel, scaleWidths } from '../../src/pipeline/variants.ts';
import { separableCnnConfig } from '../../src/nn/models/separable_cnn.ts';
import { demoAami, tmp, TINY } from './helpers.ts';

const LARGE = { ...TINY, stem: { channels: 12, kernel: 5, stride: 2 } };

function config(out: string): SweepConfig {
  return {
    task: 'mitbih-aami', data: DEMO_MITDB, out, seeds: [0],
    variants: ['pw-4bit', 'pw-lowrank', 'hypertinypw', 'cnn-matched'],
    large: { preset: 'small', overrides: LARGE, train: { epochs: 1 } },
    quantize: { qat: { epochs: 1, lr: 3e-4 }, calibration: 64 },
    lowRank: { ranks: [2] },
    hyper: {
      backbone: 'large', distill: { alpha: 0.5, temperature: 2 }, train: { epochs: 1 },
      grid: [{ dz: 4, dh: 8, rank: 4 }, { dz: 4, dh: 8, rank: 4, sharing: 'per-layer' }, { dz: 4, dh: 8, rank: 4, generated: 'all' }],
      matched: { knobs: { dz: 4, dh: 8, rank: 4 } },
    },
    bootstrap: { resamples: 50, seed: 0 },
  };
}

describe('variants of the large backbone', () => {
  it('labels: defaults unchanged, ablations distinct; cnn-matched is one job per seed', () => {
    expect(knobLabel({ dz: 4, dh: 12, rank: 3 })).toBe('dz4-dh12-r3');
    expect(knobLabel({ dz: 8, dh: 8, rank: 96, sharing: 'per-layer' })).toBe('dz8-dh8-r96-perlayer');
    expect(knobLabel({ generated: 'all', head: 'basis-coeff', gains: 'none' })).toBe('dz4-dh12-r3-allpw-coeff-gnone');
    expect(knobLabel({ dz: 8, dh: 8, rank: 64, codeBits: 8, trunkBits: 8, headBits: 8, basisBits: 8, gainBits: 8 })).toBe('dz8-dh8-r64-b8');
    expect(knobLabel({ dz: 8, dh: 8, rank: 64, headBits: 8, basisBits: 8 })).toBe('dz8-dh8-r64-bits66886');
    const jobs = sweepJobs({ ...config('x'), seeds: [0, 1, 2] });
    expect(jobs.length).toBe(3 * (1 + 1 + 3 + 1));
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
    expect(jobs.filter((j) => j.variant === 'cnn-matched').map((j) => j.id)).toEqual([0, 1, 2].map((s) => `mitbih-aami.cnn-matched.match-dz4-dh8-r4.s${s}`));
    // QAT with distillation: the trained compressions get '-kd' ids, the rest keep theirs; it needs the teacher
    const c = config('x');
    const kd = sweepJobs({ ...c, quantize: { ...c.quantize, qat: { epochs: 1, lr: 3e-4, distill: true } } }).map((j) => j.id);
    expect(kd).toContain('mitbih-aami.pw-lowrank.r2-kd.s0');
    expect(kd).toContain('mitbih-aami.hypertinypw.dz4-dh8-r4-perlayer-kd.s0');
    expect(kd).toContain('mitbih-aami.pw-4bit.s0');
    expect(() => sweepJobs({ ...c, quantize: { qat: { epochs: 1, lr: 3e-4, distill: true } }, hyper: { ...c.hyper, distill: undefined } })).toThrow(/needs hyper.distill/);
  });

  it('matchWidth picks the width multiplier whose INT8 flash is closest to the target', () => {
    const base = separableCnnConfig('small', { numClasses: 4 });
    expect(scaleWidths(base, 0.5).blocks.map((b) => b.channels)).toEqual(base.blocks.map((b) => Math.max(2, Math.round(b.channels / 2))));
    const full = int8FlashBytes(base);
    const target = Math.round(full * 0.4);
    const m = matchWidth(base, target);
    expect(m.bytes).toBe(int8FlashBytes(m.config));
    // no neighbouring multiplier (1/64 steps) is closer
    for (const d of [-1, 1]) expect(Math.abs(int8FlashBytes(scaleWidths(base, m.multiplier + d / 64)) - target)).toBeGreaterThanOrEqual(Math.abs(m.bytes - target));
    expect(Math.abs(m.bytes - target) / target).toBeLessThan(0.05);
  });

  it('a sweep on the large backbone: fitted init, distillation, ablations and the matched CNN, bytes from accountBytes', async () => {
    const out = tmp('sweep-large');
    const ds = demoAami();
    const s = await runSweep(config(out), { dataset: ds, quiet: true });
    expect(s.failed).toEqual([]);
    const recs = readResults(join(out, 'results.jsonl')).records;
    expect(recs.map((r) => r.variant).sort()).toEqual(['cnn-matched', 'hypertinypw', 'hypertinypw', 'hypertinypw', 'pw-4bit', 'pw-lowrank']);
    for (const r of recs) {
      const m = readIntegerModel(join(out, 'runs', 'mitbih-aami', r.id, 'model.htpw'));
      expect(r.flash.total).toBe(accountBytes(m).flash.total);
      expect(r.config.preset).toBe('small'); // the 'large' stage's preset in this test
    }
    const hyper = recs.filter((r) => r.variant === 'hypertinypw');
    for (const r of hyper) {
      const e = r.config.fitRelError as number[];
      expect(e.length).toBeGreaterThan(0);
      for (const v of e) expect(v).toBeGreaterThanOrEqual(0);
    }
    const plain = hyper.find((r) => r.id.endsWith('dz4-dh8-r4.s0'))!;
    expect(plain.flash.total).toBe(hyperFlashBytes(separableCnnConfig('small', { ...LARGE, numClasses: ds.classes.length, inputLength: ds.shape[1], inputChannels: ds.shape[2] }), knobsOf({ knobs: { dz: 4, dh: 8, rank: 4 } })));
    const matched = recs.find((r) => r.variant === 'cnn-matched')!;
    expect(matched.config.targetFlash).toBe(plain.flash.total);
    expect(Math.abs(matched.flash.total - plain.flash.total) / plain.flash.total).toBeLessThan(0.1);
    expect((recs.find((r) => r.variant === 'pw-lowrank')!.config.fitRelError as number[]).length).toBe(2);
  }, 600_000);
});
