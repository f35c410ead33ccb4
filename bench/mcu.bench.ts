/**
 * bench mcu: executed instructions per MAC of the generated C on emulated Cortex-M4 (DSP and
 * portable paths) and Cortex-M0, counted by our QEMU TCG plugin (src/codegen/mcu/icount.c) inside
 * the layer function's address range from `nm -S` (plus the libgcc helpers it calls), and flash /
 * RAM per section from arm-none-eabi-size and nm. For a MIT-BIH-sized deployable (separable CNN,
 * 187 x 1, stem 32, widths 32,64,64,128,128,128; PW1 kept, 5 generated layers): instructions of
 * one synthesis (<prefix>_init, from the packed flash bytes into the RAM cache) and of one
 * inference, and its flash (weight symbols = accountBytes) and RAM by section; the whole inference
 * in instructions per MAC for our kernels, the same model calling Arm CMSIS-NN (built in this run)
 * and the same model on plain TFLite-Micro-style loops (export-c --kernels reference). For the
 * bundled demo deployable (data/demo/hypertinypw.htpw, what `npm start` trains): RAM and
 * instructions under each --pw-cache mode. `npm run bench -- mcu`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { record, writeResults, type BenchRecord } from './lib/harness.ts';
import { asDeployable, exportCWithLayout } from '../src/codegen/export_c.ts';
import { accountBytes } from '../src/hyper/bytes.ts';
import { separableDeployable } from '../src/hyper/testing.ts';
import { synthesisCost } from '../src/hyper/cost.ts';
import { synthesize, type Deployable } from '../src/hyper/deployable.ts';
import { buildPlugin, compileArm, countInstructions, hasArmToolchain, sectionSizes, symbols, TARGETS, weightSymbols, writeFiles, type Target } from '../src/codegen/toolchain.ts';
import { depthwiseModel, pointwiseModel, chainModel } from '../src/codegen/testing/shape_models.ts';
import { buildCmsisNn, cmsisNnRoot } from '../src/codegen/cmsis_nn_library.ts';
import { randomIntModel } from '../src/quant/testing/random_model.ts';
import type { IntModel } from '../src/quant/int_model.ts';
import { measureOnTarget, type TargetKey } from '../src/codegen/measure.ts';
import { decodeDeployable } from '../src/hyper/deployable_io.ts';
import { PW_CACHE_MODES } from '../src/hyper/cost.ts';

const DEMO_DEPLOYABLE = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'demo', 'hypertinypw.htpw');

const REF_LOOPS = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'codegen', 'c', 'tflm_reference_loops.h');

/** Layer shapes measured for our kernels, Arm CMSIS-NN (the same layer exported with kernels
 * 'cmsis-nn', built from ../shared/third_party/cmsis-nn in this run) and a plain TFLite-style loop. */
const SHAPES = [
  { name: 'pointwise 64 pos 64->64', kind: 'pw' as const, l: 64, cin: 64, cout: 64, k: 1 },
  { name: 'pointwise 32 pos 32->64', kind: 'pw' as const, l: 32, cin: 32, cout: 64, k: 1 },
  { name: 'pointwise 32 pos 128->128', kind: 'pw' as const, l: 32, cin: 128, cout: 128, k: 1 },
  { name: 'depthwise 64 pos 64 ch k5', kind: 'dw' as const, l: 64, cin: 64, cout: 64, k: 5 },
];

