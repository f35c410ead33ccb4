/**
 * Stored generator parameters: every tensor of the generator as integers at its bit width, the
 * way flash holds them (packed by pack.ts), plus the integer requantization constants that let
 * synthesis run without floats. Float scales are kept alongside for the host only (dequantizing,
 * the float reference, weightScales reporting); the device never reads them.
 *
 * `quantizeGenerator(floatParams, config)` is the one float -> integer step, from plain
 * Float32Arrays (what the float trainer exports). Rules (SYNTHESIS.md, "Host-side quantization"):
 * - codes: one float32 scale for all codes: s_z = max|z| / qmax(codeBits); per-tensor.
 * - MLP weights (trunk, heads): per-row (per output unit) symmetric, s_row = max|w_row| / qmax.
 * - MLP activations: trunk outputs int16 in [0, 32767] (ReLU); core and gain head outputs in
 *   [-(2^23 - 1), 2^23 - 1] (int32 storage), the factor heads' ('factor-heads': core = H_A and
 *   factorB = H_B) in [-127, 127]; output scale = calibrated max|.| over all served layers / that max,
 *   found by running the float generator (dequantized weights, float biases) on every code.
 * - MLP biases: int32 at scale s_in * s_row, saturated to [-2^30, 2^30].
 * - MLP requantization per row: QuantizeMultiplier(s_in * s_row / s_out) (TFLite), shift in
 *   [-31, 30] (a smaller multiplier flushes to 0; a larger one is rejected).
 * - bases U [cMax, r], V [r, cMax]: per-tensor symmetric at basisBits (not stored with 'factor-heads').
 * - stored gains: per-layer per-tensor symmetric at gainBits; a nonzero gain never becomes 0
 *   (it is stored as +-1) so that every channel keeps a nonzero scale.
 * Rounding is half away from zero everywhere; every scale is a float32.
 */

import { ArgumentError } from '../util/errors.ts';
import { quantizeMultiplier, roundHalfAway } from '../quant/fixed_point.ts';
import { checkConfig, coreOutputs, factorOutputs, generatorCount, generatorOf, instanceCMax, type GeneratorConfig } from './config.ts';
import { HEAD_MAX, HEADS } from './heads.ts';
import { qmaxOf } from './pack.ts';

export { HEAD_MAX } from './heads.ts';
/** Activation ranges inside the generator: trunk int16, core and gain head outputs 24-bit (int32
 * storage; HEAD_MAX), factor heads 8-bit (heads.ts FACTOR_MAX). */
export const HIDDEN_MAX = 32767;
export const BIAS_LIMIT = 2 ** 30;

/** An integer tensor at `bits` bits with one host-side float32 scale. */
export interface StoredTensor {
  bits: number;
  shape: number[];
  /** values in [-qmax(bits), qmax(bits)], row-major */
  values: Int8Array;
  /** float32; real = scale * value (host only) */
  scale: number;
}

/** One integer MLP layer: y = clamp(requant(bias + W x), actMin, actMax). */
export interface IntLinear {
  inFeatures: number;
  outFeatures: number;
  bits: number;
  /** [out, in] row-major, values in [-qmax(bits), qmax(bits)] */
  weights: Int8Array;
  /** int32 in [-2^30, 2^30], scale inputScale * weightScales[j] */
  bias: Int32Array;
  /** Q31 multipliers in [2^30, 2^31) or 0 */
  multiplier: Int32Array;
  /** TFLite sign convention, in [-31, 30] */
  shift: Int32Array;
  actMin: number;
  actMax: number;
  /** host only */
  weightScales: Float32Array;
  inputScale: number;
  outputScale: number;
}

/** One generator: trunk, core head, optional factor and gain heads, bases (not with 'factor-heads'). */
export interface GeneratorInstance {
  cMax: number;
  trunk: IntLinear[];
  /** r*r outputs ('shared-basis'), r ('basis-coeff') or cMax*r ('factor-heads': H_A, A [cMax][r]) */
  core: IntLinear;
  /** H_B, r*cMax outputs (B [r][cMax]), present iff head === 'factor-heads' */
  factorB?: IntLinear;
  /** cMax outputs, present iff gains === 'generated' */
  gain?: IntLinear;
  /** [cMax, r], present iff HEADS[head].storedBases */
  U?: StoredTensor;
  /** [r, cMax], present iff HEADS[head].storedBases */
  V?: StoredTensor;
}

