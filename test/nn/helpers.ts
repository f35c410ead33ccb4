import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.ts';
import { separableCnnConfig, type ModelSpec, type TrainData } from '../../src/nn/index.ts';

/** A small separable CNN on [L = 24, C = 2] inputs, 3 classes (fast enough for many steps). */
export function tinySpec(overrides: Record<string, unknown> = {}): ModelSpec {
  return {
    family: 'separable_cnn',
    config: separableCnnConfig('small', {
      inputLength: 24, inputChannels: 2, numClasses: 3, kernel: 5, dropout: 0.2,
      stem: { channels: 6, kernel: 5, stride: 2 }, blocks: [{ channels: 8, stride: 2 }, { channels: 10 }], seed: 3, ...overrides,
    }),
  };
}

/** Synthetic 3-class sequences (class = frequency of a sinusoid) with noise; imbalanced 6:3:1. */
export function synthData(n = 240, seed = 1): TrainData {
  const L = 24, C = 2, K = 3;
  const rng = new Rng(seed);
  const x = new Float32Array(n * L * C);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    y[i] = u < 0.6 ? 0 : u < 0.9 ? 1 : 2;
    for (let l = 0; l < L; l++) {
      x[(i * L + l) * C] = Math.sin((l * (y[i] + 1)) / 3) + 0.4 * rng.normal();
      x[(i * L + l) * C + 1] = 0.5 * rng.normal();
    }
  }
  const nTrain = Math.floor(n * 0.75);
  return { x, shape: [n, L, C], y, numClasses: K, train: Int32Array.from({ length: nTrain }, (_, i) => i), val: Int32Array.from({ length: n - nTrain }, (_, i) => nTrain + i) };
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `htpw-nn-${tag}-`));
}

/** The raw bytes of every parameter and buffer, concatenated in stateDict order. */
export function stateBytes(sd: Map<string, Float32Array>): Buffer {
  return Buffer.concat([...sd.values()].map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)));
}
