/**
 * FloatGenerator: the differentiable HyperTinyPW generator, with exactly the structure of the
 * stored one (config.ts, stored.ts) so that `toFloatParams()` feeds `quantizeGenerator` directly.
 *
 *   codes      Z [nLayers, dz]                       ('codes'; row l is z_l)
 *   instance g ('inst<g>'; one, or one per layer when sharing = 'per-layer'):
 *     trunk    Linear dz -> dh -> ... -> dh, ReLU     ('trunk<t>.weight' [dh, in], '.bias')
 *     core     Linear dh -> r*r ('shared-basis', S row-major), r ('basis-coeff', S = diag) or
 *              C_max*r ('factor-heads': A [C_max, r], row-major)
 *     factorB  Linear dh -> r*C_max ('factor-heads' only: B [r, C_max], row-major)
 *     gain     Linear dh -> C_max (gains 'generated' only)
 *     U [C_max, r], V [r, C_max]                    (shared bases; layers slice them; not with 'factor-heads')
 *   gains      g_l [C_out] per layer ('gains<l>'; gains 'stored' only)
 *
 *   W_l = diag(g_l) U[:C_out] S_l V[:, :C_in]          [C_out, C_in]
 *   W_l = diag(g_l) A[:C_out] B[:, :C_in]              ('factor-heads')
 *
 * `weightFor(l)` builds W_l with the autodiff graph reaching codes, trunk, heads, bases and gains.
 * With `{ fakeQuant: true }` every stored tensor is fake-quantized at its storage bit width and
 * W_l per output channel as synthesis does (fake_quant_generated.ts), with STE gradients; the
 * factor heads' outputs are fake-quantized to [-127, 127] with the output scale quantizeGenerator
 * calibrates (max |output| over the instance's layers / 127).
 *
 * Initialization (seeded): He-normal trunk (bias 0.1 keeps ReLUs alive), core head near the
 * identity core (small weights, bias I or 1), U, V ~ N(0, 1), codes ~ N(0, 1) (factor-heads: both
 * heads std 1 / sqrt(dh), bias 0); then gains ('stored': per layer, 'generated': the gain head's
 * bias; 'none': V, or the factor head B, is rescaled) are set so that
 * W_l starts with the Kaiming std sqrt(2 / C_in) of a plain pointwise layer.
 */

import { Rng, Tensor, linear, matmul, mul, noGrad, ones, randn, relu, reshape, slice, transpose, zeros } from '../core/index.ts';
import { Linear } from '../nn/layers.ts';
import { Module } from '../nn/module.ts';
import type { LayerDescriptor, TraceValue } from '../nn/descriptor.ts';
import { ArgumentError } from '../util/errors.ts';
import { checkConfig, coreOutputs, factorOutputs, generatorCount, generatorOf, instanceCMax, type GeneratorConfig } from './config.ts';
import { fakeQuantGains, fakeQuantKernel, fakeQuantRows, fakeQuantScaled, fakeQuantTensor } from './fake_quant_generated.ts';
import { FACTOR_MAX, HEADS } from './heads.ts';
import { mlpOutputScale, type FloatGeneratorInstance, type FloatGeneratorParams } from './stored.ts';

/** One generator instance: trunk, heads and bases. */
export class GeneratorInstanceModule extends Module {
  readonly trunk: Linear[] = [];
  readonly core: Linear;
  /** H_B, 'factor-heads' only */
  readonly factorB: Linear | null;
  readonly gain: Linear | null;
  /** null with 'factor-heads' */
  readonly U: Tensor | null;
  readonly V: Tensor | null;

