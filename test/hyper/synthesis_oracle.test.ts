/**
 * An independent transcription of src/hyper/SYNTHESIS.md in BigInt, reading only the flash
 * bytes (serializeFlashSections) and the config's shapes, exactly as the C side does. It does
 * not import synthesis.ts, fixed.ts or pack.ts; it is compared with synthesize() on random
 * deployables of every generator family.
 */
import { describe, expect, it } from 'vitest';
import { serializeFlashSections } from '../../src/hyper/deployable_io.ts';
import { synthesize, type Deployable } from '../../src/hyper/deployable.ts';
import { randomDeployable } from '../../src/hyper/testing.ts';
import type { GeneratorKnobs } from '../../src/hyper/config.ts';
import type { PwConv1dOp } from '../../src/quant/int_model.ts';

type B = bigint;
const I32MAX = 2147483647n;
const I32MIN = -2147483648n;

function readPacked(p: Uint8Array, b: number, i: number): B {
  // SYNTHESIS.md section 1, bit by bit
  let f = 0n;
  for (let j = 0; j < b; j++) {
    const k = i * b + j;
    const bit = (p[Math.floor(k / 8)] >> (k % 8)) & 1;
    f += BigInt(bit) << BigInt(j);
  }
  return f >= 1n << BigInt(b - 1) ? f - (1n << BigInt(b)) : f;
}
const i32At = (p: Uint8Array, i: number): B => {
  let u = 0n;
  for (let j = 0; j < 4; j++) u += BigInt(p[4 * i + j]) << BigInt(8 * j);
  return u >= 1n << 31n ? u - (1n << 32n) : u;
};
const i8At = (p: Uint8Array, i: number): B => BigInt(p[i] >= 128 ? p[i] - 256 : p[i]);
const abs = (x: B) => (x < 0n ? -x : x);
const bitlen = (x: B) => (x === 0n ? 0 : x.toString(2).length);
const clamp = (x: B, lo: B, hi: B) => (x < lo ? lo : x > hi ? hi : x);
const floorShift = (x: B, s: number): B => {
  // floor(x / 2^s) for BigInt (>> on BigInt is already floor, spelled out for clarity)
  const d = 1n << BigInt(s);
  const q = x / d;
  return x < 0n && q * d !== x ? q - 1n : q;
};

function requantSat(acc: B, m: B, s: number): B {
  if (m === 0n) return 0n;
  const total = 31 - s;
  const y = floorShift(acc * m + (1n << BigInt(total - 1)), total);
  return clamp(y, I32MIN, I32MAX);
}
function roundShift(x: B, s: number): B {
  if (s === 0) return x;
  const q = (abs(x) + (1n << BigInt(s - 1))) >> BigInt(s);
  return x < 0n ? -q : q;
}
function rdivPow2(q: B, k: number, d: B): B {
  // round_half_away(q * 2^k / d), exactly, then saturate: the definition, not the C recipe
  if (q === 0n) return 0n;
  const n = abs(q);
  let num: B, den: B;
  if (k >= 0) { num = n << BigInt(k); den = d; } else { num = n; den = d << BigInt(-k); }
  let r = (2n * num + den) / (2n * den);
  if (r > I32MAX) r = I32MAX;
  return q < 0n ? -r : r;
}

interface Layer { weights: B[]; bias: B[]; mult: B[]; shift: B[] }