export interface StoredLayer {
  generator: number;
  cIn: number;
  cOut: number;
  /** [dz] at codeBits (scale = the shared code scale) */
  code: StoredTensor;
  /** [cOut] at gainBits, present iff gains === 'stored' */
  gains?: StoredTensor;
}

export interface StoredGenerator {
  config: GeneratorConfig;
  instances: GeneratorInstance[];
  layers: StoredLayer[];
  /** float32 scale shared by all codes */
  codeScale: number;
}

// ---------------------------------------------------------------------------------------------
// Float parameters (what the float trainer exports)

/** weight [out, in] row-major, bias [out] */
export interface FloatLinear {
  weight: Float32Array;
  bias: Float32Array;
}

export interface FloatGeneratorInstance {
  /** trunkDepth layers: [dh, dz] then [dh, dh] ... */
  trunk: FloatLinear[];
  /** [coreOutputs, dh]: r*r (row-major S: S[a][b] = output a*r + b), r (diagonal) or cMax*r
   * ('factor-heads': A[o][a] = output o*r + a) */
  core: FloatLinear;
  /** [r*cMax, dh], iff head === 'factor-heads': B[b][i] = output b*cMax + i */
  factorB?: FloatLinear;
  /** [cMax, dh], iff gains === 'generated' */
  gain?: FloatLinear;
  /** [cMax, r] row-major, iff HEADS[head].storedBases */
  U?: Float32Array;
  /** [r, cMax] row-major, iff HEADS[head].storedBases */
  V?: Float32Array;
}

export interface FloatGeneratorParams {
  /** one per generator instance (1 if shared, one per generated layer if per-layer) */
  instances: FloatGeneratorInstance[];
  /** [dz] per generated layer */
  codes: Float32Array[];
  /** [cOut] per generated layer, iff gains === 'stored' */
  gains?: Float32Array[];
}

// ---------------------------------------------------------------------------------------------

function maxAbs(a: ArrayLike<number>, from = 0, to = a.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Symmetric per-tensor quantization at `bits`; an all-zero tensor gets scale 1. */
export function quantizeTensor(x: Float32Array, bits: number, shape: number[], keepNonzero = false): StoredTensor {
  const qmax = qmaxOf(bits);
  const m = maxAbs(x);
  const scale = m === 0 ? 1 : Math.fround(m / qmax);
  const values = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let q = Math.max(-qmax, Math.min(qmax, roundHalfAway(x[i] / scale)));
    if (keepNonzero && q === 0 && x[i] !== 0) q = x[i] > 0 ? 1 : -1;
    values[i] = q;
  }
  return { bits, shape, values, scale };
}

export function dequantizeTensor(t: StoredTensor): Float64Array {
  const out = new Float64Array(t.values.length);
  for (let i = 0; i < out.length; i++) out[i] = t.values[i] * t.scale;
  return out;
}

/** Dequantized weights [out, in] of an IntLinear (float64). */
export function linearWeights(l: IntLinear): Float64Array {
  const w = new Float64Array(l.weights.length);
  for (let j = 0; j < l.outFeatures; j++) for (let k = 0; k < l.inFeatures; k++) w[j * l.inFeatures + k] = l.weights[j * l.inFeatures + k] * l.weightScales[j];
  return w;
}

/** Dequantized biases of an IntLinear (float64): bias * fround(inputScale * weightScale). */
export function linearBias(l: IntLinear): Float64Array {
  const b = new Float64Array(l.outFeatures);
  for (let j = 0; j < l.outFeatures; j++) b[j] = l.bias[j] * Math.fround(l.inputScale * l.weightScales[j]);
  return b;
}

/** Float64 forward of a layer with dequantized weights and the given float bias, then clamp. */
function floatLinear(w: Float64Array, b: ArrayLike<number>, x: Float64Array, out: number, relu: boolean): Float64Array {
  const inF = x.length;
  const y = new Float64Array(out);
  for (let j = 0; j < out; j++) {
    let acc = b[j];
    for (let k = 0; k < inF; k++) acc += w[j * inF + k] * x[k];
    y[j] = relu ? Math.max(0, acc) : acc;
  }
  return y;
}

function quantizeRows(w: Float32Array, out: number, inF: number, bits: number): { q: Int8Array; scales: Float32Array } {
  const qmax = qmaxOf(bits);
  const q = new Int8Array(out * inF);
  const scales = new Float32Array(out);
  for (let j = 0; j < out; j++) {
    const m = maxAbs(w, j * inF, (j + 1) * inF);
    const s = m === 0 ? 1 : Math.fround(m / qmax);
    scales[j] = s;
    for (let k = 0; k < inF; k++) q[j * inF + k] = Math.max(-qmax, Math.min(qmax, roundHalfAway(w[j * inF + k] / s)));
  }
  return { q, scales };
}