  constructor(readonly config: GeneratorConfig, readonly cMax: number, rng: Rng) {
    super();
    const { dz, dh, rank: r } = config;
    for (let t = 0; t < config.trunkDepth; t++) {
      const inF = t === 0 ? dz : dh;
      const lin = this.registerModule(`trunk${t}`, new Linear(inF, dh, rng, { std: Math.sqrt(2 / inF) }));
      lin.bias!.data.fill(0.1);
      this.trunk.push(lin);
    }
    const factors = HEADS[config.head].factorHeads;
    this.core = this.registerModule('core', new Linear(dh, coreOutputs(config, cMax), rng, { std: (factors ? 1 : 0.5) / Math.sqrt(dh) }));
    if (config.head === 'shared-basis') for (let a = 0; a < r; a++) this.core.bias!.data[a * r + a] = 1;
    else if (config.head === 'basis-coeff') this.core.bias!.data.fill(1);
    this.factorB = factors ? this.registerModule('factorB', new Linear(dh, factorOutputs(config, cMax), rng, { std: 1 / Math.sqrt(dh) })) : null;
    this.gain = config.gains === 'generated' ? this.registerModule('gain', new Linear(dh, cMax, rng, { std: 0.1 / Math.sqrt(dh) })) : null;
    this.U = HEADS[config.head].storedBases ? this.registerParameter('U', randn([cMax, r], rng, 1)) : null;
    this.V = HEADS[config.head].storedBases ? this.registerParameter('V', randn([r, cMax], rng, 1)) : null;
  }

  forward(): Tensor {
    throw new ArgumentError('GeneratorInstanceModule', 'use FloatGenerator.weightFor(l)');
  }

  trace(input: TraceValue): TraceValue {
    return input;
  }
}

export interface WeightForOptions {
  /** fake-quantize stored tensors and W_l as the device will (default: the generator's `fakeQuant`) */
  fakeQuant?: boolean;
  /** per-output-channel scale folded into the stored gains before their quantization (the
   * following BN's gamma / sigma, see compress.ts); only used with fakeQuant and gains 'stored' */
  bnScale?: ArrayLike<number>;
}

export class FloatGenerator extends Module {
  readonly config: GeneratorConfig;
  readonly codes: Tensor;
  readonly instances: GeneratorInstanceModule[] = [];
  /** per generated layer [cOut], gains 'stored' only */
  readonly gains: Tensor[] = [];
  /** default of WeightForOptions.fakeQuant */
  fakeQuant = false;

  constructor(config: GeneratorConfig, opts: { seed?: number } = {}) {
    super();
    checkConfig(config);
    this.config = structuredClone(config);
    const c = this.config;
    const rng = new Rng(opts.seed ?? 0);
    const nL = c.layers.length;
    this.codes = this.registerParameter('codes', randn([nL, c.dz], rng, 1));
    for (let g = 0; g < generatorCount(c); g++) this.instances.push(this.registerModule(`inst${g}`, new GeneratorInstanceModule(c, instanceCMax(c, g), rng)));
    if (c.gains === 'stored') c.layers.forEach((s, l) => this.gains.push(this.registerParameter(`gains${l}`, ones([s.cOut]))));
    this.initScale();
  }

  get layerCount(): number {
    return this.config.layers.length;
  }

  /** Rescale gains (or V) so that every W_l starts with std ~ sqrt(2 / C_in). */
  private initScale(): void {
    const c = this.config;
    const factors = noGrad(() => c.layers.map((s, l) => {
      const w = this.weightFor(l, { fakeQuant: false }).values();
      let ss = 0;
      for (const v of w) ss += v * v;
      const rms = Math.sqrt(ss / w.length);
      return rms > 0 ? Math.sqrt(2 / s.cIn) / rms : 1;
    }));
    if (c.gains === 'stored') factors.forEach((f, l) => this.gains[l].data.fill(f));
    else if (c.gains === 'generated') {
      // the gain head's bias is shared by the layers of an instance: use their mean target
      this.instances.forEach((inst, g) => {
        const served = factors.filter((_, l) => generatorOf(c, l) === g);
        const b = served.reduce((a, f) => a + f, 0) / served.length;
        inst.gain!.bias!.data.fill(b);
        for (let i = 0; i < inst.gain!.weight.size; i++) inst.gain!.weight.data[i] *= b;
      });
    } else {
      this.instances.forEach((inst, g) => {
        const served = factors.filter((_, l) => generatorOf(c, l) === g);
        const f = served.reduce((a, v) => a + v, 0) / served.length;
        const scaled = inst.factorB ? [inst.factorB.weight, inst.factorB.bias!] : [inst.V!];
        for (const t of scaled) for (let i = 0; i < t.size; i++) t.data[t.offset + i] *= f;
      });
    }
  }

