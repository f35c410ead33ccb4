/**
 * Independent oracle: a BigInt transcription of TFLite Micro's fixed-point formulas and of the
 * INT8 reference kernels, straight from the formulas (common.h, reference_integer_ops), written
 * without calling anything in src/quant except the IntModel type. Slow and obviously right.
 */

import type { IntModel, IntOp, RoundingMode } from '../../src/quant/int_model.ts';

export const I32_MIN = -(2n ** 31n);
export const I32_MAX = 2n ** 31n - 1n;

export function srdhmRef(a: bigint, b: bigint): bigint {
  if (a === I32_MIN && b === I32_MIN) return I32_MAX;
  const ab = a * b;
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return (ab + nudge) / (1n << 31n); // BigInt division truncates toward zero, like C
}

export function rdbpotRef(x: bigint, exponent: bigint): bigint {
  const mask = (1n << exponent) - 1n;
  const remainder = x & mask;
  const threshold = (mask >> 1n) + (x < 0n ? 1n : 0n);
  return (x >> exponent) + (remainder > threshold ? 1n : 0n);
}

export function mbqmDoubleRef(x: bigint, m: bigint, shift: bigint): bigint {
  const left = shift > 0n ? shift : 0n;
  const right = shift > 0n ? 0n : -shift;
  return rdbpotRef(srdhmRef(x * (1n << left), m), right);
}

export function mbqmSingleRef(x: bigint, m: bigint, shift: bigint): bigint {
  const total = 31n - shift;
  const round = 1n << (total - 1n);
  return (x * m + round) >> total;
}

export function mbqmRef(x: bigint, m: bigint, shift: bigint, rounding: RoundingMode): bigint {
  return rounding === 'single' ? mbqmSingleRef(x, m, shift) : mbqmDoubleRef(x, m, shift);
}

const clampRef = (v: bigint, lo: number, hi: number) => (v < BigInt(lo) ? BigInt(lo) : v > BigInt(hi) ? BigInt(hi) : v);

/** C integer division (truncation) with TFLite's pooling rounding: ties away from zero. */
function avgRound(sum: bigint, count: bigint): bigint {
  return sum > 0n ? (sum + count / 2n) / count : (sum - count / 2n) / count;
}

/**
 * One op on one sample, tensors as number arrays. Shapes: [L, C] or [C].
 */
export function runOpRef(model: IntModel, op: IntOp, get: (id: number) => Int8Array): Int8Array {
  const tin = model.tensors[op.input];
  const tout = model.tensors[op.output];
  const x = get(op.input);
  const [L, C] = tin.shape.length === 2 ? tin.shape : [1, tin.shape[0]];
  const outSize = tout.shape.reduce((a, b) => a * b, 1);
  const out = new Int8Array(outSize);
  const zin = BigInt(tin.zeroPoint);
  const zout = BigInt(tout.zeroPoint);
  const r = model.rounding;
  const requant = (acc: bigint, c: number, kind: IntOp) => {
    const o = kind as Extract<IntOp, { requant: unknown }>;
    return Number(clampRef(mbqmRef(acc, BigInt(o.requant.multiplier[c]), BigInt(o.requant.shift[c]), r) + zout, op.actMin, op.actMax));
  };
  switch (op.kind) {
    case 'conv1d':
    case 'dwconv1d': {
      const OL = tout.shape[0];
      const K = op.kernelSize;
      for (let o = 0; o < OL; o++) {
        for (let co = 0; co < op.outChannels; co++) {
          let acc = 0n;
          for (let k = 0; k < K; k++) {
            const i = o * op.stride - op.padBefore + k * op.dilation;
            if (i < 0 || i >= L) continue;
            if (op.kind === 'conv1d') {
              for (let ci = 0; ci < C; ci++) acc += BigInt(op.weights[(co * K + k) * C + ci]) * (BigInt(x[i * C + ci]) - zin);
            } else {
              acc += BigInt(op.weights[k * C + co]) * (BigInt(x[i * C + co]) - zin);
            }
          }
          acc += BigInt(op.bias[co]);
          out[o * op.outChannels + co] = requant(acc, co, op);
        }
      }
      return out;
    }
    case 'pwconv1d':
    case 'fully_connected': {
      const rows = op.kind === 'pwconv1d' ? L : 1;
      const cin = op.inChannels;
      for (let p = 0; p < rows; p++) {
        for (let co = 0; co < op.outChannels; co++) {
          let acc = BigInt(op.bias[co]);
          for (let ci = 0; ci < cin; ci++) acc += BigInt(op.weights[co * cin + ci]) * (BigInt(x[p * cin + ci]) - zin);
          out[p * op.outChannels + co] = requant(acc, co, op);
        }
      }
      return out;
    }
    case 'avgpool1d':
    case 'maxpool1d': {
      const OL = tout.shape[0];
      for (let o = 0; o < OL; o++) {
        for (let c = 0; c < C; c++) {
          let sum = 0n;
          let count = 0n;
          let max = -1000n;
          for (let t = 0; t < op.poolSize; t++) {
            const i = o * op.stride - op.padBefore + t;
            if (i < 0 || i >= L) continue;
            const v = BigInt(x[i * C + c]);
            sum += v;
            count++;
            if (v > max) max = v;
          }
          const v = op.kind === 'avgpool1d' ? avgRound(sum, count) : max;
          out[o * C + c] = Number(clampRef(v, op.actMin, op.actMax));
        }
      }
      return out;
    }
    case 'global_avgpool': {
      for (let c = 0; c < C; c++) {
        let sum = 0n;
        for (let i = 0; i < L; i++) sum += BigInt(x[i * C + c]);
        out[c] = Number(clampRef(avgRound(sum, BigInt(L)), op.actMin, op.actMax));
      }
      return out;
    }
    case 'add': {
      const t2 = model.tensors[op.input2];
      const y = get(op.input2);
      const ls = 1n << BigInt(op.leftShift);
      for (let i = 0; i < outSize; i++) {
        const s1 = mbqmRef((BigInt(x[i]) - zin) * ls, BigInt(op.input1Multiplier), BigInt(op.input1Shift), r);
        const s2 = mbqmRef((BigInt(y[i]) - BigInt(t2.zeroPoint)) * ls, BigInt(op.input2Multiplier), BigInt(op.input2Shift), r);
        const raw = mbqmRef(s1 + s2, BigInt(op.outputMultiplier), BigInt(op.outputShift), r) + zout;
        out[i] = Number(clampRef(raw, op.actMin, op.actMax));
      }
      return out;
    }
  }
}

/** Whole-model reference: every tensor, by id. */
export function simulateRef(model: IntModel, input: Int8Array): Int8Array[] {
  const tensors: Int8Array[] = model.tensors.map(() => new Int8Array(0));
  tensors[model.inputId] = input;
  for (const op of model.ops) tensors[op.output] = runOpRef(model, op, (id) => tensors[id]);
  return tensors;
}
