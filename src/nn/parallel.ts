import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ArgumentError } from '../util/errors.ts';
import { gatherBatch, lossAndGrads, reseedDropout } from './batch.ts';
import type { BoundLoss, LossConfig } from './losses.ts';
import type { Module } from './module.ts';
import type { ModelSpec } from './models/separable_cnn.ts';

/**
 * Gradient engines: the in-process one, and data-parallel training on worker_threads.
 *
 * Data parallel (fixed reduction order, deterministic for a given worker count):
 *   - each worker rebuilds the model from its ModelSpec once; the dataset (x, y) is shared
 *     through SharedArrayBuffers, copied once;
 *   - every step the main thread writes all parameters and buffers into a shared block (the
 *     workers "receive the parameters"), and splits the batch into W contiguous shards;
 *   - worker k copies the parameters in, reseeds dropout from (seed, step, k), runs forward +
 *     backward on shard k with the loss gradient seeded to norm_k / norm (so the shard
 *     gradients add up to the full-batch gradient of the mean loss) and writes its gradients
 *     and updated BN running statistics to its own shared slot;
 *   - the main thread sums the shard gradients in worker order 0..W-1 into the model's .grad,
 *     and sets each buffer to the mean of the workers' buffers (summed in worker order).
 * BatchNorm uses per-shard batch statistics (as PyTorch DDP without SyncBN), so W workers and
 * one process give close but not identical results; each W is reproducible bit for bit.
 */

export interface GradEngine {
  /** Fill the model's .grad for the batch `indices` at optimizer step `step`; returns the batch loss. */
  compute(indices: Int32Array, step: number): Promise<number>;
  close(): Promise<void>;
}

export interface EngineData {
  x: Float32Array;
  shape: [number, number, number];
  y: Int32Array;
}

export class InProcessEngine implements GradEngine {
  constructor(private readonly model: Module, private readonly data: EngineData, private readonly loss: BoundLoss, private readonly seed: number) {}

  async compute(indices: Int32Array, step: number): Promise<number> {
    const { xb, yb } = gatherBatch(this.data.x, this.data.shape, this.data.y, indices);
    reseedDropout(this.model, this.seed, step, 0);
    this.loss.select?.(indices);
    return lossAndGrads(this.model, this.loss, xb, yb, 1);
  }

  async close(): Promise<void> {}
}

/** What a worker needs to rebuild the training setup (sent once as workerData). */
export interface WorkerInit {
  index: number;
  spec: ModelSpec;
  frozen: string[];
  lossConfig: LossConfig;
  classCounts: number[];
  seed: number;
  shape: [number, number, number];
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  /** parameters then buffers, in namedParameters / namedBuffers order */
  state: SharedArrayBuffer;
  /** this worker's gradient slot (all parameters, namedParameters order) then its buffers */
  out: SharedArrayBuffer;
}

export interface StepRequest {
  type: 'step';
  step: number;
  indices: Int32Array;
  scale: number;
}

export type WorkerReply = { type: 'ready' } | { type: 'done'; loss: number } | { type: 'error'; message: string; stack?: string };

/**
 * The worker's entry: register tsx's require hook inside the worker, then load
 * parallel_worker.ts through it. (On Node 20 neither a Worker's `execArgv: ['--import', 'tsx']`
 * nor tsx's ESM `register()` inside the worker applies to the worker's own imports — both fail
 * with "Unknown file extension .ts" — while tsx's CommonJS hook does.)
 */
const WORKER_BOOTSTRAP = `
const api = require(${JSON.stringify(createRequire(import.meta.url).resolve('tsx/cjs/api'))});
api.register();
require(${JSON.stringify(fileURLToPath(new URL('./parallel_worker.ts', import.meta.url)))});
`;

function shareFloat32(a: Float32Array): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(a.byteLength);
  new Float32Array(sab).set(a);
  return sab;
}

/** Contiguous shards of [0, n) for W workers, sizes differing by at most one (the first get more). */
export function shardBounds(n: number, W: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let s = 0;
  for (let k = 0; k < W; k++) {
    const len = Math.floor(n / W) + (k < n % W ? 1 : 0);
    out.push([s, s + len]);
    s += len;
  }
  return out;
}

export class DataParallelEngine implements GradEngine {
  private readonly workers: Worker[] = [];
  private readonly pending: Array<((r: WorkerReply) => void) | null> = [];
  private readonly stateView: Float32Array;
  private readonly outViews: Float32Array[] = [];
  private readonly paramSize: number;
  private failure: Error | null = null;

