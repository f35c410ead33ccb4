import { ArgumentError } from '../../util/errors.ts';
import { attach, result } from '../autograd.ts';
import { Tensor, contiguousStrides, fmtShape, shapeSize, stridedOffsets } from '../tensor.ts';

/**
 * Shape ops. reshape (of contiguous data), transpose and slice return views sharing storage;
 * contiguous, concat and pad copy. Gradients are in logical order, so the backward of a view
 * only needs the map from output position to input position (stridedOffsets over the input's
 * contiguous strides).
 */

function normAxis(op: string, axis: number, rank: number, shape: readonly number[]): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ArgumentError(op, `axis ${axis} out of range for shape ${fmtShape(shape)}`);
  return a;
}

/** A contiguous version of t (t itself if already contiguous). */
export function contiguous(t: Tensor): Tensor {
  if (t.isContiguous()) return t;
  return result('contiguous', t.toFloat32Array(), t.shape, [t], (g) => {
    const gt = t.ensureGrad();
    for (let i = 0; i < g.length; i++) gt[i] += g[i];
  });
}

/** Same elements in a new shape (one entry may be -1). A view when t is contiguous. */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  const s = shape.slice();
  const neg = s.indexOf(-1);
  if (neg >= 0) {
    const rest = shapeSize(s.filter((_, i) => i !== neg));
    if (rest === 0 || t.size % rest !== 0) throw new ArgumentError('reshape', `cannot reshape ${fmtShape(t.shape)} to ${fmtShape(shape)}`);
    s[neg] = t.size / rest;
  }
  if (shapeSize(s) !== t.size || s.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ArgumentError('reshape', `cannot reshape ${fmtShape(t.shape)} (${t.size} elements) to ${fmtShape(shape)}`);
  }
  const c = contiguous(t);
  const view = new Tensor(c.data, s, contiguousStrides(s), c.offset);
  return attach(view, 'reshape', [c], (g) => {
    const gc = c.ensureGrad();
    for (let i = 0; i < g.length; i++) gc[i] += g[i];
  });
}

/** Permute axes (default: swap the last two). A view: out[j] = t[perm applied to j]. */
export function transpose(t: Tensor, perm?: readonly number[]): Tensor {
  const r = t.rank;
  let p: number[];
  if (perm === undefined) {
    if (r < 2) throw new ArgumentError('transpose', `needs rank >= 2, got ${fmtShape(t.shape)}`);
    p = [...Array(r).keys()];
    p[r - 2] = r - 1;
    p[r - 1] = r - 2;
  } else {
    p = perm.map((a) => (a < 0 ? a + r : a));
    const sorted = [...p].sort((x, y) => x - y);
    if (p.length !== r || sorted.some((a, i) => a !== i)) throw new ArgumentError('transpose', `perm [${perm.join(', ')}] is not a permutation of the axes of ${fmtShape(t.shape)}`);
  }
  const shape = p.map((a) => t.shape[a]);
  const strides = p.map((a) => t.strides[a]);
  const view = new Tensor(t.data, shape, strides, t.offset);
  return attach(view, 'transpose', [t], (g) => {
    // output axis d is input axis p[d]: its stride in the input's gradient layout is cs[p[d]]
    const cs = contiguousStrides(t.shape);
    const offs = stridedOffsets(shape, p.map((a) => cs[a]), 0);
    const gt = t.ensureGrad();
    for (let i = 0; i < g.length; i++) gt[offs[i]] += g[i];
  });
}

/** Elements start, start+step, ... < end along one axis. A view. */
export function slice(t: Tensor, axis: number, start: number, end: number, step = 1): Tensor {
  const a = normAxis('slice', axis, t.rank, t.shape);
  const dim = t.shape[a];
  if (!(Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step) && step >= 1 && start >= 0 && start <= end && end <= dim)) {
    throw new ArgumentError('slice', `bad range [${start}, ${end}) step ${step} on axis ${a} of ${fmtShape(t.shape)}`);
  }
  const shape = t.shape.slice();
  shape[a] = Math.ceil((end - start) / step);
  const strides = t.strides.slice();
  strides[a] *= step;
  const view = new Tensor(t.data, shape, strides, t.offset + start * t.strides[a]);
  return attach(view, 'slice', [t], (g) => {
    const cs = contiguousStrides(t.shape);
    const gs = cs.slice();
    gs[a] *= step;
    const offs = stridedOffsets(shape, gs, start * cs[a]);
    const gt = t.ensureGrad();
    for (let i = 0; i < g.length; i++) gt[offs[i]] += g[i];
  });
}

/** Join tensors along an axis (all other dims equal). A copy. */
export function concat(ts: readonly Tensor[], axis: number): Tensor {
  if (ts.length === 0) throw new ArgumentError('concat', 'no tensors');
  const r = ts[0].rank;
  const a = normAxis('concat', axis, r, ts[0].shape);
  for (const t of ts) {
    if (t.rank !== r || t.shape.some((d, i) => i !== a && d !== ts[0].shape[i])) {
      throw new ArgumentError('concat', `shapes ${ts.map((x) => fmtShape(x.shape)).join(', ')} differ outside axis ${a}`);
    }
  }
  const shape = ts[0].shape.slice();
  shape[a] = ts.reduce((s, t) => s + t.shape[a], 0);
  const os = contiguousStrides(shape);
  const out = new Float32Array(shapeSize(shape));
  // part k occupies out positions offs_k[i] = (start_k along axis) * os[a] + its own index in os
  const offsets: Int32Array[] = [];
  let start = 0;
  for (const t of ts) {
    const offs = stridedOffsets(t.shape, os, start * os[a]);
    const v = t.values();
    for (let i = 0; i < offs.length; i++) out[offs[i]] = v[i];
    offsets.push(offs);
    start += t.shape[a];
  }
  return result('concat', out, shape, ts, (g) => {
    ts.forEach((t, k) => {
      if (!t.requiresGrad) return;
      const gt = t.ensureGrad();
      const offs = offsets[k];
      for (let i = 0; i < offs.length; i++) gt[i] += g[offs[i]];
    });
  });
}

/** Pad one axis with `before` and `after` copies of `value`. A copy. */
export function pad(t: Tensor, axis: number, before: number, after: number, value = 0): Tensor {
  const a = normAxis('pad', axis, t.rank, t.shape);
  if (!(Number.isInteger(before) && Number.isInteger(after) && before >= 0 && after >= 0)) {
    throw new ArgumentError('pad', `bad padding (${before}, ${after}) for ${fmtShape(t.shape)}`);
  }
  const shape = t.shape.slice();
  shape[a] += before + after;
  const os = contiguousStrides(shape);
  const out = new Float32Array(shapeSize(shape)).fill(value);
  const offs = stridedOffsets(t.shape, os, before * os[a]);
  const v = t.values();
  for (let i = 0; i < offs.length; i++) out[offs[i]] = v[i];
  return result('pad', out, shape, [t], (g) => {
    const gt = t.ensureGrad();
    for (let i = 0; i < offs.length; i++) gt[i] += g[offs[i]];
  });
}
