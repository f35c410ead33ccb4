/**
 * Generator initialization by fitting trained pointwise kernels (issue #13): given the float
 * W_l [C_out, C_in] of a trained backbone's generated layers, set the generator so that its
 * W_l = diag(g_l) U[:C_out] S_l V[:, :C_in] reproduces them in least squares, before end-to-end
 * fine-tuning (with distillation, distill.ts).
 *
 * Per generator instance (all layers when shared, one layer when per-layer), with layer weights
 * c_l = 1 / ||W_l||_F^2 (every layer counts by its relative error):
 *   1. U = the top-r eigenvectors of sum_l c_l W_l W_l^T (rows zero-padded to C_max: a truncated
 *      SVD of the stacked layers), V = the top-r of sum_l c_l W_l^T W_l; g_l = 1.
 *   2. Alternating least squares, `iterations` rounds, each exact for its block:
 *        S_l = (X^T X)^-1 X^T W_l Y^T (Y Y^T)^-1, X = diag(g_l) U_o, Y = V_i   ('shared-basis';
 *              'basis-coeff' solves for the diagonal only: (X^T X o Y Y^T) c = diag(X^T W Y^T))
 *        g_l[o] = <W_l[o,:], M[o,:]> / ||M[o,:]||^2, M = U_o S_l V_i   (gains 'stored' / 'generated')
 *        U[o,:] solves sum_l c_l g_lo^2 (M_l M_l^T) u = sum_l c_l g_lo M_l W_l[o,:]^T, M_l = S_l V_i
 *        V[:,i] solves sum_l c_l N_l^T N_l v = sum_l c_l N_l^T W_l[:,i], N_l = diag(g_l) U_o S_l
 *      (the sums run over the layers wide enough to use row o / column i).
 *   3. Balance: max|U| = max|V| = 1 and mean|g_l| = 1, the factors moved into S_l.
 *   4. Heads regressed to the fitted factors: with the trunk outputs h_l of the codes (orthogonal
 *      when dz >= L, else the initial ones) and the initial trunk, the core head [H | b] = T (Ha^T Ha + ridge)^-1 Ha^T (Ha = [h_l; 1] per layer, T =
 *      vec(S_l) per layer): the minimum-norm exact interpolation when the L layers' h_l are
 *      independent (L <= dh + 1); the gain head likewise to g_l (zero-padded to C_max).
 * A W that is exactly representable is reproduced to float precision (test/hyper/fit.test.ts);
 * the basis-coeff head is a CP decomposition, where alternating least squares converges slowly.
 *
 * Head 'factor-heads' (W_l = diag(g_l) A_l B_l, nothing shared but the trunk and heads), per layer:
 *   1. the rank-r truncated SVD W_l ~ (W_l V_r) V_r^T (V_r = top-r eigenvectors of W_l^T W_l):
 *      B_l = V_r^T / max|V_r|, A_l = W_l V_r max|V_r| (max|B_l| = 1);
 *   2. gains 'stored' / 'generated': g_l[o] = max_a |A_l[o, a]|, row o of A_l divided by it (every
 *      row of A_l then has max 1: the 8-bit factor outputs share one scale across layers);
 *      gains 'none': A_l and B_l rescaled to equal max |.|;
 *   3. H_A and H_B regressed to vec(A_l), vec(B_l) (zero-padded to C_max*r, r*C_max) exactly as
 *      the core head above (and the gain head to g_l).
 * The fit of each layer is then the optimal rank-r one (the low-rank baseline's), up to the
 * heads' regression when L > dh + 1.
 */

import { noGrad, type Tensor } from '../core/index.ts';
import { ArgumentError } from '../util/errors.ts';
import { generatorOf, generatorCount, type GeneratorConfig } from './config.ts';
import type { FloatGenerator, GeneratorInstanceModule } from './generator_float.ts';
import type { HyperModel, LowRankModel } from './hyper_model.ts';
import { HEADS } from './heads.ts';
import { cholesky, choleskySolve, gemm, solveSpd, symmetricEigen } from './linalg.ts';

