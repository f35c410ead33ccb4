/**
 * Op kinds: the closed set of IntModel ops and what each one is. Every per-op switch of the
 * project is a table typed `satisfies OpTable<…>` (or `Record<OpKind, …>`), so a kind added to
 * `IntOp` (int_model.ts) makes the compiler name each table that must learn it: validation
 * (validate.ts), the simulator (simulator.ts), the file readers (int_model_io.ts,
 * hyper/deployable_io.ts), the byte accounting (hyper/bytes.ts), the random models of the tests
 * (testing/random_model.ts) and the C generator. CONTRIBUTING.md lists the whole path.
 */

import type { IntOp } from './int_model.ts';

export type OpKind = IntOp['kind'];
type ByKind<O, K> = O extends { kind: infer Kd } ? (K extends Kd ? O : never) : never;
/** The op type of one kind, e.g. OpOfKind<'add'> = AddOp, OpOfKind<'maxpool1d'> = Pool1dOp. */
export type OpOfKind<K extends OpKind> = ByKind<IntOp, K>;
/** Ops with weights, an int32 bias and per-output-channel requantization. */
export type WeightedOp = Extract<IntOp, { weights: Int8Array }>;
export type WeightedKind = WeightedOp['kind'];

/** One handler per op kind, each typed for its own op. */
export type OpTable<A extends unknown[], R> = { [K in OpKind]: (op: OpOfKind<K>, ...args: A) => R };

/** Call the handler of `op`'s kind. */
export function dispatch<A extends unknown[], R>(table: OpTable<A, R>, op: IntOp, ...args: A): R {
  return (table[op.kind] as (op: IntOp, ...args: A) => R)(op, ...args);
}

/** Whether ops of each kind carry weights, bias and per-channel requantization. */
const WEIGHTED = {
  conv1d: true, dwconv1d: true, pwconv1d: true, fully_connected: true,
  avgpool1d: false, maxpool1d: false, global_avgpool: false, add: false,
} as const satisfies Record<OpKind, boolean>;

/** Every op kind, in the order of int_model.ts. */
export const OP_KINDS = Object.keys(WEIGHTED) as OpKind[];

export function isOpKind(kind: unknown): kind is OpKind {
  return typeof kind === 'string' && Object.hasOwn(WEIGHTED, kind);
}

export function isWeightedKind(kind: unknown): kind is WeightedKind {
  return isOpKind(kind) && WEIGHTED[kind];
}

export function isWeighted(op: IntOp): op is WeightedOp {
  return isWeightedKind(op.kind);
}

/** Number of weights of a weighted op: conv1d Cout*K*Cin, dwconv1d K*C, pw / fc Cout*Cin. */
const WEIGHT_COUNT = {
  conv1d: (op) => op.outChannels * op.kernelSize * op.inChannels,
  dwconv1d: (op) => op.kernelSize * op.outChannels,
  pwconv1d: (op) => op.outChannels * op.inChannels,
  fully_connected: (op) => op.outChannels * op.inChannels,
} satisfies { [K in WeightedKind]: (op: OpOfKind<K>) => number };

export function weightCount(op: WeightedOp): number {
  return (WEIGHT_COUNT[op.kind] as (op: WeightedOp) => number)(op);
}

/** The activation tensors an op reads: `input`, and `input2` for add. */
export function opInputs(op: IntOp): number[] {
  return op.kind === 'add' ? [op.input, op.input2] : [op.input];
}