  /** W_l [C_out, C_in] (see the file comment). */
  weightFor(l: number, opts: WeightForOptions = {}): Tensor {
    const c = this.config;
    const s = c.layers[l];
    if (!s) throw new ArgumentError('FloatGenerator.weightFor', `no generated layer ${l} (the generator has ${c.layers.length})`);
    const fq = opts.fakeQuant ?? this.fakeQuant;
    const inst = this.instances[generatorOf(c, l)];
    const r = c.rank;
    const h = this.hidden(l, fq);
    let W: Tensor;
    if (inst.factorB) {
      // A_l = A[:cOut] [cOut, r], B_l = B[:, :cIn] [r, cIn]; fake-quantized to [-127, 127] as stored.ts
      const scales = fq ? this.factorScales(generatorOf(c, l)) : null;
      let A = this.head(inst.core, h, fq);
      let B = this.head(inst.factorB, h, fq);
      if (scales) {
        A = fakeQuantScaled(A, scales.a, FACTOR_MAX);
        B = fakeQuantScaled(B, scales.b, FACTOR_MAX);
      }
      W = matmul(slice(reshape(A, [inst.cMax, r]), 0, 0, s.cOut), slice(reshape(B, [r, inst.cMax]), 1, 0, s.cIn));
    } else {
      const core = this.head(inst.core, h, fq); // [1, r*r | r]
      const S = c.head === 'shared-basis' ? reshape(core, [r, r]) : mul(eye(r), core); // diag(c): eye[a, b] * c[b]
      const U = fq ? fakeQuantTensor(inst.U!, c.basisBits) : inst.U!;
      const V = fq ? fakeQuantTensor(inst.V!, c.basisBits) : inst.V!;
      W = matmul(matmul(slice(U, 0, 0, s.cOut), S), slice(V, 1, 0, s.cIn)); // [cOut, cIn]
    }
    if (c.gains === 'stored') {
      const g = fq ? fakeQuantGains(this.gains[l], c.gainBits, opts.bnScale) : this.gains[l];
      W = mul(W, reshape(g, [s.cOut, 1]));
    } else if (c.gains === 'generated') {
      const head = inst.gain!;
      const gh = linear(h, fq ? fakeQuantRows(head.weight, c.headBits) : head.weight, head.bias); // [1, cMax]
      W = mul(W, transpose(slice(gh, 1, 0, s.cOut))); // [cOut, 1]
    }
    return fq ? fakeQuantKernel(W) : W;
  }

  /** Trunk output h_l [1, dh] (codes and trunk weights fake-quantized when fq). */
  private hidden(l: number, fq: boolean): Tensor {
    const c = this.config;
    const inst = this.instances[generatorOf(c, l)];
    const codes = fq ? fakeQuantTensor(this.codes, c.codeBits) : this.codes;
    let h = slice(codes, 0, l, l + 1); // [1, dz]
    for (const t of inst.trunk) h = relu(linear(h, fq ? fakeQuantRows(t.weight, c.trunkBits) : t.weight, t.bias));
    return h;
  }

  /** A head's output over h [1, out] (weights fake-quantized per row at headBits when fq). */
  private head(m: Linear, h: Tensor, fq: boolean): Tensor {
    return linear(h, fq ? fakeQuantRows(m.weight, this.config.headBits) : m.weight, m.bias);
  }

  /** The factor heads' output scales of instance g as quantizeGenerator calibrates them: max
   * |output| over every row and every served layer (fake-quantized trunk and head weights, float
   * biases) / 127. */
  private factorScales(g: number): { a: number; b: number } {
    const c = this.config;
    const inst = this.instances[g];
    return noGrad(() => {
      let ma = 0;
      let mb = 0;
      c.layers.forEach((_, l) => {
        if (generatorOf(c, l) !== g) return;
        const h = this.hidden(l, true);
        for (const v of this.head(inst.core, h, true).values()) ma = Math.max(ma, Math.abs(v));
        for (const v of this.head(inst.factorB!, h, true).values()) mb = Math.max(mb, Math.abs(v));
      });
      return { a: mlpOutputScale(ma, FACTOR_MAX), b: mlpOutputScale(mb, FACTOR_MAX) };
    });
  }

