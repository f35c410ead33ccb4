import { mkdtempSync } from 'node:fs';
import { expect } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SeparableCnnConfig } from '../../src/nn/models/separable_cnn.ts';
import { DEMO_MITDB, loadTask } from '../../src/pipeline/data.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import type { ResultRecord } from '../../src/eval/results.ts';
import type { Predictions } from '../../src/pipeline/evaluate.ts';

/** A tiny separable CNN (3 blocks, 2 generated PW layers) so the pipeline runs in seconds. */
export const TINY: Partial<SeparableCnnConfig> = {
  stem: { channels: 8, kernel: 5, stride: 2 },
  blocks: [{ channels: 12, stride: 2 }, { channels: 16, stride: 2 }, { channels: 16 }],
  dropout: 0,
};

export function tmp(tag: string): string {
  return mkdtempSync(join(tmpdir(), `htpw-pipeline-${tag}-`));
}

let demo: Dataset | null = null;
/** The bundled demo excerpt (1221 beats), AAMI task, loaded once per test file. */
export function demoAami(): Dataset {
  demo ??= loadTask('mitbih-aami', DEMO_MITDB);
  return demo;
}

/**
 * A single-label result record agrees with its saved predictions: the confusion matrix counts
 * (yTrue, yPred) over every test example, accuracy (tuned) and accuracyArgmax are the diagonal
 * shares of those counts, and every metric is a proportion with an ordered interval.
 */
export function expectRecordMatchesPredictions(r: ResultRecord, p: Predictions): void {
  const K = r.classes!.length;
  const n = p.index.length;
  expect(n).toBe((r.config.evaluation as { nTest: number }).nTest);
  expect(p.yTrue).toHaveLength(n);
  const counts = (yPred: number[]) => {
    const cm = Array.from({ length: K }, () => new Array<number>(K).fill(0));
    for (let i = 0; i < n; i++) cm[p.yTrue[i]][yPred[i]]++;
    return cm;
  };
  const trace = (cm: number[][]) => cm.reduce((s, row, k) => s + row[k], 0);
  expect(r.confusion).toEqual(counts(p.yPred));
  expect(r.metrics.accuracy.value).toBeCloseTo(trace(counts(p.yPred)) / n, 12);
  expect(r.metrics.accuracyArgmax.value).toBeCloseTo(trace(counts(p.yArgmax)) / n, 12);
  for (const [name, m] of Object.entries(r.metrics)) {
    expect(m.lo, name).toBeLessThanOrEqual(m.hi);
    for (const v of [m.value, m.lo, m.hi]) {
      expect(v, name).toBeGreaterThanOrEqual(0);
      expect(v, name).toBeLessThanOrEqual(1);
    }
  }
}
