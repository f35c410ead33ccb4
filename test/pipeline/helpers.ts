import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SeparableCnnConfig } from '../../src/nn/models/separable_cnn.ts';
import { DEMO_MITDB, loadTask } from '../../src/pipeline/data.ts';
import type { Dataset } from '../../src/data/dataset.ts';

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
