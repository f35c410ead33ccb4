import { describe, expect, it } from 'vitest';
import { generatedOps, isGenerated, markGenerated } from '../../src/hyper/generated.ts';
import { SeparableCnn } from '../../src/nn/models/separable_cnn.ts';
import { calibrate } from '../../src/quant/calibrate.ts';
import { convertToIntModel } from '../../src/quant/convert.ts';
import type { IntOp } from '../../src/quant/int_model.ts';
import { randomIntModel } from '../../src/quant/testing/random_model.ts';
import { sineTask, TINY } from './sine_task.ts';

describe('generated layers', () => {
  it('isGenerated: no op of a random IntModel, a pointwise op once marked', () => {
    for (let seed = 0; seed < 40; seed++) for (const op of randomIntModel(seed).ops) expect(isGenerated(op)).toBe(false);
    const pw = randomIntModel(3).ops.find((op) => op.kind === 'pwconv1d')!;
    expect(isGenerated({ ...pw, source: 'generated', generatedIndex: 0 } as IntOp)).toBe(true);
  });

  it('markGenerated turns the converted op of a weight-provider layer into generated layer 0, arrays emptied, its bias kept', () => {
    const model = new SeparableCnn(TINY).eval();
    const [name, pw] = model.pointwiseLayers()[1];
    const stored = pw.weight;
    pw.setWeightProvider(() => stored); // a "generator" that returns the same weights
    const data = sineTask(24, TINY.inputLength, 1);
    const im = convertToIntModel(model, calibrate(model, data.x, data.shape));
    const k = im.ops.findIndex((o) => o.name === name);
    const marked = markGenerated(im, [1]);
    const op = marked.model.ops[k];
    expect(op.kind === 'pwconv1d' && op.source === 'generated' && op.generatedIndex === 0).toBe(true);
    expect(op.kind === 'pwconv1d' && op.weights.length + op.bias.length + op.weightScales.length).toBe(0);
    expect(marked.biases[0].length).toBe(pw.outChannels);
    expect(generatedOps(marked.model).map((o) => o.name)).toEqual([name]);
    expect(marked.model.ops.filter((o, j) => j !== k)).toEqual(im.ops.filter((o, j) => j !== k));
    pw.setWeightProvider(null);
  });
});