function benchMain(prefix: string, shape: (typeof SHAPES)[number]): string {
  const P = prefix.toUpperCase();
  const n = shape.l * shape.cin;
  const pad = shape.kind === 'pw' ? 0 : (shape.k - 1) >> 1;
  const refParams = `{ .stride = 1, .dilation = 1, .padBefore = ${pad}, .padAfter = ${shape.k - 1 - pad}, .inputOffset = 3, .outputOffset = -2, .actMin = -128, .actMax = 127,
  .multiplier = mult, .shift = shift,
  .inputDims = { 1, ${shape.l}, ${shape.cin} }, .filterDims = { ${shape.cout}, ${shape.k}, ${shape.cin} }, .filter = w, .bias = bias, .outputDims = { 1, ${shape.l}, ${shape.cout} } }`;
  const ref = `${shape.kind === 'pw' ? 'ref_pwconv1d_s8' : 'ref_dwconv1d_s8'}(&ref_params, in, ref_out);`;
  return `#include <stdint.h>
#include <string.h>
#include "${prefix}.h"
#include "tflm_reference_loops.h"
static int8_t in[${n}], out[${P}_OUTPUT_SIZE], ref_out[${shape.l * shape.cout}];
static int8_t w[${shape.cin * shape.cout * shape.k}], shift[${shape.cout}];
static int32_t bias[${shape.cout}], mult[${shape.cout}];
static const htpw_conv_params_t ref_params = ${refParams};
int main(void) {
  int32_t i;
  for (i = 0; i < ${n}; i++) in[i] = (int8_t)((i * 37) & 0xff);
  for (i = 0; i < (int32_t)sizeof w; i++) w[i] = (int8_t)((i * 11 + 5) % 255 - 127);
  for (i = 0; i < ${shape.cout}; i++) { bias[i] = i * 13 - 400; mult[i] = 1518500250 + i * 1000; shift[i] = (int8_t)(-8 - (i & 3)); }
  ${prefix}_init();
  ${prefix}_invoke(in, out);
  ${ref}
  return (out[0] + ref_out[0]) == 300 ? 1 : 0;
}
`;
}

function helperRanges(syms: ReturnType<typeof symbols>): [number, number][] {
  return [...syms.values()].filter((s) => /^__(aeabi_l|.*di3$|muldi|ashldi|ashrdi|lshrdi)/.test(s.name) && s.size > 0).map((s) => [s.addr, s.addr + s.size]);
}

/** Instructions per MAC of the same layer run by CMSIS-NN: the layer function (which only sets up the
 * call) plus every arm_* function and libgcc helper (only CMSIS-NN code runs between the marks). */
function measureCmsis(shape: (typeof SHAPES)[number], target: Target, targetKey: keyof typeof TARGETS, plugin: string, root: string): number {
  const model = shape.kind === 'pw' ? pointwiseModel(shape.l, shape.cin, shape.cout, 1) : depthwiseModel(shape.l, shape.cin, shape.k, 1);
  const dir = mkdtempSync(join(tmpdir(), 'htpw-bench-mcu-cmsis-'));
  const { files, layout } = exportCWithLayout(model, { prefix: 'bm', kernels: 'cmsis-nn' });
  writeFiles(dir, files);
  writeFileSync(join(dir, 'main.c'), `#include <stdint.h>\n#include "bm.h"\nstatic int8_t in[BM_INPUT_SIZE], out[BM_OUTPUT_SIZE];\nint main(void) {\n  int32_t i;\n  for (i = 0; i < BM_INPUT_SIZE; i++) in[i] = (int8_t)((i * 37) & 0xff);\n  if (bm_init() != 0) return 2;\n  return bm_invoke(in, out) != 0 ? 3 : 0;\n}\n`);
  const lib = buildCmsisNn(root, 'arm-none-eabi-gcc', [...TARGETS[targetKey].cflags, '-O2'], model.rounding);
  const { elf } = compileArm(dir, ['bm.c', 'main.c'], 'bench.elf', target, ['-O2', '-I', lib.include], [lib.lib]);
  const syms = symbols(elf);
  const layer = syms.get(layout.layerFunctions[0]);
  if (!layer) throw new Error('layer symbol missing');
  const arm = [...syms.values()].filter((x) => x.name.startsWith('arm_') && x.size > 0 && x.type.toLowerCase() === 't' && !/get_buffer_size/.test(x.name));
  const r = countInstructions(elf, target, plugin, null, [[layer.addr, layer.addr + layer.size], ...arm.map((x): [number, number] => [x.addr, x.addr + x.size]), ...helperRanges(syms)]);
  if (r.status !== 0) throw new Error(`CMSIS-NN bench run failed (status ${r.status}): ${r.stdout}${r.stderr}`);
  const macs = shape.l * shape.cin * shape.cout * (shape.kind === 'dw' ? shape.k / shape.cout : 1);
  return r.ranges.reduce((a, b) => a + b.count, 0) / macs;
}

