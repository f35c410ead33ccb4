/**
 * Static checks of an IntModel: everything the simulator and the generated C assume without
 * checking again. A model that passes cannot overflow an int32 accumulator, cannot hand a kernel
 * an out-of-range shift or multiplier, and has consistent shapes and ids.
 */

import { ArgumentError } from '../util/errors.ts';
import { INT_MODEL_VERSION, type ActivationTensor, type Conv1dOp, type DwConv1dOp, type GlobalAvgPoolOp, type IntModel, type IntOp, type Pool1dOp } from './int_model.ts';
import { dispatch, isOpKind, isWeightedKind, opInputs, type OpTable, type WeightedOp } from './op_kinds.ts';
import { outputLength } from './kernels/types.ts';

const TWO_POW_31 = 2147483648;

/** Number of elements of a tensor shape. */
export function shapeSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** [L, C] or [C] -> { l, c } (a vector is one position). */
export function seqShape(shape: number[]): { l: number; c: number } {
  return shape.length === 1 ? { l: 1, c: shape[0] } : { l: shape[0], c: shape[1] };
}

/** Products summed into one accumulator of a weighted op (Cin * K, or K for depthwise). */
export function tapsPerOutput(op: IntOp): number {
  switch (op.kind) {
    case 'conv1d': return op.inChannels * op.kernelSize;
    case 'dwconv1d': return op.kernelSize;
    case 'pwconv1d':
    case 'fully_connected': return op.inChannels;
    default: return 0;
  }
}

/**
 * Worst-case |acc| of output channel c before requantization: taps * 127 * 255 + |bias[c]|
 * (|w| <= 127, |x - zp| <= 255). validate requires it < 2^31.
 */
export function accumulatorBound(op: IntOp, c: number): number {
  if (!('bias' in op)) return 0;
  return tapsPerOutput(op) * 127 * 255 + Math.abs(op.bias[c]);
}

function isInt(x: unknown, lo: number, hi: number): boolean {
  return typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
}

/** What the per-kind checks of one op see; `bad` records a problem of this op. */
interface OpCheck {
  model: IntModel;
  bad: (what: string) => void;
  tin: ActivationTensor;
  tout: ActivationTensor;
  si: { l: number; c: number };
  so: { l: number; c: number };
  /** arrays filled at load time: their lengths are not checked */
  filledAtLoad: boolean;
}

/** Channels, array lengths and the requantization / accumulator bounds; false stops this op's checks. */
function weightedChecks(op: WeightedOp, c: OpCheck): boolean {
  const { bad } = c;
  const cout = op.outChannels;
  const cin = op.inChannels;
  if (!isInt(cin, 1, 1 << 24) || !isInt(cout, 1, 1 << 24)) { bad(`channels ${cin} -> ${cout} invalid`); return false; }
  const skipArrays = c.filledAtLoad;
  const wantW = op.kind === 'conv1d' ? cout * op.kernelSize * cin : op.kind === 'dwconv1d' ? op.kernelSize * cin : cout * cin;
  if (!skipArrays && op.weights.length !== wantW) bad(`weights have ${op.weights.length} values, expected ${wantW}`);
  for (let i = 0; i < op.weights.length; i++) if (op.weights[i] === -128) { bad(`weight ${i} is -128 (symmetric weights are in [-127, 127])`); break; }
  for (const [field, arr] of skipArrays ? [] : [['bias', op.bias], ['multiplier', op.requant.multiplier], ['shift', op.requant.shift], ['weightScales', op.weightScales]] as const) {
    if (arr.length !== cout) bad(`${field} has ${arr.length} entries, expected ${cout}`);
  }
  if (op.bias.length === cout && op.requant.multiplier.length === cout && op.requant.shift.length === cout) {
    for (let ch = 0; ch < cout; ch++) {
      const m = op.requant.multiplier[ch];
      const s = op.requant.shift[ch];
      if (!(m === 0 || m >= 1 << 30)) bad(`channel ${ch}: multiplier ${m} not 0 and not in [2^30, 2^31 - 1]`);
      if (!isInt(s, -31, 30)) bad(`channel ${ch}: shift ${s} not in [-31, 30]`);
      const bound = accumulatorBound(op, ch);
      if (bound >= TWO_POW_31) bad(`channel ${ch}: accumulator bound ${tapsPerOutput(op)} * 127 * 255 + |bias| = ${bound} reaches 2^31`);
      else if (s > 0 && bound * 2 ** s >= TWO_POW_31) bad(`channel ${ch}: accumulator bound ${bound} * 2^${s} (left shift) reaches 2^31`);
    }
  }
  return true;
}

