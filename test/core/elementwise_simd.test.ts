import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/core/rng.ts';
import { reluBackward, reluForward } from '../../src/core/kernels/relu.ts';
import { reluBackwardSimd, reluForwardSimd } from '../../src/core/kernels/relu_simd.ts';
import { affineChannels, batchNormBackward, channelStats } from '../../src/core/kernels/batchnorm.ts';
import { affineChannelsSimd, batchNormBackwardSimd, channelStatsSimd } from '../../src/core/kernels/batchnorm_simd.ts';

/**
 * ReLU SIMD is bit-identical to relu.ts (NaN, -0 and lengths that are not multiples of 4
 * included). Batch-norm SIMD against batchnorm.ts within the f32-summation bound: a sum of M
 * terms may differ by (M + 2) * 2^-24 * sum |terms| (the reference sums in float64), and the
 * kernel's f32 copy of the mean moves xhat by up to 2 * |mean| * invStd * 2^-24.
 */
const U = 2 ** -24;
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function rand(n: number, rng: Rng, mean = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = mean + rng.normal();
  return a;
}

describe('relu SIMD', () => {
  it('forward and backward are bit-identical to relu.ts', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 37 }), fc.integer({ min: 0, max: 1e6 }), (n, seed) => {
      const rng = new Rng(seed);
      const x = rand(n, rng);
      if (n > 2) { x[0] = NaN; x[1] = -0; x[2] = 0; }
      const want = new Float32Array(n), got = new Float32Array(n).fill(7);
      reluForward(x, want, n); reluForwardSimd(x, got, n);
      expect(bits(got)).toEqual(bits(want));
      const g = rand(n, rng), gx0 = rand(n, rng);
      const gxW = gx0.slice(), gxG = gx0.slice();
      reluBackward(x, g, gxW, n); reluBackwardSimd(x, g, gxG, n);
      expect(bits(gxG)).toEqual(bits(gxW));
    }), { numRuns: 100, seed: 12 });
  });
});

describe('batch norm SIMD', () => {
  it('statistics, affine and backward match batchnorm.ts', () => {
    fc.assert(fc.property(
      fc.integer({ min: 2, max: 150 }), fc.integer({ min: 1, max: 13 }), fc.boolean(), fc.integer({ min: 0, max: 1e6 }),
      (M, C, batchStats, seed) => {
        const rng = new Rng(seed);
        const x = rand(M * C, rng, 3); // an offset mean, so the two-pass variance matters
        const meanW = new Float64Array(C), varW = new Float64Array(C), meanG = new Float64Array(C), varG = new Float64Array(C);
        channelStats(x, M, C, meanW, varW);
        channelStatsSimd(x, M, C, meanG, varG);
        for (let c = 0; c < C; c++) {
          let sAbs = 0, sSq = 0;
          for (let i = 0; i < M; i++) { sAbs += Math.abs(x[i * C + c]); sSq += (x[i * C + c] - meanW[c]) ** 2; }
          const meanTol = (M + 2) * U * sAbs / M;
          expect(Math.abs(meanG[c] - meanW[c]), `mean[${c}]`).toBeLessThanOrEqual(meanTol);
          expect(Math.abs(varG[c] - varW[c]), `var[${c}]`).toBeLessThanOrEqual(4 * (M + 4) * U * sSq / M + 4 * meanTol * sAbs / M);
        }
        const invStd = Float64Array.from(varW, (v) => 1 / Math.sqrt(v + 1e-5));
        const gamma = rand(C, rng), beta = rand(C, rng);
        const scale = Float64Array.from(gamma, (gm, c) => gm * invStd[c]);
        const shift = Float64Array.from(beta, (b, c) => b - meanW[c] * scale[c]);
        const yW = new Float32Array(M * C), yG = new Float32Array(M * C).fill(NaN);
        affineChannels(x, M, C, scale, shift, yW);
        affineChannelsSimd(x, M, C, scale, shift, yG);
        for (let i = 0; i < M * C; i++) {
          const c = i % C;
          expect(Math.abs(yG[i] - yW[i]), `y[${i}]`).toBeLessThanOrEqual(4 * U * (Math.abs(x[i] * scale[c]) + Math.abs(shift[c])));
        }
        const g = rand(M * C, rng);
        const [gx0, gg0, gb0] = [rand(M * C, rng), rand(C, rng), rand(C, rng)];
        const [gxW, ggW, gbW] = [gx0.slice(), gg0.slice(), gb0.slice()];
        const [gxG, ggG, gbG] = [gx0.slice(), gg0.slice(), gb0.slice()];
        batchNormBackward(x, g, M, C, meanW, invStd, gamma, batchStats, gxW, ggW, gbW);
        batchNormBackwardSimd(x, g, M, C, meanW, invStd, gamma, batchStats, gxG, ggG, gbG);
        for (let c = 0; c < C; c++) {
          let sg = 0, sgx = 0; // sums of |terms|
          for (let i = 0; i < M; i++) { sg += Math.abs(g[i * C + c]); sgx += Math.abs(g[i * C + c] * (x[i * C + c] - meanW[c]) * invStd[c]); }
          // the kernel holds mean in f32: x - mean may be off by 2 |mean| 2^-24, i.e. xhat by that times invStd
          const xhatShift = 2 * U * Math.abs(meanW[c]) * invStd[c];
          const errSg = (M + 2) * U * sg, errSgx = 2 * (M + 4) * U * sgx + xhatShift * sg;
          expect(Math.abs(gbG[c] - gbW[c]), `gbeta[${c}]`).toBeLessThanOrEqual(errSg + 2 * U * Math.abs(gbW[c]));
          expect(Math.abs(ggG[c] - ggW[c]), `ggamma[${c}]`).toBeLessThanOrEqual(errSgx + 2 * U * Math.abs(ggW[c]));
          const k = Math.abs(gamma[c] * invStd[c]);
          for (let i = 0; i < M; i++) {
            const o = i * C + c;
            const xhat = Math.abs((x[o] - meanW[c]) * invStd[c]);
            const terms = Math.abs(g[o]) + (batchStats ? sg / M + (xhat + xhatShift) * sgx / M : 0);
            const tol = 2 * (k * (8 * U * terms + (batchStats ? errSg / M + xhat * errSgx / M : 0)) + 2 * U * (Math.abs(gxW[o]) + Math.abs(gx0[o])));
            if (!(Math.abs(gxG[o] - gxW[o]) <= tol)) throw new Error(`gx[${o}] = ${gxG[o]}, want ${gxW[o]} (tolerance ${tol}, M ${M} C ${C})`);
          }
        }
        // the parameter gradients alone (gx null)
        const ggOnly = gg0.slice();
        batchNormBackwardSimd(x, g, M, C, meanW, invStd, gamma, batchStats, null, ggOnly, null);
        expect(Array.from(ggOnly)).toEqual(Array.from(ggG));
      },
    ), { numRuns: 80, seed: 12 });
  });
});
