import { Rng } from '../../src/core/index.ts';
import type { TrainData } from '../../src/nn/index.ts';
import type { SeparableCnnConfig } from '../../src/nn/models/separable_cnn.ts';

/** A tiny separable CNN for the sine task: generated layers 6 -> 8 and 8 -> 8 (PW1 4 -> 6 kept). */
export const TINY: SeparableCnnConfig = {
  inputLength: 16, inputChannels: 1, numClasses: 3, stem: { channels: 4, kernel: 3, stride: 1 },
  blocks: [{ channels: 6 }, { channels: 8, stride: 2 }, { channels: 8 }], kernel: 3, activation: 'relu',
  dropout: 0, squeezeExcite: false, bnMomentum: 0.1, bnEps: 1e-5, seed: 0,
};

/** Three classes by the frequency (1, 2 or 4 periods) of a noisy sinusoid with random phase. */
export function sineTask(n: number, L: number, seed: number): TrainData {
  const rng = new Rng(seed);
  const x = new Float32Array(n * L);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    const f = [1, 2, 4][y[i]];
    const ph = rng.next() * 2 * Math.PI;
    for (let t = 0; t < L; t++) x[i * L + t] = Math.sin((2 * Math.PI * f * t) / L + ph) + 0.3 * rng.normal();
  }
  const nTrain = Math.floor(n * 0.75);
  return { x, shape: [n, L, 1], y, numClasses: 3, train: Int32Array.from({ length: nTrain }, (_, i) => i), val: Int32Array.from({ length: n - nTrain }, (_, i) => nTrain + i) };
}