export interface FitOptions {
  /** rounds of alternating least squares (default 20; exact targets need ~100, basis-coeff converges slowest) */
  iterations?: number;
  /** relative ridge of the normal equations (default 1e-9) */
  ridge?: number;
  /** relative ridge of the heads' regression onto the trunk outputs (default 1e-9) */
  headRidge?: number;
}

export interface FitReport {
  /** ||W_l - W_fit||_F / ||W_l||_F per generated layer, float generator */
  relError: number[];
  /** the same with the generator fake-quantized at its storage bits and W_l per channel (QAT view) */
  relErrorQuantized: number[];
  seconds: number;
}

interface LayerFit {
  l: number;
  cIn: number;
  cOut: number;
  W: Float64Array;
  c: number;
  S: Float64Array;
  g: Float64Array;
}

/** Fit `gen` to `targets[l]` ([C_out, C_in] row-major, float) in place; returns the fit errors. */
export function fitGenerator(gen: FloatGenerator, targets: ArrayLike<number>[], opts: FitOptions = {}): FitReport {
  const t0 = Date.now();
  const cfg = gen.config;
  if (targets.length !== cfg.layers.length) throw new ArgumentError('fitGenerator', `${targets.length} target kernels for ${cfg.layers.length} generated layers`);
  cfg.layers.forEach((s, l) => {
    if (targets[l].length !== s.cOut * s.cIn) throw new ArgumentError('fitGenerator', `layer ${l}: ${targets[l].length} values for ${s.cOut} x ${s.cIn}`);
  });
  orthogonalCodes(gen);
  for (let g = 0; g < generatorCount(cfg); g++) {
    const served = cfg.layers.map((_, l) => l).filter((l) => generatorOf(cfg, l) === g);
    if (HEADS[cfg.head].factorHeads) fitFactorInstance(gen, g, served, targets, opts);
    else fitInstance(gen, g, served, targets, opts);
  }
  const report = noGrad(() => ({
    relError: cfg.layers.map((_, l) => relError(targets[l], gen.weightFor(l, { fakeQuant: false }).values())),
    relErrorQuantized: cfg.layers.map((_, l) => relError(targets[l], gen.weightFor(l, { fakeQuant: true }).values())),
  }));
  return { ...report, seconds: (Date.now() - t0) / 1000 };
}

/**
 * Fit a HyperModel's generator to the stored weights of its generated PW layers (the trained
 * backbone's kernels, loaded into the model with loadStateDict before the generator took over).
 */
export function fitHyperModel(model: HyperModel, opts: FitOptions = {}): FitReport {
  return fitGenerator(model.generator, model.pwLayers.map((pw) => pw.weight.values()), opts);
}

/**
 * The low-rank baseline's counterpart: A_l B_l = the rank-r truncated SVD of the stored W_l
 * (top-r eigenvectors of W^T W), balanced so that A and B have equal Frobenius norms.
 */
export function fitLowRankModel(model: LowRankModel): { relError: number[] } {
  const relErrors = model.pwLayers.map((pw, l) => {
    const W = Float64Array.from(pw.weight.values());
    const { cIn: n, cOut: m } = { cIn: pw.inChannels, cOut: pw.outChannels };
    const r = model.factors.A[l].shape[1];
    const Vt = topEigenvectors(gemm(W, W, n, m, n, true, false), n, r); // [n, r]
    const A = gemm(W, Vt, m, n, r); // W V [m, r]
    let na = 0;
    for (const v of A) na += v * v;
    const s = Math.sqrt(Math.sqrt(na) / Math.sqrt(r)) || 1; // ||B||_F = sqrt(r) (orthonormal rows)
    setTensor(model.factors.A[l], A.map((v) => v / s));
    const B = new Float64Array(r * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < r; j++) B[j * n + i] = Vt[i * r + j] * s;
    setTensor(model.factors.B[l], B);
    return relError(W, gemm(A, Vt, m, r, n, false, true));
  });
  return { relError: relErrors };
}

