import { COMMANDS } from './commands/index.ts';
import { describeFailure, USAGE_EXIT } from './failure.ts';

/** `--debug` anywhere on the command line, or HTPW_DEBUG=1: print the stack of a failure. */
const DEBUG_FLAG = '--debug';

function overview(): string {
  const width = Math.max(8, ...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'hypertinypw: train, compress (HyperTinyPW) and deploy TinyML 1-D CNNs to microcontrollers',
    '',
    'usage: hypertinypw <command> [options]      hypertinypw <command> --help',
    '       any command takes --debug (or HTPW_DEBUG=1) to print the stack of a failure',
    '',
    'commands:',
    ...lines,
  ].join('\n');
}

/** Run the CLI with `argv` (without node and script); returns the exit code. Every failure is
 * one line on stderr, "hypertinypw <command>: <file or argument>: <problem>" (see failure.ts). */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes(DEBUG_FLAG) || process.env.HTPW_DEBUG === '1';
  const [name, ...rest] = argv.filter((a) => a !== DEBUG_FLAG);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return name === undefined ? USAGE_EXIT : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`hypertinypw: unknown command "${name}" (try --help)`);
    return USAGE_EXIT;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    const { message, exitCode } = describeFailure(e);
    console.error(`hypertinypw ${name}: ${message}`);
    if (debug) console.error(e instanceof Error ? e.stack : e);
    return exitCode;
  }
}

// Run when executed directly (npm start / node --import tsx src/cli/main.ts).
if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
