import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import type { RoundingMode } from '../../src/quant/int_model.ts';
import { addS8 } from '../../src/quant/kernels/add_s8.ts';
import { addS8Simd } from '../../src/quant/kernels/add_s8_simd.ts';
import { avgpool1dS8 } from '../../src/quant/kernels/avgpool1d_s8.ts';
import { conv1dS8 } from '../../src/quant/kernels/conv1d_s8.ts';
import { conv1dS8Simd } from '../../src/quant/kernels/conv1d_s8_simd.ts';
import { dwconv1dS8 } from '../../src/quant/kernels/dwconv1d_s8.ts';
import { dwconv1dS8Simd } from '../../src/quant/kernels/dwconv1d_s8_simd.ts';
import { fullyConnectedS8 } from '../../src/quant/kernels/fully_connected_s8.ts';
import { fullyConnectedS8Simd } from '../../src/quant/kernels/fully_connected_s8_simd.ts';
import { maxpool1dS8 } from '../../src/quant/kernels/maxpool1d_s8.ts';
import { avgpool1dS8Simd, maxpool1dS8Simd } from '../../src/quant/kernels/pool1d_s8_simd.ts';
import { pwconv1dS8 } from '../../src/quant/kernels/pwconv1d_s8.ts';
import { pwconv1dS8Simd } from '../../src/quant/kernels/pwconv1d_s8_simd.ts';
import { outputLength, type AddParams, type ConvParams, type PoolParams, type Dims, type FilterDims, type PerChannelQuantParams } from '../../src/quant/kernels/types.ts';
import { expectSameBytes } from './helpers.ts';

/**
 * Every SIMD INT8 kernel against its typed-array reference (itself checked against a BigInt
 * transcription of TFLite in kernels.test.ts): byte-identical outputs on random shapes (length 1,
 * odd channel counts, channels around the 8-lane and 4-channel tiles, stride > kernel, dilation,
 * padding) and random values, both rounding modes. Quantization is random but valid (validate.ts):
 * multipliers in [2^30, 2^31 - 1] or 0, shifts in [-31, the largest that keeps the accumulator
 * bound * 2^shift below 2^31], extreme zero points, biases up to the accumulator room.
 */
type Kernel = (params: ConvParams, quant: PerChannelQuantParams, inputDims: Dims, input: Int8Array, filterDims: FilterDims, filter: Int8Array, bias: Int32Array, outputDims: Dims, output: Int8Array) => void;

interface Case {
  params: ConvParams; quant: PerChannelQuantParams;
  inputDims: Dims; input: Int8Array; filterDims: FilterDims; filter: Int8Array; bias: Int32Array; outputDims: Dims;
}

function randomQuant(rng: Rng, cout: number, taps: number, bias: Int32Array, rounding: RoundingMode): PerChannelQuantParams {
  const int = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  const multiplier = new Int32Array(cout);
  const shift = new Int32Array(cout);
  for (let c = 0; c < cout; c++) {
    multiplier[c] = rng.next() < 0.05 ? 0 : rng.next() < 0.1 ? (rng.next() < 0.5 ? 1 << 30 : 0x7fffffff) : int(1 << 30, 0x7fffffff);
    const bound = taps * 127 * 255 + Math.abs(bias[c]);
    const maxShift = Math.min(30, Math.floor(Math.log2((2 ** 31 - 1) / bound)));
    const typical = -Math.round(Math.log2((Math.sqrt(taps) * 3600) / 64));
    shift[c] = rng.next() < 0.2 ? int(-31, maxShift) : Math.max(-31, Math.min(maxShift, typical + int(-3, 3)));
  }
  return { multiplier, shift, rounding };
}