/**
 * With dz >= L, codes z_l = 2 e_l (orthogonal, exact at any code bit width): the trunk outputs
 * h_l are then as far from collinear as the random trunk allows, so the heads' exact
 * interpolation needs no large cancelling weights (which 6-bit per-row quantization destroys:
 * N(0, 1) codes gave fake-quantized fit errors of 3-9x ||W|| on the large backbone). With dz < L
 * the random codes stay.
 */
function orthogonalCodes(gen: FloatGenerator): void {
  const { dz, layers } = gen.config;
  if (dz < layers.length) return;
  const z = new Float64Array(layers.length * dz);
  for (let l = 0; l < layers.length; l++) z[l * dz + l] = 2;
  setTensor(gen.codes, z);
}

/** ||a - b||_F / ||a||_F (0 when a is all zero and b equals it). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += a[i] ** 2;
  }
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
}

function fitInstance(gen: FloatGenerator, g: number, served: number[], targets: ArrayLike<number>[], opts: FitOptions): void {
  const cfg = gen.config;
  const inst = gen.instances[g];
  const r = cfg.rank;
  const n = inst.cMax;
  const ridge = opts.ridge ?? 1e-9;
  const layers: LayerFit[] = served.map((l) => {
    const { cIn, cOut } = cfg.layers[l];
    const W = Float64Array.from(targets[l]);
    let ss = 0;
    for (const v of W) ss += v * v;
    return { l, cIn, cOut, W, c: ss > 0 ? 1 / ss : 1, S: new Float64Array(r * r), g: new Float64Array(cOut).fill(1) };
  });

  // 1. bases from the stacked layers' Gram matrices
  const gu = new Float64Array(n * n);
  const gv = new Float64Array(n * n);
  for (const L of layers) {
    const wwt = gemm(L.W, L.W, L.cOut, L.cIn, L.cOut, false, true);
    for (let a = 0; a < L.cOut; a++) for (let b = 0; b < L.cOut; b++) gu[a * n + b] += L.c * wwt[a * L.cOut + b];
    const wtw = gemm(L.W, L.W, L.cIn, L.cOut, L.cIn, true, false);
    for (let a = 0; a < L.cIn; a++) for (let b = 0; b < L.cIn; b++) gv[a * n + b] += L.c * wtw[a * L.cIn + b];
  }
  const U = topEigenvectors(gu, n, r); // [n, r]
  const Vt = topEigenvectors(gv, n, r); // [n, r]
  const V = new Float64Array(r * n);
  for (let i = 0; i < n; i++) for (let b = 0; b < r; b++) V[b * n + i] = Vt[i * r + b];

  // 2. alternating least squares
  const fitGains = cfg.gains !== 'none';
  const iterations = opts.iterations ?? 20;
  for (let it = 0; it <= iterations; it++) {
    for (const L of layers) updateCore(L, U, V, n, r, cfg, ridge);
    if (fitGains) for (const L of layers) updateGains(L, U, V, n, r);
    if (it === iterations) break;
    updateU(layers, U, V, n, r, ridge);
    updateV(layers, U, V, n, r, ridge);
  }

  // 3. balance the scales
  const a = maxAbs(U) || 1;
  const b = maxAbs(V) || 1;
  for (let i = 0; i < U.length; i++) U[i] /= a;
  for (let i = 0; i < V.length; i++) V[i] /= b;
  for (const L of layers) {
    let m = 1;
    if (fitGains) {
      let s = 0;
      for (const v of L.g) s += Math.abs(v);
      m = s / L.g.length || 1;
      for (let o = 0; o < L.g.length; o++) L.g[o] /= m;
    }
    for (let i = 0; i < L.S.length; i++) L.S[i] *= a * b * m;
  }

  // 4. write bases and gains, regress the heads
  setTensor(inst.U!, U);
  setTensor(inst.V!, V);
  if (cfg.gains === 'stored') for (const L of layers) setTensor(gen.gains[L.l], L.g);
  const H = layers.map((L) => trunkOutput(gen, inst, L.l));
  const coreTargets = layers.map((L) => (cfg.head === 'shared-basis' ? L.S : Float64Array.from({ length: r }, (_, k) => L.S[k * r + k])));
  regressHead(inst.core.weight, inst.core.bias!, H, coreTargets, cfg.dh, opts.headRidge ?? 1e-9);
  if (cfg.gains === 'generated') {
    const gainTargets = layers.map((L) => {
      const t = new Float64Array(n);
      t.set(L.g);
      return t;
    });
    regressHead(inst.gain!.weight, inst.gain!.bias!, H, gainTargets, cfg.dh, opts.headRidge ?? 1e-9);
  }
}

/** 'factor-heads': per-layer truncated SVD, gains, then the heads regressed (file comment). */
function fitFactorInstance(gen: FloatGenerator, g: number, served: number[], targets: ArrayLike<number>[], opts: FitOptions): void {
  const cfg = gen.config;
  const inst = gen.instances[g];
  const r = cfg.rank;
  const n = inst.cMax;
  const fits = served.map((l) => {
    const { cIn, cOut } = cfg.layers[l];
    const W = Float64Array.from(targets[l]);
    const Vr = topEigenvectors(gemm(W, W, cIn, cOut, cIn, true, false), cIn, r); // [cIn, r]
    const bmax = maxAbs(Vr) || 1;
    const A = gemm(W, Vr, cOut, cIn, r).map((v) => v * bmax); // [cOut, r]
    const B = new Float64Array(r * cIn);
    for (let i = 0; i < cIn; i++) for (let b = 0; b < r; b++) B[b * cIn + i] = Vr[i * r + b] / bmax;
    const gains = new Float64Array(cOut).fill(1);
    if (cfg.gains !== 'none') {
      for (let o = 0; o < cOut; o++) {
        let m = 0;
        for (let a = 0; a < r; a++) m = Math.max(m, Math.abs(A[o * r + a]));
        if (m === 0) continue;
        gains[o] = m;
        for (let a = 0; a < r; a++) A[o * r + a] /= m;
      }
    } else {
      const s = Math.sqrt(maxAbs(A)) || 1; // max|A| = max|B| = sqrt(max|A|)
      for (let k = 0; k < A.length; k++) A[k] /= s;
      for (let k = 0; k < B.length; k++) B[k] *= s;
    }
    return { l, cIn, cOut, A, B, gains };
  });
  const H = fits.map((F) => trunkOutput(gen, inst, F.l));
  const ridge = opts.headRidge ?? 1e-9;
  const padded = (len: number, fill: (t: Float64Array, F: (typeof fits)[number]) => void) => fits.map((F) => {
    const t = new Float64Array(len);
    fill(t, F);
    return t;
  });
  regressHead(inst.core.weight, inst.core.bias!, H, padded(n * r, (t, F) => t.set(F.A)), cfg.dh, ridge);
  regressHead(inst.factorB!.weight, inst.factorB!.bias!, H, padded(r * n, (t, F) => {
    for (let b = 0; b < r; b++) for (let i = 0; i < F.cIn; i++) t[b * n + i] = F.B[b * F.cIn + i];
  }), cfg.dh, ridge);
  if (cfg.gains === 'stored') for (const F of fits) setTensor(gen.gains[F.l], F.gains);
  if (cfg.gains === 'generated') regressHead(inst.gain!.weight, inst.gain!.bias!, H, padded(n, (t, F) => t.set(F.gains)), cfg.dh, ridge);
}

