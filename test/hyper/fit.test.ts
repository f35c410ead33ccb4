import { describe, expect, it } from 'vitest';
import { noGrad } from '../../src/core/index.ts';
import { DEFAULT_KNOBS, makeConfig, type GeneratorKnobs } from '../../src/hyper/config.ts';
import { fitGenerator, relError } from '../../src/hyper/fit.ts';
import { FloatGenerator } from '../../src/hyper/generator_float.ts';
import { gemm, solveSpd, symmetricEigen } from '../../src/hyper/linalg.ts';
import { Rng } from '../../src/core/rng.ts';
import { Tensor } from '../../src/core/index.ts';
import { buildHyperModel, buildLowRankModel, trainHyperModel } from '../../src/hyper/hyper_model.ts';
import { fitHyperModel, fitLowRankModel } from '../../src/hyper/fit.ts';
import { SeparableCnn } from '../../src/nn/models/separable_cnn.ts';
import { train } from '../../src/nn/trainer.ts';
import { predictLogits } from '../../src/nn/batch.ts';
import { sineTask, TINY } from './sine_task.ts';


const SHAPES = [{ cIn: 8, cOut: 16 }, { cIn: 16, cOut: 16 }, { cIn: 16, cOut: 12 }, { cIn: 12, cOut: 16 }];

function targetsOf(knobs: Partial<GeneratorKnobs>, seed: number): { config: ReturnType<typeof makeConfig>; W: Float32Array[] } {
  const config = makeConfig({ ...DEFAULT_KNOBS.mitbih, dz: 4, dh: 8, rank: 4, ...knobs }, SHAPES);
  const teacher = new FloatGenerator(config, { seed });
  // perturb the gains so that they are not a per-layer constant
  const rng = new Rng(seed + 99);
  for (const g of teacher.gains) for (let i = 0; i < g.size; i++) g.data[g.offset + i] *= 0.5 + rng.next();
  const W = noGrad(() => config.layers.map((_, l) => teacher.weightFor(l, { fakeQuant: false }).toFloat32Array()));
  return { config, W };
}

describe('fitGenerator: least-squares initialization from trained kernels', () => {
  const families: [string, Partial<GeneratorKnobs>][] = [
    ['shared basis, stored gains', {}],
    ['no gains', { gains: 'none' }],
    ['generated gains', { gains: 'generated' }],
    ['per-layer generators', { sharing: 'per-layer' }],
  ];
  it.each(families)('%s: an exactly representable W is reproduced', (_, knobs) => {
    const { config, W } = targetsOf(knobs, 3);
    const student = new FloatGenerator(config, { seed: 11 });
    const before = noGrad(() => W.map((w, l) => relError(w, student.weightFor(l, { fakeQuant: false }).values())));
    const rep = fitGenerator(student, W, { iterations: 100 });
    for (const e of before) expect(e).toBeGreaterThan(0.5);
    for (const e of rep.relError) expect(e).toBeLessThan(1e-4);
    // the QAT view (6-bit generator, INT8 per channel) stays close
    for (const e of rep.relErrorQuantized) expect(e).toBeLessThan(0.2);
  });

  it('basis-coeff head (a CP decomposition): alternating least squares converges, slowly', () => {
    const { config, W } = targetsOf({ head: 'basis-coeff' }, 3);
    const worst = (it: number) => Math.max(...fitGenerator(new FloatGenerator(config, { seed: 11 }), W, { iterations: it }).relError);
    const e10 = worst(10);
    const e100 = worst(100);
    expect(e100).toBeLessThan(e10 / 2);
    expect(e100).toBeLessThan(0.02);
  });

  it('a full-rank target is approximated at the truncated-SVD level, not worse', () => {
    const config = makeConfig({ ...DEFAULT_KNOBS.mitbih, dz: 4, dh: 8, rank: 6 }, [{ cIn: 16, cOut: 16 }]);
    const rng = new Rng(5);
    const W = Float32Array.from({ length: 256 }, () => rng.normal());
    const rep = fitGenerator(new FloatGenerator(config, { seed: 1 }), [W]);
    // one layer: the optimum is the rank-6 truncated SVD; its error from the eigenvalues of W^T W
    const { values } = symmetricEigen(gemm(Float64Array.from(W), Float64Array.from(W), 16, 16, 16, true, false), 16);
    const tot = values.reduce((a, v) => a + v, 0);
    const tail = values.slice(6).reduce((a, v) => a + v, 0);
    expect(rep.relError[0]).toBeCloseTo(Math.sqrt(tail / tot), 4);
  });

  it.each([['stored', 'stored'], ['generated', 'generated'], ['no', 'none']] as const)('factor heads, %s gains: a rank-r W is reproduced; a full-rank one at each layer\'s truncated-SVD level', (_, gains) => {
    const { W } = targetsOf({}, 3); // rank-4 layers of a shared-basis teacher
    const config = makeConfig({ ...DEFAULT_KNOBS.mitbih, dz: 4, dh: 8, rank: 4, head: 'factor-heads', gains }, SHAPES);
    const rep = fitGenerator(new FloatGenerator(config, { seed: 11 }), W);
    for (const e of rep.relError) expect(e).toBeLessThan(1e-4);
    for (const e of rep.relErrorQuantized) expect(e).toBeLessThan(0.2);
    const rng = new Rng(5);
    const full = SHAPES.map((s) => Float32Array.from({ length: s.cIn * s.cOut }, () => rng.normal()));
    const fr = fitGenerator(new FloatGenerator(makeConfig({ ...config, rank: 3 }, SHAPES), { seed: 1 }), full);
    SHAPES.forEach((s, l) => {
      const { values } = symmetricEigen(gemm(Float64Array.from(full[l]), Float64Array.from(full[l]), s.cIn, s.cOut, s.cIn, true, false), s.cIn);
      const tot = values.reduce((x, v) => x + v, 0);
      expect(fr.relError[l]).toBeCloseTo(Math.sqrt(values.slice(3).reduce((x, v) => x + v, 0) / tot), 4);
    });
  });

  it('rejects targets of the wrong shape', () => {
    const { config } = targetsOf({}, 1);
    expect(() => fitGenerator(new FloatGenerator(config), [new Float32Array(3)])).toThrow(/target kernels/);
    expect(() => fitGenerator(new FloatGenerator(config), SHAPES.map(() => new Float32Array(5)))).toThrow(/layer 0/);
  });
});

