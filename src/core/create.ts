import ndarray from 'ndarray';
import { ArgumentError } from '../util/errors.ts';
import type { Rng } from './rng.ts';
import { Tensor, fmtShape, shapeSize, stridedOffsets } from './tensor.ts';

/** Constructors, parameters and ndarray interop. */

/** A tensor over a copy of `values` (or over `values` itself when it is a Float32Array and share is true). */
export function tensor(values: ArrayLike<number>, shape?: readonly number[], share = false): Tensor {
  const s = shape ?? [values.length];
  if (shapeSize(s) !== values.length) throw new ArgumentError('tensor', `${values.length} values do not fill shape ${fmtShape(s)}`);
  const data = share && values instanceof Float32Array ? values : Float32Array.from(values);
  return new Tensor(data, s);
}

export function full(shape: readonly number[], value: number): Tensor {
  return new Tensor(new Float32Array(shapeSize(shape)).fill(value), shape);
}

export const zeros = (shape: readonly number[]): Tensor => full(shape, 0);
export const ones = (shape: readonly number[]): Tensor => full(shape, 1);
export const scalar = (v: number): Tensor => full([], v);

/** Normal(0, std^2) values drawn from rng. */
export function randn(shape: readonly number[], rng: Rng, std = 1): Tensor {
  const d = new Float32Array(shapeSize(shape));
  for (let i = 0; i < d.length; i++) d[i] = rng.normal() * std;
  return new Tensor(d, shape);
}

/** Uniform [lo, hi) values drawn from rng. */
export function randUniform(shape: readonly number[], rng: Rng, lo = 0, hi = 1): Tensor {
  const d = new Float32Array(shapeSize(shape));
  for (let i = 0; i < d.length; i++) d[i] = rng.uniform(lo, hi);
  return new Tensor(d, shape);
}

/** Mark a (contiguous) tensor as a trainable leaf: requiresGrad, no history. */
export function parameter(t: Tensor): Tensor {
  if (!t.isContiguous()) throw new ArgumentError('parameter', `tensor ${fmtShape(t.shape)} must be contiguous`);
  const p = new Tensor(t.data, t.shape, undefined, t.offset, true);
  p.op = 'parameter';
  return p;
}

/** Reset the gradients of parameters to zero (they accumulate across backward calls). */
export function zeroGrad(params: Iterable<Tensor>): void {
  for (const p of params) p.zeroGrad();
}

/** A Tensor view of an ndarray (shares storage when it is a Float32Array, else copies). */
export function fromNdarray(a: ndarray.NdArray): Tensor {
  if (a.data instanceof Float32Array) return new Tensor(a.data, a.shape, a.stride, a.offset);
  const out = new Float32Array(a.size);
  const offs = stridedOffsets(a.shape, a.stride, a.offset);
  const src = a.data as ArrayLike<number>;
  const get = Array.isArray(src) || ArrayBuffer.isView(src) ? (i: number) => Number(src[i]) : (i: number) => Number((a.data as ndarray.GenericArray<number>).get(i));
  for (let i = 0; i < offs.length; i++) out[i] = get(offs[i]);
  return new Tensor(out, a.shape);
}

/** An ndarray view of a Tensor (shares storage, strides and offset). */
export function toNdarray(t: Tensor): ndarray.NdArray<Float32Array> {
  return ndarray(t.data, t.shape.slice(), t.strides.slice(), t.offset);
}
