/**
 * Typed errors shared across the library. Each names what failed and where, so a user can act on
 * the message alone.
 */

/** A file or byte stream does not match its declared format (bad magic, version, checksum,
 * truncation, impossible field). `source` is the file path or a description of the stream. */
export class FormatError extends Error {
  constructor(readonly source: string, readonly fault: string) {
    super(`${source}: ${fault}`);
    this.name = 'FormatError';
  }
}

/** A caller passed arguments that cannot be valid (shapes, ranges, options). */
export class ArgumentError extends Error {
  constructor(readonly where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'ArgumentError';
  }
}

/** The machine or another process stands in the way: a directory locked by a live run, a full
 * disk. `where` is the directory; the message says what to do. */
export class ResourceError extends Error {
  constructor(readonly where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'ResourceError';
  }
}