function oracle(dep: Deployable): Layer[] {
  const sec = serializeFlashSections(dep);
  const get = (n: string) => {
    const b = sec.get(n);
    if (!b) throw new Error(`no section ${n}`);
    return b;
  };
  const cfg = dep.generator!.config;
  const { dz, dh, rank: r, trunkDepth } = cfg;
  const factors = cfg.head === 'factor-heads';
  const qP = 17 - Math.ceil(Math.log2(r) - 1e-9);
  const linear = (prefix: string, bits: number, rows: number, n: number, x: B[], lo: B, hi: B, only?: number): B[] => {
    const w = get(`${prefix}.weights`), bias = get(`${prefix}.bias`), mult = get(`${prefix}.mult`), shift = get(`${prefix}.shift`);
    const y: B[] = [];
    for (let j = 0; j < rows; j++) {
      if (only !== undefined && j !== only) { y.push(0n); continue; }
      let acc = i32At(bias, j);
      for (let k = 0; k < n; k++) acc += readPacked(w, bits, j * n + k) * x[k];
      expect(abs(acc) < 1n << 31n).toBe(true);
      y.push(clamp(requantSat(acc, i32At(mult, j), Number(i8At(shift, j))), lo, hi));
    }
    return y;
  };
  const out: Layer[] = [];
  cfg.layers.forEach(({ cIn, cOut }, l) => {
    const g = cfg.sharing === 'shared' ? 0 : l;
    const cMax = cfg.sharing === 'shared' ? cfg.cMax : Math.max(cIn, cOut);
    // step 1
    let x: B[] = [];
    for (let k = 0; k < dz; k++) x.push(readPacked(get(`layer${l}.code`), cfg.codeBits, k));
    for (let t = 0; t < trunkDepth; t++) x = linear(`gen${g}.trunk${t}`, cfg.trunkBits, dh, t === 0 ? dz : dh, x, 0n, 32767n);
    // step 2 (factor-heads: S = I; U(o, a) = H_A row o*r + a, V(b, i) = H_B row b*C_max + i, clamp +-127)
    const S: B[] = [];
    if (factors) {
      for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) S.push(a === b ? 1n : 0n);
    } else {
      const c = linear(`gen${g}.core`, cfg.headBits, cfg.head === 'shared-basis' ? r * r : r, dh, x, -8388607n, 8388607n);
      for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) S.push(cfg.head === 'shared-basis' ? c[a * r + b] : a === b ? c[a] : 0n);
    }
    const params = get(`layer${l}.params`);
    const kMult = i32At(params, 0), kExp = Number(i8At(params, 4)), biasExp = Number(i8At(params, 5));
    const biasQ = get(`layer${l}.biasQ`);
    let uAt: (o: number, a: number) => B;
    let vAt: (b: number, i: number) => B;
    if (factors) {
      expect(sec.has(`gen${g}.U`) || sec.has(`gen${g}.V`)).toBe(false);
      const Arows = linear(`gen${g}.core`, cfg.headBits, cOut * r, dh, x, -127n, 127n);
      const Bfull = linear(`gen${g}.factorB`, cfg.headBits, r * cMax, dh, x, -127n, 127n);
      uAt = (o, a) => Arows[o * r + a];
      vAt = (b, i) => Bfull[b * cMax + i];
    } else {
      const U = get(`gen${g}.U`), V = get(`gen${g}.V`);
      uAt = (o, a) => readPacked(U, cfg.basisBits, o * r + a);
      vAt = (b, i) => readPacked(V, cfg.basisBits, b * cMax + i);
    }
    const L: Layer = { weights: [], bias: [], mult: [], shift: [] };
    for (let o = 0; o < cOut; o++) {
      const gain = cfg.gains === 'stored' ? readPacked(get(`layer${l}.gains`), cfg.gainBits, o)
        : cfg.gains === 'generated' ? linear(`gen${g}.gain`, cfg.headBits, cMax, dh, x, -8388607n, 8388607n, o)[o] : 1n;
      let P: B[] = [];
      for (let b = 0; b < r; b++) {
        let s = 0n;
        for (let a = 0; a < r; a++) s += uAt(o, a) * S[a * r + b];
        P.push(s);
      }
      const pmax = P.reduce((m, v) => (abs(v) > m ? abs(v) : m), 0n);
      const sP = Math.max(0, bitlen(pmax) - qP);
      P = P.map((v) => roundShift(v, sP));
      const R: B[] = [];
      for (let i = 0; i < cIn; i++) {
        let s = 0n;
        for (let b = 0; b < r; b++) s += P[b] * vAt(b, i);
        R.push(s);
      }
      const m = R.reduce((mm, v) => (abs(v) > mm ? abs(v) : mm), 0n);
      expect(m < 1n << 24n).toBe(true);
      const A = abs(gain) * m;
      if (A === 0n) {
        for (let i = 0; i < cIn; i++) L.weights.push(0n);
        L.bias.push(0n); L.mult.push(0n); L.shift.push(0n);
        continue;
      }
      for (let i = 0; i < cIn; i++) {
        // round half up of 127|R|/m, sign of R * sign of g
        const q = (2n * 127n * abs(R[i]) + m) / (2n * m);
        L.weights.push((R[i] < 0n) !== (gain < 0n) ? -q : q);
      }
      // step g: A' = round(A / 2^sA) to at most 31 bits, then X = kMult * A' to 31 bits, round half up
      const sA = Math.max(0, bitlen(A) - 31);
      const X = kMult * roundShift(A, sA);
      let t = bitlen(X) - 31;
      let mult = t > 0 ? (X + (1n << BigInt(t - 1))) >> BigInt(t) : X << BigInt(-t);
      if (mult === 1n << 31n) { mult = 1n << 30n; t += 1; }
      const shift = t + kExp + sP + sA;
      expect(shift).toBeLessThanOrEqual(30);
      if (shift < -31) { L.bias.push(0n); L.mult.push(0n); L.shift.push(0n); continue; }
      L.mult.push(mult);
      L.shift.push(BigInt(shift));
      L.bias.push(rdivPow2(i32At(biasQ, o), 31 - shift - biasExp, mult));
    }
    out.push(L);
  });
  return out;
}

