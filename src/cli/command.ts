import { statSync } from 'node:fs';
import { FormatError } from '../util/errors.ts';

/**
 * A CLI subcommand. Each lives in src/cli/commands/<name>.ts and is a thin layer over the
 * library API: parse arguments, call the library, print. Errors the user can fix are thrown
 * as UsageError and printed as one line with exit code 2.
 */

export interface Command {
  name: string;
  /** one line for `hypertinypw --help` */
  summary: string;
  /** full text for `hypertinypw <name> --help` */
  help: string;
  /** returns the process exit code */
  run(args: string[]): Promise<number>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Minimal flag parser: --key value, --key=value, --flag (boolean), positional arguments. */
export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(args: string[], booleanFlags: string[] = []): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq >= 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else if (booleanFlags.includes(a.slice(2)) || i + 1 >= args.length || args[i + 1].startsWith('--')) flags.set(a.slice(2), true);
      else flags.set(a.slice(2), args[++i]);
    } else positional.push(a);
  }
  return { positional, flags };
}

/** A string flag, or `fallback`; a boolean flag where a value is needed is a UsageError. */
export function stringFlag(p: ParsedArgs, name: string, fallback?: string): string | undefined {
  const v = p.flags.get(name);
  if (v === undefined) return fallback;
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

export function numberFlag(p: ParsedArgs, name: string, fallback?: number): number | undefined {
  const v = stringFlag(p, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return n;
}

/** Reject flags the command does not know, so a typo is never silently ignored. */
export function checkKnownFlags(p: ParsedArgs, known: string[]): void {
  for (const k of p.flags.keys()) if (!known.includes(k) && k !== 'help') throw new UsageError(`unknown option --${k} (see --help)`);
}

/** An input file named on the command line: a missing path or a directory is one FormatError
 * naming the path (exit 1), before any reader sees it. Returns the path. */
export function inputFile(path: string): string {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new FormatError(path, 'no such file or directory');
  if (st.isDirectory()) throw new FormatError(path, 'is a directory, expected a file');
  return path;
}

/** An input directory named on the command line (a dataset): missing or a plain file is one
 * FormatError naming the path (exit 1). Returns the path. */
export function inputDir(path: string): string {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new FormatError(path, 'no such directory');
  if (!st.isDirectory()) throw new FormatError(path, 'is a file, expected a directory');
  return path;
}
