import type { Command } from '../command.ts';
import { bytesCommand } from './bytes.ts';
import { compressCommand } from './compress.ts';
import { dataCommand } from './data.ts';
import { evalCommand } from './eval.ts';
import { exportCCommand } from './export_c.ts';
import { goldenCommand } from './golden.ts';
import { inspectCommand } from './inspect.ts';
import { quantizeCommand } from './quantize.ts';
import { reportCommand } from './report.ts';
import { runCommand } from './run.ts';
import { sweepCommand } from './sweep.ts';
import { trainCommand } from './train.ts';

/** Every subcommand, in the order `--help` lists them (the path of docs/ARCHITECTURE.md). */
export const COMMANDS: Command[] = [
  runCommand,
  dataCommand,
  trainCommand,
  quantizeCommand,
  compressCommand,
  evalCommand,
  bytesCommand,
  exportCCommand,
  goldenCommand,
  sweepCommand,
  reportCommand,
  inspectCommand,
];
