import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { INT_MODEL_VERSION, type ActivationTensor, type IntModel, type IntOp, type RoundingMode } from '../../src/quant/int_model.ts';
import { argmaxS8 } from '../../src/quant/kernels/argmax_s8.ts';
import { pwconv1dS8 } from '../../src/quant/kernels/pwconv1d_s8.ts';
import { pwconv1dS8Fast } from '../../src/quant/kernels/pwconv1d_s8_fast.ts';
import { outputLength } from '../../src/quant/kernels/types.ts';
import { runOp } from '../../src/quant/simulator.ts';
import { intModelProblems } from '../../src/quant/validate.ts';
import { runOpRef } from './bigint_reference.ts';
import { expectSameBytes } from './helpers.ts';

type Kind = IntOp['kind'];

/**
 * A one-op IntModel with random geometry and random (valid, sometimes extreme) quantization:
 * multipliers anywhere in [2^30, 2^31 - 1] or 0, shifts from -31 up to the largest that keeps the
 * accumulator bound * 2^shift below 2^31, extreme zero points, full-scale weights and biases at the
 * accumulator bound.
 */
function randomOpModel(seed: number, kind: Kind, rounding: RoundingMode): { model: IntModel; inputs: Int8Array[] } {
  const rng = new Rng(seed);
  const int = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  const chance = (p: number) => rng.next() < p;
  const extreme = chance(0.2);
  // 'fine' cases: small accumulators and shifts near 0, so an off-by-one anywhere shows in the output
  const fine = !extreme && chance(0.3);
  const zp = () => (extreme ? (chance(0.5) ? -128 : 127) : int(-128, 127));
  const tensors: ActivationTensor[] = [];
  const tensor = (shape: number[], scale = Math.fround(0.01 + rng.next()), zeroPoint = zp()) => {
    const t = { id: tensors.length, name: `t${tensors.length}`, shape, scale, zeroPoint };
    tensors.push(t);
    return t;
  };
  const clamp = () => (chance(0.5) ? { actMin: -128, actMax: 127 } : (() => { const a = int(-128, 127); const b = int(a, 127); return { actMin: a, actMax: b }; })());
  const L = int(1, 12);
  const C = int(1, 9);
  const input = tensor(kind === 'fully_connected' && chance(0.5) ? [C] : [L, C]);
  const inL = input.shape.length === 2 ? input.shape[0] : 1;
  const requantFor = (cout: number, taps: number, bias: Int32Array) => {
    const multiplier = new Int32Array(cout);
    const shift = new Int32Array(cout);
    for (let c = 0; c < cout; c++) {
      multiplier[c] = chance(0.05) ? 0 : chance(0.1) ? (chance(0.5) ? 1 << 30 : 0x7fffffff) : int(1 << 30, 0x7fffffff);
      const bound = taps * 127 * 255 + Math.abs(bias[c]);
      const maxShift = Math.min(30, Math.floor(Math.log2((2 ** 31 - 1) / bound)));
      const typical = -Math.round(Math.log2((Math.sqrt(taps) * 3600) / 64));
      shift[c] = fine ? Math.min(maxShift, int(-2, 0)) : chance(0.15) ? int(-31, maxShift) : Math.max(-31, Math.min(maxShift, typical + int(-3, 3)));
      if (multiplier[c] === 0) shift[c] = 0;
    }
    return { multiplier, shift };
  };
  const weightsFor = (n: number) => {
    const w = new Int8Array(n);
    const full = extreme && chance(0.5);
    for (let i = 0; i < n; i++) w[i] = full ? (chance(0.5) ? 127 : -127) : fine ? int(-3, 3) : int(-127, 127);
    return w;
  };
  const biasFor = (cout: number, taps: number) => {
    const room = 2 ** 31 - 1 - taps * 127 * 255;
    const b = new Int32Array(cout);
    for (let c = 0; c < cout; c++) b[c] = fine ? int(-20, 20) : chance(0.1) ? (chance(0.5) ? room : -room) : int(-Math.min(room, 100000), Math.min(room, 100000));
    return b;
  };
  let op: IntOp;
  let extraInput: ActivationTensor | null = null;
  const base = { name: 'op', input: input.id, ...clamp() };
  if (kind === 'conv1d' || kind === 'dwconv1d') {
    const k = int(1, 5);
    const dilation = int(1, 3);
    const stride = int(1, 3);
    const padBefore = int(0, dilation * (k - 1));
    const padAfter = int(0, dilation * (k - 1));
    let ol = outputLength(L, k, stride, dilation, padBefore, padAfter);
    const kk = ol < 1 ? 1 : k;
    ol = outputLength(L, kk, stride, kk === k ? dilation : 1, padBefore, padAfter);
    const cout = kind === 'dwconv1d' ? C : int(1, 9);
    const taps = kind === 'dwconv1d' ? kk : kk * C;
    const bias = biasFor(cout, taps);
    const out = tensor([ol, cout]);
    op = {
      ...base, kind, output: out.id, inChannels: C, outChannels: cout, bias, requant: requantFor(cout, taps, bias), weightScales: new Float32Array(cout).fill(0.01),
      weights: weightsFor(kind === 'dwconv1d' ? kk * C : cout * kk * C), kernelSize: kk, stride, dilation: kk === k ? dilation : 1, padBefore, padAfter,
    };
  } else if (kind === 'pwconv1d' || kind === 'fully_connected') {
    const cin = kind === 'pwconv1d' ? C : input.shape.reduce((a, b) => a * b, 1);
    const cout = int(1, 11);
    const bias = biasFor(cout, cin);
    const out = tensor(kind === 'pwconv1d' ? [L, cout] : [cout]);
    const common = { ...base, output: out.id, inChannels: cin, outChannels: cout, bias, requant: requantFor(cout, cin, bias), weightScales: new Float32Array(cout).fill(0.01), weights: weightsFor(cout * cin) };
    op = kind === 'pwconv1d' ? { ...common, kind, source: 'stored' } : { ...common, kind };
  } else if (kind === 'avgpool1d' || kind === 'maxpool1d') {
    const poolSize = int(1, 4);
    const stride = int(1, 3);
    let padBefore = int(0, poolSize - 1);
    let padAfter = int(0, poolSize - 1);
    let ol = outputLength(L, poolSize, stride, 1, padBefore, padAfter);
    if (ol < 1 || (ol - 1) * stride - padBefore >= L) { padBefore = 0; padAfter = 0; ol = outputLength(L, 1, 1, 1, 0, 0); op = { ...base, kind, output: tensor([ol, C], input.scale, input.zeroPoint).id, poolSize: 1, stride: 1, padBefore, padAfter }; }
    else op = { ...base, kind, output: tensor([ol, C], input.scale, input.zeroPoint).id, poolSize, stride, padBefore, padAfter };
  } else if (kind === 'global_avgpool') {
    op = { ...base, kind, output: tensor([C], input.scale, input.zeroPoint).id };
  } else {
    extraInput = tensor(input.shape.slice());
    const out = tensor(input.shape.slice());
    const ms = () => (chance(0.05) ? 0 : int(1 << 30, 0x7fffffff));
    op = {
      ...base, kind: 'add', input2: extraInput.id, output: out.id, leftShift: chance(0.7) ? 20 : int(0, 22),
      input1Multiplier: ms(), input1Shift: int(-12, 0), input2Multiplier: ms(), input2Shift: int(-12, 0), outputMultiplier: ms(), outputShift: int(-31, 0),
    };
  }
  const model: IntModel = { version: INT_MODEL_VERSION, name: `${kind}-${seed}`, rounding, tensors, ops: [op], inputId: input.id, outputId: op.output, meta: {} };
  const randomTensor = (t: ActivationTensor) => {
    const x = new Int8Array(t.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < x.length; i++) {
      x[i] = extreme && chance(0.7) ? (chance(0.5) ? -128 : 127) : fine ? Math.max(-128, Math.min(127, t.zeroPoint + int(-3, 3))) : int(-128, 127);
    }
    return x;
  };
  const inputs = [randomTensor(input)];
  if (extraInput) inputs.push(randomTensor(extraInput));
  return { model, inputs };
}

