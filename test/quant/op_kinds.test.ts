import { describe, expect, it } from 'vitest';
import { dispatch, isOpKind, isWeighted, OP_KINDS, opInputs, weightCount, type OpTable } from '../../src/quant/op_kinds.ts';
import { randomIntModel } from '../../src/quant/testing/random_model.ts';
import type { IntOp } from '../../src/quant/int_model.ts';

describe('op kinds', () => {
  it('every op of random models has a known kind; weighted ops are the ones with weights, of weightCount values', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      for (const op of randomIntModel(seed).ops) {
        seen.add(op.kind);
        expect(isOpKind(op.kind)).toBe(true);
        expect(isWeighted(op)).toBe('weights' in op);
        if (isWeighted(op)) expect(weightCount(op)).toBe(op.weights.length);
        expect(opInputs(op)).toEqual(op.kind === 'add' ? [op.input, op.input2] : [op.input]);
      }
    }
    expect([...seen].sort()).toEqual([...OP_KINDS].sort()); // the random models exercise every kind
    expect(isOpKind('linear')).toBe(false);
    expect(isOpKind('toString')).toBe(false);
  });

  it('dispatch calls the handler of the op\'s kind', () => {
    const table = Object.fromEntries(OP_KINDS.map((k) => [k, (op: IntOp, tag: string) => `${tag}:${k}:${op.kind}`])) as unknown as OpTable<[string], string>;
    for (const op of randomIntModel(3).ops) expect(dispatch(table, op, 't')).toBe(`t:${op.kind}:${op.kind}`);
  });
});
