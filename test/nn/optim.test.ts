import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, parameter, randn, tensor } from '../../src/core/index.ts';
import { Adam, AdamW, Ema, Sgd, SeparableCnn, ECG_SMALL, balancedSample, bindLoss, classWeights, clipGradNorm, learningRate, makeOptimizer } from '../../src/nn/index.ts';

/** Reference updates in float64 on plain arrays (independent transcription of the formulas). */
function refSgd(p: number[], grads: number[][], lr: number, mu: number, nesterov: boolean, wd: number): number[] {
  const buf = p.map(() => 0);
  for (const g of grads) {
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] + wd * p[i];
      buf[i] = mu * buf[i] + gi;
      p[i] -= lr * (nesterov ? gi + mu * buf[i] : buf[i]);
    }
  }
  return p;
}

function refAdam(p: number[], grads: number[][], lr: number, wd: number, decoupled: boolean): number[] {
  const m = p.map(() => 0), v = p.map(() => 0);
  grads.forEach((g, s) => {
    const t = s + 1;
    for (let i = 0; i < p.length; i++) {
      let gi = g[i];
      if (decoupled) p[i] -= lr * wd * p[i];
      else gi += wd * p[i];
      m[i] = 0.9 * m[i] + 0.1 * gi;
      v[i] = 0.999 * v[i] + 0.001 * gi * gi;
      p[i] -= (lr * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8);
    }
  });
  return p;
}

const vec = fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 1, maxLength: 6 });