function convChecks(op: Conv1dOp | DwConv1dOp, c: OpCheck): void {
  const { bad, tin, tout, si, so } = c;
  if (!weightedChecks(op, c)) return;
  if (!isInt(op.kernelSize, 1, 1 << 16) || !isInt(op.stride, 1, 1 << 16) || !isInt(op.dilation, 1, 1 << 16) || !isInt(op.padBefore, 0, 1 << 16) || !isInt(op.padAfter, 0, 1 << 16)) { bad('kernel size / stride / dilation / padding invalid'); return; }
  if (tin.shape.length !== 2 || tout.shape.length !== 2) { bad('input and output must be [L, C]'); return; }
  const ol = outputLength(si.l, op.kernelSize, op.stride, op.dilation, op.padBefore, op.padAfter);
  if (si.c !== op.inChannels) bad(`input has ${si.c} channels, op takes ${op.inChannels}`);
  if (op.kind === 'dwconv1d' && op.inChannels !== op.outChannels) bad(`depthwise op must keep channels (${op.inChannels} -> ${op.outChannels})`);
  if (so.l !== ol || so.c !== op.outChannels) bad(`output shape [${tout.shape}], expected [${ol}, ${op.outChannels}]`);
}

function poolingChecks(op: Pool1dOp | GlobalAvgPoolOp, c: OpCheck): boolean {
  const { bad, tin, tout } = c;
  if (tin.scale !== tout.scale || tin.zeroPoint !== tout.zeroPoint) bad('pooling input and output must share scale and zero point');
  if (tin.shape.length !== 2) { bad('input must be [L, C]'); return false; }
  return true;
}

function poolChecks(op: Pool1dOp, c: OpCheck): void {
  const { bad, tout, si, so } = c;
  if (!poolingChecks(op, c)) return;
  if (!isInt(op.poolSize, 1, 1 << 16) || !isInt(op.stride, 1, 1 << 16) || !isInt(op.padBefore, 0, 1 << 16) || !isInt(op.padAfter, 0, 1 << 16)) { bad('pool size / stride / padding invalid'); return; }
  const ol = outputLength(si.l, op.poolSize, op.stride, 1, op.padBefore, op.padAfter);
  if (ol < 1) { bad('output length < 1'); return; }
  if (tout.shape.length !== 2 || so.l !== ol || so.c !== si.c) bad(`output shape [${tout.shape}], expected [${ol}, ${si.c}]`);
  const lastStart = (ol - 1) * op.stride - op.padBefore;
  if (op.padBefore >= op.poolSize || lastStart >= si.l) bad('a pooling window covers only padding');
}

/** The checks of each op kind beyond ids, names and the activation range. */
const OP_CHECKS = {
  conv1d: convChecks,
  dwconv1d: convChecks,
  pwconv1d: (op, c) => {
    const { bad, tin, tout, si, so } = c;
    if (!weightedChecks(op, c)) return;
    if (tin.shape.length !== 2 || tout.shape.length !== 2) { bad('input and output must be [L, C]'); return; }
    if (si.c !== op.inChannels) bad(`input has ${si.c} channels, op takes ${op.inChannels}`);
    if (so.l !== si.l || so.c !== op.outChannels) bad(`output shape [${tout.shape}], expected [${si.l}, ${op.outChannels}]`);
    if (op.source !== 'stored' && op.source !== 'generated') bad(`source ${JSON.stringify(op.source)} is not 'stored' or 'generated'`);
    else if (op.source === 'generated' && !isInt(op.generatedIndex, 0, 1 << 20)) bad(`generated op without a valid generatedIndex`);
  },
  fully_connected: (op, c) => {
    const { bad, tin, tout } = c;
    if (!weightedChecks(op, c)) return;
    if (shapeSize(tin.shape) !== op.inChannels) bad(`input has ${shapeSize(tin.shape)} values, op takes ${op.inChannels}`);
    if (tout.shape.length !== 1 || tout.shape[0] !== op.outChannels) bad(`output shape [${tout.shape}], expected [${op.outChannels}]`);
  },
  avgpool1d: poolChecks,
  maxpool1d: poolChecks,
  global_avgpool: (op, c) => {
    const { bad, tout, si, so } = c;
    if (!poolingChecks(op, c)) return;
    if (shapeSize(tout.shape) !== si.c || so.c !== si.c) bad(`output shape [${tout.shape}], expected [${si.c}]`);
  },
  add: (op, c) => {
    const { bad, tin, tout } = c;
    const t2 = c.model.tensors[op.input2];
    if (tin.shape.join() !== t2.shape.join() || tin.shape.join() !== tout.shape.join()) bad(`shapes differ: [${tin.shape}] + [${t2.shape}] -> [${tout.shape}]`);
    if (!isInt(op.leftShift, 0, 22)) bad(`leftShift ${op.leftShift} not in [0, 22]`);
    for (const [mName, sName] of [['input1Multiplier', 'input1Shift'], ['input2Multiplier', 'input2Shift'], ['outputMultiplier', 'outputShift']] as const) {
      const m = op[mName];
      const s = op[sName];
      if (!(m === 0 || isInt(m, 1 << 30, 0x7fffffff))) bad(`${mName} ${m} not 0 and not in [2^30, 2^31 - 1]`);
      if (!isInt(s, -31, 0)) bad(`${sName} ${s} not in [-31, 0] (TFLite's multipliers smaller than one)`);
    }
  },
} satisfies OpTable<[OpCheck], void>;