function measure(shape: (typeof SHAPES)[number], target: Target, plugin: string): { ours: number; ref: number; macs: number } {
  const model = shape.kind === 'pw' ? pointwiseModel(shape.l, shape.cin, shape.cout, 1) : depthwiseModel(shape.l, shape.cin, shape.k, 1);
  const dir = mkdtempSync(join(tmpdir(), 'htpw-bench-mcu-'));
  const { files, layout } = exportCWithLayout(model, { prefix: 'bm' });
  writeFiles(dir, files);
  writeFileSync(join(dir, 'tflm_reference_loops.h'), readRef());
  writeFileSync(join(dir, 'main.c'), benchMain('bm', shape));
  const { elf } = compileArm(dir, ['bm.c', 'main.c'], 'bench.elf', target, ['-O2']);
  const syms = symbols(elf);
  const layer = syms.get(layout.layerFunctions[0]);
  const refFn = syms.get(shape.kind === 'pw' ? 'ref_pwconv1d_s8' : 'ref_dwconv1d_s8');
  if (!layer || !refFn) throw new Error('layer or reference symbol missing');
  const helpers = helperRanges(syms);
  const r = countInstructions(elf, target, plugin, null, [[layer.addr, layer.addr + layer.size], [refFn.addr, refFn.addr + refFn.size], ...helpers]);
  const helperCount = r.ranges.slice(2).reduce((a, b) => a + b.count, 0);
  const macs = shape.l * shape.cin * shape.cout * (shape.kind === 'dw' ? shape.k / shape.cout : 1);
  // libgcc helpers (64-bit multiply on Cortex-M0) are called by both functions and address ranges
  // cannot tell the callers apart; both do the same number of requantizations, so each is given
  // half of the helper instructions (the M0 figures are therefore approximate).
  if (helperCount > 0) {
    const each = helperCount / 2;
    return { ours: (r.ranges[0].count + each) / macs, ref: (r.ranges[1].count + each) / macs, macs };
  }
  return { ours: r.ranges[0].count / macs, ref: r.ranges[1].count / macs, macs };
}

let refText = '';
function readRef(): string {
  if (!refText) refText = readFileSync(REF_LOOPS, 'utf8');
  return refText;
}

