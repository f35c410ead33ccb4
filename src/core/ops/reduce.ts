import { ArgumentError } from '../../util/errors.ts';
import { result } from '../autograd.ts';
import { Tensor, fmtShape, shapeSize } from '../tensor.ts';
import { mul } from './binary.ts';
import { contiguous, transpose } from './shape.ts';

/**
 * Reductions sum / max (primitives) and mean (composed: sum * 1/count) over a set of axes.
 * Canonical form: the reduced axes form one adjacent block, so the input is viewed as
 * [outer, R, inner] and out[o, j] = reduce_r x[o, r, j]. Non-adjacent axes are first moved to
 * the end with a transpose (a differentiable view) and a contiguous copy.
 */

export type Axes = number | readonly number[] | undefined;

interface Plan {
  x: Tensor;
  outer: number;
  R: number;
  inner: number;
  outShape: number[];
}

function plan(op: string, t: Tensor, axes: Axes, keepdims: boolean): Plan {
  const r = t.rank;
  const list = axes === undefined ? [...Array(r).keys()] : typeof axes === 'number' ? [axes] : [...axes];
  const norm = list.map((a) => (a < 0 ? a + r : a)).sort((p, q) => p - q);
  norm.forEach((a, i) => {
    if (!Number.isInteger(a) || a < 0 || a >= r || (i > 0 && norm[i - 1] === a)) {
      throw new ArgumentError(op, `bad axes [${list.join(', ')}] for shape ${fmtShape(t.shape)}`);
    }
  });
  const outShape = keepdims ? t.shape.map((d, i) => (norm.includes(i) ? 1 : d)) : t.shape.filter((_, i) => !norm.includes(i));
  if (norm.length === 0) return { x: t, outer: t.size, R: 1, inner: 1, outShape };
  const adjacent = norm[norm.length - 1] - norm[0] === norm.length - 1;
  let x = t;
  let first = norm[0];
  let last = norm[norm.length - 1];
  if (!adjacent) {
    const kept = [...Array(r).keys()].filter((i) => !norm.includes(i));
    x = transpose(t, [...kept, ...norm]);
    first = kept.length;
    last = r - 1;
  }
  x = contiguous(x);
  const outer = shapeSize(x.shape.slice(0, first));
  const R = shapeSize(x.shape.slice(first, last + 1));
  const inner = shapeSize(x.shape.slice(last + 1));
  return { x, outer, R, inner, outShape };
}

/** Sum over axes (all when undefined). */
export function sum(t: Tensor, axes?: Axes, keepdims = false): Tensor {
  const { x, outer, R, inner, outShape } = plan('sum', t, axes, keepdims);
  const v = x.values();
  const acc = new Float64Array(outer * inner);
  // out[o*inner + j] = sum_r x[(o*R + r)*inner + j]
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < R; r++) {
      const src = (o * R + r) * inner;
      const dst = o * inner;
      for (let j = 0; j < inner; j++) acc[dst + j] += v[src + j];
    }
  }
  return result('sum', Float32Array.from(acc), outShape, [x], (g) => {
    const gx = x.ensureGrad();
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < R; r++) {
        const src = (o * R + r) * inner;
        const dst = o * inner;
        for (let j = 0; j < inner; j++) gx[src + j] += g[dst + j];
      }
    }
  });
}

/** Mean over axes (all when undefined). */
export function mean(t: Tensor, axes?: Axes, keepdims = false): Tensor {
  const s = sum(t, axes, keepdims);
  const count = t.size / Math.max(1, s.size);
  return mul(s, 1 / count);
}

/** Max over axes; the gradient goes to the first maximal element of each group. */
export function max(t: Tensor, axes?: Axes, keepdims = false): Tensor {
  const { x, outer, R, inner, outShape } = plan('max', t, axes, keepdims);
  if (R === 0) throw new ArgumentError('max', `empty reduction over shape ${fmtShape(t.shape)}`);
  const v = x.values();
  const out = new Float32Array(outer * inner);
  const arg = new Int32Array(outer * inner);
  // out[o*inner + j] = max_r x[(o*R + r)*inner + j]; arg holds the flat index of the winner
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let best = -Infinity;
      let bi = o * R * inner + j;
      for (let r = 0; r < R; r++) {
        const i = (o * R + r) * inner + j;
        if (v[i] > best || Number.isNaN(v[i])) {
          best = v[i];
          bi = i;
          if (Number.isNaN(best)) break;
        }
      }
      out[o * inner + j] = best;
      arg[o * inner + j] = bi;
    }
  }
  return result('max', out, outShape, [x], (g) => {
    const gx = x.ensureGrad();
    for (let k = 0; k < arg.length; k++) gx[arg[k]] += g[k];
  });
}