/**
 * Every problem found, as readable sentences (empty when the model is valid). `filledAtLoad`: names
 * of weighted ops whose arrays (weights, bias, requant, weightScales) are filled in at load time
 * (weights synthesized on the device), so may be empty here.
 */
export function intModelProblems(model: IntModel, opts: { filledAtLoad?: ReadonlySet<string> } = {}): string[] {
  const problems: string[] = [];
  const bad = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (model.version !== INT_MODEL_VERSION) bad('model', `version ${model.version}, expected ${INT_MODEL_VERSION}`);
  if (model.rounding !== 'double' && model.rounding !== 'single') bad('model', `rounding "${model.rounding}" is not 'double' or 'single'`);
  if (typeof model.name !== 'string') bad('model', `name ${JSON.stringify(model.name)} is not a string`);
  const nT = model.tensors.length;
  model.tensors.forEach((t, i) => {
    const w = `tensor ${i} "${t.name}"`;
    if (t.id !== i) bad(w, `id ${t.id} differs from its index`);
    if (!(t.shape.length === 1 || t.shape.length === 2) || !t.shape.every((d) => Number.isInteger(d) && d > 0)) bad(w, `shape [${t.shape}] is not [L, C] or [C] of positive integers`);
    if (!(Number.isFinite(t.scale) && t.scale > 0) || Math.fround(t.scale) !== t.scale) bad(w, `scale ${t.scale} is not a positive float32`);
    if (!isInt(t.zeroPoint, -128, 127)) bad(w, `zero point ${t.zeroPoint} not an integer in [-128, 127]`);
  });
  const validId = (id: number) => Number.isInteger(id) && id >= 0 && id < nT;
  if (!validId(model.inputId)) bad('model', `inputId ${model.inputId} is not a tensor id`);
  if (!validId(model.outputId)) bad('model', `outputId ${model.outputId} is not a tensor id`);
  if (problems.length) return problems;

  const defined = new Set<number>([model.inputId]);
  const names = new Set<string>();
  for (let k = 0; k < model.ops.length; k++) {
    const op = model.ops[k];
    const w = `op ${k} "${op.name}" (${op.kind})`;
    if (typeof op.name !== 'string' || op.name === '') bad(w, 'name is not a non-empty string');
    if (names.has(op.name)) bad(w, 'duplicate op name');
    names.add(op.name);
    let idsOk = true;
    for (const id of opInputs(op)) {
      if (!validId(id)) { bad(w, `input id ${id} is not a tensor id`); idsOk = false; } else if (!defined.has(id)) bad(w, `input tensor ${id} is not produced by an earlier op`);
    }
    if (!validId(op.output)) { bad(w, `output id ${op.output} is not a tensor id`); idsOk = false; } else if (defined.has(op.output)) bad(w, `output tensor ${op.output} is already defined (tensors are assigned once)`);
    if (!idsOk) continue;
    defined.add(op.output);
    if (!isInt(op.actMin, -128, 127) || !isInt(op.actMax, -128, 127) || op.actMin > op.actMax) bad(w, `act range [${op.actMin}, ${op.actMax}] invalid`);
    // an op is checked by its kind; a kind this table does not know, or a weighted kind without
    // weights (or the reverse), is not an op
    if (!isOpKind(op.kind) || isWeightedKind(op.kind) !== ('weights' in op)) { bad(w, `unknown op kind "${(op as { kind: string }).kind}"`); continue; }
    const tin = model.tensors[op.input];
    const tout = model.tensors[op.output];
    dispatch(OP_CHECKS, op, { model, bad: (what) => bad(w, what), tin, tout, si: seqShape(tin.shape), so: seqShape(tout.shape), filledAtLoad: opts.filledAtLoad?.has(op.name) === true });
  }
  if (!defined.has(model.outputId) || model.outputId === model.inputId) bad('model', `output tensor ${model.outputId} is never produced by an op`);
  // every op's result is used: an op whose output nobody reads (e.g. after outputId was moved onto
  // an intermediate tensor) is dead weight in flash and a sign of an edited file
  const used = new Set<number>([model.outputId]);
  for (const op of model.ops) for (const id of op.kind === 'add' ? [op.input, op.input2] : [op.input]) used.add(id);
  model.ops.forEach((op, k) => {
    if (validId(op.output) && !used.has(op.output)) bad(`op ${k} "${op.name}" (${op.kind})`, `its output tensor ${op.output} is neither read by an op nor the model's output`);
  });
  return problems;
}

/** Throw an ArgumentError listing every problem of the model. */
export function validateIntModel(model: IntModel): void {
  const problems = intModelProblems(model);
  if (problems.length) throw new ArgumentError(`IntModel "${model.name}"`, `${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
}