function sizes(model: IntModel | Deployable, target: Target, tag: string): BenchRecord[] {
  const dir = mkdtempSync(join(tmpdir(), 'htpw-bench-size-'));
  const { files, layout } = exportCWithLayout(model, { prefix: 'sz' });
  writeFiles(dir, files);
  writeFileSync(join(dir, 'main.c'), `#include <stdint.h>\n#include "sz.h"\nstatic int8_t in[SZ_INPUT_SIZE], out[SZ_OUTPUT_SIZE];\nint main(void) { sz_init(); return sz_invoke(in, out) + out[0] * 0; }\n`);
  const { elf } = compileArm(dir, ['sz.c', 'main.c'], 'size.elf', target, ['-O2']);
  const sec = sectionSizes(elf);
  const syms = symbols(elf);
  const weightSymBytes = weightSymbols(elf).reduce((a, s) => a + s.size, 0);
  const codeSyms = [...syms.values()].filter((s) => s.type.toLowerCase() === 't' && /^(sz_|htpw_)/.test(s.name));
  const codeBytes = codeSyms.reduce((a, s) => a + s.size, 0);
  const accounted = accountBytes(asDeployable(model)).flash.total;
  const arena = syms.get('sz_arena')?.size ?? 0;
  const cache = syms.get('sz_cache')?.size ?? 0;
  const scratch = syms.get('sz_scratch')?.size ?? 0;
  console.log(`  ${tag} ${target.name}: .htpw_weights ${sec.get('.htpw_weights')} B (weight symbols ${weightSymBytes} B, accountBytes ${accounted} B), model code ${codeBytes} B, .text ${sec.get('.text')} B, arena ${arena} B (plan ${layout.arenaBytes}), cache ${cache} B, scratch ${scratch} B, .bss ${sec.get('.bss')} B`);
  return [
    record(`${tag} ${target.name}: weight section bytes`, sec.get('.htpw_weights') ?? 0, accounted, 'B', 'baseline = accountBytes(...).flash.total; the section includes alignment padding'),
    record(`${tag} ${target.name}: weight symbol bytes (nm -S)`, weightSymBytes, accounted, 'B', 'must equal accountBytes(...).flash.total exactly'),
    record(`${tag} ${target.name}: model code bytes (layer fns + init + invoke + synthesis)`, codeBytes, null, 'B'),
    record(`${tag} ${target.name}: RAM arena + cache + scratch`, arena + cache + scratch, null, 'B', `arena ${arena}, cache ${cache}, scratch ${scratch}`),
  ];
}

/** Multiply-accumulates of one inference of model (conv, depthwise, pointwise, fully connected). */
function inferenceMacs(model: IntModel): number {
  let macs = 0;
  for (const op of model.ops) {
    const y = model.tensors[op.output].shape;
    const positions = y.length > 1 ? y[0] : 1;
    if (op.kind === 'conv1d') macs += positions * op.outChannels * op.kernelSize * op.inChannels;
    else if (op.kind === 'dwconv1d') macs += positions * op.outChannels * op.kernelSize;
    else if (op.kind === 'pwconv1d' || op.kind === 'fully_connected') macs += positions * op.outChannels * op.inChannels;
  }
  return macs;
}

/** One synthesis (init) and one inference of a deployable (measureOnTarget: counted between calls
 * of a marker function), its flash and its RAM by array. */
function synthesisAndInference(dep: Deployable, tkey: TargetKey, label: string): BenchRecord[] {
  const m = measureOnTarget(dep, tkey);
  const { layout, elf } = m;
  const synth = m.initInstructions!;
  const infer = m.invokeInstructions!;
  const sec = sectionSizes(elf);
  const weightSymBytes = m.weightBytes;
  const acc = accountBytes(dep);
  const synCode = m.synthesisCodeBytes;
  const modelCode = m.codeBytes;
  const arena = m.ram.arena ?? 0;
  const cache = m.ram.cache ?? 0;
  const scratch = m.ram.scratch ?? 0;
  const cost = synthesisCost(dep.generator!);
  console.log(`  ${label}: synthesis ${synth} instr (${cost.macs} MAC, ${cost.divisions} div), inference ${infer} instr; weights ${weightSymBytes} B (accountBytes ${acc.flash.total}), .htpw_weights ${sec.get('.htpw_weights')} B, code ${modelCode} B (synthesis ${synCode} B), .text ${sec.get('.text')} B, arena ${arena} B (scratch ${layout.synthesisScratchBytes} aliased), cache ${cache} B (accountBytes pwCache ${acc.ram.byCategory.pwCache}), DSP scratch ${scratch} B, .bss ${sec.get('.bss')} B`);
  return [
    record(`MIT-BIH deployable ${label}: synthesis (init) instructions`, synth, null, 'instr', `${layout.generatedLayers} generated layers, ${cost.divisions} generated weights (${(synth / cost.divisions).toFixed(1)} instr each), ${cost.macs} MAC + ${cost.divisions} divisions in the spec's count; issue #14's goal: < 1 M on the M4`),
    record(`MIT-BIH deployable ${label}: inference instructions`, infer, null, 'instr', 'one invoke, 187 x 1 input'),
    record(`MIT-BIH deployable ${label}: weight symbol bytes (nm -S)`, weightSymBytes, acc.flash.total, 'B', 'baseline = accountBytes(dep).flash.total; must be equal'),
    record(`MIT-BIH deployable ${label}: .htpw_weights section`, sec.get('.htpw_weights') ?? 0, acc.flash.total, 'B', 'section includes alignment padding before int32 arrays'),
    record(`MIT-BIH deployable ${label}: code bytes (model + kernels + synthesis)`, modelCode, null, 'B', `synthesis code (init + htpw_synthesize_layer and helpers not inlined) ${synCode} B; .text ${sec.get('.text')} B incl. newlib`),
    record(`MIT-BIH deployable ${label}: RAM arena`, arena, acc.ram.byCategory.activationArena, 'B', `baseline = accountBytes activationArena; synthesis scratch ${layout.synthesisScratchBytes} B aliases it`),
    record(`MIT-BIH deployable ${label}: RAM cache`, cache, acc.ram.byCategory.pwCache, 'B', 'baseline = accountBytes pwCache; must be equal (cost.ts cacheBytesOf is the size the C allocates)'),
    record(`MIT-BIH deployable ${label}: RAM DSP scratch`, scratch, null, 'B'),
  ];
}

