import { Rng } from '../../src/core/index.ts';
import { SeparableCnn, separableCnnConfig, train, type TrainData } from '../../src/nn/index.ts';

/** A small synthetic task shared by the PTQ and QAT tests: sequences of length L, K classes. */
export const L = 32;
export const K = 3;

/** Three classes of noisy sinusoids (frequency 1, 2, 3 per window; class 2 with a step). */
export function synth(n: number, seed: number): TrainData {
  const rng = new Rng(seed);
  const x = new Float32Array(n * L);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % K;
    y[i] = c;
    const ph = rng.uniform(0, 6.28);
    const a = rng.uniform(0.5, 1.5);
    for (let l = 0; l < L; l++) x[i * L + l] = a * Math.sin((2 * Math.PI * (1 + c) * l) / L + ph) + 0.3 * rng.normal() + (c === 2 && l > L / 2 ? 0.8 : 0);
  }
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  return { x, shape: [n, L, 1], y, numClasses: K, train: idx.slice(0, Math.floor(n * 0.8)), val: idx.slice(Math.floor(n * 0.8)) };
}

/** A tiny separable CNN trained on synth(600, 3) for `epochs` epochs, in eval mode. */
export async function trainedModel(epochs: number): Promise<{ model: SeparableCnn; data: TrainData }> {
  const cfg = separableCnnConfig('small', { inputLength: L, inputChannels: 1, numClasses: K, stem: { channels: 8, kernel: 5, stride: 2 }, blocks: [{ channels: 12, stride: 2 }, { channels: 16 }], seed: 1 });
  const model = new SeparableCnn(cfg);
  const data = synth(600, 3);
  await train({ spec: { family: 'separable_cnn', config: cfg }, model, data, config: { epochs, batchSize: 32, lr: 5e-3 }, quiet: true });
  return { model: model.eval(), data };
}
