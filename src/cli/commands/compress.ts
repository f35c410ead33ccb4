import { checkKnownFlags, numberFlag, parseArgs, stringFlag, UsageError, inputFile, type Command } from '../command.ts';
import { evenCalibration, loadTask, taskOfFlag } from '../../pipeline/data.ts';
import { splitIndices } from '../../data/dataset.ts';
import { accountBytes, formatByteTable } from '../../hyper/bytes.ts';
import { compressLowRank, compressToDeployable } from '../../hyper/compress.ts';
import { writeDeployable } from '../../hyper/deployable_io.ts';
import { HyperModel, loadHyperModel } from '../../hyper/hyper_model.ts';

/**
 * `hypertinypw compress <checkpoint.ckpt> --out <model.htpw> --data <mitdb dir>`: a HyperModel (or
 * trained low-rank) checkpoint written by trainHyperModel -> deployable file + byte table.
 * The generator knobs are the checkpoint's (meta.extra.hyper); --knobs only checks them.
 */
export const compressCommand: Command = {
  name: 'compress',
  summary: 'compress a HyperTinyPW checkpoint into a deployable (generator + codes + INT8 backbone)',
  help: [
    'usage: hypertinypw compress <checkpoint.ckpt> --out <model.htpw> --data <mitdb dir> [--task aami|binary|apnea|ptbxl|...]',
    '                             [--calib N] [--knobs dz,dh,r] [--rounding double|single] [--name NAME]',
    '',
    'Folds the BatchNorm after each generated PW into the stored generator (gains or the next',
    'layer), calibrates activation ranges on N training examples (default 1024), converts the',
    'backbone to INT8, quantizes the generator and writes the deployable; prints its bytes.',
    '',
    '  --knobs dz,dh,r   expected generator knobs (an error if the checkpoint has others)',
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    const p = parseArgs(args);
    checkKnownFlags(p, ['out', 'data', 'task', 'calib', 'knobs', 'rounding', 'name']);
    if (p.positional.length !== 1) throw new UsageError('expected exactly one checkpoint (see --help)');
    const out = stringFlag(p, 'out');
    const dir = stringFlag(p, 'data');
    if (!out || !dir) throw new UsageError('--out and --data are required');
    const task = taskOfFlag(stringFlag(p, 'task', 'aami')!);
    const rounding = stringFlag(p, 'rounding', 'double') as 'double' | 'single';
    if (rounding !== 'double' && rounding !== 'single') throw new UsageError(`--rounding must be double or single, got ${rounding}`);
    const model = loadHyperModel(inputFile(p.positional[0]));
    const knobs = stringFlag(p, 'knobs');
    if (knobs !== undefined) {
      if (!(model instanceof HyperModel)) throw new UsageError('--knobs given for a low-rank checkpoint');
      const [dz, dh, r] = knobs.split(',').map(Number);
      const k = model.knobs;
      if (k.dz !== dz || k.dh !== dh || k.rank !== r) throw new UsageError(`checkpoint knobs are ${k.dz},${k.dh},${k.rank}, not ${knobs}`);
    }
    const ds = loadTask(task, dir);
    const calib = evenCalibration(ds, splitIndices(ds, 'train'), numberFlag(p, 'calib', 1024)!);
    const name = stringFlag(p, 'name');
    const { deployable } = model instanceof HyperModel ? compressToDeployable(model, calib, { rounding, name }) : compressLowRank(model, calib, { rounding, name });
    writeDeployable(out, deployable);
    console.log(formatByteTable(accountBytes(deployable), out));
    return 0;
  },
};
