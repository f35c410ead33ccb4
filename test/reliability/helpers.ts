import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'bin', 'hypertinypw.mjs');

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `htpw-rel-${tag}-`));
}

/** The pid of a process that has exited (for stale locks and dead writers' temp files). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** A live process to stand for another run (kill it when done). */
export function liveProcess(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
}

/** Every file under dir (relative paths), recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1));
  }
  return out;
}

/** Temporary files (`*.tmp-<pid>`) under dir. */
export function tempFilesUnder(dir: string): string[] {
  return filesUnder(dir).filter((f) => /\.tmp-\d+$/.test(f));
}

/** Root can mount a small tmpfs to play a full disk; elsewhere those tests skip visibly. */
export const CAN_MOUNT = process.getuid?.() === 0 && process.platform === 'linux';

/**
 * Mount a tmpfs of `kib` KiB (and at most `inodes` files and directories) on a fresh directory;
 * returns it and the unmount function.
 */
export function smallFilesystem(kib: number, inodes?: number): { dir: string; resize: (kib: number) => void; unmount: () => void } {
  const dir = tempDir('fullfs');
  const mount = (opts: string) => {
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mount tmpfs failed: ${r.stderr}`);
  };
  mount(`size=${kib}k${inodes === undefined ? '' : `,nr_inodes=${inodes}`}`);
  return { dir, resize: (k) => mount(`remount,size=${k}k`), unmount: () => void spawnSync('umount', [dir]) };
}
