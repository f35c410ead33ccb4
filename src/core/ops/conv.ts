import { ArgumentError } from '../../util/errors.ts';
import { result } from '../autograd.ts';
import { kernels } from '../kernels/kernel_table.ts';
import { Tensor, fmtShape } from '../tensor.ts';
import { linear } from './matmul.ts';
import { reshape } from './shape.ts';

/**
 * 1-D convolutions over [N, L, C] (channels last). Weight layouts follow TFLite:
 *   conv1d     w [Cout, K, Cin/groups]
 *   depthwise  w [K, C]
 *   pointwise  w [Cout, Cin]   (a plain GEMM over the N*L positions; w may be any op's output)
 * Padding: a number (both sides), [left, right], 'valid' (0) or 'same' (TensorFlow's rule:
 * Lout = ceil(L / stride), the odd extra pad on the right).
 */
export type Padding = number | readonly [number, number] | 'same' | 'valid';

export interface ConvOptions {
  stride?: number;
  padding?: Padding;
  dilation?: number;
  groups?: number;
}

function describe(x: Tensor, w: Tensor, b: Tensor | null): string {
  return `x ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)}${b ? `, bias ${fmtShape(b.shape)}` : ''}`;
}

/** Resolve padding to [padL, padR] and the output length. */
export function convGeometry(op: string, L: number, K: number, stride: number, dilation: number, padding: Padding): { padL: number; padR: number; Lout: number } {
  if (!(Number.isInteger(stride) && stride >= 1 && Number.isInteger(dilation) && dilation >= 1)) {
    throw new ArgumentError(op, `stride ${stride} and dilation ${dilation} must be integers >= 1`);
  }
  const span = dilation * (K - 1) + 1;
  let padL: number, padR: number;
  if (padding === 'same') {
    const Lout = Math.ceil(L / stride);
    const total = Math.max(0, (Lout - 1) * stride + span - L);
    padL = Math.floor(total / 2);
    padR = total - padL;
  } else if (padding === 'valid') {
    padL = padR = 0;
  } else if (typeof padding === 'number') {
    padL = padR = padding;
  } else {
    [padL, padR] = padding;
  }
  if (!(Number.isInteger(padL) && Number.isInteger(padR) && padL >= 0 && padR >= 0)) throw new ArgumentError(op, `bad padding ${JSON.stringify(padding)}`);
  const Lp = L + padL + padR;
  if (Lp < span) throw new ArgumentError(op, `padded length ${Lp} is shorter than the kernel span ${span} (L ${L}, K ${K}, dilation ${dilation})`);
  return { padL, padR, Lout: Math.floor((Lp - span) / stride) + 1 };
}

/** General conv1d: x [N, L, Cin], w [Cout, K, Cin/groups], bias [Cout] -> [N, Lout, Cout]. */
export function conv1d(x: Tensor, w: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = opts;
  if (x.rank !== 3 || w.rank !== 3 || (bias !== null && (bias.rank !== 1 || bias.shape[0] !== w.shape[0]))) {
    throw new ArgumentError('conv1d', `${describe(x, w, bias)}: expected x [N, L, Cin], weight [Cout, K, Cin/groups], bias [Cout]`);
  }
  const [N, L, Cin] = x.shape;
  const [Cout, K, Cg] = w.shape;
  if (!(Number.isInteger(groups) && groups >= 1 && Cin % groups === 0 && Cout % groups === 0 && Cg === Cin / groups && K >= 1)) {
    throw new ArgumentError('conv1d', `${describe(x, w, bias)} with groups ${groups}: need Cin and Cout divisible by groups and weight [Cout, K, Cin/groups]`);
  }
  const geo = convGeometry('conv1d', L, K, stride, dilation, padding);
  const d = { N, L, Cin, Cout, K, stride, dilation, groups, ...geo };
  const xv = x.values();
  const wv = w.values();
  const bv = bias === null ? null : bias.values();
  const { conv1dForward, conv1dBackward } = kernels();
  const out = new Float32Array(N * geo.Lout * Cout);
  conv1dForward(d, xv, wv, bv, out);
  const parents = bias === null ? [x, w] : [x, w, bias];
  return result('conv1d', out, [N, geo.Lout, Cout], parents, (g) => {
    conv1dBackward(d, xv, wv, g,
      x.requiresGrad ? x.ensureGrad() : null,
      w.requiresGrad ? w.ensureGrad() : null,
      bias !== null && bias.requiresGrad ? bias.ensureGrad() : null);
  });
}

/** Depthwise conv1d: x [N, L, C], w [K, C], bias [C] -> [N, Lout, C]. */
export function depthwiseConv1d(x: Tensor, w: Tensor, bias: Tensor | null = null, opts: Omit<ConvOptions, 'groups'> = {}): Tensor {
  const { stride = 1, padding = 0, dilation = 1 } = opts;
  if (x.rank !== 3 || w.rank !== 2 || w.shape[1] !== x.shape[2] || w.shape[0] < 1 || (bias !== null && (bias.rank !== 1 || bias.shape[0] !== x.shape[2]))) {
    throw new ArgumentError('depthwiseConv1d', `${describe(x, w, bias)}: expected x [N, L, C], weight [K, C], bias [C]`);
  }
  const [N, L, C] = x.shape;
  const K = w.shape[0];
  const geo = convGeometry('depthwiseConv1d', L, K, stride, dilation, padding);
  const d = { N, L, C, K, stride, dilation, padL: geo.padL, Lout: geo.Lout };
  const xv = x.values();
  const wv = w.values();
  const bv = bias === null ? null : bias.values();
  const { depthwiseForward, depthwiseBackward } = kernels();
  const out = new Float32Array(N * geo.Lout * C);
  depthwiseForward(d, xv, wv, bv, out);
  const parents = bias === null ? [x, w] : [x, w, bias];
  return result('depthwiseConv1d', out, [N, geo.Lout, C], parents, (g) => {
    depthwiseBackward(d, xv, wv, g,
      x.requiresGrad ? x.ensureGrad() : null,
      w.requiresGrad ? w.ensureGrad() : null,
      bias !== null && bias.requiresGrad ? bias.ensureGrad() : null);
  });
}

/**
 * Pointwise (1x1) conv: x [N, L, Cin], w [Cout, Cin], bias [Cout] -> [N, L, Cout].
 * Composed: reshape to [N*L, Cin] (a view), linear, reshape back; w may be a generated tensor
 * (e.g. a HyperTinyPW generator output) and receives its gradient like any other input.
 */
export function pointwiseConv1d(x: Tensor, w: Tensor, bias: Tensor | null = null): Tensor {
  if (x.rank !== 3 || w.rank !== 2 || w.shape[1] !== x.shape[2] || (bias !== null && (bias.rank !== 1 || bias.shape[0] !== w.shape[0]))) {
    throw new ArgumentError('pointwiseConv1d', `${describe(x, w, bias)}: expected x [N, L, Cin], weight [Cout, Cin], bias [Cout]`);
  }
  const [N, L, Cin] = x.shape;
  const y = linear(reshape(x, [N * L, Cin]), w, bias);
  return reshape(y, [N, L, w.shape[0]]);
}
