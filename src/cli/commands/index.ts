import type { Command } from '../command.ts';
import { bytesCommand } from './bytes.ts';
import { dataCommand } from './data.ts';
import { exportCCommand } from './export_c.ts';
import { goldenCommand } from './golden.ts';
import { reportCommand } from './report.ts';

/** Every subcommand, in the order `--help` lists them. Each lives in its own file here. */
export const COMMANDS: Command[] = [dataCommand, bytesCommand, exportCCommand, goldenCommand, reportCommand];
