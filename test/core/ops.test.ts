import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, backward, parameter, tensor, contiguous, add, sub, mul, div, neg, exp, log, sqrt, pow, relu, relu6, sigmoid, tanh, sum, mean, max, transpose, slice, concat, pad, reshape, softmax, logSoftmax, type Tensor } from '../../src/core/index.ts';
import { checkOp, randomInput } from './gradcheck.ts';
import { ravel, refLogSoftmax, unravel } from './reference.ts';

const RUNS = 20;
const seed = fc.integer({ min: 0, max: 1e9 });
const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });

/** a shape that broadcasts against `s`: some axes set to 1, maybe fewer leading axes */
function broadcastPartner(s: number[], mask: number, drop: number): number[] {
  return s.map((d, i) => ((mask >> i) & 1 ? 1 : d)).slice(Math.min(drop, s.length - 1));
}

/** float64 broadcasting binary op over the numpy output shape */
function refBinary(f: (a: number, b: number) => number, as: number[], bs: number[]) {
  const r = Math.max(as.length, bs.length);
  const pa = [...Array(r - as.length).fill(1), ...as];
  const pb = [...Array(r - bs.length).fill(1), ...bs];
  const os = pa.map((d, i) => Math.max(d, pb[i]));
  const n = os.reduce((x, y) => x * y, 1);
  return (xs: Float64Array[]) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const idx = unravel(i, os);
      out[i] = f(xs[0][ravel(idx.map((v, d) => (pa[d] === 1 ? 0 : v)), pa)], xs[1][ravel(idx.map((v, d) => (pb[d] === 1 ? 0 : v)), pb)]);
    }
    return out;
  };
}

describe('elementwise ops with broadcasting', () => {
  const cases: Array<[string, (a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => number]> = [
    ['add', add, (a, b) => a + b], ['sub', sub, (a, b) => a - b], ['mul', mul, (a, b) => a * b], ['div', div, (a, b) => a / b],
  ];
  for (const [name, op, f] of cases) {
    it(`${name}: values and gradients of both operands`, () => {
      fc.assert(fc.property(shapeArb, fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 2 }), fc.boolean(), seed, (s, mask, drop, swap, sd) => {
        const rng = new Rng(sd);
        const other = broadcastPartner(s, mask, drop);
        const [as, bs] = swap ? [other, s] : [s, other];
        const a = randomInput(as, rng);
        const b = randomInput(bs, rng);
        if (name === 'div') for (let i = 0; i < b.values.length; i++) b.values[i] = Math.sign(b.values[i] || 1) * (0.5 + Math.abs(b.values[i]));
        checkOp((ts) => op(ts[0], ts[1]), refBinary(f, as, bs), [a, b], rng);
      }), { numRuns: RUNS });
    });
  }
});

describe('unary ops', () => {
  const cases: Array<[string, (x: Tensor) => Tensor, (x: number) => number, (x: number) => number]> = [
    ['neg', neg, (x) => -x, (x) => x],
    ['exp', exp, Math.exp, (x) => x],
    ['log', log, Math.log, (x) => Math.abs(x) + 0.2],
    ['sqrt', sqrt, Math.sqrt, (x) => Math.abs(x) + 0.2],
    ['pow 3', (x) => pow(x, 3), (x) => x ** 3, (x) => x],
    ['pow 0.5', (x) => pow(x, 0.5), (x) => x ** 0.5, (x) => Math.abs(x) + 0.2],
    // kinks avoided: |x| >= 0.05 away from 0 and 6
    ['relu', relu, (x) => Math.max(x, 0), (x) => (Math.abs(x) < 0.05 ? 0.05 : x)],
    ['relu6', relu6, (x) => Math.min(Math.max(x, 0), 6), (x) => { const v = x * 4; return Math.abs(v) < 0.05 || Math.abs(v - 6) < 0.05 ? 1 : v; }],
    ['sigmoid', sigmoid, (x) => 1 / (1 + Math.exp(-x)), (x) => x],
    ['tanh', tanh, Math.tanh, (x) => x],
  ];
  for (const [name, op, f, domain] of cases) {
    it(`${name}: values and gradient`, () => {
      fc.assert(fc.property(shapeArb, seed, (s, sd) => {
        const rng = new Rng(sd);
        const x = randomInput(s, rng);
        for (let i = 0; i < x.values.length; i++) x.values[i] = Math.fround(domain(x.values[i]));
        checkOp((ts) => op(ts[0]), (xs) => xs[0].map(f), [x], rng);
      }), { numRuns: 10 });
    });
  }

  it('relu and relu6 take the subgradient 0 at their kinks (0 and 6)', () => {
    // central differences would give 1/2 at a kink; the chosen subgradient is 0
    const x = parameter(tensor([0, 6, -0, 3, -1, 7]));
    backward(sum(relu6(x)));
    expect(Array.from(x.grad!)).toEqual([0, 0, 0, 1, 0, 0]);
    const y = parameter(tensor([0, 1e-30, -1e-30]));
    backward(sum(relu(y)));
    expect(Array.from(y.grad!)).toEqual([0, 1, 0]);
  });
});