describe('linalg', () => {
  it('symmetricEigen: A V = V diag(values), V orthonormal, values descending', () => {
    const n = 9;
    const rng = new Rng(2);
    const B = Float64Array.from({ length: n * n }, () => rng.normal());
    const A = gemm(B, B, n, n, n, true, false);
    const { values, vectors } = symmetricEigen(A, n);
    const AV = gemm(A, vectors, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(AV[i * n + j]).toBeCloseTo(vectors[i * n + j] * values[j], 8);
    const VtV = gemm(vectors, vectors, n, n, n, true, false);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(VtV[i * n + j]).toBeCloseTo(i === j ? 1 : 0, 10);
    for (let j = 1; j < n; j++) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
  });

  it('solveSpd solves A X = B', () => {
    const n = 7;
    const rng = new Rng(4);
    const B0 = Float64Array.from({ length: n * n }, () => rng.normal());
    const A = gemm(B0, B0, n, n, n, true, false);
    const X0 = Float64Array.from({ length: n * 3 }, () => rng.normal());
    const X = solveSpd(A, n, gemm(A, X0, n, n, 3), 3, 0);
    for (let i = 0; i < X.length; i++) expect(X[i]).toBeCloseTo(X0[i], 6);
  });
});

describe('fitHyperModel / fitLowRankModel on a trained backbone', () => {
  it('full rank: the HyperModel computes the trained float model; KD fine-tuning runs from there', async () => {
    const data = sineTask(120, 16, 4);
    const teacher = new SeparableCnn(TINY);
    await train({ spec: { family: 'separable_cnn', config: TINY }, model: teacher, data, config: { epochs: 2, batchSize: 16, lr: 1e-2 }, quiet: true });
    teacher.eval();
    const xb = new Tensor(data.x.slice(0, 16 * 6), [6, 16, 1]);
    const want = noGrad(() => teacher.forward(xb).values());

    const m = buildHyperModel(TINY, { ...DEFAULT_KNOBS.mitbih, dz: 3, dh: 6, rank: 8 }); // rank = C_max: any W is representable
    m.loadStateDict(teacher.stateDict(), { strict: false });
    const rep = fitHyperModel(m, { iterations: 60 });
    for (const e of rep.relError) expect(e).toBeLessThan(1e-4);
    m.eval();
    const got = noGrad(() => m.forward(xb).values());
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 3);

    // low rank: rank 8 = min(C_in, C_out) of both generated layers (6 -> 8, 8 -> 8) is exact; rank 2 is the truncated SVD
    const exact = buildLowRankModel(TINY, 8);
    exact.loadStateDict(teacher.stateDict(), { strict: false });
    for (const e of fitLowRankModel(exact).relError) expect(e).toBeLessThan(1e-5);
    exact.eval();
    const gotLr = noGrad(() => exact.forward(xb).values());
    for (let i = 0; i < want.length; i++) expect(gotLr[i]).toBeCloseTo(want[i], 3);
    const r2 = buildLowRankModel(TINY, 2);
    r2.loadStateDict(teacher.stateDict(), { strict: false });
    const e2 = fitLowRankModel(r2).relError;
    const fitted = noGrad(() => r2.factors.weightFor(1).values());
    expect(relError(r2.pwLayers[1].weight.values(), fitted)).toBeCloseTo(e2[1], 5);
    expect(e2[1]).toBeGreaterThan(0.05);
    const { logits } = predictLogits(teacher, data.x, data.shape, data.train);
    const tl = new Float32Array(data.shape[0] * 3);
    data.train.forEach((row, i) => tl.set(logits.subarray(i * 3, i * 3 + 3), row * 3));
    const res = await trainHyperModel(m, data, { config: { epochs: 1, batchSize: 16, lr: 1e-3 }, quiet: true, distill: { teacherLogits: tl, numClasses: 3, alpha: 0.7, temperature: 4 } });
    expect(Number.isFinite(res.history[0].trainLoss)).toBe(true);
  });
});
