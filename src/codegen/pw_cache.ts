/**
 * Where the synthesized kernels of generated pointwise layers live in the generated C
 * (export-c --pw-cache, src/hyper/cost.ts PwCacheMode):
 *   'all'   one cache slot per layer, filled by <prefix>_init();
 *   'layer' one slot at offset 0 shared by all, refilled by <prefix>_syn<l>() before layer l runs;
 *   'none'  no cache: the layer function synthesizes one output channel's row at a time into the
 *           row buffer (the layer call is in layer_calls.ts).
 * A slot is [folded bias int32 | multiplier int32 | weights int8 | shift int8] per layer, padded to
 * 4 bytes; its size is cost.ts cacheBytesOf, the number the byte accounting counts, and the row
 * buffer's is rowBytesOf.
 */

import type { PwConv1dOp } from '../quant/int_model.ts';
import { cacheBytesOf, rowBytesOf, type PwCacheMode } from '../hyper/cost.ts';
import { commentText } from './c_text.ts';
import type { ParamRefs } from './layer_params.ts';

/** The parameters of a generated layer and what runs before its kernel. */
export interface GeneratedLayerRefs extends ParamRefs {
  /** 'layer': the synthesis call placed before the kernel ('' otherwise) */
  preBody: string;
  /** 'none': the generated layer run row by row (-1 otherwise) */
  rowLayer: number;
}

/** The cache of one export: its bytes and the C that fills and reads it, layer by layer. */
export class PwCacheC {
  /** bytes of the cache array ('all': the sum of the slots, 'layer': the largest slot) */
  cacheBytes = 0;
  /** 'none': bytes of the row buffer (one int8 row of the widest input, padded to 4) */
  rowBytes = 0;
  /** 'all': the synthesis of every layer in <prefix>_init() */
  readonly initSynth: string[] = [];
  /** the cases of <prefix>_generated_layer() */
  readonly accessor: string[] = [];
  /** 'layer': per generated layer, a static function synthesizing it into the one slot */
  readonly synFns: string[] = [];
  /** 'none': the cases of <prefix>_generated_row() */
  readonly rowAccessor: string[] = [];

  /**
   * @param prefix C prefix of the export
   * @param foldBias the native kernels read the folded bias (fold the row sums after synthesis)
   * @param widenShifts CMSIS-NN reads int32 shifts: 'layer' widens them after each synthesis
   */
  constructor(private readonly prefix: string, private readonly mode: PwCacheMode, private readonly foldBias: boolean, private readonly widenShifts: boolean) {}

  /** Generated layer `l` (op `index`), its int32 shifts at HTPW_SHIFT32 + shift32Offset when widened. */
  layer(op: PwConv1dOp, index: number, l: number, inputOffset: number, shift32Offset: number): GeneratedLayerRefs {
    const { prefix, mode } = this;
    const cout = op.outChannels;
    const nW = op.weights.length;
    const off = mode === 'all' ? this.cacheBytes : 0;
    const slot = cacheBytesOf(op.inChannels, cout);
    if (mode === 'all') this.cacheBytes += slot;
    else if (mode === 'layer') this.cacheBytes = Math.max(this.cacheBytes, slot);
    else this.rowBytes = Math.max(this.rowBytes, rowBytesOf(op.inChannels));
    if (mode === 'none') {
      this.rowAccessor.push(`  case ${l}:`, `    if (o < 0 || o >= ${cout}) return -1;`, `    e = htpw_syn_begin(&${prefix}_glayers[${l}], &sc, &st);`, `    if (e == HTPW_SYN_OK) e = htpw_syn_row(&st, o, weights, bias, multiplier, shift, &sum);`, `    if (e == HTPW_SYN_OK) e = htpw_fold_bias_one(bias, sum, ${inputOffset});`, `    return e == HTPW_SYN_OK ? 0 : -1;`);
      return { filter: '', bias: '', multiplier: '', shift: '', preBody: '', rowLayer: l };
    }
    const b = `((int32_t *)(void *)(HTPW_CACHE + ${off}))`;
    const m = `((int32_t *)(void *)(HTPW_CACHE + ${off + 4 * cout}))`;
    const w = `(HTPW_CACHE + ${off + 8 * cout})`;
    const s = `(HTPW_CACHE + ${off + 8 * cout + nW})`;
    const refs = { filter: w, bias: b, multiplier: m, shift: s };
    const synth = [
      `  e = htpw_synthesize_layer(&${prefix}_glayers[${l}], &sc, ${w}, ${b}, ${m}, ${s});`,
      ...(this.foldBias ? [`  if (e == HTPW_SYN_OK) e = htpw_fold_bias_sums(sc.wsum, ${b}, ${cout}, ${inputOffset});`] : []),
    ];
    const what = `op ${index} "${commentText(op.name)}": generated layer ${l}, pointwise ${op.inChannels} -> ${cout}`;
    if (mode === 'all') {
      this.initSynth.push(`  /* ${what} */`, ...synth, `  if (e != HTPW_SYN_OK) return e;`);
      this.accessor.push(`  case ${l}: *weights = ${w}; *bias = ${b}; *multiplier = ${m}; *shift = ${s}; return 0;`);
      return { ...refs, preBody: '', rowLayer: -1 };
    }
    // 'layer'
    this.synFns.push(...this.slotSynthesisFunction(l, what, synth, cout, s, shift32Offset));
    this.accessor.push(`  case ${l}: if (${prefix}_syn${l}() != HTPW_SYN_OK) return -1; *weights = ${w}; *bias = ${b}; *multiplier = ${m}; *shift = ${s}; return 0;`);
    const preBody = `  if (${prefix}_syn${l}() != HTPW_SYN_OK) {
    ${prefix}_status = -3;
    return;
  }`;
    return { ...refs, preBody, rowLayer: -1 };
  }

  /** 'layer': static int32_t <prefix>_syn<l>(void), synthesizing layer l into the one slot. */
  private slotSynthesisFunction(l: number, what: string, synth: string[], cout: number, s: string, shift32Offset: number): string[] {
    const { prefix } = this;
    const shift32 = this.widenShifts ? [`  if (e == HTPW_SYN_OK) for (i = 0; i < ${cout}; i++) (HTPW_SHIFT32 + ${shift32Offset})[i] = ${s}[i];`] : [];
    return [
      `/* ${what}, synthesized into the one cache slot */`,
      `static int32_t ${prefix}_syn${l}(void) {`,
      `  int32_t e;`,
      ...(this.widenShifts ? ['  int32_t i;'] : []),
      `  htpw_syn_scratch_t sc;`,
      `  ${prefix}_syn_scratch(&sc);`,
      ...synth,
      ...shift32,
      `  return e;`,
      `}`,
      '',
    ];
  }
}
