import { parentPort, workerData } from 'node:worker_threads';
import { gatherBatch, lossAndGrads, reseedDropout } from './batch.ts';
import { bindLoss } from './losses.ts';
import { buildModel } from './models/separable_cnn.ts';
import type { StepRequest, WorkerInit, WorkerReply } from './parallel.ts';

/**
 * A data-parallel worker (see parallel.ts): rebuilds the model from its spec, then for each step
 * request copies the shared parameters and buffers in, computes the gradients of its shard and
 * writes them (then its updated buffers) to its shared output slot.
 * Spawned with execArgv ['--import', 'tsx'] so Node loads this TypeScript file.
 */
const init = workerData as WorkerInit;
const port = parentPort!;

function post(r: WorkerReply): void {
  port.postMessage(r);
}

try {
  const model = buildModel(init.spec);
  for (const n of init.frozen) model.freeze(n);
  model.train();
  const loss = bindLoss(init.lossConfig, init.classCounts);
  const x = new Float32Array(init.x);
  const y = new Int32Array(init.y);
  const state = new Float32Array(init.state);
  const out = new Float32Array(init.out);
  const params = model.namedParameters();
  const buffers = model.namedBuffers();

  port.on('message', (req: StepRequest) => {
    try {
      let o = 0;
      for (const [, t] of [...params, ...buffers]) {
        t.data.set(state.subarray(o, o + t.size), t.offset);
        o += t.size;
      }
      const { xb, yb } = gatherBatch(x, init.shape, y, req.indices);
      reseedDropout(model, init.seed, req.step, init.index);
      const l = lossAndGrads(model, loss, xb, yb, req.scale);
      o = 0;
      for (const [, p] of params) {
        if (p.grad) out.set(p.grad, o);
        else out.fill(0, o, o + p.size);
        o += p.size;
      }
      for (const [, b] of buffers) {
        out.set(b.values(), o);
        o += b.size;
      }
      post({ type: 'done', loss: l });
    } catch (e) {
      post({ type: 'error', message: (e as Error).message, stack: (e as Error).stack });
    }
  });
  post({ type: 'ready' });
} catch (e) {
  post({ type: 'error', message: (e as Error).message, stack: (e as Error).stack });
}
