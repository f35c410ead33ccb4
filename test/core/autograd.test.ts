import { describe, expect, it } from 'vitest';
import ndarray from 'ndarray';
import { ArgumentError } from '../../src/util/errors.ts';
import {
  Rng, Tensor, add, backward, batchNorm, depthwiseConv1d, dropout, fromNdarray, log, matmul, mean, mul, noGrad, ones, parameter,
  pointwiseConv1d, randn, relu, reshape, setNanCheck, sum, tensor, toNdarray, transpose, zeroGrad, zeros, globalAvgPool1d, linear, crossEntropy, tanh,
} from '../../src/core/index.ts';

describe('autodiff engine', () => {
  it('accumulates leaf gradients across backward calls until zeroGrad', () => {
    const x = parameter(tensor([1, 2, 3]));
    backward(sum(mul(x, x)));
    backward(sum(mul(x, 3)));
    expect(Array.from(x.grad!)).toEqual([5, 7, 9]);
    zeroGrad([x]);
    expect(Array.from(x.grad!)).toEqual([0, 0, 0]);
  });

  it('sums gradients over every path of a shared subexpression (topological order)', () => {
    // f = sum(y * y + y), y = 2x  => df/dx = 2 * (2y + 1) = 8x + 2
    const x = parameter(tensor([0.5, -1]));
    const y = mul(x, 2);
    backward(sum(add(mul(y, y), y)));
    expect(Array.from(x.grad!)).toEqual([6, -6]);
  });

  it('noGrad records no graph; detach cuts it; non-scalar roots need an explicit gradient', () => {
    const x = parameter(tensor([1, 2]));
    const y = noGrad(() => mul(x, x));
    expect(y.requiresGrad).toBe(false);
    expect(y.parents.length).toBe(0);
    expect(mul(x.detach(), 2).requiresGrad).toBe(false);
    expect(() => backward(y)).toThrow(ArgumentError);
    const z = mul(x, x);
    expect(() => backward(z)).toThrow(/backward: root of shape \[2\] is not a scalar/);
    backward(z, new Float32Array([1, 10]));
    expect(Array.from(x.grad!)).toEqual([2, 40]);
  });

  it('releases intermediate gradients, keeps leaf ones', () => {
    const x = parameter(tensor([1, 2]));
    const h = mul(x, 2);
    backward(sum(h));
    expect(h.grad).toBeNull();
    expect(x.grad).not.toBeNull();
  });

  it('a deep chain does not overflow the stack', () => {
    const x = parameter(tensor([1]));
    let y: Tensor = x;
    for (let i = 0; i < 20000; i++) y = add(y, 0);
    backward(sum(y));
    expect(x.grad![0]).toBe(1);
  });

  it('NaN check (opt-in) names the op that produced the NaN', () => {
    setNanCheck(true);
    try {
      expect(() => log(tensor([-1]))).toThrow(/log: NaN at flat index 0 of a tensor of shape \[1\]/);
    } finally {
      setNanCheck(false);
    }
    expect(Number.isNaN(log(tensor([-1])).item())).toBe(true);
  });

  it('gradients of views land in logical order (transpose of a parameter)', () => {
    const w = parameter(tensor([1, 2, 3, 4, 5, 6], [2, 3]));
    const x = tensor([1, 10], [1, 2]);
    // out = x · w (shape [1, 3]) through a double transpose view
    backward(sum(matmul(x, transpose(transpose(w)))));
    expect(Array.from(w.grad!)).toEqual([1, 1, 1, 10, 10, 10]);
  });
});

describe('generated pointwise weights (HyperTinyPW path)', () => {
  it('pointwise conv backpropagates into a weight produced by other ops, then into their inputs', () => {
    const rng = new Rng(11);
    // W = tanh(code · A) reshaped to [Cout, Cin]; loss depends on W only through the conv
    const code = parameter(randn([1, 3], rng));
    const A = parameter(randn([3, 8], rng, 0.5));
    const x = randn([2, 5, 4], rng);
    const f = () => sum(mul(pointwiseConv1d(x, reshape(tanh(matmul(code, A)), [2, 4])), 0.5));
    backward(f());
    const analytic = Array.from(code.grad!);
    // finite differences on the code (float32 forward, so a coarse step and tolerance)
    const h = 1e-2;
    for (let j = 0; j < 3; j++) {
      const keep = code.data[j];
      code.data[j] = keep + h;
      const up = noGrad(f).item();
      code.data[j] = keep - h;
      const down = noGrad(f).item();
      code.data[j] = keep;
      expect(analytic[j]).toBeCloseTo((up - down) / (2 * h), 2);
    }
  });
});

describe('separable block end to end', () => {
  it('DW -> BN -> ReLU -> PW -> GAP -> linear -> CE gives gradients to every parameter', () => {
    const rng = new Rng(1);
    const x = randn([4, 16, 8], rng);
    const dw = parameter(randn([5, 8], rng, 0.3)), g1 = parameter(ones([8])), b1 = parameter(zeros([8]));
    const pw = parameter(randn([12, 8], rng, 0.3)), fc = parameter(randn([3, 12], rng, 0.3));
    const rm = zeros([8]), rv = ones([8]);
    let h = depthwiseConv1d(x, dw, null, { padding: 'same' });
    h = relu(batchNorm(h, g1, b1, { training: true, runningMean: rm, runningVar: rv }));
    const logits = linear(globalAvgPool1d(pointwiseConv1d(h, pw)), fc);
    const loss = crossEntropy(logits, [0, 1, 2, 1]);
    backward(loss);
    for (const p of [dw, g1, b1, pw, fc]) expect(p.grad!.some((v) => v !== 0)).toBe(true);
    expect(rm.get(0)).not.toBe(0);
    expect(mean(logits).shape).toEqual([]);
  });
});

describe('dropout and ndarray interop', () => {
  it('dropout is seeded, scales kept units by 1/(1-p), identity in eval', () => {
    const x = ones([1000]);
    const a = dropout(x, 0.25, new Rng(3)).toFloat32Array();
    const b = dropout(x, 0.25, new Rng(3)).toFloat32Array();
    expect(a).toEqual(b);
    const kept = a.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    expect(Math.abs(kept.length - 750)).toBeLessThan(60);
    expect(dropout(x, 0.25, new Rng(3), false)).toBe(x);
    expect(() => dropout(x, 1, new Rng(3))).toThrow(/dropout: p 1/);
  });

  it('fromNdarray / toNdarray share storage and respect strides', () => {
    const nd = ndarray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const t = fromNdarray(nd.transpose(1, 0));
    expect(t.shape).toEqual([3, 2]);
    expect(t.get(2, 1)).toBe(6);
    expect(t.data).toBe(nd.data);
    const back = toNdarray(t);
    expect(back.get(2, 1)).toBe(6);
    const fromArray = fromNdarray(ndarray([1, 2, 3, 4], [2, 2]).transpose(1, 0));
    expect(Array.from(fromArray.toFloat32Array())).toEqual([1, 3, 2, 4]);
  });

  it('tensor() rejects values that do not fill the shape', () => {
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/tensor: 3 values do not fill shape \[2, 2\]/);
  });
});
