import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readResults } from '../../src/eval/results.ts';
import { runPipeline } from '../../src/pipeline/run.ts';
import { loadPredictions } from '../../src/pipeline/evaluate.ts';
import { expectRecordMatchesPredictions, tmp } from './helpers.ts';

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
      expect((r.config.evaluation as { kind: string }).kind).toBe('multiclass');
      expectRecordMatchesPredictions(r, loadPredictions(out, r.id));
    }
    // the three models were evaluated on the same test clips
    const index = loadPredictions(out, records[0].id).index;
    for (const r of records) expect(loadPredictions(out, r.id).index).toEqual(index);
    expect(records[2].config.knobs).toMatchObject({ dz: 6, dh: 16, rank: 4 });
    const c = readFileSync(join(out, 'c', 'htpw.c'), 'utf8');
    expect(c).toContain('int htpw_init(void) {');
    expect(c).toContain('int htpw_invoke(const int8_t *input, int8_t *output) {');
    expect(s.gcc).toBe('skipped');
  }, 60_000);
});
