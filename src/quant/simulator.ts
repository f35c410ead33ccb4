/**
 * The MCU reference simulator: executes an IntModel with integer arithmetic only, op by op, in
 * one int8 arena laid out exactly by planArena (the layout the generated C uses), so a wrong plan
 * would corrupt results here first. Floats appear only in quantizeInput / dequantizeOutput.
 */

import { ArgumentError } from '../util/errors.ts';
import { planArena, type ArenaPlan } from './arena.ts';
import type { IntModel, IntOp, Pool1dOp, RoundingMode } from './int_model.ts';
import { dispatch, type OpTable, type WeightedOp } from './op_kinds.ts';
import { globalAvgpoolS8 } from './kernels/global_avgpool_s8.ts';
import { s8Kernels } from './kernels/kernel_table.ts';
import type { ConvParams, Dims } from './kernels/types.ts';
import { dequantizeValue, quantizeValue } from './quantize.ts';
import { seqShape, shapeSize, validateIntModel } from './validate.ts';

export interface SimulationResult {
  output: Int8Array;
  /** indexed by tensor id, when opts.dump (a copy of each tensor right after it was written) */
  activations?: Int8Array[];
}

/** Models already validated and planned (a model must not be mutated after its first run). */
const prepared = new WeakMap<IntModel, ArenaPlan>();

function prepare(model: IntModel): ArenaPlan {
  let plan = prepared.get(model);
  if (!plan) {
    validateIntModel(model);
    plan = planArena(model);
    prepared.set(model, plan);
  }
  return plan;
}

/**
 * The activation arena of a run: one grow-only buffer reused by every run (runs are synchronous
 * and every tensor is written before it is read, so stale bytes are never seen). A fresh
 * allocation per run cost more than the kernels: the OS maps and zeroes its pages on first
 * touch (~2-3 ms per MB on this machine).
 */
let scratch = new Int8Array(0);

function scratchArena(bytes: number): Int8Array {
  if (scratch.length < bytes) scratch = new Int8Array(Math.max(bytes, 2 * scratch.length));
  return scratch.subarray(0, Math.max(1, bytes));
}

function dimsOf(model: IntModel, id: number, n: number): Dims {
  const { l, c } = seqShape(model.tensors[id].shape);
  return { n, l, c };
}

/** What one op's runner sees: the model, the batch size and the tensors' [n, ...] buffers. */
interface RunContext {
  model: IntModel;
  n: number;
  view: (id: number) => Int8Array;
}

/** A weighted op's conv parameters (stride / dilation / padding of 1 / 1 / 0 where the op has none) and requantization. */
function convArgs(op: WeightedOp, ctx: RunContext): { params: ConvParams; quant: { multiplier: Int32Array; shift: Int32Array; rounding: RoundingMode } } {
  const params: ConvParams = {
    stride: 'stride' in op ? op.stride : 1,
    dilation: 'dilation' in op ? op.dilation : 1,
    padBefore: 'padBefore' in op ? op.padBefore : 0,
    padAfter: 'padAfter' in op ? op.padAfter : 0,
    inputOffset: -ctx.model.tensors[op.input].zeroPoint,
    outputOffset: ctx.model.tensors[op.output].zeroPoint,
    actMin: op.actMin,
    actMax: op.actMax,
  };
  return { params, quant: { multiplier: op.requant.multiplier, shift: op.requant.shift, rounding: ctx.model.rounding } };
}

const poolParams = (op: Pool1dOp) => ({ poolSize: op.poolSize, stride: op.stride, padBefore: op.padBefore, padAfter: op.padAfter, actMin: op.actMin, actMax: op.actMax });

/** The kernel call of each op kind. Weighted ops, add and the 1-D pools use the kernel set in use (s8Kernels:
 * WebAssembly SIMD twins unless HTPW_KERNELS=js, byte-identical). */
