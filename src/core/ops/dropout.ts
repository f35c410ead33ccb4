import { ArgumentError } from '../../util/errors.ts';
import type { Rng } from '../rng.ts';
import { Tensor, fmtShape } from '../tensor.ts';
import { mul } from './binary.ts';

/**
 * Inverted dropout, composed as x * mask with the constant mask[i] = keep_i / (1 - p),
 * keep_i = (rng.next() >= p). Identity when not training or p = 0. Seeded by the caller's Rng.
 */
export function dropout(x: Tensor, p: number, rng: Rng, training = true): Tensor {
  if (!(p >= 0 && p < 1)) throw new ArgumentError('dropout', `p ${p} must be in [0, 1), x ${fmtShape(x.shape)}`);
  if (!training || p === 0) return x;
  const mask = new Float32Array(x.size);
  const scale = 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() >= p ? scale : 0;
  return mul(x, new Tensor(mask, x.shape));
}
