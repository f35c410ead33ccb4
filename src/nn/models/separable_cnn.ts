import { Rng, Tensor } from '../../core/index.ts';
import { ArgumentError } from '../../util/errors.ts';
import type { LayerDescriptor, TraceValue } from '../descriptor.ts';
import { BatchNorm1d, Conv1d, DepthwiseConv1d, Dropout, GlobalAvgPool1d, Linear, PointwiseConv1d, ReLU, ReLU6, Sequential, SqueezeExcite } from '../layers.ts';
import { Module, childName } from '../module.ts';

/**
 * The depthwise-separable 1-D CNN family.
 *
 *   input [N, L, C]
 *   stem:      conv1d(K = stem.kernel, stride = stem.stride, 'same', no bias) -> BN -> act
 *   blocks.i:  dw (K = block.kernel ?? kernel, stride = block.stride, 'same') -> dwBn -> dwAct
 *              -> pw (1x1, channels -> block.channels) -> pwBn -> pwAct [-> se]
 *   pool:      global average over L        dropout (p = dropout)
 *   classifier: linear(channels of the last block -> numClasses), with bias
 *
 * Convolutions carry no bias (BN follows each). Names of the parameters are the module paths,
 * e.g. 'blocks.3.pw.weight'; `pointwiseLayers()` lists the PW layers in order (blocks.0.pw is
 * "PW1", kept stored INT8 by HyperTinyPW).
 */

export interface BlockSpec {
  /** output channels of the block's PW */
  channels: number;
  /** stride of the block's DW (default 1) */
  stride?: number;
  /** DW kernel (default: config.kernel) */
  kernel?: number;
}

export interface SeparableCnnConfig {
  /** sequence length L of the input (128 for MIT-BIH beats, 49 MFCC frames for KWS) */
  inputLength: number;
  /** input channels C (1 lead; 10 MFCC coefficients) */
  inputChannels: number;
  numClasses: number;
  stem: { channels: number; kernel: number; stride: number };
  blocks: BlockSpec[];
  /** default DW kernel */
  kernel: number;
  activation: 'relu' | 'relu6';
  /** dropout before the classifier (0 = none) */
  dropout: number;
  /** squeeze-excite after every block (reduction 4) */
  squeezeExcite: boolean;
  bnMomentum: number;
  bnEps: number;
  /** initialization seed */
  seed: number;
}

const COMMON = { kernel: 7, activation: 'relu', dropout: 0.1, squeezeExcite: false, bnMomentum: 0.1, bnEps: 1e-5, seed: 0 } as const;

/**
 * ECG small (~23k parameters, ~93 kB float32): MIT-BIH beats [128, 1], 5 AAMI classes.
 * L: 128 -stem/2-> 64 -> 32 -> 16 -> 16 -> 8 -> 8.
 */
export const ECG_SMALL: SeparableCnnConfig = {
  ...COMMON, inputLength: 128, inputChannels: 1, numClasses: 5,
  stem: { channels: 16, kernel: 7, stride: 2 },
  blocks: [{ channels: 32, stride: 2 }, { channels: 48, stride: 2 }, { channels: 64 }, { channels: 96, stride: 2 }, { channels: 96 }],
};

/**
 * ECG large (~350k parameters, ~1.4 MB float32; the paper's large CNN).
 * L: 128 -> 64 -> 32 -> 16 -> 16 -> 8 -> 8 ... 8, widths 32 -> 64 -> 128 -> 128 -> 256 x 5.
 */
export const ECG_LARGE: SeparableCnnConfig = {
  ...COMMON, inputLength: 128, inputChannels: 1, numClasses: 5, dropout: 0.2,
  stem: { channels: 32, kernel: 9, stride: 2 },
  blocks: [
    { channels: 64, stride: 2 }, { channels: 128, stride: 2 }, { channels: 128 }, { channels: 256, stride: 2 },
    { channels: 256 }, { channels: 256 }, { channels: 256 }, { channels: 256 },
  ],
};

/** Keyword spotting (DS-CNN-like, ~23k parameters): MFCC frames [49, 10] as the sequence, 12 classes. */
export const KWS_SMALL: SeparableCnnConfig = {
  ...COMMON, inputLength: 49, inputChannels: 10, numClasses: 12, kernel: 3, dropout: 0.2,
  stem: { channels: 64, kernel: 5, stride: 1 },
  blocks: [{ channels: 64, stride: 2 }, { channels: 64 }, { channels: 64, stride: 2 }, { channels: 64 }],
};

/**
 * Apnea-ECG small (~25k parameters): one-minute segments at 100 Hz [6000, 1], apnea / normal.
 * The stem's stride 4 and five stride-2 blocks bring L down before the widths grow:
 * L: 6000 -stem/4-> 1500 -> 750 -> 375 -> 188 -> 94 -> 47 -> 47 (RAM peak: input + stem output).
 */
