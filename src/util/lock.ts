import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { diskFull, processAlive, removeDeadTemps } from './atomic_write.ts';
import { ResourceError } from './errors.ts';

/**
 * An exclusive lock on a run or sweep directory: the file `<dir>/.htpw.lock` holding the owner's
 * { pid, host, since }. It is created complete or not at all (written to a temporary file, then
 * hard-linked to its name, which fails when the name exists), so a reader never sees half a lock.
 *
 * - A lock of a live process on this host: ResourceError (one line: who holds it, since when).
 * - A lock of a process that is gone (kill -9, power loss) or an unreadable lock: taken over, with
 *   a note naming the dead owner. Gone also when the owner's pid is alive but is another process:
 *   the lock records the kernel's boot id and the owner's start time (Linux /proc), so a pid
 *   reused after a reboot or a container restart does not hold a dead run's lock.
 * - A lock from another host: refused (its pid cannot be checked); the message names the file to
 *   delete when that run is known to be over.
 * Re-entrant within a process (train() inside `train` / `sweep` locks the same directory again).
 * On acquisition the temporary files of dead writers in the directory are removed (with a note).
 * The lock is released by the returned function and, as a last resort, when the process exits.
 */
export const LOCK_FILE = '.htpw.lock';

interface LockOwner {
  pid: number;
  host: string;
  since: string;
  /** the kernel's boot id (Linux), to tell a pid of an earlier boot */
  boot?: string;
  /** the process start time in clock ticks since boot (Linux /proc/<pid>/stat), to tell a reused pid */
  start?: number;
}

/** The kernel's boot id, or undefined where there is none (not Linux). */
function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Start time of process pid in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined. */
function startTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const v = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isSafeInteger(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why the owner of a lock on this host is not running any more, or null when it is. A pid that is
 * alive but started at another time than the owner, or a lock from an earlier boot, is another
 * process that happens to have the owner's pid.
 */
function ownerGone(owner: LockOwner): string | null {
  const boot = bootId();
  if (owner.boot !== undefined && boot !== undefined && owner.boot !== boot) return 'from before the machine restarted';
  // this process does not hold the lock (re-entry is handled before): an earlier process had its pid
  if (owner.pid === process.pid) return 'no longer running';
  if (!processAlive(owner.pid)) return 'no longer running';
  if (owner.start !== undefined) {
    const now = startTime(owner.pid);
    if (now !== undefined && now !== owner.start) return `no longer running (pid ${owner.pid} is now another process)`;
  }
  return null;
}

/** Locks this process holds: absolute directory -> nesting depth. */
const held = new Map<string, number>();

function readOwner(path: string): LockOwner | null | 'missing' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return null;
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    return Number.isInteger(o.pid) && o.pid > 0 && typeof o.host === 'string' ? o : null;
  } catch {
    return null;
  }
}

function sameOwner(a: LockOwner | null, b: LockOwner | null | 'missing'): boolean {
  return b !== 'missing' && JSON.stringify(a) === JSON.stringify(b);
}

/** Create the lock file if no lock exists; false when one does. */
function tryCreate(path: string, me: LockOwner): boolean {
  const tmp = `${path}.tmp-${process.pid}`;
  const text = JSON.stringify(me);
  try {
    writeFileSync(tmp, text);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw diskFull(e, path, Buffer.byteLength(text));
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return createExclusive(path, text); // no hard links here
    throw diskFull(e, path, Buffer.byteLength(text));
  } finally {
    unlinkSync(tmp);
  }
}

/** Fallback for filesystems without hard links: O_EXCL create (a reader may see it empty). */
function createExclusive(path: string, text: string): boolean {
  try {
    writeFileSync(path, text, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw diskFull(e, path, Buffer.byteLength(text));
  }
}

/**
 * Move a stale lock aside, but only if it is still the one judged stale (another process may have
 * taken it over in between; then its fresh lock is put back).
 */
function removeStale(path: string, stale: LockOwner | null): void {
  const aside = `${path}.stale.tmp-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // already gone
  }
  if (!sameOwner(stale, readOwner(aside))) {
    try {
      linkSync(aside, path);
    } catch {
      // someone else locked meanwhile; their lock stands
    }
  }
  unlinkSync(aside);
}

/** Lock `dir` (created if needed) for this process; returns the release function. */
export function lockDirectory(dir: string, note: (msg: string) => void = () => {}): () => void {
  const abs = resolve(dir);
  const path = join(abs, LOCK_FILE);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const depth = (held.get(abs) ?? 1) - 1;
    if (depth > 0) {
      held.set(abs, depth);
      return;
    }
    held.delete(abs);
    const owner = readOwner(path);
    if (owner !== null && owner !== 'missing' && owner.pid === process.pid && owner.host === hostname()) unlinkSync(path);
  };
  const depth = held.get(abs);
  if (depth !== undefined) {
    held.set(abs, depth + 1);
    return release;
  }
  mkdirSync(abs, { recursive: true });
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), boot: bootId(), start: startTime(process.pid) };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, me)) {
      held.set(abs, 1);
      const removed = removeDeadTemps(abs);
      if (removed.length > 0) note(`${abs}: removed ${removed.length} temporary file(s) of a writer that died: ${removed.map((p) => p.slice(abs.length + 1)).join(', ')}`);
      return release;
    }
    const owner = readOwner(path);
    if (owner === 'missing') continue;
    if (owner !== null && owner.host !== me.host) {
      throw new ResourceError(abs, `locked by process ${owner.pid} on host ${owner.host} since ${owner.since}; if that run is over, delete ${path}`);
    }
    const gone = owner === null ? null : ownerGone(owner);
    if (owner !== null && gone === null) {
      throw new ResourceError(abs, `locked by process ${owner.pid} (running since ${owner.since}): another run is using this directory; wait for it or choose another output directory`);
    }
    note(owner === null
      ? `${abs}: replaced an unreadable lock file ${LOCK_FILE}`
      : `${abs}: took over the lock of process ${owner.pid} (since ${owner.since}), which is ${gone}`);
    removeStale(path, owner);
  }
  throw new ResourceError(abs, `could not take the lock ${path} (other processes keep taking it)`);
}

/** Locks still held when the process exits (an uncaught error) are removed. */
process.on('exit', () => {
  for (const abs of held.keys()) {
    const path = join(abs, LOCK_FILE);
    const owner = readOwner(path);
    if (owner !== null && owner !== 'missing' && owner.pid === process.pid) {
      try {
        unlinkSync(path);
      } catch {
        // nothing left to do at exit
      }
    }
  }
});
