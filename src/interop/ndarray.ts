/**
 * scijs ndarray in and out of the public API: datasets from / to ndarrays, and float prediction
 * and integer simulation on ndarray input. Conversions are views (no copy) whenever the ndarray
 * is row-major contiguous with the element type the engine uses (Float32Array examples, Int32Array
 * labels, Int8Array integer inputs); any other layout or type (a transposed or sliced view, a
 * Float64Array, a plain array) is copied once into a contiguous array by ndarray-ops' assign.
 */
import ndarray from 'ndarray';
import ops from 'ndarray-ops';
import type { Dataset } from '../data/dataset.ts';
import type { Module } from '../nn/module.ts';
import { predictLogits } from '../nn/batch.ts';
import type { IntModel } from '../quant/int_model.ts';
import { dequantizeOutput, quantizeInput, simulateBatch } from '../quant/simulator.ts';
import { ArgumentError } from '../util/errors.ts';

type TypedArray = Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array;
type TypedArrayCtor<T extends TypedArray> = { new (n: number): T; BYTES_PER_ELEMENT: number };

/** Whether `a` is row-major contiguous (dimensions of size 1 may have any stride). */
function isRowMajor(a: ndarray.NdArray): boolean {
  let expected = 1;
  for (let d = a.shape.length - 1; d >= 0; d--) {
    if (a.shape[d] !== 1 && a.stride[d] !== expected) return false;
    expected *= a.shape[d];
  }
  return true;
}

/** The elements of `a` in row-major order as a T: a subarray view when the layout and type allow, else a copy. */
function rowMajor<T extends TypedArray>(a: ndarray.NdArray, Ctor: TypedArrayCtor<T>): T {
  if (a.data instanceof Ctor && isRowMajor(a)) return (a.data as T).subarray(a.offset, a.offset + a.size) as T;
  const out = new Ctor(a.size);
  ops.assign(ndarray(out, a.shape.slice()), a);
  return out;
}

/** Examples [N, L, C] of an ndarray of rank 3, or one example [L, C] of rank 2 (N = 1). */
function examples(x: ndarray.NdArray, what: string): [number, number, number] {
  if (x.shape.length === 3) return [x.shape[0], x.shape[1], x.shape[2]];
  if (x.shape.length === 2) return [1, x.shape[0], x.shape[1]];
  throw new ArgumentError(what, `x must be [N, L, C] or [L, C], got shape [${x.shape.join(', ')}]`);
}

export interface NdarrayDatasetOptions {
  /** class names, index = label */
  classes: string[];
  /** 0 train, 1 val, 2 test per example (default: every example is test) */
  split?: ndarray.NdArray;
  /** dataset name (default 'ndarray') */
  name?: string;
}

/**
 * A Dataset over ndarrays: x [N, L, C] (channels last) and y [N] class indices. x and y are
 * shared, not copied, when they are contiguous Float32Array / Int32Array ndarrays.
 */
export function datasetFromNdarrays(x: ndarray.NdArray, y: ndarray.NdArray, opts: NdarrayDatasetOptions): Dataset {
  const shape = examples(x, 'datasetFromNdarrays');
  if (y.shape.length !== 1 || y.shape[0] !== shape[0]) throw new ArgumentError('datasetFromNdarrays', `y must be [${shape[0]}] (one label per example), got shape [${y.shape.join(', ')}]`);
  const labels = rowMajor(y, Int32Array);
  for (const v of labels) {
    if (!(Number.isInteger(v) && v >= 0 && v < opts.classes.length)) throw new ArgumentError('datasetFromNdarrays', `label ${v} is not a class index of ${opts.classes.length} classes`);
  }
  const split = opts.split ? rowMajor(opts.split, Uint8Array) : new Uint8Array(shape[0]).fill(2);
  if (split.length !== shape[0]) throw new ArgumentError('datasetFromNdarrays', `split must have ${shape[0]} entries, got ${split.length}`);
  return {
    name: opts.name ?? 'ndarray', x: rowMajor(x, Float32Array), shape, y: labels, classes: [...opts.classes], split,
    group: Int32Array.from({ length: shape[0] }, (_, i) => i), groupNames: Array.from({ length: shape[0] }, (_, i) => `example ${i}`),
    meta: { source: 'ndarray' },
  };
}

export interface DatasetNdarrays {
  /** [N, L, C] */
  x: ndarray.NdArray<Float32Array>;
  /** [N] class indices */
  y: ndarray.NdArray<Int32Array>;
  /** [N, K] 0/1 targets of a multi-label dataset */
  yMulti?: ndarray.NdArray<Uint8Array>;
  /** [N]: 0 train, 1 val, 2 test */
  split: ndarray.NdArray<Uint8Array>;
}

/** ndarray views of a dataset's arrays (no copy). */
export function datasetToNdarrays(ds: Dataset): DatasetNdarrays {
  const [n] = ds.shape;
  return {
    x: ndarray(ds.x, [...ds.shape]),
    y: ndarray(ds.y, [n]),
    ...(ds.yMulti ? { yMulti: ndarray(ds.yMulti, [n, ds.yMulti.length / n]) } : {}),
    split: ndarray(ds.split, [n]),
  };
}

/** Float logits [N, K] of a float model (SeparableCnn, HyperModel, ...) on x [N, L, C] or [L, C]. */
export function predictNdarray(model: Module, x: ndarray.NdArray, batchSize = 512): ndarray.NdArray<Float32Array> {
  const shape = examples(x, 'predictNdarray');
  const all = Int32Array.from({ length: shape[0] }, (_, i) => i);
  const { logits, numClasses } = predictLogits(model, rowMajor(x, Float32Array), shape, all, batchSize);
  return ndarray(logits, [shape[0], numClasses]);
}

/**
 * The integer model in the bit-exact simulator on x [N, L, C] or [L, C]: an Int8Array ndarray is
 * the quantized input as it is; any other element type is quantized with the input tensor's
 * scale and zero point. Returns the INT8 outputs [N, K] and their dequantized logits.
 */
export function simulateNdarray(model: IntModel, x: ndarray.NdArray): { output: ndarray.NdArray<Int8Array>; logits: ndarray.NdArray<Float32Array> } {
  const [n, L, C] = examples(x, 'simulateNdarray');
  const want = model.tensors[model.inputId].shape;
  if (want.reduce((a, b) => a * b, 1) !== L * C) throw new ArgumentError('simulateNdarray', `the model takes [${want.join(', ')}] per example, x gives [${L}, ${C}]`);
  const input = x.data instanceof Int8Array ? rowMajor(x, Int8Array) : quantizeInput(model, rowMajor(x, Float32Array));
  const q = simulateBatch(model, input, n);
  const k = q.length / n;
  return { output: ndarray(q, [n, k]), logits: ndarray(dequantizeOutput(model, q), [n, k]) };
}
