/**
 * Static activation-arena plan and a simple per-op flash table.
 *
 * planArena mirrors TFLite Micro's GreedyMemoryPlanner: every activation tensor is a buffer with
 * a lifetime [first op that writes it, last op that reads it] (the model input lives from op 0,
 * the model output until the last op); buffers are placed in order of decreasing size (ties by
 * id), each at the lowest offset where it overlaps no already-placed buffer whose lifetime
 * intersects its own. A buffer never shares memory with a buffer of the same op, so kernels never
 * run in place. Offsets are aligned to ARENA_ALIGNMENT bytes (TFLite Micro's kBufferAlignment).
 * The plan is deterministic; the simulator runs inside it and the C generator uses the same offsets.
 */

import type { IntModel } from './int_model.ts';
import { ADD_REQUANT_BYTES, BIAS_BYTES, REQUANT_BYTES_PER_CHANNEL } from './storage.ts';
import { shapeSize } from './validate.ts';

export const ARENA_ALIGNMENT = 16;

export interface ArenaPlan {
  /** byte offset per tensor id (0 for a tensor no op touches) */
  offsets: number[];
  /** bytes per tensor id (int8: one byte per element; 0 for a tensor no op touches) */
  sizes: number[];
  /** arena bytes: max(offset + size) over planned tensors, rounded up to ARENA_ALIGNMENT */
  peakBytes: number;
}

const alignUp = (x: number, a: number) => Math.ceil(x / a) * a;

/** Lifetime [first, last] (op indices) per tensor id; null for tensors no op touches. */
export function tensorLifetimes(model: IntModel): ([number, number] | null)[] {
  const life: ([number, number] | null)[] = model.tensors.map(() => null);
  const touch = (id: number, k: number) => {
    const cur = life[id];
    life[id] = cur ? [Math.min(cur[0], k), Math.max(cur[1], k)] : [k, k];
  };
  touch(model.inputId, 0);
  model.ops.forEach((op, k) => {
    touch(op.input, k);
    if (op.kind === 'add') touch(op.input2, k);
    touch(op.output, k);
  });
  touch(model.outputId, Math.max(0, model.ops.length - 1));
  return life;
}

export function planArena(model: IntModel, alignment = ARENA_ALIGNMENT): ArenaPlan {
  const life = tensorLifetimes(model);
  const n = model.tensors.length;
  const sizes = model.tensors.map((t, i) => (life[i] ? shapeSize(t.shape) : 0));
  const offsets = new Array<number>(n).fill(0);
  const order = [...Array(n).keys()].filter((i) => life[i] !== null).sort((a, b) => sizes[b] - sizes[a] || a - b);
  const placed: number[] = [];
  let peak = 0;
  for (const id of order) {
    const [f, l] = life[id]!;
    const need = alignUp(sizes[id], alignment);
    // buffers alive at the same time, by offset
    const live = placed
      .filter((j) => life[j]![0] <= l && f <= life[j]![1])
      .sort((a, b) => offsets[a] - offsets[b] || a - b);
    let candidate = 0;
    for (const j of live) {
      const end = offsets[j] + alignUp(sizes[j], alignment);
      if (offsets[j] >= candidate + need) break; // the gap before j fits
      candidate = Math.max(candidate, end);
    }
    offsets[id] = candidate;
    placed.push(id);
    peak = Math.max(peak, candidate + sizes[id]);
  }
  return { offsets, sizes, peakBytes: alignUp(peak, alignment) };
}

/** Flash bytes of one op, by kind of stored data. */
export interface OpFlashBytes {
  op: string;
  kind: string;
  /** int8 weights, one byte each */
  weightBytes: number;
  /** int32 per output channel */
  biasBytes: number;
  /** int32 multiplier + int8 shift per output channel; an add stores 3 int32 multipliers and
   * 4 int8 shifts (see storage.ts) */
  requantBytes: number;
  total: number;
}

/**
 * A simple per-op table of the bytes an IntModel stores (weights, biases, requantization).
 * Generated PW ops are counted as if stored; the packed HyperTinyPW accounting is src/hyper's.
 */
export function flashBytesPerOp(model: IntModel): OpFlashBytes[] {
  return model.ops.map((op) => {
    let weightBytes = 0;
    let biasBytes = 0;
    let requantBytes = 0;
    if ('weights' in op) {
      weightBytes = op.weights.length;
      biasBytes = BIAS_BYTES * op.bias.length;
      requantBytes = REQUANT_BYTES_PER_CHANNEL * op.requant.multiplier.length;
    } else if (op.kind === 'add') {
      requantBytes = ADD_REQUANT_BYTES;
    }
    return { op: op.name, kind: op.kind, weightBytes, biasBytes, requantBytes, total: weightBytes + biasBytes + requantBytes };
  });
}

/** Alias of flashBytesPerOp (weights live on ops, not on activation tensors). */
export const flashBytesPerTensor = flashBytesPerOp;
