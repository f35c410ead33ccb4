/**
 * The object every dataset pipeline hands to training and evaluation
 * (see docs/ARCHITECTURE.md): examples as one Float32Array in [N, L, C] channels-last
 * layout, labels, the split each example belongs to, and provenance.
 */

export type SplitName = 'train' | 'val' | 'test';

export interface Dataset {
  /** e.g. 'mitbih-aami', 'mitbih-binary', 'apnea-ecg', 'ptbxl-superdiag', 'kws12' */
  name: string;
  /** examples, [N, L, C] row-major (index = (n * L + l) * C + c) */
  x: Float32Array;
  /** [N, L, C] */
  shape: [number, number, number];
  /** single-label tasks: class index per example, length N */
  y: Int32Array;
  /** multi-label tasks (PTB-XL): [N, K] 0/1 targets; undefined for single-label tasks */
  yMulti?: Uint8Array;
  /** class names, index = label */
  classes: string[];
  /** split per example, length N: 0 train, 1 val, 2 test */
  split: Uint8Array;
  /** group per example (patient / record / speaker), so splits can be checked to be disjoint */
  group: Int32Array;
  /** names of groups, index = group id */
  groupNames: string[];
  /** optional per-example side features [N, F] (e.g. RR intervals), names in meta.featureNames */
  features?: Float32Array;
  /** provenance: source directory, sampling rate, window, preprocessing parameters */
  meta: Record<string, unknown>;
}

export const SPLIT_CODE: Record<SplitName, number> = { train: 0, val: 1, test: 2 };

/** Indices of the examples in one split. */
export function splitIndices(ds: Dataset, split: SplitName): Int32Array {
  const code = SPLIT_CODE[split];
  let n = 0;
  for (let i = 0; i < ds.split.length; i++) if (ds.split[i] === code) n++;
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < ds.split.length; i++) if (ds.split[i] === code) out[k++] = i;
  return out;
}