/** The r leading eigenvectors of a symmetric n x n matrix as columns [n, r]; beyond n (r > n), tiny fixed columns. */
function topEigenvectors(G: Float64Array, n: number, r: number): Float64Array {
  const { vectors } = symmetricEigen(G, n);
  const out = new Float64Array(n * r);
  for (let i = 0; i < n; i++) for (let j = 0; j < r; j++) out[i * r + j] = j < n ? vectors[i * n + j] : 1e-3 * Math.sin(1 + 3.7 * i + 1.3 * j);
  return out;
}

/** U_o = U[:cOut] with row o scaled by g[o]: [cOut, r]. */
function scaledRows(U: Float64Array, r: number, g: Float64Array, cOut: number): Float64Array {
  const X = new Float64Array(cOut * r);
  for (let o = 0; o < cOut; o++) for (let a = 0; a < r; a++) X[o * r + a] = g[o] * U[o * r + a];
  return X;
}

/** V_i = V[:, :cIn]: [r, cIn]. */
function leadingColumns(V: Float64Array, n: number, r: number, cIn: number): Float64Array {
  const Y = new Float64Array(r * cIn);
  for (let b = 0; b < r; b++) for (let i = 0; i < cIn; i++) Y[b * cIn + i] = V[b * n + i];
  return Y;
}

