/**
 * How the CLI reports a failure: one line naming the file or argument and the problem, and the
 * exit code: 2 when the command line is wrong (unknown option, missing or invalid argument or
 * value), 1 when the command failed while running (a file or directory that does not exist, is
 * empty, truncated, corrupt or of the wrong kind; a locked directory or a full disk; an I/O
 * error; a bug). The stack is for --debug only.
 */
import { ArgumentError, FormatError, ResourceError } from '../util/errors.ts';
import { UsageError } from './command.ts';

export const USAGE_EXIT = 2;
export const FAILURE_EXIT = 1;

/** Longest message printed; a longer one (e.g. a garbage header echoed back) is cut. */
const MAX_MESSAGE = 300;

/** Node's system errors (fs, net): code ENOENT, EACCES, ... and the path or address. */
interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
}

function isSystemError(e: unknown): e is SystemError {
  return e instanceof Error && typeof (e as SystemError).code === 'string' && /^E[A-Z]+$/.test((e as SystemError).code);
}

const SYSTEM_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'is a directory, expected a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EEXIST: 'already exists',
};

/** One printable line: control bytes shown as \xNN (\uNNNN for line separators and bidi controls), whitespace runs folded, and a line longer
 * than MAX_MESSAGE cut in the middle, so both the file named at its start and the problem stated
 * at its end survive a long echoed field (a garbage record name, a binary header). */
export function oneLine(text: string): string {
  const flat = text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    // line separators and bidirectional overrides, which reorder or break what a terminal shows
    .replace(/[\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
    .replace(/\t/g, ' ');
  if (flat.length <= MAX_MESSAGE) return flat;
  const tail = Math.floor(MAX_MESSAGE / 3);
  return `${flat.slice(0, MAX_MESSAGE - tail - 3)}...${flat.slice(flat.length - tail)}`;
}

export interface Failure {
  /** the message, without the "hypertinypw <command>: " prefix */
  message: string;
  exitCode: number;
}

/** Classify any thrown value into the line to print and the exit code. */
export function describeFailure(e: unknown): Failure {
  if (e instanceof UsageError || e instanceof ArgumentError) return { message: oneLine(e.message), exitCode: USAGE_EXIT };
  if (e instanceof FormatError || e instanceof ResourceError) return { message: oneLine(e.message), exitCode: FAILURE_EXIT };
  if (isSystemError(e)) {
    const problem = SYSTEM_PROBLEMS[e.code];
    const where = e.path ?? e.syscall ?? '';
    const message = problem && where ? `${where}: ${problem}` : e.message;
    return { message: oneLine(message), exitCode: FAILURE_EXIT };
  }
  if (e instanceof Error) return { message: oneLine(`${e.name === 'Error' ? '' : `${e.name}: `}${e.message} (internal error; --debug shows where)`), exitCode: FAILURE_EXIT };
  return { message: oneLine(`${String(e)} (internal error; --debug shows where)`), exitCode: FAILURE_EXIT };
}
