import { readFileSync } from 'node:fs';
import { checkKnownFlags, parseArgs, UsageError, type Command } from '../command.ts';
import { FormatError } from '../../util/errors.ts';
import { decodeDeployable, DEPLOYABLE_MAGIC } from '../../hyper/deployable_io.ts';
import { accountBytes, formatByteTable } from '../../hyper/bytes.ts';
import { decodeIntModel, INT_MODEL_MAGIC } from '../../quant/int_model_io.ts';

/** `hypertinypw bytes <model.htpw> [--json] [--alias-scratch]`: the packed-byte flash / RAM table. */
export const bytesCommand: Command = {
  name: 'bytes',
  summary: 'packed-byte flash / RAM accounting of a model file (.htpw: deployable or IntModel)',
  help: [
    'usage: hypertinypw bytes <model.htpw> [--json] [--alias-scratch]',
    '',
    'Prints the flash bytes by category (generator trunk / heads, bases, codes, gains, kept PW1,',
    'stored PW, stem, depthwise, classifier, biases, requantization) and the RAM bytes (activation',
    'arena, PW cache, synthesis scratch), computed from the model itself. <model.htpw> holds a',
    `Deployable (magic ${DEPLOYABLE_MAGIC}) or an IntModel (magic ${INT_MODEL_MAGIC}, every weight stored INT8),`,
    'told apart by the magic.',
    '',
    '  --json           print the account as JSON',
    '  --alias-scratch  count the synthesis scratch inside the activation arena (it runs before inference)',
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    const p = parseArgs(args, ['json', 'alias-scratch']);
    checkKnownFlags(p, ['json', 'alias-scratch']);
    if (p.positional.length !== 1) throw new UsageError('expected exactly one file (see --help)');
    const path = p.positional[0];
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new FormatError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const magic = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
    const input = magic === INT_MODEL_MAGIC ? decodeIntModel(bytes, path) : decodeDeployable(bytes, path);
    const account = accountBytes(input, { scratchAliasesArena: p.flags.has('alias-scratch') });
    if (p.flags.has('json')) console.log(JSON.stringify({ file: path, ...account }, null, 2));
    else console.log(formatByteTable(account, `${path}`));
    return 0;
  },
};
