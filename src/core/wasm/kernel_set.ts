/**
 * Which kernel set runs: 'simd' (WebAssembly SIMD, assembled by src/core/wasm) or 'js' (the
 * typed-array reference kernels). Default: 'simd' where the engine validates a SIMD module,
 * else 'js'. The environment variable HTPW_KERNELS=js|simd forces one (simd where unsupported is
 * an error); `setKernelSet` overrides both in-process (tests compare the two sets).
 */
import { ModuleBuilder } from './module_builder.ts';

export type KernelSetName = 'js' | 'simd';

let simdSupport: boolean | null = null;
let override: KernelSetName | null = null;
let fromEnvironment: KernelSetName | null = null; // read once: kernelSet() is called per op

/** True when this engine accepts a module using v128 (WebAssembly.validate, nothing executed). */
export function simdSupported(): boolean {
  if (simdSupport === null) {
    const probe = new ModuleBuilder();
    probe.function('probe', ['f32'], ['f32'], (f) => {
      f.get(f.param(0)).op('f32x4.splat').get(f.param(0)).op('f32x4.splat').op('f32x4.add').lane('f32x4.extract_lane', 0);
    });
    simdSupport = typeof WebAssembly === 'object' && WebAssembly.validate(probe.assemble());
  }
  return simdSupport;
}

/** The kernel set in use now. */
export function kernelSet(): KernelSetName {
  if (override) return override;
  fromEnvironment ??= environmentKernelSet();
  return fromEnvironment;
}

function environmentKernelSet(): KernelSetName {
  const forced = typeof process === 'object' ? process.env.HTPW_KERNELS : undefined; // browsers have no process
  if (forced === undefined || forced === '') return simdSupported() ? 'simd' : 'js';
  if (forced === 'js') return 'js';
  if (forced === 'simd') {
    if (!simdSupported()) throw new Error('HTPW_KERNELS=simd: this JavaScript engine does not support WebAssembly SIMD');
    return 'simd';
  }
  throw new Error(`HTPW_KERNELS=${forced}: expected js or simd`);
}

/** Forces a kernel set in this process (null: back to the environment / detection). */
export function setKernelSet(name: KernelSetName | null): void {
  if (name === 'simd' && !simdSupported()) throw new Error('setKernelSet(simd): this JavaScript engine does not support WebAssembly SIMD');
  override = name;
}
