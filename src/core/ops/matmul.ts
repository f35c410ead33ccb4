import { ArgumentError } from '../../util/errors.ts';
import { result } from '../autograd.ts';
import { kernels } from '../kernels/kernel_table.ts';
import { Tensor, fmtShape, sameShape, shapeSize, stridedOffsets } from '../tensor.ts';

/**
 * matmul (batched) and linear (x W^T + b, fused bias). Both read operands through their strides,
 * so transposed or sliced views are multiplied without copies.
 */

/**
 * a [..., M, K] · b [..., K, N] -> [..., M, N]. b is either 2-D (shared by every batch) or has
 * exactly a's batch dims.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const bad = () => new ArgumentError('matmul', `cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)}`);
  if (a.rank < 2 || b.rank < 2) throw bad();
  const M = a.shape[a.rank - 2];
  const K = a.shape[a.rank - 1];
  const N = b.shape[b.rank - 1];
  if (b.shape[b.rank - 2] !== K) throw bad();
  const batchShape = a.shape.slice(0, -2);
  const shared = b.rank === 2;
  if (!shared && !sameShape(b.shape.slice(0, -2), batchShape)) throw bad();
  const batch = shapeSize(batchShape);
  const aRs = a.strides[a.rank - 2], aCs = a.strides[a.rank - 1];
  const bRs = b.strides[b.rank - 2], bCs = b.strides[b.rank - 1];
  const aOffs = stridedOffsets(batchShape, a.strides.slice(0, -2), a.offset);
  const bOffs = shared ? null : stridedOffsets(batchShape, b.strides.slice(0, -2), b.offset);
  const { gemm } = kernels();
  const out = new Float32Array(batch * M * N);
  // out[t, i, j] = sum_p a[t, i, p] * b[t, p, j]
  for (let t = 0; t < batch; t++) {
    gemm(M, N, K, a.data, aOffs[t], aRs, aCs, b.data, bOffs === null ? b.offset : bOffs[t], bRs, bCs, out, t * M * N, N, false);
  }
  return result('matmul', out, [...batchShape, M, N], [a, b], (g) => {
    if (a.requiresGrad) {
      // ga[t] (contiguous [M, K]) += g[t] [M, N] · b[t]^T, b^T[j, p] = b[p, j]
      const ga = a.ensureGrad();
      for (let t = 0; t < batch; t++) {
        gemm(M, K, N, g, t * M * N, N, 1, b.data, bOffs === null ? b.offset : bOffs[t], bCs, bRs, ga, t * M * K, K, true);
      }
    }
    if (b.requiresGrad) {
      // gb[t or shared] (contiguous [K, N]) += a[t]^T [K, M] · g[t] [M, N]
      const gb = b.ensureGrad();
      for (let t = 0; t < batch; t++) {
        gemm(K, N, M, a.data, aOffs[t], aCs, aRs, g, t * M * N, N, 1, gb, shared ? 0 : t * K * N, N, true);
      }
    }
  });
}

/** x [B, in] · W^T + bias, with W [out, in] and bias [out] (optional). */
export function linear(x: Tensor, w: Tensor, bias: Tensor | null = null): Tensor {
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[1] || (bias !== null && (bias.rank !== 1 || bias.shape[0] !== w.shape[0]))) {
    throw new ArgumentError('linear', `x ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)}${bias ? `, bias ${fmtShape(bias.shape)}` : ''}: expected x [B, in], weight [out, in], bias [out]`);
  }
  const [B, IN] = x.shape;
  const OUT = w.shape[0];
  const { gemm } = kernels();
  const out = new Float32Array(B * OUT);
  const bv = bias === null ? null : bias.values();
  // out[i, o] = bias[o] + sum_p x[i, p] * w[o, p]
  if (bv !== null) for (let i = 0; i < B; i++) out.set(bv, i * OUT);
  gemm(B, OUT, IN, x.data, x.offset, x.strides[0], x.strides[1], w.data, w.offset, w.strides[1], w.strides[0], out, 0, OUT, bv !== null);
  const parents = bias === null ? [x, w] : [x, w, bias];
  return result('linear', out, [B, OUT], parents, (g) => {
    if (x.requiresGrad) {
      // gx[i, p] += sum_o g[i, o] * w[o, p]
      gemm(B, IN, OUT, g, 0, OUT, 1, w.data, w.offset, w.strides[0], w.strides[1], x.ensureGrad(), 0, IN, true);
    }
    if (w.requiresGrad) {
      // gw[o, p] += sum_i g[i, o] * x[i, p]
      gemm(OUT, IN, B, g, 0, 1, OUT, x.data, x.offset, x.strides[0], x.strides[1], w.ensureGrad(), 0, IN, true);
    }
    if (bias !== null && bias.requiresGrad) {
      // gb[o] += sum_i g[i, o]
      const gb = bias.ensureGrad();
      const acc = new Float64Array(OUT);
      for (let i = 0; i < B; i++) for (let o = 0; o < OUT; o++) acc[o] += g[i * OUT + o];
      for (let o = 0; o < OUT; o++) gb[o] += acc[o];
    }
  });
}
