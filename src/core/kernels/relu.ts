/**
 * ReLU on raw Float32Arrays (the reference; relu_simd.ts is its SIMD twin):
 *   forward   out[i] = x[i] > 0 ? x[i] : 0
 *   backward  gx[i] += x[i] > 0 ? g[i] : 0
 * (relu'(0) = 0 and NaN maps to 0, the NOTE in ops/unary.ts says why.)
 */
export function reluForward(x: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
}

export function reluBackward(x: Float32Array, g: Float32Array, gx: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) if (x[i] > 0) gx[i] += g[i];
}
