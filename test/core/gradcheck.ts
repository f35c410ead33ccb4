import { expect } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { Tensor, backward, mul, parameter, sum, tensor } from '../../src/core/index.ts';

/**
 * Check an op against a float64 oracle:
 *   1. forward values: ours(inputs) vs ref(inputs in float64);
 *   2. gradients: our backward of loss = sum(out * R) (R a random projection) vs central
 *      differences of sum(ref(x) * R) in float64, one input element at a time.
 * Inputs are rounded to float32 first so both sides see the same numbers.
 */
export interface Input {
  shape: number[];
  values: Float64Array;
  /** false for inputs that are constants (no gradient check) */
  grad?: boolean;
}

export function randomInput(shape: number[], rng: Rng, scale = 1, grad = true): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = Math.fround(rng.normal() * scale);
  return { shape, values, grad };
}

export function checkOp(
  ours: (ts: Tensor[]) => Tensor,
  ref: (xs: Float64Array[]) => Float64Array,
  inputs: Input[],
  rng: Rng,
  tol = { rtol: 1e-4, atol: 2e-5 },
  h = 1e-5,
): void {
  const xs = inputs.map((i) => Float64Array.from(i.values, Math.fround));
  const ts = inputs.map((inp, k) => {
    const t = tensor(Float32Array.from(xs[k]), inp.shape);
    return inp.grad === false ? t : parameter(t);
  });
  const out = ours(ts);
  const want = ref(xs);
  expect(out.size).toBe(want.length);
  const got = out.toFloat32Array();
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > tol.atol * Math.max(1, scale) + tol.rtol * Math.abs(want[i])) {
      throw new Error(`forward mismatch at ${i}: got ${got[i]}, want ${want[i]}`);
    }
  }
  const R = new Float64Array(want.length);
  for (let i = 0; i < R.length; i++) R[i] = Math.fround(rng.normal());
  backward(sum(mul(out, tensor(Float32Array.from(R), out.shape))));
  const proj = (ys: Float64Array) => {
    let s = 0;
    for (let i = 0; i < ys.length; i++) s += ys[i] * R[i];
    return s;
  };
  inputs.forEach((inp, k) => {
    if (inp.grad === false) return;
    const analytic = ts[k].grad ?? new Float32Array(ts[k].size);
    const x = xs[k];
    const numeric = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) {
      const keep = x[j];
      x[j] = keep + h;
      const up = proj(ref(xs));
      x[j] = keep - h;
      const down = proj(ref(xs));
      x[j] = keep;
      numeric[j] = (up - down) / (2 * h);
    }
    let gs = 0;
    for (const v of numeric) gs = Math.max(gs, Math.abs(v));
    for (let j = 0; j < x.length; j++) {
      if (Math.abs(analytic[j] - numeric[j]) > tol.atol * Math.max(1, gs) + tol.rtol * Math.abs(numeric[j])) {
        throw new Error(`gradient mismatch in input ${k} ${JSON.stringify(inp.shape)} at ${j}: analytic ${analytic[j]}, numeric ${numeric[j]}`);
      }
    }
  });
}
