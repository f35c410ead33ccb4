import { ArgumentError } from '../../util/errors.ts';
import { result } from '../autograd.ts';
import { Tensor, fmtShape } from '../tensor.ts';

/**
 * softmax / logSoftmax over the last axis of x [..., C], rows r of length C:
 *   m = max_c x[r, c],  lse = m + log sum_c exp(x[r, c] - m)
 *   logSoftmax: y = x - lse            gx = g - softmax * sum_c g
 *   softmax:    y = exp(x - lse)       gx = y * (g - sum_c g * y)
 */

function rows(op: string, x: Tensor): [number, number] {
  if (x.rank < 1 || x.shape[x.rank - 1] < 1) throw new ArgumentError(op, `x ${fmtShape(x.shape)}: needs a non-empty last axis`);
  const C = x.shape[x.rank - 1];
  return [x.size / C, C];
}

function logSoftmaxRows(v: Float32Array, R: number, C: number, out: Float32Array): void {
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) if (v[o + c] > m) m = v[o + c];
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(v[o + c] - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < C; c++) out[o + c] = v[o + c] - lse;
  }
}

export function logSoftmax(x: Tensor): Tensor {
  const [R, C] = rows('logSoftmax', x);
  const out = new Float32Array(x.size);
  logSoftmaxRows(x.values(), R, C, out);
  return result('logSoftmax', out, x.shape, [x], (g) => {
    const gx = x.ensureGrad();
    for (let r = 0; r < R; r++) {
      const o = r * C;
      let sg = 0;
      for (let c = 0; c < C; c++) sg += g[o + c];
      for (let c = 0; c < C; c++) gx[o + c] += g[o + c] - Math.exp(out[o + c]) * sg;
    }
  });
}

export function softmax(x: Tensor): Tensor {
  const [R, C] = rows('softmax', x);
  const out = new Float32Array(x.size);
  logSoftmaxRows(x.values(), R, C, out);
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(out[i]);
  return result('softmax', out, x.shape, [x], (g) => {
    const gx = x.ensureGrad();
    for (let r = 0; r < R; r++) {
      const o = r * C;
      let sgy = 0;
      for (let c = 0; c < C; c++) sgy += g[o + c] * out[o + c];
      for (let c = 0; c < C; c++) gx[o + c] += out[o + c] * (g[o + c] - sgy);
    }
  });
}