  /**
   * The float parameters in quantizeGenerator's input format (copies). `bnScales[l]`, when
   * given, multiplies the stored gains of layer l (BN scale folding, gains 'stored' only).
   */
  toFloatParams(opts: { bnScales?: Array<ArrayLike<number> | null | undefined> } = {}): FloatGeneratorParams {
    const c = this.config;
    const lin = (m: Linear) => ({ weight: m.weight.toFloat32Array(), bias: m.bias!.toFloat32Array() });
    const instances: FloatGeneratorInstance[] = this.instances.map((inst) => ({
      trunk: inst.trunk.map(lin),
      core: lin(inst.core),
      ...(inst.factorB ? { factorB: lin(inst.factorB) } : {}),
      ...(inst.gain ? { gain: lin(inst.gain) } : {}),
      ...(inst.U && inst.V ? { U: inst.U.toFloat32Array(), V: inst.V.toFloat32Array() } : {}),
    }));
    const Z = this.codes.toFloat32Array();
    const codes = c.layers.map((_, l) => Z.slice(l * c.dz, (l + 1) * c.dz));
    if (opts.bnScales && c.gains !== 'stored') throw new ArgumentError('toFloatParams', `bnScales fold into stored gains; gains are '${c.gains}'`);
    const gains = c.gains === 'stored'
      ? this.gains.map((g, l) => {
        const v = g.toFloat32Array();
        const s = opts.bnScales?.[l];
        if (s) {
          if (s.length !== v.length) throw new ArgumentError('toFloatParams', `layer ${l}: ${s.length} BN scales for ${v.length} gains`);
          for (let o = 0; o < v.length; o++) v[o] *= s[o];
        }
        return v;
      })
      : undefined;
    return { instances, codes, ...(gains ? { gains } : {}) };
  }

  /** Load parameters from quantizeGenerator's input format (the inverse of toFloatParams()). */
  loadFloatParams(p: FloatGeneratorParams): void {
    const set = (t: Tensor, v: Float32Array, what: string) => {
      if (v.length !== t.size) throw new ArgumentError('loadFloatParams', `${what}: ${v.length} values, expected ${t.size}`);
      t.data.set(v, t.offset);
    };
    p.instances.forEach((fi, g) => {
      const inst = this.instances[g];
      fi.trunk.forEach((t, k) => {
        set(inst.trunk[k].weight, t.weight, `inst${g}.trunk${k}.weight`);
        set(inst.trunk[k].bias!, t.bias, `inst${g}.trunk${k}.bias`);
      });
      set(inst.core.weight, fi.core.weight, `inst${g}.core.weight`);
      set(inst.core.bias!, fi.core.bias, `inst${g}.core.bias`);
      if (inst.factorB && fi.factorB) {
        set(inst.factorB.weight, fi.factorB.weight, `inst${g}.factorB.weight`);
        set(inst.factorB.bias!, fi.factorB.bias, `inst${g}.factorB.bias`);
      }
      if (inst.gain && fi.gain) {
        set(inst.gain.weight, fi.gain.weight, `inst${g}.gain.weight`);
        set(inst.gain.bias!, fi.gain.bias, `inst${g}.gain.bias`);
      }
      if (inst.U && fi.U) set(inst.U, fi.U, `inst${g}.U`);
      if (inst.V && fi.V) set(inst.V, fi.V, `inst${g}.V`);
    });
    p.codes.forEach((z, l) => this.codes.data.set(z, this.codes.offset + l * this.config.dz));
    p.gains?.forEach((g, l) => set(this.gains[l], g, `gains${l}`));
  }

  forward(): Tensor {
    throw new ArgumentError('FloatGenerator', 'the generator has no forward pass; use weightFor(l)');
  }

  /** The generator adds no layer descriptors (its output enters through the PW weight providers). */
  trace(input: TraceValue, _name: string, _out: LayerDescriptor[]): TraceValue {
    return input;
  }
}

function eye(r: number): Tensor {
  const t = zeros([r, r]);
  for (let a = 0; a < r; a++) t.data[a * r + a] = 1;
  return t;
}
