import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import { datasetFromNdarrays, datasetToNdarrays, fromNdarray, predictNdarray, simulateNdarray, toNdarray } from '../../src/index.ts';
import { predictLogits } from '../../src/nn/batch.ts';
import { SeparableCnn, separableCnnConfig } from '../../src/nn/models/separable_cnn.ts';
import { simulateBatch, quantizeInput } from '../../src/quant/simulator.ts';
import { randomIntModel, randomInput } from '../../src/quant/testing/random_model.ts';

const N = 5, L = 24, C = 2;

function examples(): Float32Array {
  return Float32Array.from({ length: N * L * C }, (_, i) => Math.sin(0.37 * i) + 0.1 * (i % 7));
}

describe('ndarray interop', () => {
  it('a contiguous Float32 / Int32 ndarray becomes a dataset without a copy, and back', () => {
    const x = ndarray(examples(), [N, L, C]);
    const y = ndarray(Int32Array.from([0, 1, 2, 1, 0]), [N]);
    const ds = datasetFromNdarrays(x, y, { classes: ['a', 'b', 'c'], split: ndarray(Uint8Array.from([0, 0, 1, 2, 2]), [N]) });
    expect(ds.shape).toEqual([N, L, C]);
    expect(ds.x.buffer).toBe(x.data.buffer);
    expect(ds.y.buffer).toBe(y.data.buffer);
    x.set(3, 4, 1, 42);
    expect(ds.x[(3 * L + 4) * C + 1]).toBe(42);
    const back = datasetToNdarrays(ds);
    expect(back.x.data).toBe(ds.x);
    expect(back.x.shape).toEqual([N, L, C]);
    expect(back.x.get(3, 4, 1)).toBe(42);
    expect(back.y.get(2)).toBe(2);
    expect(back.split.get(3)).toBe(2);
  });

  it('a transposed view or a Float64 ndarray is copied into [N, L, C] order', () => {
    const ref = examples();
    // the same examples stored channels-first [N, C, L], seen through a transposed view
    const ncl = new Float64Array(N * C * L);
    for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) for (let c = 0; c < C; c++) ncl[(n * C + c) * L + l] = ref[(n * L + l) * C + c];
    const view = ndarray(ncl, [N, C, L]).transpose(0, 2, 1);
    const ds = datasetFromNdarrays(view, ndarray([0, 1, 0, 1, 0], [N]), { classes: ['a', 'b'] });
    expect(ds.x).toBeInstanceOf(Float32Array);
    expect(ds.x.buffer).not.toBe(ncl.buffer);
    expect(Array.from(ds.x)).toEqual(Array.from(ref));
    expect(Array.from(ds.split)).toEqual([2, 2, 2, 2, 2]);
    expect(() => datasetFromNdarrays(view, ndarray([0, 1, 0, 1, 5], [N]), { classes: ['a', 'b'] })).toThrow(/label 5/);
    expect(() => datasetFromNdarrays(view, ndarray([0, 1], [2]), { classes: ['a', 'b'] })).toThrow(/y must be \[5\]/);
  });

  it('Tensor <-> ndarray share storage', () => {
    const a = ndarray(new Float32Array(12), [3, 4]);
    const t = fromNdarray(a.transpose(1, 0));
    expect(t.data).toBe(a.data);
    expect(t.shape).toEqual([4, 3]);
    a.set(2, 1, 7);
    expect(toNdarray(t).get(1, 2)).toBe(7);
  });

  it('predictNdarray gives the model\'s logits for contiguous and strided input alike', () => {
    const model = new SeparableCnn(separableCnnConfig('small', { inputLength: L, inputChannels: C, numClasses: 3, stem: { channels: 4, kernel: 3, stride: 2 }, blocks: [{ channels: 6 }], seed: 2 }));
    const x = examples();
    const want = predictLogits(model, x, [N, L, C], Int32Array.from({ length: N }, (_, i) => i)).logits;
    const got = predictNdarray(model, ndarray(x, [N, L, C]));
    expect(got.shape).toEqual([N, 3]);
    expect(Array.from(got.data)).toEqual(Array.from(want));
    // the last example alone, as [L, C] cut out of a bigger array
    const one = predictNdarray(model, ndarray(x, [N, L, C]).pick(N - 1, null, null));
    expect(Array.from(one.data)).toEqual(Array.from(want.subarray(3 * (N - 1))));
  });

  it('simulateNdarray equals simulateBatch on int8 input and quantizes float input first', () => {
    const m = randomIntModel(4, { blocks: 2 });
    const [l, c] = m.tensors[m.inputId].shape;
    const q = randomInput(m, 1, 3);
    const want = simulateBatch(m, q, 3);
    const got = simulateNdarray(m, ndarray(q, [3, l, c]));
    expect(Array.from(got.output.data)).toEqual(Array.from(want));
    expect(got.output.shape).toEqual([3, want.length / 3]);
    const t = m.tensors[m.inputId];
    const f = Float32Array.from(q, (v) => (v - t.zeroPoint) * t.scale);
    expect(Array.from(quantizeInput(m, f))).toEqual(Array.from(q));
    expect(Array.from(simulateNdarray(m, ndarray(f, [3, l, c])).output.data)).toEqual(Array.from(want));
    expect(() => simulateNdarray(m, ndarray(q, [3, l + 1, c]))).toThrow(/takes/);
  });
});