export const APNEA_SMALL: SeparableCnnConfig = {
  ...COMMON, inputLength: 6000, inputChannels: 1, numClasses: 2,
  stem: { channels: 16, kernel: 11, stride: 4 },
  blocks: [{ channels: 24, stride: 2 }, { channels: 32, stride: 2 }, { channels: 48, stride: 2 }, { channels: 64, stride: 2 }, { channels: 96, stride: 2 }, { channels: 96 }],
};

/** Apnea-ECG large (~270k parameters): the same input, widths 32 -> 64 -> 128 -> 256. */
export const APNEA_LARGE: SeparableCnnConfig = {
  ...APNEA_SMALL, dropout: 0.2,
  stem: { channels: 32, kernel: 11, stride: 4 },
  blocks: [{ channels: 64, stride: 2 }, { channels: 128, stride: 2 }, { channels: 128, stride: 2 }, { channels: 256, stride: 2 }, { channels: 256, stride: 2 }, { channels: 256 }, { channels: 256 }],
};

/**
 * PTB-XL small (~27k parameters): 10 s records at 100 Hz, 12 leads [1000, 12] (or lead II only,
 * [1000, 1]), 5 superdiagnostic classes (multi-label, sigmoid outputs).
 * L: 1000 -stem/2-> 500 -> 250 -> 125 -> 63 -> 32 -> 32.
 */
export const PTBXL_SMALL: SeparableCnnConfig = {
  ...COMMON, inputLength: 1000, inputChannels: 12, numClasses: 5,
  stem: { channels: 32, kernel: 7, stride: 2 },
  blocks: [{ channels: 32, stride: 2 }, { channels: 48, stride: 2 }, { channels: 64, stride: 2 }, { channels: 96, stride: 2 }, { channels: 96 }],
};

/** PTB-XL large (~280k parameters): the same input, widths 64 -> 128 -> 256. */
export const PTBXL_LARGE: SeparableCnnConfig = {
  ...PTBXL_SMALL, dropout: 0.2,
  stem: { channels: 64, kernel: 7, stride: 2 },
  blocks: [{ channels: 64, stride: 2 }, { channels: 128, stride: 2 }, { channels: 128 }, { channels: 256, stride: 2 }, { channels: 256, stride: 2 }, { channels: 256 }, { channels: 256 }],
};

export const PRESETS: Record<string, SeparableCnnConfig> = {
  small: ECG_SMALL, large: ECG_LARGE, kws: KWS_SMALL,
  apnea: APNEA_SMALL, 'apnea-large': APNEA_LARGE, ptbxl: PTBXL_SMALL, 'ptbxl-large': PTBXL_LARGE,
};

/** A preset by name, with overrides (e.g. numClasses: 2 for the binary task). */
export function separableCnnConfig(preset: keyof typeof PRESETS | string, overrides: Partial<SeparableCnnConfig> = {}): SeparableCnnConfig {
  const base = PRESETS[preset];
  if (!base) throw new ArgumentError('separableCnnConfig', `unknown preset "${preset}" (${Object.keys(PRESETS).join(', ')})`);
  return { ...structuredClone(base), ...overrides };
}

function act(kind: SeparableCnnConfig['activation']): Module {
  return kind === 'relu6' ? new ReLU6() : new ReLU();
}

/** DW -> BN -> act -> PW -> BN -> act [-> SE]. */
export class SeparableBlock extends Sequential {
  readonly dw: DepthwiseConv1d;
  readonly pw: PointwiseConv1d;
  constructor(inC: number, spec: BlockSpec, cfg: SeparableCnnConfig, rng: Rng) {
    super();
    const bn = { momentum: cfg.bnMomentum, eps: cfg.bnEps };
    this.dw = new DepthwiseConv1d(inC, spec.kernel ?? cfg.kernel, rng, { stride: spec.stride ?? 1, padding: 'same' });
    this.pw = new PointwiseConv1d(inC, spec.channels, rng);
    this.append(this.dw, 'dw').append(new BatchNorm1d(inC, bn), 'dwBn').append(act(cfg.activation), 'dwAct');
    this.append(this.pw, 'pw').append(new BatchNorm1d(spec.channels, bn), 'pwBn').append(act(cfg.activation), 'pwAct');
    if (cfg.squeezeExcite) this.append(new SqueezeExcite(spec.channels, rng), 'se');
  }
}

