import { UsageError } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { FormatError, ArgumentError, ResourceError } from '../util/errors.ts';

const USAGE_EXIT = 2;
const FAILURE_EXIT = 1;

function overview(): string {
  const width = Math.max(8, ...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'hypertinypw: train, compress (HyperTinyPW) and deploy TinyML 1-D CNNs to microcontrollers',
    '',
    'usage: hypertinypw <command> [options]      hypertinypw <command> --help',
    '',
    'commands:',
    ...lines,
  ].join('\n');
}

/** Run the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
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
    if (e instanceof UsageError || e instanceof ArgumentError) {
      console.error(`hypertinypw ${name}: ${e.message}`);
      return USAGE_EXIT;
    }
    if (e instanceof FormatError || e instanceof ResourceError) {
      console.error(`hypertinypw ${name}: ${e.message}`);
      return FAILURE_EXIT;
    }
    throw e;
  }
}

// Run when executed directly (npm start / node --import tsx src/cli/main.ts).
if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
