import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ResourceError } from './errors.ts';

/**
 * Write a file so that a crash at any moment leaves either the old file or the complete new one:
 * write to a temporary sibling `<path>.tmp-<pid>`, fsync it, rename over the target, fsync the
 * directory. A failed write removes its temporary file; a full disk (ENOSPC / EDQUOT) becomes one
 * ResourceError naming the directory and the bytes needed. Temporary files of writers that died
 * (kill -9) are removed by removeDeadTemps when a run directory is locked (lock.ts).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}${TEMP_MARK}${process.pid}`;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    throw diskFull(e, path, bytes.length); // a new directory needs a block too
  }
  try {
    const fd = openSync(tmp, 'w');
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw diskFull(e, path, bytes.length);
  }
  try {
    const dirFd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
}

/** Append one line to a log file (a full disk becomes the same one-line ResourceError). */
export function appendLine(path: string, line: string): void {
  try {
    appendFileSync(path, `${line}\n`);
  } catch (e) {
    throw diskFull(e, path, Buffer.byteLength(line) + 1);
  }
}

/** `<target>.tmp-<pid>`: the name of a temporary file being written by process pid. */
const TEMP_MARK = '.tmp-';
const TEMP_NAME = /\.tmp-(\d+)$/;

/**
 * A full disk (ENOSPC, EDQUOT) as a ResourceError naming the directory and the bytes needed;
 * any other error unchanged.
 */
export function diskFull(e: unknown, path: string, bytes: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return e;
  const dir = dirname(path);
  let free = '';
  try {
    let on = dir; // the directory may not exist yet (a failed mkdir): its filesystem is its parent's
    while (!existsSync(on) && dirname(on) !== on) on = dirname(on);
    const s = statfsSync(on);
    free = s.ffree === 0 ? ', no free inodes (the filesystem holds as many files as it can)' : `, ${s.bavail * s.bsize} bytes free`;
  } catch {
    // statfs unavailable: report without the free space
  }
  return new ResourceError(dir, `no space left on the device (${code}): writing ${basename(path)} needs ${bytes} bytes${free}; free some space and run again (train: with --resume; a sweep continues by itself)`);
}

/** Is process `pid` running on this machine? (EPERM: it exists but belongs to another user.) */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the temporary files (`*.tmp-<pid>`) left in `dir` by writers that are no longer running
 * (or by an earlier process that had this process's pid: writes here are synchronous, so none of
 * ours is in flight). Call it only while holding the directory's lock. Returns the removed paths.
 */
export function removeDeadTemps(dir: string, recursive = false): string[] {
  const removed: string[] = [];
  if (!existsSync(dir)) return removed;
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) {
      if (recursive) removed.push(...removeDeadTemps(p, true));
      continue;
    }
    const m = TEMP_NAME.exec(ent.name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && processAlive(pid)) continue;
    try {
      unlinkSync(p);
      removed.push(p);
    } catch {
      // removed meanwhile
    }
  }
  return removed;
}
