/**
 * Layer descriptors: the model's structure as an ordered list, for the quantizer (BN folding,
 * per-channel quantization, IntModel conversion happen in src/quant, not here).
 *
 * The list is in execution (topological) order. Every descriptor names its inputs: 'input' is
 * the model input, anything else is the `name` of an earlier descriptor. A plain chain therefore
 * has inputs [previous name]; a residual add has two. Shapes omit the batch axis: [L, C] for
 * sequences, [F] after global pooling. `params` maps a role to the stateDict() name, so
 * `stateDict().get(d.params.weight)` is the layer's weight in TFLite order:
 *   conv1d   weight [Cout, K, Cin/groups], bias [Cout]
 *   dwconv1d weight [K, C], bias [C]
 *   pwconv1d weight [Cout, Cin], bias [Cout]   (generated: true when a weight provider is set)
 *   fully_connected weight [out, in], bias [out]   (the Linear layer)
 *   batchnorm gamma, beta, runningMean, runningVar [C], eps
 * Padding is resolved to [left, right] for the descriptor's input length. Kinds that become integer
 * ops carry the IntModel's op kind (src/quant/op_kinds.ts): one name per op from layer to C kernel.
 */
export type LayerKind =
  | 'conv1d' | 'dwconv1d' | 'pwconv1d' | 'fully_connected' | 'batchnorm'
  | 'relu' | 'relu6' | 'sigmoid' | 'maxpool1d' | 'avgpool1d' | 'global_avgpool'
  | 'dropout' | 'add' | 'mul';

export interface LayerDescriptor {
  kind: LayerKind;
  /** unique; the module path for layers with state (e.g. 'blocks.1.pw') */
  name: string;
  inputs: string[];
  /** shape of inputs[0] without the batch axis */
  inShape: number[];
  outShape: number[];
  /** role -> stateDict name (weight, bias, gamma, beta, runningMean, runningVar) */
  params: Record<string, string>;
  /** role -> shape */
  paramShapes: Record<string, number[]>;
  kernel?: number;
  stride?: number;
  padding?: [number, number];
  dilation?: number;
  groups?: number;
  eps?: number;
  /** pwconv1d whose weight comes from a weight provider (e.g. the HyperTinyPW generator) */
  generated?: boolean;
}

/** A traced value: the descriptor that produced it and its shape (batch omitted). */
export interface TraceValue {
  name: string;
  shape: number[];
}
