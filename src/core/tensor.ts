import { ArgumentError } from '../util/errors.ts';

/**
 * A Tensor is a view (data, shape, strides, offset) over a Float32Array, as in scijs/ndarray:
 * element [i0, i1, ...] lives at data[offset + i0*strides[0] + i1*strides[1] + ...].
 * Reshape of contiguous data, transpose and slice make new views without copying.
 *
 * Autodiff (micrograd style): a Tensor produced by an op while grad mode is on and some input
 * requires a gradient records its `parents` and a `backwardFn` that, given this tensor's
 * gradient, accumulates into the parents' gradients. Gradients are always contiguous row-major
 * Float32Arrays in the tensor's logical order (never in the storage layout of a view).
 */
export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly size: number;
  /** true for parameters (leaves) and for every op output depending on one (while grad mode is on) */
  requiresGrad: boolean;
  /** d(root)/d(this), contiguous in logical order; accumulates across backward() calls on leaves */
  grad: Float32Array | null = null;
  /** graph bookkeeping, set by ops (see autograd.ts) */
  parents: readonly Tensor[] = [];
  backwardFn: ((g: Float32Array) => void) | null = null;
  /** op name that produced this tensor (for error messages and debugging) */
  op = 'leaf';

  constructor(data: Float32Array, shape: readonly number[], strides?: readonly number[], offset = 0, requiresGrad = false) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ArgumentError('Tensor', `bad shape [${shape.join(', ')}]`);
    }
    this.data = data;
    this.shape = shape.slice();
    this.strides = strides ? strides.slice() : contiguousStrides(shape);
    this.offset = offset;
    this.size = shapeSize(shape);
    this.requiresGrad = requiresGrad;
    if (!strides && offset + this.size > data.length) {
      throw new ArgumentError('Tensor', `data of length ${data.length} is too short for shape [${shape.join(', ')}]`);
    }
  }

  get rank(): number {
    return this.shape.length;
  }

  /** true when the elements are exactly data[offset .. offset + size) in row-major order */
  isContiguous(): boolean {
    let expect = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.strides[d] !== expect) return false;
      expect *= this.shape[d];
    }
    return true;
  }

  /** Element at a multi-index (slow; for tests and debugging). */
  get(...index: number[]): number {
    let o = this.offset;
    for (let d = 0; d < index.length; d++) o += index[d] * this.strides[d];
    return this.data[o];
  }

  /** The single value of a size-1 tensor. */
  item(): number {
    if (this.size !== 1) throw new ArgumentError('item', `tensor of shape [${this.shape.join(', ')}] has ${this.size} elements`);
    return this.data[this.offset];
  }

  /** A fresh contiguous copy of the values (no autodiff). */
  toFloat32Array(): Float32Array {
    if (this.isContiguous()) return this.data.slice(this.offset, this.offset + this.size);
    const out = new Float32Array(this.size);
    copyStrided(this, out);
    return out;
  }

  /** The values as a contiguous Float32Array, without copying when already contiguous. */
  values(): Float32Array {
    if (this.isContiguous()) return this.offset === 0 && this.data.length === this.size ? this.data : this.data.subarray(this.offset, this.offset + this.size);
    const out = new Float32Array(this.size);
    copyStrided(this, out);
    return out;
  }

  /** The gradient, allocated as zeros if absent. */
  ensureGrad(): Float32Array {
    if (this.grad === null) this.grad = new Float32Array(this.size);
    return this.grad;
  }

  zeroGrad(): void {
    if (this.grad !== null) this.grad.fill(0);
  }

  /** A tensor sharing this one's values but cut from the graph (requiresGrad false). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.strides, this.offset, false);
  }

  toString(): string {
    return `Tensor[${this.shape.join(', ')}]${this.requiresGrad ? ' requiresGrad' : ''} (${this.op})`;
  }
}

export function shapeSize(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    st[d] = s;
    s *= shape[d];
  }
  return st;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function fmtShape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/**
 * offsets[i] = offset + sum_d idx_d(i) * strides[d], where idx(i) is the row-major multi-index
 * of flat position i in `shape`. Strides of 0 express broadcasting.
 */
export function stridedOffsets(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  const n = shapeSize(shape);
  const out = new Int32Array(n);
  const rank = shape.length;
  if (n === 0) return out;
  if (rank === 0) {
    out[0] = offset;
    return out;
  }
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const lastN = shape[last];
  const lastS = strides[last];
  let base = offset;
  for (let i = 0; i < n; i += lastN) {
    // inner run along the last axis
    for (let j = 0; j < lastN; j++) out[i + j] = base + j * lastS;
    // advance the multi-index over the leading axes
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < shape[d]) break;
      base -= idx[d] * strides[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** out[i] = t[idx(i)] for the row-major multi-index idx(i) of t's shape. */
export function copyStrided(t: Tensor, out: Float32Array): void {
  const offs = stridedOffsets(t.shape, t.strides, t.offset);
  const d = t.data;
  for (let i = 0; i < offs.length; i++) out[i] = d[offs[i]];
}