const RUN_OP = {
  conv1d: (op, ctx) => {
    const { params, quant } = convArgs(op, ctx);
    s8Kernels().conv1d(params, quant, dimsOf(ctx.model, op.input, ctx.n), ctx.view(op.input), { out: op.outChannels, k: op.kernelSize, in: op.inChannels }, op.weights, op.bias, dimsOf(ctx.model, op.output, ctx.n), ctx.view(op.output));
  },
  dwconv1d: (op, ctx) => {
    const { params, quant } = convArgs(op, ctx);
    s8Kernels().dwconv1d(params, quant, dimsOf(ctx.model, op.input, ctx.n), ctx.view(op.input), { out: op.outChannels, k: op.kernelSize, in: op.inChannels }, op.weights, op.bias, dimsOf(ctx.model, op.output, ctx.n), ctx.view(op.output));
  },
  pwconv1d: (op, ctx) => {
    const { params, quant } = convArgs(op, ctx);
    s8Kernels().pwconv1d(params, quant, dimsOf(ctx.model, op.input, ctx.n), ctx.view(op.input), { out: op.outChannels, k: 1, in: op.inChannels }, op.weights, op.bias, dimsOf(ctx.model, op.output, ctx.n), ctx.view(op.output));
  },
  fully_connected: (op, ctx) => {
    const { params, quant } = convArgs(op, ctx);
    s8Kernels().fullyConnected(params, quant, dimsOf(ctx.model, op.input, ctx.n), ctx.view(op.input), { out: op.outChannels, k: 1, in: op.inChannels }, op.weights, op.bias, { n: ctx.n, l: 1, c: op.outChannels }, ctx.view(op.output));
  },
  avgpool1d: (op, ctx) => s8Kernels().avgpool1d(poolParams(op), dimsOf(ctx.model, op.input, ctx.n), ctx.view(op.input), dimsOf(ctx.model, op.output, ctx.n), ctx.view(op.output)),
  maxpool1d: (op, ctx) => s8Kernels().maxpool1d(poolParams(op), dimsOf(ctx.model, op.input, ctx.n), ctx.view(op.input), dimsOf(ctx.model, op.output, ctx.n), ctx.view(op.output)),
  global_avgpool: (op, ctx) => {
    const inDims = dimsOf(ctx.model, op.input, ctx.n);
    globalAvgpoolS8({ actMin: op.actMin, actMax: op.actMax }, inDims, ctx.view(op.input), { n: ctx.n, l: 1, c: inDims.c }, ctx.view(op.output));
  },
  add: (op, ctx) => {
    const { model, n } = ctx;
    s8Kernels().add({
      input1Offset: -model.tensors[op.input].zeroPoint, input2Offset: -model.tensors[op.input2].zeroPoint, outputOffset: model.tensors[op.output].zeroPoint, leftShift: op.leftShift,
      input1Multiplier: op.input1Multiplier, input1Shift: op.input1Shift, input2Multiplier: op.input2Multiplier, input2Shift: op.input2Shift,
      outputMultiplier: op.outputMultiplier, outputShift: op.outputShift, rounding: model.rounding, actMin: op.actMin, actMax: op.actMax,
    }, dimsOf(model, op.input, n), ctx.view(op.input), dimsOf(model, op.input2, n), ctx.view(op.input2), dimsOf(model, op.output, n), ctx.view(op.output));
  },
} satisfies OpTable<[RunContext], void>;

/** Run one op of `model` on batch size n; `view(id)` is tensor id's [n, ...] buffer. */
export function runOp(model: IntModel, op: IntOp, n: number, view: (id: number) => Int8Array): void {
  dispatch(RUN_OP, op, { model, n, view });
}

function run(model: IntModel, inputs: Int8Array, n: number, dump: boolean): { output: Int8Array; activations?: Int8Array[] } {
  const plan = prepare(model);
  const inSize = shapeSize(model.tensors[model.inputId].shape);
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError('simulate', `batch size ${n} must be a positive integer`);
  if (inputs.length !== n * inSize) throw new ArgumentError('simulate', `input has ${inputs.length} values, model "${model.name}" takes ${n} x ${inSize}`);
  // The arena of a batch is the single-sample plan scaled by n: offsets * n, sizes * n.
  const arena = scratchArena(plan.peakBytes * n);
  const views = model.tensors.map((_, id) => arena.subarray(plan.offsets[id] * n, (plan.offsets[id] + plan.sizes[id]) * n));
  const view = (id: number) => views[id];
  const activations: Int8Array[] | undefined = dump ? model.tensors.map(() => new Int8Array(0)) : undefined;
  views[model.inputId].set(inputs);
  if (activations) activations[model.inputId] = inputs.slice();
  for (const op of model.ops) {
    runOp(model, op, n, view);
    if (activations) activations[op.output] = views[op.output].slice();
  }
  return { output: views[model.outputId].slice(), activations };
}

/** Run one sample. `input` is the model input's int8 values ([L, C] channels last). */
export function simulate(model: IntModel, input: Int8Array, opts: { dump?: boolean } = {}): SimulationResult {
  const r = run(model, input, 1, opts.dump === true);
  return opts.dump ? { output: r.output, activations: r.activations } : { output: r.output };
}

/** Run n samples [n, ...input shape] -> [n, outputSize]; identical to n calls of simulate. */
export function simulateBatch(model: IntModel, inputs: Int8Array, n: number): Int8Array {
  return run(model, inputs, n, false).output;
}

/** Float input -> the model input's int8 values (TFLite QUANTIZE). Any length multiple of the input size. */
export function quantizeInput(model: IntModel, x: Float32Array): Int8Array {
  const t = model.tensors[model.inputId];
  const q = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) q[i] = quantizeValue(x[i], t.scale, t.zeroPoint);
  return q;
}

/** The output's int8 values -> float (TFLite DEQUANTIZE). */
export function dequantizeOutput(model: IntModel, q: Int8Array): Float32Array {
  const t = model.tensors[model.outputId];
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = dequantizeValue(q[i], t.scale, t.zeroPoint);
  return out;
}
