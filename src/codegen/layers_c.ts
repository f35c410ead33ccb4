/**
 * One C function per op of the model, in execution order, and what they need around them: the
 * flash arrays of stored parameters, the RAM cache of generated layers (pw_cache.ts), unpacked
 * 4-bit weights, the DSP scratch, and with CMSIS-NN its context buffer, its buffer checks and its
 * int32 shift table. The calls of <prefix>_invoke() (each followed by the layer hook) come along.
 */

import type { IntModel, IntOp } from '../quant/int_model.ts';
import type { ArenaPlan } from '../quant/arena.ts';
import { isWeighted } from '../quant/op_kinds.ts';
import { isGenerated } from '../hyper/generated.ts';
import type { Deployable } from '../hyper/deployable.ts';
import type { PwCacheMode } from '../hyper/cost.ts';
import { commentText, sanitizeIdentifier, tensorDims } from './c_text.ts';
import type { FlashArrays } from './flash_sections.ts';
import { storedParams, type ParamRefs, type Unpacked } from './layer_params.ts';
import { PwCacheC } from './pw_cache.ts';
import { dspScratchBytes, layerCall, type KernelBackend } from './layer_calls.ts';
import { cmsisBufferCheck, cmsisLayerBody, cmsisScratchBytes } from './kernels_cmsis_nn.ts';

export interface LayerSettings {
  prefix: string;
  dep: Deployable;
  /** synthesize(dep): the integers the C computes */
  model: IntModel;
  plan: ArenaPlan;
  kernels: KernelBackend;
  mode: PwCacheMode;
}

/** The layer functions of an export and the buffers and init statements they need. */
export interface LayersC {
  /** C function name of each op, in execution order */
  layerFns: string[];
  layerDefs: string[];
  /** the body of <prefix>_invoke between the input and output copies */
  calls: string[];
  cache: PwCacheC;
  unpacked: Unpacked;
  /** bytes of the DSP pointwise path's int16 rows (native kernels) */
  scratchBytes: number;
  /** CMSIS-NN: the context buffer, the int32 shift count, and init's widening and buffer checks */
  cmsisScratch: number;
  shift32Count: number;
  initShift32: string[];
  initBufferChecks: string[];
}

export const arenaPointer = (plan: ArenaPlan) => (id: number) => `(HTPW_ARENA + ${plan.offsets[id]})`;

export function emitLayers(s: LayerSettings, flash: FlashArrays): LayersC {
  const out: LayersC = {
    layerFns: [], layerDefs: [], calls: [],
    cache: new PwCacheC(s.prefix, s.mode, s.kernels === 'native', s.kernels === 'cmsis-nn'),
    unpacked: { bytes: 0, init: [] },
    scratchBytes: 0, cmsisScratch: 0, shift32Count: 0, initShift32: [], initBufferChecks: [],
  };
  s.model.ops.forEach((op, index) => emitLayer(s, flash, out, op, index));
  return out;
}

/** Where op's parameters live: the RAM cache (generated), flash (stored), nothing (the others). */
function paramsOf(s: LayerSettings, flash: FlashArrays, out: LayersC, op: IntOp, index: number): ParamRefs & { preBody: string; rowLayer: number } {
  const none = { filter: '', bias: '', multiplier: '', shift: '', preBody: '', rowLayer: -1 };
  if (!isWeighted(op)) return none;
  const depOp = s.dep.model.ops[index];
  const inputZeroPoint = s.model.tensors[op.input].zeroPoint;
  if (isGenerated(depOp) && op.kind === 'pwconv1d') return out.cache.layer(op, index, depOp.generatedIndex!, -inputZeroPoint, out.shift32Count);
  const bits = s.dep.weightBits[op.name] ?? 8;
  return { ...storedParams(op, index, bits, inputZeroPoint, s.kernels === 'native', flash, out.unpacked), preBody: '', rowLayer: -1 };
}

function emitLayer(s: LayerSettings, flash: FlashArrays, out: LayersC, op: IntOp, index: number): void {
  const { prefix, model } = s;
  const ptr = arenaPointer(s.plan);
  const fn = `${prefix}_layer${index}_${sanitizeIdentifier(op.name, 24)}`;
  out.layerFns.push(fn);
  const x = model.tensors[op.input];
  const y = model.tensors[op.output];
  const x2 = op.kind === 'add' ? model.tensors[op.input2] : undefined;
  const params = paramsOf(s, flash, out, op, index);
  const addRequant = op.kind === 'add' ? flash.addRequant(op.name) : '';
  let body: string;
  if (s.kernels === 'cmsis-nn') {
    let s32 = '';
    if (isWeighted(op)) {
      s32 = `(HTPW_SHIFT32 + ${out.shift32Count})`;
      // 'layer' widens a generated layer's shifts after each synthesis (pw_cache.ts)
      if (!(s.mode === 'layer' && isGenerated(s.dep.model.ops[index]))) out.initShift32.push(`  for (i = 0; i < ${op.outChannels}; i++) ${s32}[i] = ${params.shift}[i];`);
      out.shift32Count += op.outChannels;
    }
    out.cmsisScratch = Math.max(out.cmsisScratch, cmsisScratchBytes(op, x));
    const chk = cmsisBufferCheck(op, x, y, `${prefix.toUpperCase()}_CMSIS_SCRATCH_SIZE`);
    if (chk) out.initBufferChecks.push(chk);
    const refs = { x: ptr(op.input), x2: op.kind === 'add' ? ptr(op.input2) : undefined, y: ptr(op.output), filter: params.filter, bias: params.bias, multiplier: params.multiplier, s32, addRequant, scratch: 'HTPW_CMSIS_SCRATCH', scratchSize: `${prefix.toUpperCase()}_CMSIS_SCRATCH_SIZE`, status: `${prefix}_status` };
    body = cmsisLayerBody(op, x, y, refs, x2);
  } else {
    const reference = s.kernels === 'reference';
    body = layerCall(op, { prefix, x, y, x2, ptr, params, reference, rowLayer: params.rowLayer });
    if (!reference) out.scratchBytes = Math.max(out.scratchBytes, dspScratchBytes(op));
  }
  out.layerDefs.push(
    `/* layer ${index}: ${op.kind} "${commentText(op.name)}", tensor ${op.input} [${x.shape}] -> ${op.output} [${y.shape}] */`,
    `HTPW_LAYER_FN void ${fn}(void) {`,
    ...(params.preBody ? [params.preBody] : []),
    body,
    `}`,
    '',
  );
  out.calls.push(`  ${fn}();`, `#ifdef HTPW_LAYER_HOOK`, `  HTPW_LAYER_HOOK(${index}, ${op.output}, ${ptr(op.output)}, ${tensorDims(y).n});`, `#endif`);
}
