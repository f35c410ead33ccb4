import { Tensor, parameter, sameShape } from '../core/index.ts';
import { ArgumentError } from '../util/errors.ts';
import type { LayerDescriptor, TraceValue } from './descriptor.ts';

/**
 * Module: the unit of a network. A module owns named parameters (trainable leaves), named
 * buffers (state that is not trained by gradients, e.g. BatchNorm running statistics) and named
 * child modules. Names compose with dots: `blocks.2.pw.weight`.
 *
 * - Iteration order is registration order, recursively (own parameters, then children), so
 *   `namedParameters()` is a stable order that optimizers, checkpoints and the data-parallel
 *   reduction all rely on.
 * - `train()` / `eval()` set the mode of the whole subtree (BatchNorm, Dropout read it).
 * - Freezing a parameter sets its `requiresGrad` to false: ops then record no gradient for it
 *   and `parameters()` (the trainable set handed to optimizers) leaves it out.
 * - `stateDict()` maps every parameter and buffer name to a copy of its values;
 *   `loadStateDict()` checks names and sizes (shapes) and copies values in place.
 * - `trace()` appends the module's layer descriptors (see descriptor.ts) for the quantizer.
 */
export abstract class Module {
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly ownChildren = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /** Append this module's descriptors, given its input; return its output. */
  abstract trace(input: TraceValue, name: string, out: LayerDescriptor[]): TraceValue;

  /** Make `t` a named trainable parameter (a contiguous leaf with requiresGrad). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    checkName(name, this.ownParams, this.ownBuffers, this.ownChildren);
    const p = t.requiresGrad && t.op === 'parameter' ? t : parameter(t);
    this.ownParams.set(name, p);
    return p;
  }

  protected registerBuffer(name: string, t: Tensor): Tensor {
    checkName(name, this.ownParams, this.ownBuffers, this.ownChildren);
    if (!t.isContiguous() || t.offset !== 0 || t.data.length !== t.size) throw new ArgumentError('registerBuffer', `buffer "${name}" must own contiguous storage`);
    this.ownBuffers.set(name, t);
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    checkName(name, this.ownParams, this.ownBuffers, this.ownChildren);
    this.ownChildren.set(name, m);
    return m;
  }

  /** Child modules in registration order. */
  namedChildren(): Array<[string, Module]> {
    return [...this.ownChildren];
  }

  /** Every module of the subtree (this one first, prefix ''), depth first in registration order. */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix, this]];
    for (const [n, c] of this.ownChildren) out.push(...c.namedModules(join(prefix, n)));
    return out;
  }

  /** All parameters (frozen included), in the stable order. */
  namedParameters(prefix = ''): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [n, p] of this.ownParams) out.push([join(prefix, n), p]);
    for (const [n, c] of this.ownChildren) out.push(...c.namedParameters(join(prefix, n)));
    return out;
  }

  /** The trainable (not frozen) parameters, in the stable order. */
  namedTrainable(): Array<[string, Tensor]> {
    return this.namedParameters().filter(([, p]) => p.requiresGrad);
  }

  parameters(): Tensor[] {
    return this.namedTrainable().map(([, p]) => p);
  }

  namedBuffers(prefix = ''): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [n, b] of this.ownBuffers) out.push([join(prefix, n), b]);
    for (const [n, c] of this.ownChildren) out.push(...c.namedBuffers(join(prefix, n)));
    return out;
  }

  /** Number of parameter values (frozen included unless trainableOnly). */
  parameterCount(trainableOnly = false): number {
    return (trainableOnly ? this.namedTrainable() : this.namedParameters()).reduce((a, [, p]) => a + p.size, 0);
  }

  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Freeze the parameters whose name equals `prefix` or starts with `prefix.` (all when
   * omitted). Returns the names frozen.
   */
  freeze(prefix?: string): string[] {
    return this.setFrozen(prefix, true);
  }

  unfreeze(prefix?: string): string[] {
    return this.setFrozen(prefix, false);
  }

  private setFrozen(prefix: string | undefined, frozen: boolean): string[] {
    const hit = this.namedParameters().filter(([n]) => prefix === undefined || prefix === '' || n === prefix || n.startsWith(`${prefix}.`));
    if (prefix !== undefined && hit.length === 0) throw new ArgumentError(frozen ? 'freeze' : 'unfreeze', `no parameter named "${prefix}" or under it`);
    for (const [, p] of hit) {
      p.requiresGrad = !frozen;
      if (frozen) p.grad = null;
    }
    return hit.map(([n]) => n);
  }

  /** Copies of every parameter and buffer, by name (parameters first, then buffers). */
  stateDict(): Map<string, Float32Array> {
    const sd = new Map<string, Float32Array>();
    for (const [n, p] of this.namedParameters()) sd.set(n, p.toFloat32Array());
    for (const [n, b] of this.namedBuffers()) sd.set(n, b.toFloat32Array());
    return sd;
  }

  /** Shapes of every entry of stateDict(). */
  stateShapes(): Map<string, readonly number[]> {
    const m = new Map<string, readonly number[]>();
    for (const [n, t] of [...this.namedParameters(), ...this.namedBuffers()]) m.set(n, t.shape);
    return m;
  }

  /**
   * Copy values in place from `sd`. strict (default): the names must match exactly. Sizes must
   * always match; when `shapes` are given they must match too.
   */
  loadStateDict(sd: Map<string, Float32Array>, opts: { strict?: boolean; shapes?: Map<string, readonly number[]> } = {}): void {
    const strict = opts.strict ?? true;
    const targets = new Map<string, Tensor>([...this.namedParameters(), ...this.namedBuffers()]);
    if (strict) {
      const missing = [...targets.keys()].filter((n) => !sd.has(n));
      const extra = [...sd.keys()].filter((n) => !targets.has(n));
      if (missing.length || extra.length) {
        throw new ArgumentError('loadStateDict', `state does not match the model: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`);
      }
    }
    for (const [n, v] of sd) {
      const t = targets.get(n);
      if (t === undefined) continue;
      const s = opts.shapes?.get(n);
      if (v.length !== t.size || (s !== undefined && !sameShape(s, t.shape))) {
        throw new ArgumentError('loadStateDict', `"${n}": model shape [${t.shape.join(', ')}], state has ${s ? `shape [${s.join(', ')}]` : `${v.length} values`}`);
      }
    }
    for (const [n, v] of sd) {
      const t = targets.get(n);
      if (t !== undefined) t.data.set(v, t.offset);
    }
  }

  /** Layer descriptors of the whole network for an input of shape [L, C] (batch omitted). */
  describe(inputShape: readonly [number, number]): LayerDescriptor[] {
    const out: LayerDescriptor[] = [];
    this.trace({ name: 'input', shape: [...inputShape] }, '', out);
    return out;
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function checkName(name: string, ...maps: Array<Map<string, unknown>>): void {
  if (name === '' || name.includes('.')) throw new ArgumentError('Module', `bad name "${name}" (non-empty, no dots)`);
  if (maps.some((m) => m.has(name))) throw new ArgumentError('Module', `name "${name}" registered twice`);
}

/** `prefix.name`, or `name` at the root. */
export function childName(prefix: string, name: string): string {
  return join(prefix, name);
}
