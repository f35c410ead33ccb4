import { ArgumentError } from '../../util/errors.ts';
import { result } from '../autograd.ts';
import { kernels } from '../kernels/kernel_table.ts';
import { Tensor } from '../tensor.ts';

/**
 * Unary elementwise primitives: out[i] = f(x[i]), gx[i] += g[i] * f'(x[i]).
 * Each case states f and f' side by side.
 */

type Kind = 'neg' | 'exp' | 'log' | 'sqrt' | 'relu' | 'relu6' | 'sigmoid' | 'tanh';

function unary(kind: Kind, x: Tensor): Tensor {
  const v = x.values();
  const n = v.length;
  const out = new Float32Array(n);
  switch (kind) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -v[i]; break;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(v[i]); break;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(v[i]); break;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(v[i]); break;
    case 'relu': kernels().reluForward(v, out, n); break; // kernels/relu.ts
    case 'relu6': for (let i = 0; i < n; i++) out[i] = v[i] > 0 ? (v[i] < 6 ? v[i] : 6) : 0; break;
    case 'sigmoid': for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-v[i])); break;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(v[i]); break;
  }
  return result(kind, out, x.shape, [x], (g) => {
    const gx = x.ensureGrad();
    switch (kind) {
      case 'neg': for (let i = 0; i < n; i++) gx[i] -= g[i]; break; // f' = -1
      case 'exp': for (let i = 0; i < n; i++) gx[i] += g[i] * out[i]; break; // f' = exp(x)
      case 'log': for (let i = 0; i < n; i++) gx[i] += g[i] / v[i]; break; // f' = 1/x
      case 'sqrt': for (let i = 0; i < n; i++) gx[i] += g[i] / (2 * out[i]); break; // f' = 1/(2 sqrt x)
      // NOTE: relu'(0) is taken as 0 (the subgradient PyTorch and TF use). Writing relu as
      // max(x, 0) with a max that splits ties would hand half the gradient to x at 0 instead.
      case 'relu': kernels().reluBackward(v, g, gx, n); break; // if (x > 0) gx += g
      // relu6' = 1 on the open interval (0, 6), 0 elsewhere (including both kinks)
      case 'relu6': for (let i = 0; i < n; i++) if (v[i] > 0 && v[i] < 6) gx[i] += g[i]; break;
      case 'sigmoid': for (let i = 0; i < n; i++) gx[i] += g[i] * out[i] * (1 - out[i]); break; // s(1-s)
      case 'tanh': for (let i = 0; i < n; i++) gx[i] += g[i] * (1 - out[i] * out[i]); break; // 1 - t^2
    }
  });
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const relu6 = (x: Tensor): Tensor => unary('relu6', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);

/** x^p for a constant exponent p: f' = p x^(p-1). */
export function pow(x: Tensor, p: number): Tensor {
  if (!Number.isFinite(p)) throw new ArgumentError('pow', `exponent must be finite, got ${p} (x of shape [${x.shape.join(', ')}])`);
  const v = x.values();
  const n = v.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.pow(v[i], p);
  return result('pow', out, x.shape, [x], (g) => {
    const gx = x.ensureGrad();
    for (let i = 0; i < n; i++) gx[i] += g[i] * p * Math.pow(v[i], p - 1);
  });
}
