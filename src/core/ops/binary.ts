import { ArgumentError } from '../../util/errors.ts';
import { result } from '../autograd.ts';
import { Tensor, contiguousStrides, fmtShape, sameShape, shapeSize, stridedOffsets } from '../tensor.ts';

/**
 * Binary elementwise primitives with numpy broadcasting: add, sub, mul, div.
 * out[i] = f(a[ia(i)], b[ib(i)]) where ia / ib map an output position to the operand position
 * (stride 0 along broadcast axes). Backward adds into the same mapped positions, which is the
 * sum over broadcast axes that broadcasting's gradient needs.
 */

export type Operand = Tensor | number;

export function asTensor(x: Operand): Tensor {
  return typeof x === 'number' ? new Tensor(new Float32Array([x]), []) : x;
}

export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new ArgumentError(op, `shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Positions in a contiguous operand of `shape` for each position of `outShape`. */
function broadcastOffsets(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const cs = contiguousStrides(shape);
  const r = outShape.length;
  const st = outShape.map((d, i) => {
    const j = i - (r - shape.length);
    return j < 0 || shape[j] === 1 ? 0 : cs[j];
  });
  return stridedOffsets(outShape, st, 0);
}

type Kind = 'add' | 'sub' | 'mul' | 'div';

function binary(kind: Kind, x: Operand, y: Operand): Tensor {
  const a = asTensor(x);
  const b = asTensor(y);
  const shape = broadcastShapes(kind, a.shape, b.shape);
  const n = shapeSize(shape);
  const av = a.values();
  const bv = b.values();
  const out = new Float32Array(n);
  // index maps; null means identity (operand already has the output shape)
  const ia = sameShape(a.shape, shape) ? null : broadcastOffsets(a.shape, shape);
  const ib = sameShape(b.shape, shape) ? null : broadcastOffsets(b.shape, shape);
  const A = (i: number) => (ia === null ? i : ia[i]);
  const B = (i: number) => (ib === null ? i : ib[i]);
  if (ia === null && ib === null) {
    if (kind === 'add') for (let i = 0; i < n; i++) out[i] = av[i] + bv[i];
    else if (kind === 'sub') for (let i = 0; i < n; i++) out[i] = av[i] - bv[i];
    else if (kind === 'mul') for (let i = 0; i < n; i++) out[i] = av[i] * bv[i];
    else for (let i = 0; i < n; i++) out[i] = av[i] / bv[i];
  } else {
    if (kind === 'add') for (let i = 0; i < n; i++) out[i] = av[A(i)] + bv[B(i)];
    else if (kind === 'sub') for (let i = 0; i < n; i++) out[i] = av[A(i)] - bv[B(i)];
    else if (kind === 'mul') for (let i = 0; i < n; i++) out[i] = av[A(i)] * bv[B(i)];
    else for (let i = 0; i < n; i++) out[i] = av[A(i)] / bv[B(i)];
  }
  return result(kind, out, shape, [a, b], (g) => {
    if (a.requiresGrad) {
      const ga = a.ensureGrad();
      // d(a+b)/da = 1, d(a-b)/da = 1, d(a*b)/da = b, d(a/b)/da = 1/b
      if (kind === 'add' || kind === 'sub') for (let i = 0; i < n; i++) ga[A(i)] += g[i];
      else if (kind === 'mul') for (let i = 0; i < n; i++) ga[A(i)] += g[i] * bv[B(i)];
      else for (let i = 0; i < n; i++) ga[A(i)] += g[i] / bv[B(i)];
    }
    if (b.requiresGrad) {
      const gb = b.ensureGrad();
      // d(a+b)/db = 1, d(a-b)/db = -1, d(a*b)/db = a, d(a/b)/db = -a/b^2
      if (kind === 'add') for (let i = 0; i < n; i++) gb[B(i)] += g[i];
      else if (kind === 'sub') for (let i = 0; i < n; i++) gb[B(i)] -= g[i];
      else if (kind === 'mul') for (let i = 0; i < n; i++) gb[B(i)] += g[i] * av[A(i)];
      else for (let i = 0; i < n; i++) {
        const bb = bv[B(i)];
        gb[B(i)] -= (g[i] * av[A(i)]) / (bb * bb);
      }
    }
  });
}

export const add = (a: Operand, b: Operand): Tensor => binary('add', a, b);
export const sub = (a: Operand, b: Operand): Tensor => binary('sub', a, b);
export const mul = (a: Operand, b: Operand): Tensor => binary('mul', a, b);
export const div = (a: Operand, b: Operand): Tensor => binary('div', a, b);
