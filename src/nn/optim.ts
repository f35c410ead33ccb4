import type { Tensor } from '../core/index.ts';
import { ArgumentError } from '../util/errors.ts';
import type { Module } from './module.ts';

/**
 * Optimizers, learning-rate schedules, gradient clipping and weight EMA.
 *
 * Optimizers hold named parameters (the model's `namedTrainable()`), so their state is keyed by
 * parameter name and survives a rebuild of the model (checkpoints). Updates are computed in
 * float64 per element and stored to the float32 parameters; parameters without a gradient
 * (unused in the step) are skipped. `stateDict()` returns JSON meta + named Float32Arrays.
 */

export interface OptimizerState {
  meta: Record<string, unknown>;
  tensors: Map<string, Float32Array>;
}

export abstract class Optimizer {
  /** the learning rate of the next step (trainers set it from a schedule) */
  lr: number;
  /** number of steps taken */
  stepCount = 0;
  protected readonly slots = new Map<string, Float32Array>();

  constructor(readonly params: ReadonlyArray<readonly [string, Tensor]>, lr: number) {
    if (!(lr >= 0)) throw new ArgumentError(this.constructor.name, `lr ${lr} must be >= 0`);
    const names = new Set<string>();
    for (const [n] of params) {
      if (names.has(n)) throw new ArgumentError(this.constructor.name, `parameter "${n}" given twice`);
      names.add(n);
    }
    this.lr = lr;
  }

  abstract readonly kind: string;
  protected abstract update(name: string, p: Float32Array, g: Float32Array): void;

  /** One update of every parameter that has a gradient. */
  step(): void {
    this.stepCount++;
    for (const [n, p] of this.params) {
      if (p.grad === null) continue;
      if (!p.isContiguous()) throw new ArgumentError(this.kind, `parameter "${n}" is not contiguous`);
      this.update(n, p.data.subarray(p.offset, p.offset + p.size), p.grad);
    }
  }

  zeroGrad(): void {
    for (const [, p] of this.params) p.zeroGrad();
  }

  protected slot(name: string, kind: string, size: number): Float32Array {
    const key = `${name}/${kind}`;
    let s = this.slots.get(key);
    if (s === undefined) {
      s = new Float32Array(size);
      this.slots.set(key, s);
    }
    return s;
  }

  protected hyper(): Record<string, unknown> {
    return {};
  }

  stateDict(): OptimizerState {
    return { meta: { kind: this.kind, lr: this.lr, stepCount: this.stepCount, ...this.hyper() }, tensors: new Map([...this.slots].map(([k, v]) => [k, v.slice()])) };
  }

  loadStateDict(s: OptimizerState): void {
    if (s.meta.kind !== this.kind) throw new ArgumentError('loadStateDict', `optimizer state is "${String(s.meta.kind)}", this optimizer is "${this.kind}"`);
    const sizes = new Map(this.params.map(([n, p]) => [n, p.size]));
    for (const [k, v] of s.tensors) {
      const name = k.slice(0, k.lastIndexOf('/'));
      if (sizes.get(name) !== v.length) throw new ArgumentError('loadStateDict', `optimizer slot "${k}" has ${v.length} values, parameter "${name}" has ${sizes.get(name) ?? 'no entry'}`);
    }
    this.slots.clear();
    for (const [k, v] of s.tensors) this.slots.set(k, v.slice());
    this.lr = Number(s.meta.lr);
    this.stepCount = Number(s.meta.stepCount);
  }
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  /** L2 penalty added to the gradient */
  weightDecay?: number;
}

/**
 * SGD with momentum (PyTorch form): g' = g + wd * p; buf = mu * buf + g';
 * step d = nesterov ? g' + mu * buf : buf; p -= lr * d.
 */
export class Sgd extends Optimizer {
  readonly kind = 'sgd';
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: ReadonlyArray<readonly [string, Tensor]>, opts: SgdOptions) {
    super(params, opts.lr);
    this.momentum = opts.momentum ?? 0.9;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
  }

  protected override hyper(): Record<string, unknown> {
    return { momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }

  protected update(name: string, p: Float32Array, g: Float32Array): void {
    const { lr, momentum: mu, weightDecay: wd, nesterov } = this;
    if (mu === 0) {
      for (let i = 0; i < p.length; i++) p[i] = p[i] - lr * (g[i] + wd * p[i]);
      return;
    }
    const buf = this.slot(name, 'momentum', p.length);
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] + wd * p[i];
      const b = mu * buf[i] + gi;
      buf[i] = b;
      p[i] = p[i] - lr * (nesterov ? gi + mu * b : b);
    }
  }
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

/**
 * Adam (Kingma & Ba) with bias correction; `decoupled` = AdamW (Loshchilov & Hutter):
 *   Adam:  g' = g + wd * p                          AdamW: p -= lr * wd * p, g' = g
 *   m = b1 m + (1 - b1) g';  v = b2 v + (1 - b2) g'^2
 *   p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 */
export class Adam extends Optimizer {
  readonly kind: string = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected decoupled = false;

  constructor(params: ReadonlyArray<readonly [string, Tensor]>, opts: AdamOptions) {
    super(params, opts.lr);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
  }