describe('reductions', () => {
  const axesArb = (r: number) => fc.subarray([...Array(r).keys()]);
  for (const [name, op] of [['sum', sum], ['mean', mean], ['max', max]] as const) {
    it(`${name} over any axis subset, keepdims or not`, () => {
      fc.assert(fc.property(shapeArb.chain((s) => fc.tuple(fc.constant(s), axesArb(s.length), fc.boolean(), seed)), ([s, axes, keep, sd]) => {
        const rng = new Rng(sd);
        const x = randomInput(s, rng);
        const outShape = s.map((d, i) => (axes.includes(i) ? 1 : d));
        const n = outShape.reduce((a, b) => a * b, 1);
        const ref = (xs: Float64Array[]) => {
          const out = new Float64Array(n).fill(name === 'max' ? -Infinity : 0);
          const cnt = s.reduce((a, b) => a * b, 1) / n;
          xs[0].forEach((v, i) => {
            const o = ravel(unravel(i, s).map((k, d) => (axes.includes(d) ? 0 : k)), outShape);
            out[o] = name === 'max' ? Math.max(out[o], v) : out[o] + (name === 'mean' ? v / cnt : v);
          });
          return out;
        };
        checkOp((ts) => {
          const y = op(ts[0], axes, keep);
          expect(y.shape).toEqual(keep ? outShape : s.filter((_, i) => !axes.includes(i)));
          return y;
        }, ref, [x], rng, undefined, 1e-6);
      }), { numRuns: RUNS });
    });
  }
});

describe('shape ops', () => {
  it('transpose / slice views and reshape of a non-contiguous view carry gradients', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), seed, (A, B, C, sd) => {
      const rng = new Rng(sd);
      const x = randomInput([A, B, C], rng);
      const start = rng.int(B);
      const end = start + 1 + rng.int(B - start);
      const step = 1 + rng.int(2);
      const nb = Math.ceil((end - start) / step);
      // y[c, a, j] = x[a, start + j*step, c], then flattened
      const ref = (xs: Float64Array[]) => {
        const out = new Float64Array(C * A * nb);
        for (let c = 0; c < C; c++) for (let a = 0; a < A; a++) for (let j = 0; j < nb; j++) out[(c * A + a) * nb + j] = xs[0][(a * B + start + j * step) * C + c];
        return out;
      };
      checkOp((ts) => reshape(transpose(slice(ts[0], 1, start, end, step), [2, 0, 1]), [-1]), ref, [x], rng);
    }), { numRuns: RUNS });
  });

  it('concat and pad', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), seed, (A, B1, B2, pl, pr, sd) => {
      const rng = new Rng(sd);
      const a = randomInput([A, B1], rng);
      const b = randomInput([A, B2], rng);
      const W = pl + B1 + B2 + pr;
      const ref = (xs: Float64Array[]) => {
        const out = new Float64Array(A * W).fill(0.5);
        for (let i = 0; i < A; i++) {
          for (let j = 0; j < B1; j++) out[i * W + pl + j] = xs[0][i * B1 + j];
          for (let j = 0; j < B2; j++) out[i * W + pl + B1 + j] = xs[1][i * B2 + j];
        }
        return out;
      };
      checkOp((ts) => pad(concat([ts[0], ts[1]], 1), 1, pl, pr, 0.5), ref, [a, b], rng);
    }), { numRuns: RUNS });
  });

  it('reshape, transpose and slice share storage; bad arguments throw naming the op', () => {
    const base = tensor(Float32Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    const tr = transpose(base, [2, 0, 1]);
    const sl = slice(base, 2, 1, 4, 2);
    const rs = reshape(base, [4, 6]);
    for (const v of [tr, sl, rs]) expect(v.data).toBe(base.data);
    expect(tr.get(3, 1, 2)).toBe(base.get(1, 2, 3));
    expect(sl.get(1, 2, 1)).toBe(base.get(1, 2, 3));
    base.data[23] = -1;
    expect(rs.get(3, 5)).toBe(-1);
    expect(contiguous(tr).toFloat32Array()[3 * 6 + 1 * 3 + 2]).toBe(-1);
    expect(() => reshape(rs, [5, 5])).toThrow(/reshape: cannot reshape \[4, 6\]/);
    expect(() => slice(rs, 1, 3, 9)).toThrow(/slice: bad range \[3, 9\) step 1 on axis 1 of \[4, 6\]/);
    expect(() => transpose(rs, [0, 0])).toThrow(/transpose: perm \[0, 0\]/);
    expect(() => concat([rs, reshape(rs, [6, 4])], 0)).toThrow(/concat: shapes \[4, 6\], \[6, 4\]/);
    expect(() => add(rs, tensor(new Float32Array(5), [5]))).toThrow(/add: shapes \[4, 6\] and \[5\] do not broadcast/);
  });
});

describe('softmax / logSoftmax', () => {
  it('match float64 references, values and gradients', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), seed, (R, C, sd) => {
      const rng = new Rng(sd);
      const x = randomInput([R, C], rng, 3);
      checkOp((ts) => logSoftmax(ts[0]), (xs) => refLogSoftmax(xs[0], R, C), [x], rng);
      checkOp((ts) => softmax(ts[0]), (xs) => refLogSoftmax(xs[0], R, C).map(Math.exp), [x], rng);
    }), { numRuns: RUNS });
  });
});
