import { ArgumentError } from '../util/errors.ts';
import { Tensor, fmtShape } from './tensor.ts';

/**
 * Reverse-mode autodiff bookkeeping. Every op calls `result(...)` once with its output values
 * and a closure that maps the output gradient to input gradients (accumulating with `+=` into
 * `parent.ensureGrad()`), so forward and backward of an op sit side by side in one file.
 */

let gradEnabled = true;
let nanCheck = false;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run fn with graph recording off (inference, optimizer steps, running-stat updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Opt-in: every op output and every gradient is scanned for NaN; the first one throws. */
export function setNanCheck(on: boolean): void {
  nanCheck = on;
}

function checkNaN(where: string, a: Float32Array, shape: readonly number[]): void {
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i])) throw new ArgumentError(where, `NaN at flat index ${i} of a tensor of shape ${fmtShape(shape)}`);
  }
}

/**
 * Wrap an op's freshly computed contiguous output. `backward` is recorded only when grad mode
 * is on and some parent requires a gradient.
 */
export function result(op: string, data: Float32Array, shape: readonly number[], parents: readonly Tensor[], backward: (g: Float32Array) => void): Tensor {
  const t = new Tensor(data, shape);
  return attach(t, op, parents, backward);
}

/** Attach graph information to an output tensor (used directly by view ops). */
export function attach(t: Tensor, op: string, parents: readonly Tensor[], backward: (g: Float32Array) => void): Tensor {
  t.op = op;
  if (nanCheck && t.isContiguous()) checkNaN(op, t.data.subarray(t.offset, t.offset + t.size), t.shape);
  if (gradEnabled && parents.some((p) => p.requiresGrad)) {
    t.requiresGrad = true;
    t.parents = parents;
    t.backwardFn = backward;
  }
  return t;
}

/** Parents in an order where every tensor comes after all tensors it depends on. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // iterative DFS (deep graphs must not overflow the call stack)
  const stack: Array<[Tensor, number]> = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i < t.parents.length) {
      top[1] = i + 1;
      const p = t.parents[i];
      if (p.requiresGrad && !seen.has(p)) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/**
 * Backpropagate from `root`. Without `grad`, root must have exactly one element (seeded with 1).
 * Leaf gradients (tensors without a backwardFn, e.g. parameters) accumulate across calls;
 * gradients of intermediate tensors are released after use.
 */
export function backward(root: Tensor, grad?: Float32Array): void {
  if (!root.requiresGrad) throw new ArgumentError('backward', `root ${root} does not require a gradient`);
  if (grad === undefined && root.size !== 1) throw new ArgumentError('backward', `root of shape ${fmtShape(root.shape)} is not a scalar; pass its gradient`);
  if (grad !== undefined && grad.length !== root.size) throw new ArgumentError('backward', `gradient of length ${grad.length} for root of shape ${fmtShape(root.shape)}`);
  const order = topoOrder(root);
  if (grad !== undefined && root.grad === null && root.backwardFn !== null) {
    // a non-leaf root only reads its gradient: use the caller's array without copying
    root.grad = grad;
  } else {
    const g = root.ensureGrad();
    if (grad === undefined) g[0] += 1;
    else for (let i = 0; i < g.length; i++) g[i] += grad[i];
  }
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    if (t.backwardFn === null || t.grad === null) continue;
    if (nanCheck) checkNaN(`${t.op} (gradient)`, t.grad, t.shape);
    t.backwardFn(t.grad);
    t.grad = null;
  }
}
