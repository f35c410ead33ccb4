import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkKnownFlags, parseArgs, stringFlag, UsageError, inputFile, type Command } from '../command.ts';
import { exportCWithLayout, KERNEL_BACKENDS, type KernelBackend } from '../../codegen/export_c.ts';
import { decodeIntModel } from '../../quant/int_model_io.ts';
import { decodeDeployable, DEPLOYABLE_MAGIC } from '../../hyper/deployable_io.ts';
import type { Deployable } from '../../hyper/deployable.ts';
import type { IntModel } from '../../quant/int_model.ts';
import { pwCacheFlag } from './bytes.ts';
import { crc32 } from '../../util/crc32.ts';
import { writeFileAtomic } from '../../util/atomic_write.ts';

export const exportCCommand: Command = {
  name: 'export-c',
  summary: 'print a Deployable or an IntModel as C99 (header, model source, kernels, synthesis) for a microcontroller',
  help: `usage: hypertinypw export-c <model.htpw> --out <dir> [--prefix NAME] [--no-dsp] [--kernels native|cmsis-nn|reference]
                            [--pw-cache all|layer|none]

<model.htpw> is a Deployable ('HTPWDEPL': generated pointwise layers are synthesized in C by
<prefix>_init from the packed flash sections) or an IntModel ('HTPWIMDL': every weight stored).
Writes <prefix>.h (API: <prefix>_init, <prefix>_invoke, size / scale / zero-point macros),
<prefix>.c (the flash sections as const arrays in .rodata.htpw.* sections, static arena, RAM cache,
layers), htpw_kernels.h and, when needed, htpw_synthesis.h.
  --prefix NAME   C identifier prefix (sanitized; default htpw)
  --no-dsp        never use the Arm DSP (SMLAD) path
  --kernels K     native (default: htpw_kernels.h) or cmsis-nn (the layers call Arm CMSIS-NN's s8
                  functions; compile with -I <CMSIS-NN>/Include and link its Source/*_s8*.c;
                  write the golden vectors with the same --kernels); reference: plain
                  TFLite-Micro-style loops (tflm_reference_loops.h), the baseline of the mcu bench)
  --pw-cache MODE where the synthesized pointwise kernels live in RAM: all (default: every generated
                  layer synthesized once by <prefix>_init into a cache), layer (one slot, each
                  generated layer synthesized just before it runs), none (one output channel's row
                  at a time inside the pointwise loop; native kernels). layer and none trade RAM
                  for one synthesis per inference; \`hypertinypw bytes\` shows both per mode.
                  Write the golden vectors with the same --pw-cache.`,
  async run(args: string[]): Promise<number> {
    const p = parseArgs(args, ['no-dsp']);
    checkKnownFlags(p, ['out', 'prefix', 'no-dsp', 'kernels', 'pw-cache']);
    const kernels = kernelsFlag(stringFlag(p, 'kernels'));
    const pwCache = pwCacheFlag(stringFlag(p, 'pw-cache'));
    if (pwCache === 'none' && kernels !== 'native') throw new UsageError(`--pw-cache none needs --kernels native (${kernels} computes whole layers)`);
    const [modelPath] = p.positional;
    const out = stringFlag(p, 'out');
    if (!modelPath || !out || p.positional.length !== 1) throw new UsageError('expected <model.htpw> --out <dir>');
    const bytes = readFileSync(inputFile(modelPath));
    const model = decodeModelFile(bytes, modelPath);
    const crc = crc32(bytes).toString(16).padStart(8, '0');
    const { files, layout } = exportCWithLayout(model, { prefix: stringFlag(p, 'prefix'), dsp: !p.flags.has('no-dsp'), kernels, pwCache, source: `${modelPath}, CRC-32 0x${crc}` });
    for (const [name, text] of files) writeFileAtomic(join(out, name), text);
    console.log(`wrote ${[...files.keys()].join(', ')} to ${out}: ${layout.weightBytes} B parameters (flash), ${layout.generatedLayers} generated layers, arena ${layout.arenaBytes} B, ${pwCache === 'none' ? `no cache (row ${layout.rowBytes} B)` : `cache ${layout.cacheBytes} B${pwCache === 'layer' ? ' (one slot)' : ''}`}, synthesis scratch ${layout.synthesisScratchBytes} B (${pwCache === 'all' ? 'in the arena' : 'its own'})${kernels === 'cmsis-nn' ? `, CMSIS-NN buffer ${layout.cmsisScratchBytes} B + int32 shifts ${layout.shift32Bytes} B` : ''}`);
    return 0;
  },
};

/** --kernels: 'native' when absent; a UsageError naming the flag otherwise. */
export function kernelsFlag(value: string | undefined): KernelBackend {
  if (value === undefined) return 'native';
  if (!(KERNEL_BACKENDS as readonly string[]).includes(value)) throw new UsageError(`--kernels: "${value}" is not one of ${KERNEL_BACKENDS.join(', ')}`);
  return value as KernelBackend;
}

/** A Deployable ('HTPWDEPL') or an IntModel file, told apart by the container magic. */
export function decodeModelFile(bytes: Uint8Array, source: string): Deployable | IntModel {
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  return magic === DEPLOYABLE_MAGIC ? decodeDeployable(bytes, source) : decodeIntModel(bytes, source);
}