const families: Partial<GeneratorKnobs>[] = [
  {},
  { head: 'basis-coeff' },
  { gains: 'generated' },
  { gains: 'none' },
  { sharing: 'per-layer', generated: 'all' },
  { dz: 6, dh: 16, rank: 4, codeBits: 4, trunkBits: 4, headBits: 8, basisBits: 8, gainBits: 4 },
  { rank: 16, dh: 64, dz: 32, trunkDepth: 3, trunkBits: 8, headBits: 8, basisBits: 8 },
  { rank: 1, codeBits: 8, basisBits: 4, trunkDepth: 1 },
  // lifted caps: dz and dh at 128 (the int32 MLP bound), rank 40 > channels
  { rank: 40, dh: 128, dz: 128, trunkBits: 8, headBits: 8, basisBits: 8, codeBits: 8 },
  // the paper's factor heads (A_l, B_l generated; no U, V)
  { head: 'factor-heads' },
  { head: 'factor-heads', gains: 'generated', rank: 8, headBits: 8 },
  { head: 'factor-heads', gains: 'none', sharing: 'per-layer', generated: 'all', headBits: 4 },
  { head: 'factor-heads', rank: 40, dh: 128, dz: 128, trunkBits: 8, headBits: 8, codeBits: 8 },
];

function expectOracle(deployable: Deployable): void {
  const model = synthesize(deployable);
  const want = oracle(deployable);
  const gops = model.ops.filter((op): op is PwConv1dOp => op.kind === 'pwconv1d' && op.source === 'generated').sort((a, b) => a.generatedIndex! - b.generatedIndex!);
  expect(gops.length).toBe(want.length);
  gops.forEach((op, l) => {
    expect(Array.from(op.weights, BigInt)).toEqual(want[l].weights);
    expect(Array.from(op.bias, BigInt)).toEqual(want[l].bias);
    expect(Array.from(op.requant.multiplier, BigInt)).toEqual(want[l].mult);
    expect(Array.from(op.requant.shift, BigInt)).toEqual(want[l].shift);
  });
}

describe('synthesis equals an independent BigInt transcription of SYNTHESIS.md', () => {
  it.each(families.map((f, i) => [i, f] as const))('family %i', (i, knobs) => {
    for (let seed = 100 * i; seed < 100 * i + 6; seed++) {
      expectOracle(randomDeployable(seed, knobs, { maxChannels: 24 }).deployable);
    }
  });

  it('rank 256 (MAX_RANK, qP = 9) with 64-channel layers', () => {
    expectOracle(randomDeployable(977, { rank: 256, dh: 6, dz: 4, basisBits: 8 }, { minChannels: 48, maxChannels: 64, blocks: 2, length: 8 }).deployable);
    expectOracle(randomDeployable(978, { rank: 256, dh: 6, dz: 4, head: 'factor-heads' }, { minChannels: 48, maxChannels: 64, blocks: 2, length: 8 }).deployable);
  });
});