export function checkSeparableCnnConfig(c: SeparableCnnConfig): void {
  const pos = (v: number) => Number.isInteger(v) && v >= 1;
  const bad = (m: string) => new ArgumentError('SeparableCnn', m);
  if (!pos(c.inputLength) || !pos(c.inputChannels) || !(Number.isInteger(c.numClasses) && c.numClasses >= 2)) throw bad(`input [${c.inputLength}, ${c.inputChannels}] and numClasses ${c.numClasses} must be positive integers (numClasses >= 2)`);
  if (!pos(c.stem.channels) || !pos(c.stem.kernel) || !pos(c.stem.stride)) throw bad(`bad stem ${JSON.stringify(c.stem)}`);
  if (!Array.isArray(c.blocks)) throw bad('blocks must be an array');
  c.blocks.forEach((b, i) => {
    if (!pos(b.channels) || !pos(b.stride ?? 1) || !pos(b.kernel ?? c.kernel)) throw bad(`bad block ${i} ${JSON.stringify(b)}`);
  });
  if (!(c.dropout >= 0 && c.dropout < 1)) throw bad(`dropout ${c.dropout} outside [0, 1)`);
  if (c.activation !== 'relu' && c.activation !== 'relu6') throw bad(`activation "${c.activation as string}"`);
}

export class SeparableCnn extends Module {
  readonly config: SeparableCnnConfig;
  readonly stem: Sequential;
  readonly blocks: Sequential;
  readonly pool: GlobalAvgPool1d;
  readonly dropout: Dropout | null;
  readonly classifier: Linear;

  constructor(config: SeparableCnnConfig) {
    super();
    checkSeparableCnnConfig(config);
    this.config = structuredClone(config);
    const c = this.config;
    const rng = new Rng(c.seed);
    const bn = { momentum: c.bnMomentum, eps: c.bnEps };
    this.stem = this.registerModule('stem', new Sequential([
      ['conv', new Conv1d(c.inputChannels, c.stem.channels, c.stem.kernel, rng, { stride: c.stem.stride, padding: 'same' })],
      ['bn', new BatchNorm1d(c.stem.channels, bn)],
      ['act', act(c.activation)],
    ]));
    this.blocks = this.registerModule('blocks', new Sequential());
    let ch = c.stem.channels;
    for (const b of c.blocks) {
      this.blocks.append(new SeparableBlock(ch, b, c, rng));
      ch = b.channels;
    }
    this.pool = this.registerModule('pool', new GlobalAvgPool1d());
    this.dropout = c.dropout > 0 ? this.registerModule('dropout', new Dropout(c.dropout, rng.fork())) : null;
    this.classifier = this.registerModule('classifier', new Linear(ch, c.numClasses, rng));
  }

  /** x [N, L, C] -> logits [N, numClasses]. */
  forward(x: Tensor): Tensor {
    let h = this.blocks.forward(this.stem.forward(x));
    h = this.pool.forward(h);
    if (this.dropout) h = this.dropout.forward(h);
    return this.classifier.forward(h);
  }

  trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue {
    let v = this.stem.trace(input, childName(name, 'stem'), out);
    v = this.blocks.trace(v, childName(name, 'blocks'), out);
    v = this.pool.trace(v, childName(name, 'pool'), out);
    if (this.dropout) v = this.dropout.trace(v, childName(name, 'dropout'), out);
    return this.classifier.trace(v, childName(name, 'classifier'), out);
  }

  /** Layer descriptors for this model's input shape. */
  layers(): LayerDescriptor[] {
    return this.describe([this.config.inputLength, this.config.inputChannels]);
  }

  /** The spec this model is rebuilt from (buildModel): checkpoints and workers record it. */
  spec(): ModelSpec {
    return { family: 'separable_cnn', config: structuredClone(this.config) };
  }

  /** The PW layers in order: [['blocks.0.pw', layer], ...]. */
  pointwiseLayers(): Array<[string, PointwiseConv1d]> {
    return this.namedModules().filter((e): e is [string, PointwiseConv1d] => e[1] instanceof PointwiseConv1d);
  }

  /** Multiply-accumulates of one forward pass of one example (convs, PW, classifier). */
  macs(): number {
    let m = 0;
    for (const d of this.layers()) {
      const outPositions = d.outShape.length === 2 ? d.outShape[0] : 1;
      const w = d.paramShapes.weight;
      if (w && (d.kind === 'conv1d' || d.kind === 'dwconv1d' || d.kind === 'pwconv1d' || d.kind === 'fully_connected')) m += outPositions * w.reduce((a, b) => a * b, 1);
    }
    return m;
  }
}

/** A serializable description from which the same model can be rebuilt (checkpoints, workers). */
export interface ModelSpec {
  family: 'separable_cnn';
  config: SeparableCnnConfig;
}

export function buildModel(spec: ModelSpec): SeparableCnn {
  if (spec.family !== 'separable_cnn') throw new ArgumentError('buildModel', `unknown model family "${spec.family as string}"`);
  return new SeparableCnn(spec.config);
}