/** The output scale of an MLP layer whose calibrated max |output| is m and whose clamp is
 * limit: fround(m / limit), 1 when m = 0 (also the factor heads' fake quantization, generator_float.ts). */
export function mlpOutputScale(m: number, limit: number): number {
  return m === 0 ? 1 : Math.fround(m / limit);
}

/**
 * Quantize one MLP layer given its input scale and the float inputs it sees (one vector per
 * served layer); returns the IntLinear and the float outputs (for the next layer's calibration).
 */
function quantizeLinear(name: string, f: FloatLinear, inF: number, out: number, bits: number, inputScale: number, inputs: Float64Array[], kind: 'relu' | 'head', headMax = HEAD_MAX): { layer: IntLinear; outputs: Float64Array[] } {
  if (f.weight.length !== out * inF) throw new ArgumentError('quantizeGenerator', `${name}.weight has ${f.weight.length} values, expected ${out} x ${inF}`);
  if (f.bias.length !== out) throw new ArgumentError('quantizeGenerator', `${name}.bias has ${f.bias.length} values, expected ${out}`);
  const { q, scales } = quantizeRows(f.weight, out, inF, bits);
  const wDeq = new Float64Array(out * inF);
  for (let j = 0; j < out; j++) for (let k = 0; k < inF; k++) wDeq[j * inF + k] = q[j * inF + k] * scales[j];
  const outputs = inputs.map((x) => floatLinear(wDeq, f.bias, x, out, kind === 'relu'));
  const limit = kind === 'relu' ? HIDDEN_MAX : headMax;
  let m = 0;
  for (const y of outputs) m = Math.max(m, maxAbs(y));
  const outputScale = mlpOutputScale(m, limit);
  const bias = new Int32Array(out);
  const multiplier = new Int32Array(out);
  const shift = new Int32Array(out);
  for (let j = 0; j < out; j++) {
    const biasScale = Math.fround(inputScale * scales[j]);
    bias[j] = Math.max(-BIAS_LIMIT, Math.min(BIAS_LIMIT, roundHalfAway(f.bias[j] / biasScale)));
    const qm = quantizeMultiplier((inputScale * scales[j]) / outputScale, 'double');
    if (qm.shift > 30) throw new ArgumentError('quantizeGenerator', `${name} row ${j}: requantization multiplier ${(inputScale * scales[j]) / outputScale} is too large (shift ${qm.shift} > 30)`);
    multiplier[j] = qm.multiplier;
    shift[j] = qm.shift;
  }
  const layer: IntLinear = {
    inFeatures: inF, outFeatures: out, bits, weights: q, bias, multiplier, shift,
    actMin: kind === 'relu' ? 0 : -limit, actMax: limit,
    weightScales: scales, inputScale, outputScale,
  };
  return { layer, outputs };
}

/**
 * Quantize a float generator into its stored integer form (see the file comment for the rules).
 * Shapes: see FloatGeneratorInstance / FloatGeneratorParams; `config.layers` gives each generated
 * layer's [cOut, cIn]; instance g has cMax = instanceCMax(config, g).
 */
