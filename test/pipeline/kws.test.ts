import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readResults } from '../../src/eval/results.ts';
import { runPipeline } from '../../src/pipeline/run.ts';
import { tmp } from './helpers.ts';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/speech-commands');

describe('keyword spotting (kws12) through the same path', () => {
  it('trains, compresses, simulates and evaluates the KWS member on the fixture', async () => {
    const out = tmp('kws');
    const s = await runPipeline({
      task: 'kws12', data: FIXTURE, out, epochs: 2, hyperEpochs: 1, qatEpochs: 1, large: false, resamples: 100, quiet: true, noGcc: true,
      modelOverrides: { stem: { channels: 8, kernel: 5, stride: 1 }, blocks: [{ channels: 12, stride: 2 }, { channels: 12 }, { channels: 16, stride: 2 }] },
    });
    const { records } = readResults(s.files.results);
    expect(records.map((r) => r.variant)).toEqual(['float-small', 'pw-int8', 'hypertinypw']);
    for (const r of records) {
      expect(r.task).toBe('kws12');
      expect(r.classes).toHaveLength(12);
      expect(r.metrics.accuracy.lo).toBeLessThanOrEqual(r.metrics.accuracy.hi);
      expect((r.config.evaluation as { kind: string }).kind).toBe('multiclass');
    }
    expect(records[2].config.knobs).toMatchObject({ dz: 6, dh: 16, rank: 4 });
    expect(existsSync(join(out, 'c', 'htpw.c'))).toBe(true);
    expect(s.gcc).toBe('skipped');
  }, 60_000);
});