function randomCase(seed: number, kind: 'conv1d' | 'dwconv1d' | 'pwconv1d' | 'fully_connected', rounding: RoundingMode): Case {
  const rng = new Rng(seed);
  const int = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  const n = int(1, 3);
  const l = rng.next() < 0.2 ? 1 : int(1, 20);
  const c = rng.next() < 0.3 ? int(1, 3) : int(1, 37);
  const extreme = rng.next() < 0.2;
  const zp = () => (extreme ? (rng.next() < 0.5 ? -128 : 127) : int(-128, 127));
  const actMin = rng.next() < 0.5 ? -128 : int(-128, 127);
  const actMax = rng.next() < 0.5 ? 127 : int(actMin, 127);
  let k = 1, stride = 1, dilation = 1, padBefore = 0, padAfter = 0, cout: number, cin = c, outL = l;
  if (kind === 'conv1d' || kind === 'dwconv1d') {
    k = int(1, 7);
    stride = int(1, 9); // often > kernel
    dilation = rng.next() < 0.3 ? int(2, 3) : 1;
    padBefore = int(0, dilation * (k - 1));
    padAfter = int(0, dilation * (k - 1));
    outL = outputLength(l, k, stride, dilation, padBefore, padAfter);
    if (outL < 1) { // window longer than the padded input: shrink to k = 1
      k = 1; dilation = 1;
      outL = outputLength(l, k, stride, dilation, padBefore, padAfter);
    }
    cout = kind === 'dwconv1d' ? c : int(1, 37);
  } else if (kind === 'pwconv1d') {
    cout = int(1, 37);
  } else {
    cout = int(1, 37);
    cin = l * c;
    outL = 1;
  }
  const taps = kind === 'dwconv1d' ? k : k * cin;
  const filterSize = kind === 'dwconv1d' ? k * c : cout * k * cin;
  const full = extreme && rng.next() < 0.5;
  const filter = new Int8Array(filterSize).map(() => (full ? (rng.next() < 0.5 ? 127 : -127) : int(-127, 127)));
  const room = 2 ** 31 - 1 - taps * 127 * 255;
  const bias = new Int32Array(cout).map(() => (rng.next() < 0.1 ? (rng.next() < 0.5 ? room : -room) : int(-Math.min(room, 100000), Math.min(room, 100000))));
  const inputOffset = -zp();
  const input = new Int8Array(n * l * c).map(() => (extreme ? (rng.next() < 0.5 ? -128 : 127) : int(-128, 127)));
  return {
    params: { stride, dilation, padBefore, padAfter, inputOffset, outputOffset: zp(), actMin, actMax },
    quant: randomQuant(rng, cout, taps, bias, rounding),
    inputDims: { n, l, c }, input,
    filterDims: { out: cout, k, in: kind === 'fully_connected' ? cin : c }, filter, bias,
    outputDims: { n, l: outL, c: cout },
  };
}

function expectTwins(reference: Kernel, simd: Kernel, t: Case, what: string): void {
  const size = t.outputDims.n * t.outputDims.l * t.outputDims.c;
  const want = new Int8Array(size + 3).fill(55);
  const got = new Int8Array(size + 3).fill(55); // the 3 bytes past the output must stay untouched
  reference(t.params, t.quant, t.inputDims, t.input, t.filterDims, t.filter, t.bias, t.outputDims, want);
  simd(t.params, t.quant, t.inputDims, t.input, t.filterDims, t.filter, t.bias, t.outputDims, got);
  expectSameBytes(got, want, `${what} ${JSON.stringify({ ...t.params, ...t.inputDims, k: t.filterDims.k, cout: t.outputDims.c, rounding: t.quant.rounding })}`);
}

const TWINS = [
  ['conv1d', conv1dS8, conv1dS8Simd],
  ['dwconv1d', dwconv1dS8, dwconv1dS8Simd],
  ['pwconv1d', pwconv1dS8, pwconv1dS8Simd],
  ['fully_connected', fullyConnectedS8, fullyConnectedS8Simd],
] as const;