export function quantizeGenerator(float: FloatGeneratorParams, config: GeneratorConfig): StoredGenerator {
  checkConfig(config);
  const nL = config.layers.length;
  const nG = generatorCount(config);
  const { dz, dh, rank: r } = config;
  if (float.instances.length !== nG) throw new ArgumentError('quantizeGenerator', `${float.instances.length} generator instances, the config needs ${nG}`);
  if (float.codes.length !== nL) throw new ArgumentError('quantizeGenerator', `${float.codes.length} codes for ${nL} generated layers`);
  float.codes.forEach((z, l) => {
    if (z.length !== dz) throw new ArgumentError('quantizeGenerator', `code ${l} has ${z.length} values, dz = ${dz}`);
  });
  if (config.gains === 'stored') {
    if (!float.gains || float.gains.length !== nL) throw new ArgumentError('quantizeGenerator', `gains 'stored' needs one gain vector per generated layer`);
    float.gains.forEach((g, l) => {
      if (g.length !== config.layers[l].cOut) throw new ArgumentError('quantizeGenerator', `gains ${l} has ${g.length} values, cOut = ${config.layers[l].cOut}`);
    });
  }

  // codes: one shared scale
  const allCodes = new Float32Array(nL * dz);
  float.codes.forEach((z, l) => allCodes.set(z, l * dz));
  const codesQ = quantizeTensor(allCodes, config.codeBits, [nL, dz]);
  const codeScale = codesQ.scale;
  const layers: StoredLayer[] = config.layers.map((s, l) => ({
    generator: generatorOf(config, l),
    cIn: s.cIn,
    cOut: s.cOut,
    code: { bits: config.codeBits, shape: [dz], values: codesQ.values.slice(l * dz, (l + 1) * dz), scale: codeScale },
    ...(config.gains === 'stored' ? { gains: quantizeTensor(float.gains![l], config.gainBits, [s.cOut], true) } : {}),
  }));

  const instances: GeneratorInstance[] = [];
  for (let g = 0; g < nG; g++) {
    const fi = float.instances[g];
    const cMax = instanceCMax(config, g);
    const served = layers.map((L, l) => (L.generator === g ? l : -1)).filter((l) => l >= 0);
    if (fi.trunk.length !== config.trunkDepth) throw new ArgumentError('quantizeGenerator', `instance ${g}: ${fi.trunk.length} trunk layers, trunkDepth = ${config.trunkDepth}`);
    const head = HEADS[config.head];
    if (head.storedBases) {
      if (fi.U?.length !== cMax * r) throw new ArgumentError('quantizeGenerator', `instance ${g}: U has ${fi.U?.length ?? 0} values, expected ${cMax} x ${r}`);
      if (fi.V?.length !== r * cMax) throw new ArgumentError('quantizeGenerator', `instance ${g}: V has ${fi.V?.length ?? 0} values, expected ${r} x ${cMax}`);
    }
    let xs = served.map((l) => dequantizeTensor(layers[l].code));
    let inScale = codeScale;
    let inF = dz;
    const trunk: IntLinear[] = [];
    for (let t = 0; t < config.trunkDepth; t++) {
      const { layer, outputs } = quantizeLinear(`instance ${g} trunk ${t}`, fi.trunk[t], inF, dh, config.trunkBits, inScale, xs, 'relu');
      trunk.push(layer);
      xs = outputs;
      inScale = layer.outputScale;
      inF = dh;
    }
    const core = quantizeLinear(`instance ${g} core`, fi.core, dh, coreOutputs(config, cMax), config.headBits, inScale, xs, 'head', head.headMax).layer;
    let factorB: IntLinear | undefined;
    if (head.factorHeads) {
      if (!fi.factorB) throw new ArgumentError('quantizeGenerator', `instance ${g}: head 'factor-heads' needs a factor head (factorB)`);
      factorB = quantizeLinear(`instance ${g} factorB`, fi.factorB, dh, factorOutputs(config, cMax), config.headBits, inScale, xs, 'head', head.headMax).layer;
    }
    let gain: IntLinear | undefined;
    if (config.gains === 'generated') {
      if (!fi.gain) throw new ArgumentError('quantizeGenerator', `instance ${g}: gains 'generated' needs a gain head`);
      gain = quantizeLinear(`instance ${g} gain`, fi.gain, dh, cMax, config.headBits, inScale, xs, 'head').layer;
    }
    instances.push({
      cMax, trunk, core, ...(factorB ? { factorB } : {}), ...(gain ? { gain } : {}),
      ...(head.storedBases ? { U: quantizeTensor(fi.U!, config.basisBits, [cMax, r]), V: quantizeTensor(fi.V!, config.basisBits, [r, cMax]) } : {}),
    });
  }
  return { config, instances, layers, codeScale };
}

/**
 * Sigma_l = s_g * s_U * s_S * s_V (float64 of float32 factors): the real value of one unit of the
 * integer product g * (U S V) of layer l. s_g is the layer's stored gain scale, the gain head's
 * output scale, or 1 for gains 'none'. 'factor-heads': s_g * s_A * s_B (S = identity, s_S = 1,
 * s_A / s_B the output scales of the core / factor head).
 */
export function layerSigma(gen: StoredGenerator, l: number): number {
  const L = gen.layers[l];
  const inst = gen.instances[L.generator];
  const sg = gen.config.gains === 'stored' ? L.gains!.scale : gen.config.gains === 'generated' ? inst.gain!.outputScale : 1;
  if (HEADS[gen.config.head].factorHeads) return sg * inst.core.outputScale * inst.factorB!.outputScale;
  return sg * inst.U!.scale * inst.core.outputScale * inst.V!.scale;
}
