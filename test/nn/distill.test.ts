import { describe, expect, it } from 'vitest';
import { Rng, backward, parameter, tensor } from '../../src/core/index.ts';
import { bindDistillation, distillationTerm } from '../../src/nn/distill.ts';
import { bindLoss } from '../../src/nn/losses.ts';

/** float64 oracle: (1 - a) * weighted CE + a T^2 mean KL(softmax(t/T) || softmax(z/T)) */
function oracle(z: number[], t: number[], y: number[], K: number, a: number, T: number, w: number[]): number {
  const n = y.length;
  const lse = (v: number[]) => {
    const m = Math.max(...v);
    return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
  };
  let ce = 0;
  let wsum = 0;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    const zi = z.slice(i * K, (i + 1) * K);
    const ti = t.slice(i * K, (i + 1) * K);
    ce += w[y[i]] * (lse(zi) - zi[y[i]]);
    wsum += w[y[i]];
    const lq = zi.map((v) => v / T - lse(zi.map((x) => x / T)));
    const lp = ti.map((v) => v / T - lse(ti.map((x) => x / T)));
    for (let k = 0; k < K; k++) kl += Math.exp(lp[k]) * (lp[k] - lq[k]);
  }
  return (1 - a) * (ce / wsum) + (a * T * T * kl) / n;
}

describe('knowledge distillation loss', () => {
  const n = 5;
  const K = 4;
  const rng = new Rng(7);
  const z0 = Array.from({ length: n * K }, () => 2 * rng.normal());
  const teacherAll = Float32Array.from({ length: 9 * K }, () => 3 * rng.normal());
  const rows = Int32Array.from([4, 0, 7, 2, 2]);
  const y = Int32Array.from([0, 3, 1, 1, 2]);
  const t = Array.from(rows).flatMap((r) => Array.from(teacherAll.subarray(r * K, (r + 1) * K)));
  const base = bindLoss({ kind: 'weighted-ce', power: 0.5 }, [10, 3, 5, 1]);
  const a = 0.6;
  const T = 3;

  it('value and gradient match a float64 oracle, the gradient by central finite differences', () => {
    const loss = bindDistillation(base, { teacherLogits: teacherAll, numClasses: K, alpha: a, temperature: T });
    const z = parameter(tensor(Float32Array.from(z0), [n, K]));
    loss.select!(rows);
    const l = loss.loss(z, y);
    const f = (v: number[]) => oracle(v, t, Array.from(y), K, a, T, base.weights!);
    expect(l.item()).toBeCloseTo(f(z0), 5);
    backward(l);
    const h = 1e-5;
    for (let j = 0; j < n * K; j++) {
      const up = [...z0];
      const dn = [...z0];
      up[j] += h;
      dn[j] -= h;
      const fd = (f(up) - f(dn)) / (2 * h);
      expect(Math.abs(z.grad![j] - fd)).toBeLessThan(2e-6 + 1e-4 * Math.abs(fd));
    }
  });

  it('the soft term is a KL: zero with zero gradient when the student equals the teacher; alpha 0 is the base loss', () => {
    const zt = parameter(tensor(Float32Array.from(t), [n, K]));
    const d = distillationTerm(zt, Float32Array.from(t), T, 1);
    expect(Math.abs(d.item())).toBeLessThan(1e-6);
    backward(d);
    for (const g of zt.grad!) expect(Math.abs(g)).toBeLessThan(1e-6);
    const loss0 = bindDistillation(base, { teacherLogits: teacherAll, numClasses: K, alpha: 0, temperature: T });
    loss0.select!(rows);
    const z = tensor(Float32Array.from(z0), [n, K]);
    expect(loss0.loss(z, y).item()).toBeCloseTo(base.loss(z, y).item(), 6);
  });

  it('rejects a loss call without selected indices and bad settings', () => {
    const loss = bindDistillation(base, { teacherLogits: teacherAll, numClasses: K });
    expect(() => loss.loss(tensor(Float32Array.from(z0), [n, K]), y)).toThrow(/selected/);
    expect(() => bindDistillation(base, { teacherLogits: teacherAll, numClasses: K, alpha: 2 })).toThrow(/alpha/);
    expect(() => bindDistillation(base, { teacherLogits: teacherAll, numClasses: K, temperature: 0 })).toThrow(/temperature/);
  });
});