  private constructor(private readonly model: Module, private readonly loss: BoundLoss, private readonly data: EngineData, readonly count: number, spec: ModelSpec, lossConfig: LossConfig, classCounts: number[], seed: number) {
    const params = model.namedParameters();
    const buffers = model.namedBuffers();
    this.paramSize = params.reduce((a, [, p]) => a + p.size, 0);
    const bufSize = buffers.reduce((a, [, b]) => a + b.size, 0);
    const state = new SharedArrayBuffer((this.paramSize + bufSize) * 4);
    this.stateView = new Float32Array(state);
    const x = shareFloat32(data.x);
    const ySab = new SharedArrayBuffer(data.y.byteLength);
    new Int32Array(ySab).set(data.y);
    const frozen = params.filter(([, p]) => !p.requiresGrad).map(([n]) => n);
    for (let k = 0; k < count; k++) {
      const out = new SharedArrayBuffer((this.paramSize + bufSize) * 4);
      this.outViews.push(new Float32Array(out));
      const init: WorkerInit = { index: k, spec, frozen, lossConfig, classCounts, seed, shape: data.shape, x, y: ySab, state, out };
      const w = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: init });
      w.on('message', (r: WorkerReply) => this.reply(k, r));
      w.on('error', (e) => this.fail(new Error(`data-parallel worker ${k} failed: ${e.message}`)));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`data-parallel worker ${k} exited with code ${code}`));
      });
      this.workers.push(w);
      this.pending.push(null);
    }
  }

  /** Start `count` workers and wait until each has built its model. */
  static async start(opts: { model: Module; spec: ModelSpec; data: EngineData; loss: BoundLoss; lossConfig: LossConfig; classCounts: number[]; seed: number; workers: number }): Promise<DataParallelEngine> {
    if (!(Number.isInteger(opts.workers) && opts.workers >= 2)) throw new ArgumentError('DataParallelEngine', `needs >= 2 workers, got ${opts.workers}`);
    const e = new DataParallelEngine(opts.model, opts.loss, opts.data, opts.workers, opts.spec, opts.lossConfig, opts.classCounts, opts.seed);
    await Promise.all(e.workers.map((_, k) => e.wait(k)));
    return e;
  }

  private reply(k: number, r: WorkerReply): void {
    if (r.type === 'error') {
      this.fail(new Error(`data-parallel worker ${k}: ${r.message}${r.stack ? `\n${r.stack}` : ''}`));
      return;
    }
    const p = this.pending[k];
    this.pending[k] = null;
    p?.(r);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (let k = 0; k < this.pending.length; k++) {
      const p = this.pending[k];
      this.pending[k] = null;
      p?.({ type: 'error', message: e.message });
    }
  }

  private wait(k: number): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending[k] = (r) => (r.type === 'error' ? reject(this.failure ?? new Error(r.message)) : resolve(r));
    });
  }

  async compute(indices: Int32Array, step: number): Promise<number> {
    if (this.failure) throw this.failure;
    const params = this.model.namedParameters();
    const buffers = this.model.namedBuffers();
    // publish parameters and buffers
    let o = 0;
    for (const [, t] of [...params, ...buffers]) {
      this.stateView.set(t.values(), o);
      o += t.size;
    }
    const bounds = shardBounds(indices.length, this.count);
    const norms = bounds.map(([s, e]) => this.loss.normalizer(gatherLabels(this.data.y, indices.subarray(s, e))));
    const total = norms.reduce((a, b) => a + b, 0);
    const replies = this.workers.map((w, k) => {
      const p = this.wait(k);
      const [s, e] = bounds[k];
      const req: StepRequest = { type: 'step', step, indices: indices.slice(s, e), scale: total > 0 ? norms[k] / total : 0 };
      w.postMessage(req);
      return p;
    });
    const done = await Promise.all(replies);
    // reduce in worker order
    let loss = 0;
    done.forEach((r, k) => {
      if (r.type === 'done') loss += (total > 0 ? norms[k] / total : 0) * r.loss;
    });
    o = 0;
    for (const [, p] of params) {
      if (p.requiresGrad) {
        const g = p.ensureGrad();
        g.fill(0);
        for (let k = 0; k < this.count; k++) {
          const src = this.outViews[k];
          for (let i = 0; i < p.size; i++) g[i] += src[o + i];
        }
      }
      o += p.size;
    }
    for (const [, b] of buffers) {
      const v = b.data;
      for (let i = 0; i < b.size; i++) {
        let s = 0;
        for (let k = 0; k < this.count; k++) s += this.outViews[k][o + i];
        v[b.offset + i] = s / this.count;
      }
      o += b.size;
    }
    return loss;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function gatherLabels(y: Int32Array, idx: Int32Array): Int32Array {
  const out = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = y[idx[i]];
  return out;
}
