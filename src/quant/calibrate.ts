/**
 * Post-training calibration: run the folded float graph (bn_fold.ts, the graph convertToIntModel
 * quantizes) over calibration examples and record, per quantization point, the [min, max] its
 * int8 tensor must cover. See bn_fold.ts for the quantization points (TFLite's fused graph:
 * conv+BN+ReLU is one op quantized after the ReLU; pooling shares its input's range; the
 * classifier logits are a point of their own).
 *
 * Methods:
 *   'minmax'      min and max over all calibration values
 *   'ema'         per batch min / max, averaged with decay 0.9 (TF's moving-average observer;
 *                 the first batch initializes)
 *   'percentile'  the (100 - p)-th and p-th percentiles over all values (p default 99.99),
 *                 from a 2048-bin histogram over the min-max span (a second pass); for ReLU
 *                 outputs the lower end stays 0
 */

import { Tensor } from '../core/index.ts';
import { ArgumentError } from '../util/errors.ts';
import { foldBatchNorm, foldedForward, fusedGraph, type DescribedModel } from './bn_fold.ts';

/** Quantization point name -> [min, max] of its float tensor (see bn_fold.ts for the names). */
export type ActivationRanges = Map<string, [number, number]>;

export interface CalibrateOptions {
  method?: 'minmax' | 'ema' | 'percentile';
  /** for 'percentile' (default 99.99) */
  percentile?: number;
  /** examples per forward (default 256) */
  batchSize?: number;
  /** decay of the 'ema' method (default 0.9) */
  emaDecay?: number;
  /** float weights [Cout, Cin] (before BN folding) of pointwise layers, by layer name */
  weightOverrides?: Map<string, Float32Array>;
}

const HIST_BINS = 2048;

/** Calibrate activation ranges on x [N, L, C]. */
/** Calibration examples: [n, L, C] float inputs (PTQ ranges, synthesis and compression calibration). */
export interface Calibration {
  x: Float32Array;
  shape: [number, number, number];
}

export function calibrate(model: DescribedModel, x: Float32Array, shape: [number, number, number], opts: CalibrateOptions = {}): ActivationRanges {
  const method = opts.method ?? 'minmax';
  const batchSize = opts.batchSize ?? 256;
  const pct = opts.percentile ?? 99.99;
  const decay = opts.emaDecay ?? 0.9;
  const [N, L, C] = shape;
  if (method !== 'minmax' && method !== 'ema' && method !== 'percentile') throw new ArgumentError('calibrate', `method "${method as string}" (minmax, ema, percentile)`);
  if (!(N >= 1) || x.length !== N * L * C) throw new ArgumentError('calibrate', `x has ${x.length} values for shape [${shape.join(', ')}] (need N >= 1)`);
  if (!(pct > 50 && pct <= 100)) throw new ArgumentError('calibrate', `percentile ${pct} must be in (50, 100]`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new ArgumentError('calibrate', `batchSize ${batchSize} must be a positive integer`);
  const graph = fusedGraph(model.layers());
  const folded = foldBatchNorm(model, { weightOverrides: opts.weightOverrides });
  const own = graph.points.filter((p) => graph.rangeSource.get(p) === p);
  const ownSet = new Set(own);
  const row = L * C;

  const pass = (visit: (name: string, v: Float32Array) => void) => {
    for (let s = 0; s < N; s += batchSize) {
      const n = Math.min(batchSize, N - s);
      const xb = new Tensor(x.slice(s * row, (s + n) * row), [n, L, C]);
      foldedForward(graph, folded, xb, (name, t) => {
        if (ownSet.has(name)) visit(name, t.values());
        return t;
      });
    }
  };
  const lo = new Map<string, number>(own.map((p) => [p, Infinity]));
  const hi = new Map<string, number>(own.map((p) => [p, -Infinity]));
  pass((name, v) => {
    let mn = Infinity;
    let mx = -Infinity;
    for (let i = 0; i < v.length; i++) {
      if (v[i] < mn) mn = v[i];
      if (v[i] > mx) mx = v[i];
    }
    if (method === 'ema' && Number.isFinite(lo.get(name)!)) {
      lo.set(name, decay * lo.get(name)! + (1 - decay) * mn);
      hi.set(name, decay * hi.get(name)! + (1 - decay) * mx);
    } else {
      lo.set(name, Math.min(lo.get(name)!, mn));
      hi.set(name, Math.max(hi.get(name)!, mx));
    }
  });
  for (const p of own) if (!Number.isFinite(lo.get(p)!) || !Number.isFinite(hi.get(p)!)) throw new ArgumentError('calibrate', `quantization point "${p}" saw non-finite values`);

  if (method === 'percentile') {
    const hist = new Map<string, Float64Array>(own.map((p) => [p, new Float64Array(HIST_BINS)]));
    pass((name, v) => {
      const h = hist.get(name)!;
      const a = lo.get(name)!;
      const width = (hi.get(name)! - a) / HIST_BINS;
      if (width === 0) return;
      for (let i = 0; i < v.length; i++) h[Math.min(HIST_BINS - 1, Math.floor((v[i] - a) / width))]++;
    });
    for (const p of own) {
      const h = hist.get(p)!;
      const a = lo.get(p)!;
      const width = (hi.get(p)! - a) / HIST_BINS;
      if (width === 0) continue;
      let total = 0;
      for (const c of h) total += c;
      const tail = (total * (100 - pct)) / 100;
      // lower: the left edge of the first bin where the cumulative count exceeds the tail
      let acc = 0;
      let bl = 0;
      while (bl < HIST_BINS - 1 && acc + h[bl] <= tail) acc += h[bl++];
      acc = 0;
      let bh = HIST_BINS - 1;
      while (bh > 0 && acc + h[bh] <= tail) acc += h[bh--];
      lo.set(p, a + bl * width);
      hi.set(p, a + (bh + 1) * width);
    }
  }
  const ranges: ActivationRanges = new Map();
  for (const p of graph.points) {
    const src = graph.rangeSource.get(p)!;
    ranges.set(p, [lo.get(src)!, hi.get(src)!]);
  }
  return ranges;
}
