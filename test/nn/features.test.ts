import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.ts';
import { withRrChannels } from '../../src/nn/index.ts';

describe('RR channels', () => {
  it('appends pre / post / local RR in seconds and normalized by the record mean as constant channels', () => {
    const ds: Dataset = {
      name: 't', x: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3, 1], y: new Int32Array(2), classes: ['a', 'b'],
      split: new Uint8Array(2), group: new Int32Array(2), groupNames: ['g'], meta: {},
      features: Float32Array.from([0.5, 1, 0.8, 1, /* beat 2 */ 9, 1, 1, 0]),
    };
    const r = withRrChannels(ds);
    expect(r.shape).toEqual([2, 3, 7]);
    const at = (n: number, l: number) => Array.from(r.x.subarray((n * 3 + l) * 7, (n * 3 + l + 1) * 7));
    for (const l of [0, 1, 2]) {
      at(0, l).forEach((v, i) => expect(v).toBeCloseTo([l + 1, 0.5, 1, 0.8, -0.5, 0, -0.2][i], 6));
      expect(at(1, l)).toEqual([l + 4, 3, 1, 1, 0, 0, 0]); // 9 s clipped to 3 s; record RR 0 -> ratios 0
    }
    expect(() => withRrChannels({ ...ds, features: undefined })).toThrow(/no \[N, 4\] RR features/);
  });
});
