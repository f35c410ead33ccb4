import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.ts';
import { DataParallelEngine, InProcessEngine, bindLoss, buildModel, clipGradNorm, makeOptimizer, separableCnnConfig, type GradEngine, type ModelSpec } from '../src/nn/index.ts';
import { setKernelSet, type KernelSetName } from '../src/core/wasm/index.ts';
import { record, writeResults, type BenchRecord } from './lib/harness.ts';

/**
 * Training throughput (samples/s of forward + backward + gradient clipping + AdamW step) of the
 * small and large ECG models and the keyword-spotting model at batch 64, in process (1 worker) and data parallel on 2
 * worker_threads; the 2-worker records carry the 1-worker figure as baseline (ratio = speedup,
 * target >= 1.7x). Peak RSS (process-wide, worker threads included) after the large-model runs
 * (target < 4 GB). Synthetic inputs of each preset's shape. Steps are timed with wall clock after
 * warm-up steps; the figure depends on how busy the machine's cores are (load average noted).
 * In the same run: the typed-array kernel set (HTPW_KERNELS=js) as the baseline of the default
 * (WebAssembly SIMD) set, and the PyTorch twin of each preset (../shared/tools/pytorch_twin.py,
 * 1 thread, batch 64) when /usr/bin/python3 has torch (target: ours >= 0.5x PyTorch).
 */
const TWIN = join(import.meta.dirname, '..', '..', 'shared', 'tools', 'pytorch_twin.py');
const PYTHON = '/usr/bin/python3';

/** PyTorch twin samples/s (1 thread, batch 64), or the reason it could not run. */
function pytorchTwin(preset: 'small' | 'large' | 'kws'): number | string {
  if (!existsSync(TWIN)) return `no ${TWIN}`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${PYTHON} has no torch (apt-get install python3-torch)`;
  const cfgFile = join(mkdtempSync(join(tmpdir(), 'htpw-twin-')), `${preset}.json`);
  writeFileSync(cfgFile, JSON.stringify(separableCnnConfig(preset)));
  const r = spawnSync(PYTHON, [TWIN, cfgFile, '--batch', String(BATCH), '--threads', '1', '--secs', '6'], { encoding: 'utf8' });
  if (r.status !== 0) return `pytorch twin failed: ${r.stderr.trim().split('\n').pop()}`;
  return (JSON.parse(r.stdout.trim().split('\n').pop() as string) as { train_samples_per_s: number }).train_samples_per_s;
}
const BATCH = 64;
const N = 4096;

/** Synthetic examples shaped like the preset's input ([128, 1] beats; [49, 10] MFCC frames for kws). */
function synth(L: number, C: number, K: number): { x: Float32Array; y: Int32Array; shape: [number, number, number] } {
  const rng = new Rng(1);
  const x = new Float32Array(N * L * C);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = Int32Array.from({ length: N }, (_, i) => i % K);
  return { x, y, shape: [N, L, C] };
}

/** samples/s (wall clock) and CPU milliseconds per sample (all threads of the process). */
async function throughput(preset: 'small' | 'large' | 'kws', workers: number, steps: number, warmup: number): Promise<{ rate: number; cpuMsPerSample: number }> {
  const config = separableCnnConfig(preset);
  const spec: ModelSpec = { family: 'separable_cnn', config };
  const model = buildModel(spec);
  model.train();
  const K = config.numClasses;
  const data = synth(config.inputLength, config.inputChannels, K);
  const lossCfg = { kind: 'ce' as const };
  const ones = new Array<number>(K).fill(1);
  const loss = bindLoss(lossCfg, ones);
  const opt = makeOptimizer({ kind: 'adamw' }, model.namedTrainable(), 1e-3);
  const engine: GradEngine = workers === 1
    ? new InProcessEngine(model, data, loss, 0)
    : await DataParallelEngine.start({ model, spec, data, loss, lossConfig: lossCfg, classCounts: ones, seed: 0, workers });
  const rng = new Rng(2);
  const step = async (s: number) => {
    const idx = Int32Array.from({ length: BATCH }, () => rng.int(N));
    await engine.compute(idx, s);
    clipGradNorm(model.parameters(), 5);
    opt.step();
  };
  try {
    for (let s = 0; s < warmup; s++) await step(s);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let s = 0; s < steps; s++) await step(warmup + s);
    const c = process.cpuUsage(c0);
    return { rate: (steps * BATCH) / ((performance.now() - t0) / 1000), cpuMsPerSample: (c.user + c.system) / 1000 / (steps * BATCH) };
  } finally {
    await engine.close();
  }
}

const records: BenchRecord[] = [];
const load0 = loadavg()[0];
const quick = process.env.HTPW_BENCH_QUICK === '1'; // smoke run of the bench itself
for (const [preset, steps] of [['small', quick ? 2 : 40], ['kws', quick ? 2 : 40], ['large', quick ? 1 : 8]] as const) {
  const rates: Record<KernelSetName, number> = { js: 0, simd: 0 };
  for (const set of ['js', 'simd'] as const) {
    setKernelSet(set);
    rates[set] = (await throughput(preset, 1, steps, quick ? 1 : 3)).rate;
  }
  setKernelSet(null);
  records.push(record(`train ${preset} batch ${BATCH}, 1 worker: SIMD vs js kernels`, rates.simd, rates.js, 'samples/s', 'baseline: the typed-array kernel set (HTPW_KERNELS=js), same run'));
  const twin = quick ? 'skipped in the quick run' : pytorchTwin(preset);
  if (typeof twin === 'number') records.push(record(`train ${preset} batch ${BATCH}, 1 worker vs PyTorch twin (1 thread)`, rates.simd, twin, 'samples/s', 'baseline: PyTorch CPU twin (same layers and parameter count), same run; target ratio >= 0.5'));
  else records.push(record(`train ${preset} batch ${BATCH}, 1 worker vs PyTorch twin (1 thread)`, rates.simd, null, 'samples/s', `PyTorch twin skipped: ${twin}`));
  const one = await throughput(preset, 1, steps, quick ? 1 : 3);
  const two = await throughput(preset, 2, steps, quick ? 1 : 3);
  records.push(record(`train ${preset} batch ${BATCH}, 1 worker (in process)`, one.rate, null, 'samples/s'));
  records.push(record(`train ${preset} batch ${BATCH}, 2 workers`, two.rate, one.rate, 'samples/s', 'baseline: 1 worker; ratio = data-parallel speedup (target >= 1.7x; needs 2 idle cores)'));
  // load-independent view: CPU work per sample; ratio = 1 means no parallel overhead, so the
  // speedup on W idle cores is bounded by W * ratio
  records.push(record(`train ${preset} CPU time per sample, 2 workers vs 1`, two.cpuMsPerSample, one.cpuMsPerSample, 'ms', 'baseline: 1 worker CPU ms/sample; ratio = parallel efficiency (speedup on 2 idle cores <= 2 x ratio)'));
}
const rssMb = process.resourceUsage().maxRSS / 1024;
records.push(record('peak RSS, training the large model (1 and 2 workers)', rssMb, 4096, 'MB', 'baseline: the 4 GB target'));
records.push(record('load average (1 min) at start / cores', load0, null, 'load', `${cpus().length} cores; throughput is shared with whatever else runs`));
if (quick) console.log(records);
else writeResults('train', records);