describe('SIMD INT8 kernels = reference kernels, byte for byte', () => {
  for (const [kind, reference, simd] of TWINS) {
    it(`${kind}, both rounding modes`, () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom<RoundingMode>('double', 'single'), (seed, rounding) => {
        expectTwins(reference, simd, randomCase(seed, kind, rounding), kind);
      }), { numRuns: 300, seed: 12 });
    });
  }

  it('large shapes: channels past the tiles, long rows (pwconv 64 -> 61 over 300 positions)', () => {
    for (const rounding of ['double', 'single'] as const) {
      for (let seed = 1; seed <= 3; seed++) {
        const rng = new Rng(seed);
        const pw = randomCase(seed, 'pwconv1d', rounding);
        const cin = 64, cout = 61, positions = 300;
        pw.inputDims = { n: 1, l: positions, c: cin };
        pw.input = new Int8Array(positions * cin).map(() => rng.int(256) - 128);
        pw.filterDims = { out: cout, k: 1, in: cin };
        pw.filter = new Int8Array(cout * cin).map(() => rng.int(255) - 127);
        pw.bias = new Int32Array(cout).map(() => rng.int(20001) - 10000);
        pw.quant = randomQuant(rng, cout, cin, pw.bias, rounding);
        pw.outputDims = { n: 1, l: positions, c: cout };
        expectTwins(pwconv1dS8, pwconv1dS8Simd, pw, 'pwconv1d large');
      }
    }
  });

  it('add, both rounding modes (random shapes incl. length 1 and odd channels, the ranges of add_s8.ts)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom<RoundingMode>('double', 'single'), (seed, rounding) => {
      const rng = new Rng(seed);
      const int = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
      const dims = { n: int(1, 3), l: rng.next() < 0.2 ? 1 : int(1, 20), c: rng.next() < 0.3 ? int(1, 3) : int(1, 37) };
      const size = dims.n * dims.l * dims.c;
      const extreme = rng.next() < 0.2;
      const value = () => (extreme ? (rng.next() < 0.5 ? -128 : 127) : int(-128, 127));
      const multiplier = () => (rng.next() < 0.05 ? 0 : rng.next() < 0.1 ? 0x7fffffff : int(1 << 30, 0x7fffffff));
      const actMin = rng.next() < 0.5 ? -128 : int(-128, 127);
      const params: AddParams = {
        input1Offset: -value(), input2Offset: -value(), outputOffset: value(), leftShift: rng.next() < 0.7 ? 20 : int(0, 22),
        input1Multiplier: multiplier(), input1Shift: int(-12, 0), input2Multiplier: multiplier(), input2Shift: int(-12, 0),
        outputMultiplier: multiplier(), outputShift: int(-31, 0), rounding, actMin, actMax: rng.next() < 0.5 ? 127 : int(actMin, 127),
      };
      const input1 = new Int8Array(size).map(value);
      const input2 = new Int8Array(size).map(value);
      const want = new Int8Array(size + 3).fill(55);
      const got = new Int8Array(size + 3).fill(55); // the 3 bytes past the output must stay untouched
      addS8(params, dims, input1, dims, input2, dims, want);
      addS8Simd(params, dims, input1, dims, input2, dims, got);
      expectSameBytes(got, want, `add ${JSON.stringify({ ...params, ...dims })}`);
    }), { numRuns: 500, seed: 13 });
  });

  for (const [kind, reference, simd] of [['avgpool1d', avgpool1dS8, avgpool1dS8Simd], ['maxpool1d', maxpool1dS8, maxpool1dS8Simd]] as const) {
    it(`${kind} (random shapes incl. length 1 and odd channels, stride > pool, padding, pools up to 40 taps)`, () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const rng = new Rng(seed);
        const int = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
        const inputDims = { n: int(1, 3), l: rng.next() < 0.2 ? 1 : int(1, 40), c: rng.next() < 0.3 ? int(1, 3) : int(1, 37) };
        const poolSize = Math.min(rng.next() < 0.2 ? int(1, 40) : int(1, 4), inputDims.l);
        const stride = int(1, 6);
        const padBefore = int(0, poolSize - 1);
        let padAfter = int(0, poolSize - 1);
        const outLen = (pa: number) => outputLength(inputDims.l, poolSize, stride, 1, padBefore, pa);
        // the last window must reach a real position (the references reject windows of padding only)
        while (padAfter > 0 && (outLen(padAfter) - 1) * stride - padBefore >= inputDims.l) padAfter--;
        const extreme = rng.next() < 0.2;
        const input = new Int8Array(inputDims.n * inputDims.l * inputDims.c).map(() => (extreme ? (rng.next() < 0.5 ? -128 : 127) : int(-128, 127)));
        const actMin = rng.next() < 0.5 ? -128 : int(-128, 127);
        const params: PoolParams = { poolSize, stride, padBefore, padAfter, actMin, actMax: rng.next() < 0.5 ? 127 : int(actMin, 127) };
        const outputDims = { n: inputDims.n, l: outLen(padAfter), c: inputDims.c };
        const size = outputDims.n * outputDims.l * outputDims.c;
        const want = new Int8Array(size + 3).fill(55);
        const got = new Int8Array(size + 3).fill(55); // the 3 bytes past the output must stay untouched
        reference(params, inputDims, input, outputDims, want);
        simd(params, inputDims, input, outputDims, got);
        expectSameBytes(got, want, `${kind} ${JSON.stringify({ ...params, ...inputDims })}`);
      }), { numRuns: 500, seed: 14 });
    });
  }
});
