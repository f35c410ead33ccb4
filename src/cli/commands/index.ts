import type { Command } from '../command.ts';
import { dataCommand } from './data.ts';
import { reportCommand } from './report.ts';

/** Every subcommand, in the order `--help` lists them. Each lives in its own file here. */
export const COMMANDS: Command[] = [dataCommand, reportCommand];