function updateCore(L: LayerFit, U: Float64Array, V: Float64Array, n: number, r: number, cfg: GeneratorConfig, ridge: number): void {
  const X = scaledRows(U, r, L.g, L.cOut);
  const Y = leadingColumns(V, n, r, L.cIn);
  const xtx = gemm(X, X, r, L.cOut, r, true, false);
  const yyt = gemm(Y, Y, r, L.cIn, r, false, true);
  const wyt = gemm(L.W, Y, L.cOut, L.cIn, r, false, true); // [cOut, r]
  const rhs = gemm(X, wyt, r, L.cOut, r, true, false); // X^T W Y^T [r, r]
  if (cfg.head === 'shared-basis') {
    const Z = solveSpd(xtx, r, rhs, r, ridge); // (X^T X)^-1 rhs
    const Zt = new Float64Array(r * r);
    for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) Zt[b * r + a] = Z[a * r + b];
    const St = solveSpd(yyt, r, Zt, r, ridge); // S^T = (Y Y^T)^-1 Z^T
    for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) L.S[a * r + b] = St[b * r + a];
  } else {
    const G = Float64Array.from(xtx, (v, k) => v * yyt[k]);
    const c = choleskySolve(cholesky(G, r, ridge), r, Float64Array.from({ length: r }, (_, k) => rhs[k * r + k]));
    L.S.fill(0);
    for (let k = 0; k < r; k++) L.S[k * r + k] = c[k];
  }
}

function updateGains(L: LayerFit, U: Float64Array, V: Float64Array, n: number, r: number): void {
  const ones = new Float64Array(L.cOut).fill(1);
  const M = gemm(gemm(scaledRows(U, r, ones, L.cOut), L.S, L.cOut, r, r), leadingColumns(V, n, r, L.cIn), L.cOut, r, L.cIn);
  for (let o = 0; o < L.cOut; o++) {
    let num = 0;
    let den = 0;
    for (let i = 0; i < L.cIn; i++) {
      num += L.W[o * L.cIn + i] * M[o * L.cIn + i];
      den += M[o * L.cIn + i] ** 2;
    }
    if (den > 0) L.g[o] = num / den;
  }
}

function updateU(layers: LayerFit[], U: Float64Array, V: Float64Array, n: number, r: number, ridge: number): void {
  const parts = layers.map((L) => {
    const M = gemm(L.S, leadingColumns(V, n, r, L.cIn), r, r, L.cIn); // [r, cIn]
    return { L, K: gemm(M, M, r, L.cIn, r, false, true), WMt: gemm(L.W, M, L.cOut, L.cIn, r, false, true) };
  });
  const A = new Float64Array(r * r);
  const b = new Float64Array(r);
  for (let o = 0; o < n; o++) {
    const using = parts.filter((p) => o < p.L.cOut);
    if (using.length === 0) continue;
    A.fill(0);
    b.fill(0);
    for (const { L, K, WMt } of using) {
      const go = L.g[o];
      const w2 = L.c * go * go;
      for (let k = 0; k < r * r; k++) A[k] += w2 * K[k];
      for (let k = 0; k < r; k++) b[k] += L.c * go * WMt[o * r + k];
    }
    const u = choleskySolve(cholesky(A, r, ridge), r, b);
    U.set(u, o * r);
  }
}

