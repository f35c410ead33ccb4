import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkKnownFlags, numberFlag, parseArgs, stringFlag, UsageError, type Command, inputFile as existingFile } from '../command.ts';
import { goldenFiles, goldenModel } from '../../codegen/golden.ts';
import { decodeModelFile, kernelsFlag } from './export_c.ts';
import { pwCacheFlag } from './bytes.ts';
import { randomInput } from '../../quant/testing/random_model.ts';
import { crc32 } from '../../util/crc32.ts';
import { writeFileAtomic } from '../../util/atomic_write.ts';
import { FormatError } from '../../util/errors.ts';
import type { IntModel } from '../../quant/int_model.ts';

export const goldenCommand: Command = {
  name: 'golden',
  summary: 'write golden vectors (inputs, every layer output, outputs) as C headers and JSON',
  help: `usage: hypertinypw golden <model.htpw> --out <dir> [--cases N] [--seed S] [--input FILE] [--prefix NAME] [--kernels native|cmsis-nn|reference]
                       [--pw-cache all|layer|none]

<model.htpw> is a Deployable ('HTPWDEPL', synthesized in TypeScript first) or an IntModel ('HTPWIMDL').
Runs the simulator with per-layer dumps on N seeded random int8 inputs (default 3) and writes
<prefix>_golden.h, <prefix>_golden.json, <prefix>_golden_test.c (a checking program for the C
from export-c, built with -DHTPW_LAYER_HOOK=<prefix>_golden_hook) and, with generated layers,
<prefix>_golden_kernels.h (the synthesized weights, folded bias, multiplier and shift; from a
Deployable the checking program compares them with the cache <prefix>_init filled). Every file
names its generator and the model's CRC-32. --kernels cmsis-nn / reference: for C exported with
the same --kernels (its cache holds the TFLite bias, not the folded one). --pw-cache: the mode the C was
exported with (none: the checking program compares each row through <prefix>_generated_row).
  --input FILE  the inputs instead of random ones: raw int8 bytes, one case per model input size
                (e.g. the beat the inspect page offers for download)`,
  async run(args: string[]): Promise<number> {
    const p = parseArgs(args);
    checkKnownFlags(p, ['out', 'cases', 'seed', 'prefix', 'kernels', 'input', 'pw-cache']);
    const kernels = kernelsFlag(stringFlag(p, 'kernels'));
    const pwCache = pwCacheFlag(stringFlag(p, 'pw-cache'));
    const [modelPath] = p.positional;
    const out = stringFlag(p, 'out');
    if (!modelPath || !out || p.positional.length !== 1) throw new UsageError('expected <model.htpw> --out <dir>');
    const cases = numberFlag(p, 'cases', 3)!;
    const seed = numberFlag(p, 'seed', 1)!;
    if (!Number.isInteger(cases) || cases < 1) throw new UsageError('--cases must be a positive integer');
    const bytes = readFileSync(existingFile(modelPath));
    const input = decodeModelFile(bytes, modelPath);
    const model = goldenModel(input);
    const inputFile = stringFlag(p, 'input');
    const inputs = inputFile ? inputCases(model, inputFile) : Array.from({ length: cases }, (_, i) => randomInput(model, seed + i));
    const generator = inputFile ? `hypertinypw golden --input ${inputFile}` : `hypertinypw golden --seed ${seed} --cases ${cases}`;
    const files = goldenFiles(input, inputs, { prefix: stringFlag(p, 'prefix'), modelSource: modelPath, modelCrc32: crc32(bytes), generator, kernels, pwCache });
    for (const [name, text] of files) writeFileAtomic(join(out, name), text);
    console.log(`wrote ${[...files.keys()].join(', ')} to ${out}`);
    return 0;
  },
};

/** The int8 cases of an --input file: its bytes cut into model-input-sized cases. */
function inputCases(model: IntModel, path: string): Int8Array[] {
  let raw: Uint8Array;
  existingFile(path);
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new FormatError(path, `cannot read the input file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const size = model.tensors[model.inputId].shape.reduce((a, b) => a * b, 1);
  if (raw.length === 0 || raw.length % size !== 0) throw new FormatError(path, `${raw.length} bytes is not a positive multiple of the model input size ${size} (int8 [${model.tensors[model.inputId].shape.join(', ')}])`);
  const all = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
  return Array.from({ length: raw.length / size }, (_, k) => all.slice(k * size, (k + 1) * size));
}
