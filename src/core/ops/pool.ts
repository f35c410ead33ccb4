import { ArgumentError } from '../../util/errors.ts';
import { result } from '../autograd.ts';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward } from '../kernels/pool.ts';
import { Tensor, fmtShape } from '../tensor.ts';
import { convGeometry, type Padding } from './conv.ts';
import { mean } from './reduce.ts';

/**
 * Pooling over the length axis of x [N, L, C]. Window `kernel`, `stride` (default = kernel),
 * padding as for convolutions. Max ignores padding; average divides by the number of real
 * (non-padding) elements in the window.
 */
export interface PoolOptions {
  stride?: number;
  padding?: Padding;
}

function dims(op: string, x: Tensor, kernel: number, opts: PoolOptions) {
  if (x.rank !== 3 || !(Number.isInteger(kernel) && kernel >= 1)) throw new ArgumentError(op, `x ${fmtShape(x.shape)}, kernel ${kernel}: expected x [N, L, C] and an integer kernel >= 1`);
  const [N, L, C] = x.shape;
  const stride = opts.stride ?? kernel;
  const geo = convGeometry(op, L, kernel, stride, 1, opts.padding ?? 0);
  if (geo.padL >= kernel || geo.padR >= kernel) throw new ArgumentError(op, `padding (${geo.padL}, ${geo.padR}) must be smaller than the kernel ${kernel}, x ${fmtShape(x.shape)}`);
  return { N, L, C, K: kernel, stride, padL: geo.padL, Lout: geo.Lout };
}

export function maxPool1d(x: Tensor, kernel: number, opts: PoolOptions = {}): Tensor {
  const d = dims('maxPool1d', x, kernel, opts);
  const out = new Float32Array(d.N * d.Lout * d.C);
  const arg = new Int32Array(out.length);
  maxPoolForward(d, x.values(), out, arg);
  return result('maxPool1d', out, [d.N, d.Lout, d.C], [x], (g) => maxPoolBackward(arg, g, x.ensureGrad()));
}

export function avgPool1d(x: Tensor, kernel: number, opts: PoolOptions = {}): Tensor {
  const d = dims('avgPool1d', x, kernel, opts);
  const out = new Float32Array(d.N * d.Lout * d.C);
  avgPoolForward(d, x.values(), out);
  return result('avgPool1d', out, [d.N, d.Lout, d.C], [x], (g) => avgPoolBackward(d, g, x.ensureGrad()));
}

/** [N, L, C] -> [N, C]: mean over L. */
export function globalAvgPool1d(x: Tensor): Tensor {
  if (x.rank !== 3) throw new ArgumentError('globalAvgPool1d', `x ${fmtShape(x.shape)}: expected [N, L, C]`);
  return mean(x, 1);
}