function updateV(layers: LayerFit[], U: Float64Array, V: Float64Array, n: number, r: number, ridge: number): void {
  const parts = layers.map((L) => {
    const N = gemm(scaledRows(U, r, L.g, L.cOut), L.S, L.cOut, r, r); // [cOut, r]
    return { L, Q: gemm(N, N, r, L.cOut, r, true, false), NtW: gemm(N, L.W, r, L.cOut, L.cIn, true, false) };
  });
  // columns i with the same set of layers (cIn > i) share one factorization
  const bounds = [...new Set(layers.map((L) => L.cIn))].sort((a, b) => a - b);
  let from = 0;
  for (const to of bounds) {
    const using = parts.filter((p) => p.L.cIn >= to);
    const A = new Float64Array(r * r);
    for (const { L, Q } of using) for (let k = 0; k < r * r; k++) A[k] += L.c * Q[k];
    const C = cholesky(A, r, ridge);
    const rhs = new Float64Array(r);
    for (let i = from; i < to; i++) {
      rhs.fill(0);
      for (const { L, NtW } of using) for (let k = 0; k < r; k++) rhs[k] += L.c * NtW[k * L.cIn + i];
      choleskySolve(C, r, rhs);
      for (let k = 0; k < r; k++) V[k * n + i] = rhs[k];
    }
    from = to;
  }
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function setTensor(t: Tensor, v: ArrayLike<number>): void {
  if (v.length !== t.size) throw new ArgumentError('fitGenerator', `${v.length} values for a tensor of ${t.size}`);
  for (let i = 0; i < v.length; i++) t.data[t.offset + i] = v[i];
}

/** Float trunk output h_l of generated layer l (no fake quantization). */
function trunkOutput(gen: FloatGenerator, inst: GeneratorInstanceModule, l: number): Float64Array {
  const dz = gen.config.dz;
  const codes = gen.codes.values();
  let x = Float64Array.from(codes.subarray(l * dz, (l + 1) * dz));
  for (const t of inst.trunk) {
    const w = t.weight.values();
    const b = t.bias!.values();
    const [out, inF] = t.weight.shape;
    const y = new Float64Array(out);
    for (let j = 0; j < out; j++) {
      let s = b[j];
      for (let k = 0; k < inF; k++) s += w[j * inF + k] * x[k];
      y[j] = Math.max(0, s);
    }
    x = y;
  }
  return x;
}

/**
 * Linear head [out, dh] + bias [out] such that head(h_l) = target_l for every served layer:
 * minimum-norm least squares over the augmented inputs [h_l; 1] (L x L normal equations).
 */
function regressHead(weight: Tensor, bias: Tensor, H: Float64Array[], T: Float64Array[], dh: number, ridge: number): void {
  const L = H.length;
  const out = T[0].length;
  const d = dh + 1;
  const Ha = new Float64Array(d * L); // [d, L]
  H.forEach((h, l) => {
    for (let k = 0; k < dh; k++) Ha[k * L + l] = h[k];
    Ha[dh * L + l] = 1;
  });
  const G = gemm(Ha, Ha, L, d, L, true, false); // [L, L]
  const Tm = new Float64Array(out * L);
  T.forEach((t, l) => {
    for (let j = 0; j < out; j++) Tm[j * L + l] = t[j];
  });
  // coefficients C [L, out] = G^-1 T^T, then [H | b] = (Ha C)^T
  const Tt = new Float64Array(L * out);
  for (let j = 0; j < out; j++) for (let l = 0; l < L; l++) Tt[l * out + j] = Tm[j * L + l];
  const C = solveSpd(G, L, Tt, out, ridge);
  const Wa = gemm(Ha, C, d, L, out); // [d, out]
  const w = new Float64Array(out * dh);
  const b = new Float64Array(out);
  for (let j = 0; j < out; j++) {
    for (let k = 0; k < dh; k++) w[j * dh + k] = Wa[k * out + j];
    b[j] = Wa[dh * out + j];
  }
  setTensor(weight, w);
  setTensor(bias, b);
}