const KINDS: Kind[] = ['conv1d', 'dwconv1d', 'pwconv1d', 'fully_connected', 'avgpool1d', 'maxpool1d', 'global_avgpool', 'add'];

describe('INT8 kernels = BigInt transcription of the TFLite Micro formulas', () => {
  for (const kind of KINDS) {
    it(`${kind}: random shapes and quantization, both rounding modes, batch 1 and 3`, () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom<RoundingMode>('double', 'single'), (seed, rounding) => {
        const { model, inputs } = randomOpModel(seed, kind, rounding);
        // a one-op add has two graph inputs, which a model cannot have: ignore only that complaint
        expect(intModelProblems(model).filter((m) => !m.includes('not produced by an earlier op'))).toEqual([]);
        const op = model.ops[0];
        const ids = op.kind === 'add' ? [op.input, op.input2] : [op.input];
        const expected = runOpRef(model, op, (id) => inputs[ids.indexOf(id)]);
        // batch of 3 samples: the same sample three times must give the reference three times
        const n = 3;
        const views = model.tensors.map((t) => new Int8Array(n * t.shape.reduce((a, b) => a * b, 1)));
        ids.forEach((id, j) => { for (let b = 0; b < n; b++) views[id].set(inputs[j], b * inputs[j].length); });
        runOp(model, op, n, (id) => views[id]);
        for (let b = 0; b < n; b++) {
          expectSameBytes(views[op.output].subarray(b * expected.length, (b + 1) * expected.length), expected, `${model.name} (${rounding}) sample ${b}`);
        }
      }), { numRuns: 150 });
    });
  }

  it('pwconv1d fast GEMM == reference loop (random sizes, odd channel counts, Cin above the 512 chunk)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 21 }), fc.integer({ min: 0, max: 1e9 }), fc.constantFrom<RoundingMode>('double', 'single'),
      (positions, cin0, cout, seed, rounding) => {
        const rng = new Rng(seed);
        const cin = rng.next() < 0.1 ? 513 + rng.int(600) : cin0;
        const input = new Int8Array(positions * cin).map(() => rng.int(256) - 128);
        const filter = new Int8Array(cout * cin).map(() => (rng.next() < 0.3 ? (rng.next() < 0.5 ? 127 : -127) : rng.int(255) - 127));
        const bias = new Int32Array(cout).map(() => rng.int(200001) - 100000);
        const multiplier = new Int32Array(cout).map(() => (1 << 30) + rng.int(2 ** 30));
        const shift = new Int32Array(cout).map(() => -8 - rng.int(12));
        const params = { stride: 1, dilation: 1, padBefore: 0, padAfter: 0, inputOffset: 128 - rng.int(256), outputOffset: rng.int(256) - 128, actMin: -128, actMax: 127 };
        const quant = { multiplier, shift, rounding };
        const dims = { n: 1, l: positions, c: cin };
        const fdims = { out: cout, k: 1, in: cin };
        const odims = { n: 1, l: positions, c: cout };
        const a = new Int8Array(positions * cout);
        const b = new Int8Array(positions * cout);
        pwconv1dS8(params, quant, dims, input, fdims, filter, bias, odims, a);
        pwconv1dS8Fast(params, quant, dims, input, fdims, filter, bias, odims, b);
        expectSameBytes(b, a, `pw ${positions}x${cin}x${cout}`);
      }), { numRuns: 150 });
  });

  it('argmax picks the first maximum', () => {
    const out = new Int32Array(3);
    argmaxS8({ n: 1, l: 3, c: 4 }, Int8Array.from([1, 5, 5, -3, -128, -128, -128, -128, 0, 0, 127, 127]), out);
    expect(Array.from(out)).toEqual([1, 0, 2]);
  });

  it('kernels reject inconsistent dims', () => {
    const q = { multiplier: new Int32Array(2), shift: new Int32Array(2), rounding: 'double' as const };
    const p = { stride: 1, dilation: 1, padBefore: 0, padAfter: 0, inputOffset: 0, outputOffset: 0, actMin: -128, actMax: 127 };
    expect(() => pwconv1dS8(p, q, { n: 1, l: 2, c: 3 }, new Int8Array(6), { out: 2, k: 1, in: 4 }, new Int8Array(8), new Int32Array(2), { n: 1, l: 2, c: 2 }, new Int8Array(4))).toThrow(/does not take 3 channels/);
  });
});