  protected override hyper(): Record<string, unknown> {
    return { beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
  }

  protected update(name: string, p: Float32Array, g: Float32Array): void {
    const { lr, beta1: b1, beta2: b2, eps, weightDecay: wd } = this;
    const m = this.slot(name, 'm', p.length);
    const v = this.slot(name, 'v', p.length);
    const c1 = 1 - b1 ** this.stepCount;
    const c2 = 1 - b2 ** this.stepCount;
    for (let i = 0; i < p.length; i++) {
      let pi = p[i];
      let gi = g[i];
      if (this.decoupled) pi -= lr * wd * pi;
      else gi += wd * pi;
      const mi = b1 * m[i] + (1 - b1) * gi;
      const vi = b2 * v[i] + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = pi - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
    }
  }
}

export class AdamW extends Adam {
  override readonly kind: string = 'adamw';
  constructor(params: ReadonlyArray<readonly [string, Tensor]>, opts: AdamOptions) {
    super(params, { weightDecay: 0.01, ...opts });
    this.decoupled = true;
  }
}

export type OptimizerConfig =
  | ({ kind: 'sgd' } & Omit<SgdOptions, 'lr'>)
  | ({ kind: 'adam' } & Omit<AdamOptions, 'lr'>)
  | ({ kind: 'adamw' } & Omit<AdamOptions, 'lr'>);

export function makeOptimizer(cfg: OptimizerConfig, params: ReadonlyArray<readonly [string, Tensor]>, lr: number): Optimizer {
  switch (cfg.kind) {
    case 'sgd': return new Sgd(params, { ...cfg, lr });
    case 'adam': return new Adam(params, { ...cfg, lr });
    case 'adamw': return new AdamW(params, { ...cfg, lr });
    default: throw new ArgumentError('makeOptimizer', `unknown optimizer "${(cfg as { kind: string }).kind}" (sgd, adam, adamw)`);
  }
}

/**
 * Learning-rate schedules as pure functions of the step (0-based), so they need no state.
 *   constant: lr
 *   cosine:   linear warmup from lr/warmupSteps to lr over warmupSteps, then
 *             minLr + (lr - minLr) * (1 + cos(pi * t)) / 2, t = (step - warmup) / (total - warmup)
 *   step:     lr * gamma^floor(step / stepSize)
 */
export type ScheduleConfig =
  | { kind: 'constant' }
  | { kind: 'cosine'; warmupSteps?: number; minLr?: number }
  | { kind: 'step'; stepSize: number; gamma?: number };

export function learningRate(s: ScheduleConfig, baseLr: number, step: number, totalSteps: number): number {
  switch (s.kind) {
    case 'constant': return baseLr;
    case 'cosine': {
      const warm = s.warmupSteps ?? 0;
      if (step < warm) return (baseLr * (step + 1)) / warm;
      const span = Math.max(1, totalSteps - warm);
      const t = Math.min(1, (step - warm) / span);
      const lo = s.minLr ?? 0;
      return lo + ((baseLr - lo) * (1 + Math.cos(Math.PI * t))) / 2;
    }
    case 'step': {
      if (!(s.stepSize >= 1)) throw new ArgumentError('learningRate', `step schedule needs stepSize >= 1, got ${s.stepSize}`);
      return baseLr * (s.gamma ?? 0.1) ** Math.floor(step / s.stepSize);
    }
    default: throw new ArgumentError('learningRate', `unknown schedule "${(s as { kind: string }).kind}"`);
  }
}

/**
 * Scale all gradients so their global L2 norm is at most maxNorm (norm summed in float64 in
 * parameter order). Returns the norm before clipping.
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number): number {
  const list = [...params];
  let sq = 0;
  for (const p of list) if (p.grad) for (let i = 0; i < p.grad.length; i++) sq += p.grad[i] * p.grad[i];
  const norm = Math.sqrt(sq);
  if (norm > maxNorm && norm > 0) {
    const s = maxNorm / (norm + 1e-6);
    for (const p of list) if (p.grad) for (let i = 0; i < p.grad.length; i++) p.grad[i] *= s;
  }
  return norm;
}

/**
 * Exponential moving average of a model's parameters (buffers are copied as they are):
 * shadow = d * shadow + (1 - d) * p with d = min(decay, (1 + t) / (10 + t)) at update t.
 * `swapInto(model)` puts the averaged values into the model and returns a function that puts
 * the live values back (evaluate with EMA weights, then restore).
 */
export class Ema {
  updates = 0;
  readonly shadow = new Map<string, Float32Array>();

  constructor(readonly decay: number, model: Module) {
    if (!(decay > 0 && decay < 1)) throw new ArgumentError('Ema', `decay ${decay} must be in (0, 1)`);
    for (const [n, p] of model.namedParameters()) this.shadow.set(n, p.toFloat32Array());
  }

  update(model: Module): void {
    const t = this.updates++;
    const d = Math.min(this.decay, (1 + t) / (10 + t));
    for (const [n, p] of model.namedParameters()) {
      const s = this.shadow.get(n);
      if (s === undefined) throw new ArgumentError('Ema', `parameter "${n}" is not tracked`);
      const v = p.data;
      for (let i = 0; i < s.length; i++) s[i] = d * s[i] + (1 - d) * v[p.offset + i];
    }
  }

  swapInto(model: Module): () => void {
    const live = new Map<string, Float32Array>();
    for (const [n, p] of model.namedParameters()) {
      live.set(n, p.toFloat32Array());
      p.data.set(this.shadow.get(n)!, p.offset);
    }
    return () => {
      for (const [n, p] of model.namedParameters()) p.data.set(live.get(n)!, p.offset);
    };
  }

  stateDict(): OptimizerState {
    return { meta: { decay: this.decay, updates: this.updates }, tensors: new Map([...this.shadow].map(([k, v]) => [k, v.slice()])) };
  }

  loadStateDict(s: OptimizerState): void {
    for (const [k, v] of s.tensors) {
      const cur = this.shadow.get(k);
      if (!cur || cur.length !== v.length) throw new ArgumentError('Ema.loadStateDict', `entry "${k}" does not match the model`);
    }
    for (const [k, v] of s.tensors) this.shadow.set(k, v.slice());
    this.updates = Number(s.meta.updates);
  }
}
