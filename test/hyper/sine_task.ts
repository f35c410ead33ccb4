import { Rng } from '../../src/core/index.ts';
import type { TrainData } from '../../src/nn/index.ts';

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
