/**
 * IntModel: the one integer description of a deployable network (see docs/ARCHITECTURE.md).
 *
 * The simulator executes it, the C generator prints it, the byte accounting measures it.
 * Nothing downstream re-derives quantization parameters from floats: every integer the
 * MCU uses (weights, biases, multipliers, shifts, offsets, clamps) is stored here.
 *
 * Conventions (TFLite Micro / CMSIS-NN):
 * - Layout is channels last. A sequence activation of one sample is [L, C]; a vector is [C].
 *   The simulator may run a batch [N, L, C]; the MCU always runs N = 1.
 * - Activations: per-tensor asymmetric INT8, real = scale * (q - zeroPoint).
 * - Weights: per-output-channel symmetric INT8 (zero point 0, values in [-127, 127]).
 * - Bias: INT32 with scale inputScale * weightScale[c], zero point 0.
 * - Requantization per output channel: out = MultiplyByQuantizedMultiplier(acc, multiplier[c],
 *   shift[c]) + outputZeroPoint, clamped to [actMin, actMax]. shift > 0 is a left shift
 *   (TFLite's sign convention). `rounding` on the model selects TFLite Micro's default
 *   double rounding or the single-rounding variant (TFLITE_SINGLE_ROUNDING).
 * - A fused ReLU / ReLU6 is expressed only through actMin / actMax in the output's int8 domain.
 */

export const INT_MODEL_VERSION = 1;

/** TFLite Micro default ('double': SaturatingRoundingDoublingHighMul then RoundingDivideByPOT)
 * or TFLITE_SINGLE_ROUNDING / CMSIS_NN_USE_SINGLE_ROUNDING ('single'). */
export type RoundingMode = 'double' | 'single';

/** An activation tensor (a buffer in the arena). Weights are not tensors here: they live on ops. */
export interface ActivationTensor {
  id: number;
  name: string;
  /** [L, C] for a sequence, [C] for a vector; batch dimension excluded. */
  shape: number[];
  /** float32 value */
  scale: number;
  /** int8 range [-128, 127] */
  zeroPoint: number;
}

/** Per-output-channel requantization, as TFLite stores it after QuantizeMultiplier. */
export interface ChannelRequant {
  /** Q31 multipliers in [2^30, 2^31 - 1], or 0 for an all-zero effective scale. */
  multiplier: Int32Array;
  /** TFLite sign convention: > 0 shifts left; valid range [-31, 30]. */
  shift: Int32Array;
}

interface OpBase {
  /** Unique, human-readable; C identifiers are derived from it after sanitizing. */
  name: string;
  /** Activation tensor ids. */
  input: number;
  output: number;
  /** Output clamp in the int8 domain (fused activation): -128..127 without activation. */
  actMin: number;
  actMax: number;
}

interface WeightedOp extends OpBase {
  inChannels: number;
  outChannels: number;
  /** INT32 per output channel. */
  bias: Int32Array;
  requant: ChannelRequant;
  /** float32 per-output-channel weight scales (documentation, golden headers, byte checks). */
  weightScales: Float32Array;
}

/** Full 1-D convolution. weights: [Cout, K, Cin] (TFLite OHWI with H = 1). */
export interface Conv1dOp extends WeightedOp {
  kind: 'conv1d';
  weights: Int8Array;
  kernelSize: number;
  stride: number;
  dilation: number;
  padBefore: number;
  padAfter: number;
}

/** Depthwise 1-D convolution, depth multiplier 1. weights: [K, C] (TFLite [1, 1, K, C]). */
export interface DwConv1dOp extends WeightedOp {
  kind: 'dwconv1d';
  weights: Int8Array;
  kernelSize: number;
  stride: number;
  dilation: number;
  padBefore: number;
  padAfter: number;
}

/**
 * Pointwise (1x1) convolution: an INT8 GEMM over positions. weights: [Cout, Cin].
 * The quant layer makes every op 'stored' and runs all alike. `source: 'generated'` and
 * `generatedIndex` are the marks of the layer above (src/hyper/generated.ts) on ops whose arrays
 * a deployment synthesizes at load time; they are carried and validated here, not interpreted.
 */
export interface PwConv1dOp extends WeightedOp {
  kind: 'pwconv1d';
  weights: Int8Array;
  source: 'stored' | 'generated';
  generatedIndex?: number;
}

/** Fully connected on a vector [Cin] -> [Cout]. weights: [Cout, Cin]. */
export interface FullyConnectedOp extends WeightedOp {
  kind: 'fully_connected';
  weights: Int8Array;
}

/**
 * Average or max pooling over positions, per channel (TFLite AVERAGE_POOL_2D / MAX_POOL_2D int8
 * semantics: input and output share scale and zero point; the average divides by the number of
 * valid (non-padded) taps, rounding half away from zero).
 */
export interface Pool1dOp extends OpBase {
  kind: 'avgpool1d' | 'maxpool1d';
  poolSize: number;
  stride: number;
  padBefore: number;
  padAfter: number;
}

/** Global average pooling [L, C] -> [C]: TFLite AVERAGE_POOL_2D with the filter covering L
 * (input and output share scale and zero point). */
export interface GlobalAvgPoolOp extends OpBase {
  kind: 'global_avgpool';
}

/**
 * Residual add of two int8 tensors of equal shape (TFLite ADD int8 semantics):
 * shifted_i = (q_i - zp_i) << leftShift; scaled_i = MultiplyByQuantizedMultiplierSmallerThanOne(
 * shifted_i, inputMultiplier_i, inputShift_i); out = MBQM(scaled_1 + scaled_2, outputMultiplier,
 * outputShift) + zp_out, clamped.
 */
export interface AddOp extends OpBase {
  kind: 'add';
  /** second input tensor id (the first is `input`) */
  input2: number;
  leftShift: number;
  input1Multiplier: number;
  input1Shift: number;
  input2Multiplier: number;
  input2Shift: number;
  outputMultiplier: number;
  outputShift: number;
}

export type IntOp = Conv1dOp | DwConv1dOp | PwConv1dOp | FullyConnectedOp | Pool1dOp | GlobalAvgPoolOp | AddOp;
export type IntOpKind = IntOp['kind'];

export interface IntModelMeta {
  /** e.g. 'mitbih-aami', 'mitbih-binary', 'kws12' */
  task?: string;
  classes?: string[];
  /** free-form provenance: seed, config hash, source checkpoint checksum */
  [key: string]: unknown;
}

export interface IntModel {
  version: typeof INT_MODEL_VERSION;
  name: string;
  rounding: RoundingMode;
  /** all activation tensors, indexed by id (tensors[i].id === i) */
  tensors: ActivationTensor[];
  /** ops in execution order; each op's inputs are produced by earlier ops or are the model input */
  ops: IntOp[];
  inputId: number;
  /** the int8 logits (or scores) tensor */
  outputId: number;
  meta: IntModelMeta;
}