/** The demo deployable under each --pw-cache mode: linked static RAM and instructions of init and
 * of one inference, on the Cortex-M4 (DSP) and Cortex-M0 code (the micro:bit's core; on the 4 MB
 * board, so that 'all' links too). */
function pwCacheModes(dep: Deployable): BenchRecord[] {
  const out: BenchRecord[] = [];
  const acc = Object.fromEntries(PW_CACHE_MODES.map((m) => [m, accountBytes(dep, { pwCache: m, scratchAliasesArena: true })]));
  for (const [tkey, label] of [['m4', 'cortex-m4 DSP'], ['m0-code-4mb', 'cortex-m0 code']] as [TargetKey, string][]) {
    for (const mode of PW_CACHE_MODES) {
      const m = measureOnTarget(dep, tkey, { pwCache: mode });
      console.log(`  demo deployable ${label} --pw-cache ${mode}: RAM ${m.ramBytes} B linked (accountBytes ${acc[mode].ram.total}), code ${m.codeBytes} B, init ${m.initInstructions} instr, invoke ${m.invokeInstructions} instr`);
      out.push(
        record(`demo deployable ${label} --pw-cache ${mode}: static RAM`, m.ramBytes, acc[mode].ram.total, 'B', `linked arrays of the model (${Object.entries(m.ram).filter(([, v]) => v > 8).map(([k, v]) => `${k} ${v}`).join(', ')}); baseline = accountBytes with this mode`),
        record(`demo deployable ${label} --pw-cache ${mode}: init instructions`, m.initInstructions!, null, 'instr', mode === 'all' ? 'the whole synthesis, once at load' : 'no synthesis at load'),
        record(`demo deployable ${label} --pw-cache ${mode}: inference instructions`, m.invokeInstructions!, null, 'instr', mode === 'all' ? 'one invoke' : 'one invoke, synthesis included'),
        record(`demo deployable ${label} --pw-cache ${mode}: code bytes`, m.codeBytes, null, 'B', `model, kernels and synthesis (.text of the exported C; synthesis ${m.synthesisCodeBytes} B); parameters ${m.weightBytes} B`),
      );
    }
  }
  return out;
}