describe('optimizers', () => {
  it('SGD (momentum, Nesterov, weight decay) and Adam / AdamW match the reference formulas', () => {
    fc.assert(fc.property(vec, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1e6 }), fc.boolean(), (init, steps, seed, nesterov) => {
      const rng = new Rng(seed);
      const grads = Array.from({ length: steps }, () => init.map(() => rng.normal()));
      const runOpt = (mk: (p: ReturnType<typeof parameter>) => { step(): void }) => {
        const p = parameter(tensor(init));
        const o = mk(p);
        for (const g of grads) {
          p.grad = Float32Array.from(g);
          o.step();
        }
        return Array.from(p.values());
      };
      const f32 = (a: number[]) => a.map((v) => Math.fround(v));
      const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 4));
      close(runOpt((p) => new Sgd([['w', p]], { lr: 0.1, momentum: 0.9, nesterov, weightDecay: 0.01 })), refSgd(f32(init), grads, 0.1, 0.9, nesterov, 0.01));
      close(runOpt((p) => new Adam([['w', p]], { lr: 0.01, weightDecay: 0.01 })), refAdam(f32(init), grads, 0.01, 0.01, false));
      close(runOpt((p) => new AdamW([['w', p]], { lr: 0.01, weightDecay: 0.1 })), refAdam(f32(init), grads, 0.01, 0.1, true));
    }), { numRuns: 30 });
  });

  it('state round-trips: saving after k steps and continuing in a new optimizer is bit-identical', () => {
    for (const kind of ['sgd', 'adam', 'adamw'] as const) {
      const rng = new Rng(7);
      const grads = Array.from({ length: 6 }, () => randn([5], rng).toFloat32Array());
      const a = parameter(randn([5], new Rng(1)));
      const oa = makeOptimizer({ kind }, [['w', a]], 0.05);
      for (const g of grads) {
        a.grad = g.slice();
        oa.step();
      }
      const b = parameter(randn([5], new Rng(1)));
      let ob = makeOptimizer({ kind }, [['w', b]], 0.05);
      grads.forEach((g, i) => {
        if (i === 3) {
          const s = ob.stateDict();
          ob = makeOptimizer({ kind }, [['w', b]], 1);
          ob.loadStateDict(s);
        }
        b.grad = g.slice();
        ob.step();
      });
      expect(b.values()).toEqual(a.values());
    }
    const p = parameter(tensor([1]));
    expect(() => new Sgd([['w', p]], { lr: 1 }).loadStateDict(new Adam([['w', p]], { lr: 1 }).stateDict())).toThrow(/"adam", this optimizer is "sgd"/);
  });

  it('learning-rate schedules: cosine with warmup and step decay', () => {
    const s = { kind: 'cosine' as const, warmupSteps: 10, minLr: 0 };
    expect(learningRate(s, 1, 0, 110)).toBeCloseTo(0.1);
    expect(learningRate(s, 1, 9, 110)).toBeCloseTo(1);
    expect(learningRate(s, 1, 10, 110)).toBeCloseTo(1);
    expect(learningRate(s, 1, 60, 110)).toBeCloseTo(0.5);
    expect(learningRate(s, 1, 110, 110)).toBeCloseTo(0);
    expect(learningRate({ kind: 'step', stepSize: 5, gamma: 0.5 }, 2, 12, 100)).toBeCloseTo(0.5);
    expect(learningRate({ kind: 'constant' }, 3, 99, 100)).toBe(3);
  });

  it('clips by global norm and returns the norm before clipping', () => {
    const a = parameter(tensor([0, 0])), b = parameter(tensor([0]));
    a.grad = new Float32Array([3, 0]);
    b.grad = new Float32Array([4]);
    expect(clipGradNorm([a, b], 1)).toBeCloseTo(5);
    expect(Math.hypot(a.grad[0], a.grad[1], b.grad[0])).toBeCloseTo(1, 4);
    expect(clipGradNorm([a, b], 10)).toBeCloseTo(1, 4);
  });

  it('EMA averages parameters, swaps in and restores, and serializes', () => {
    const m = new SeparableCnn(ECG_SMALL);
    const ema = new Ema(0.5, m);
    const w = m.classifier.weight;
    const w0 = w.toFloat32Array();
    w.data.fill(1);
    ema.update(m); // d = min(0.5, 1/10) = 0.1
    expect(ema.shadow.get('classifier.weight')![0]).toBeCloseTo(0.1 * w0[0] + 0.9, 5);
    const restore = ema.swapInto(m);
    expect(w.values()[0]).toBeCloseTo(0.1 * w0[0] + 0.9, 5);
    restore();
    expect(w.values()[0]).toBe(1);
    const e2 = new Ema(0.5, m);
    e2.loadStateDict(ema.stateDict());
    expect(e2.updates).toBe(1);
    expect(e2.shadow.get('classifier.weight')).toEqual(ema.shadow.get('classifier.weight'));
  });
});

describe('imbalance', () => {
  it('class weights follow (n / (K n_c))^power; weighted CE reports its normalizer', () => {
    expect(classWeights([60, 30, 10], 1)).toEqual([100 / 180, 100 / 90, 100 / 30]);
    expect(classWeights([4, 0], 0.5)).toEqual([Math.sqrt(4 / 8), 1]);
    const l = bindLoss({ kind: 'weighted-ce', power: 1 }, [60, 30, 10]);
    expect(l.normalizer(new Int32Array([0, 2]))).toBeCloseTo(100 / 180 + 100 / 30);
    expect(bindLoss({ kind: 'focal' }, [1, 1]).normalizer(new Int32Array(3))).toBe(3);
  });

  it('balanced sampler is seeded and equalizes classes (power 1)', () => {
    const y = new Int32Array(1000).map((_, i) => (i < 900 ? 0 : i < 990 ? 1 : 2));
    const idx = Int32Array.from({ length: 1000 }, (_, i) => i);
    const a = balancedSample(y, idx, 3, 6000, new Rng(3));
    expect(a).toEqual(balancedSample(y, idx, 3, 6000, new Rng(3)));
    const c = [0, 0, 0];
    for (const i of a) c[y[i]]++;
    for (const v of c) expect(Math.abs(v - 2000)).toBeLessThan(200);
  });
});
