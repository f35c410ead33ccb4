import { readFileSync } from 'node:fs';
import { checkKnownFlags, parseArgs, stringFlag, UsageError, inputFile, type Command } from '../command.ts';
import { FormatError } from '../../util/errors.ts';
import { decodeDeployable, DEPLOYABLE_MAGIC } from '../../hyper/deployable_io.ts';
import type { Deployable } from '../../hyper/deployable.ts';
import { accountBytes, formatByteTable, formatPwCacheModes, pwCacheModeTable, type DeviceFigures } from '../../hyper/bytes.ts';
import { PW_CACHE_MODES, type PwCacheMode } from '../../hyper/cost.ts';
import { decodeIntModel, INT_MODEL_MAGIC } from '../../quant/int_model_io.ts';
import type { IntModel } from '../../quant/int_model.ts';
import { TARGETS, hasArmToolchain } from '../../codegen/toolchain.ts';
import { measureOnTarget, type TargetKey } from '../../codegen/measure.ts';

/** `hypertinypw bytes <model.htpw> [--json] [--alias-scratch] [--pw-cache MODE] [--mcu TARGET]`: the packed-byte flash / RAM table. */
export const bytesCommand: Command = {
  name: 'bytes',
  summary: 'packed-byte flash / RAM accounting of a model file (.htpw: deployable or IntModel)',
  help: [
    'usage: hypertinypw bytes <model.htpw> [--json] [--alias-scratch] [--pw-cache all|layer|none] [--mcu TARGET]',
    '',
    'Prints the flash bytes by category (generator trunk / heads, bases, codes, gains, kept PW1,',
    'stored PW, stem, depthwise, classifier, biases, requantization) and the RAM bytes (activation',
    'arena, PW cache, synthesis scratch), computed from the model itself. <model.htpw> holds a',
    `Deployable (magic ${DEPLOYABLE_MAGIC}) or an IntModel (magic ${INT_MODEL_MAGIC}, every weight stored INT8),`,
    'told apart by the magic. A deployable with generated layers also gets the table of PW cache',
    'modes (export-c --pw-cache): RAM and the synthesis each inference repeats, per mode.',
    '',
    '  --json           print the account as JSON',
    '  --alias-scratch  count the synthesis scratch inside the activation arena (it runs before inference)',
    '  --pw-cache MODE  count the RAM of mode all (default: every layer cached), layer or none',
    `  --mcu TARGET     also link the exported C for TARGET (${Object.keys(TARGETS).join(', ')}) and run it`,
    '                   under QEMU: a code line (text of model, kernels and synthesis) beside the',
    '                   parameters, and per mode the linked static RAM and the instructions of init',
    '                   and of one inference (needs arm-none-eabi-gcc and qemu-system-arm)',
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    const p = parseArgs(args, ['json', 'alias-scratch']);
    checkKnownFlags(p, ['json', 'alias-scratch', 'pw-cache', 'mcu']);
    if (p.positional.length !== 1) throw new UsageError('expected exactly one file (see --help)');
    const mode = pwCacheFlag(stringFlag(p, 'pw-cache'));
    const mcu = stringFlag(p, 'mcu');
    if (mcu !== undefined && !(mcu in TARGETS)) throw new UsageError(`--mcu: "${mcu}" is not one of ${Object.keys(TARGETS).join(', ')}`);
    if (mcu !== undefined && !hasArmToolchain()) throw new UsageError('--mcu needs arm-none-eabi-gcc and qemu-system-arm on the PATH');
    const path = inputFile(p.positional[0]);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new FormatError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const magic = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
    const input: Deployable | IntModel = magic === INT_MODEL_MAGIC ? decodeIntModel(bytes, path) : decodeDeployable(bytes, path);
    const account = accountBytes(input, { scratchAliasesArena: p.flags.has('alias-scratch'), pwCache: mode });
    const generated = 'generator' in input && (input.generator?.layers.length ?? 0) > 0;
    const modes = generated ? pwCacheModeTable(input) : null;
    const device = mcu !== undefined ? measureModes(input, mcu as TargetKey, generated ? PW_CACHE_MODES : ['all']) : undefined;
    if (p.flags.has('json')) console.log(JSON.stringify({ file: path, ...account, ...(modes ? { pwCacheModes: modes } : {}), ...(device ? { device } : {}) }, null, 2));
    else {
      console.log(formatByteTable(account, `${path}`, device));
      if (modes) console.log(formatPwCacheModes(modes, device));
    }
    return 0;
  },
};

/** --pw-cache: 'all' when absent; a UsageError naming the flag otherwise. */
export function pwCacheFlag(value: string | undefined): PwCacheMode {
  if (value === undefined) return 'all';
  if (!(PW_CACHE_MODES as readonly string[]).includes(value)) throw new UsageError(`--pw-cache: "${value}" is not one of ${PW_CACHE_MODES.join(', ')}`);
  return value as PwCacheMode;
}

function measureModes(input: Deployable | IntModel, target: TargetKey, modes: readonly PwCacheMode[]): DeviceFigures {
  const d: DeviceFigures = { target, codeBytes: {}, ramBytes: {}, initInstructions: {}, invokeInstructions: {}, notes: [] };
  for (const mode of modes) {
    let m;
    try {
      m = measureOnTarget(input, target, { pwCache: mode });
    } catch (e) {
      // a mode whose RAM exceeds the board's is a result, not a failure of the command
      const over = /region `RAM' overflowed by (\d+) bytes/.exec((e as Error).message);
      if (!over) throw e;
      d.notes.push(`--pw-cache ${mode} does not fit ${TARGETS[target].name}: RAM overflowed by ${over[1]} B`);
      continue;
    }
    d.codeBytes[mode] = m.codeBytes;
    d.ramBytes[mode] = m.ramBytes;
    if (m.initInstructions !== null) d.initInstructions[mode] = m.initInstructions;
    if (m.invokeInstructions !== null) d.invokeInstructions[mode] = m.invokeInstructions;
  }
  return d;
}