async function main(): Promise<void> {
  if (!hasArmToolchain()) {
    console.log('mcu bench: arm-none-eabi-gcc / qemu-system-arm missing, nothing measured');
    writeResults('mcu', []);
    return;
  }
  const plugin = buildPlugin(join(tmpdir(), 'htpw-icount'));
  const records: BenchRecord[] = [];
  const root = cmsisNnRoot();
  if (!root) console.log('mcu bench: CMSIS-NN not found at ../shared/third_party/cmsis-nn (HTPW_CMSIS_NN): no CMSIS-NN figures');
  // CMSIS-NN is built per core: the M4 DSP library (SMLAD paths) for 'M4 DSP', the Cortex-M0 (portable) library for 'M0'
  for (const [tkey, label, cmsisKey] of [['m4', 'M4 DSP', 'm4'], ['m4-nodsp', 'M4 portable', null], ['m0-code-4mb', 'M0', 'm0-code-4mb']] as const) {
    for (const shape of SHAPES) {
      const r = measure(shape, TARGETS[tkey], plugin);
      const cm = root && cmsisKey ? measureCmsis(shape, TARGETS[tkey], cmsisKey, plugin, root) : null;
      console.log(`  ${label.padEnd(12)} ${shape.name.padEnd(28)} ours ${r.ours.toFixed(2)} instr/MAC, ${cm !== null ? `CMSIS-NN ${cm.toFixed(2)}, ` : ''}plain TFLite-style loop ${r.ref.toFixed(2)}`);
      if (cm !== null) records.push(record(`${label} ${shape.name} vs CMSIS-NN`, r.ours, cm, 'instr/MAC', `baseline = CMSIS-NN (${cmsisKey === 'm4' ? 'DSP' : 'portable'} path, -O2) on the same layer, measured in the same run`));
      records.push(record(`${label} ${shape.name} vs plain loop`, r.ours, r.ref, 'instr/MAC', 'baseline = plain TFLite-Micro-style C loop measured in the same run'));
    }
  }
  const { deployable } = separableDeployable(1, { dz: 4, dh: 12, rank: 3 });
  for (const [tkey, label] of [['m4', 'cortex-m4 DSP'], ['m4-nodsp', 'cortex-m4 portable'], ['m0-code-4mb', 'cortex-m0 code']] as const) {
    records.push(...synthesisAndInference(deployable, tkey, label));
  }
  // whole-model inference, instructions per MAC: our kernels vs the same model calling CMSIS-NN and
  // on TFLite-Micro-style reference loops, all measured in this run
  const macs = inferenceMacs(synthesize(deployable));
  for (const [tkey, label] of [['m4', 'cortex-m4 DSP'], ['m0-code-4mb', 'cortex-m0 code']] as const) {
    const ours = measureOnTarget(deployable, tkey).invokeInstructions!;
    const ref = measureOnTarget(deployable, tkey, { kernels: 'reference' }).invokeInstructions!;
    const cm = root ? measureOnTarget(deployable, tkey, { kernels: 'cmsis-nn', cmsisRoot: root }).invokeInstructions! : null;
    console.log(`  MIT-BIH deployable ${label}: inference ${(ours / macs).toFixed(2)} instr/MAC ours, ${cm !== null ? `${(cm / macs).toFixed(2)} CMSIS-NN calls, ` : ''}${(ref / macs).toFixed(2)} TFLM-style reference loops (${macs} MAC)`);
    if (cm !== null) records.push(record(`MIT-BIH deployable ${label}: inference instr/MAC vs CMSIS-NN calls`, ours / macs, cm / macs, 'instr/MAC', `${macs} MAC per inference; baseline = the same generated C with --kernels cmsis-nn, measured in the same run`));
    records.push(record(`MIT-BIH deployable ${label}: inference instr/MAC vs TFLM-style reference loops`, ours / macs, ref / macs, 'instr/MAC', `baseline = the same generated C with --kernels reference (tflm_reference_loops.h), measured in the same run`));
  }
  records.push(...pwCacheModes(decodeDeployable(readFileSync(DEMO_DEPLOYABLE), DEMO_DEPLOYABLE)));
  records.push(...sizes(chainModel(1), TARGETS.m4, 'chain model'));
  records.push(...sizes(randomIntModel(1), TARGETS.m4, 'random model 1'));
  records.push(...sizes(randomIntModel(1), TARGETS.m0, 'random model 1'));
  writeResults('mcu', records);
}

await main();
