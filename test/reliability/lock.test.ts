import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { train } from '../../src/nn/index.ts';
import { writeFileAtomic } from '../../src/util/atomic_write.ts';
import { ResourceError } from '../../src/util/errors.ts';
import { LOCK_FILE, lockDirectory } from '../../src/util/lock.ts';
import { synthData, tinySpec } from '../nn/helpers.ts';
import { CAN_MOUNT, CLI, ROOT, deadPid, liveProcess, smallFilesystem, tempDir, tempFilesUnder } from './helpers.ts';

const other = liveProcess();
afterAll(() => {
  other.kill('SIGKILL');
});

function lockOf(pid: number, host = hostname()): string {
  return JSON.stringify({ pid, host, since: '2026-01-01T00:00:00.000Z' });
}

describe('run directory lock (#19 hole 1: two runs on one --out)', () => {
  it('a second process on a locked directory gets one ResourceError naming the owner', async () => {
    const dir = tempDir('lock');
    writeFileSync(join(dir, LOCK_FILE), lockOf(other.pid!));
    const run = train({ spec: tinySpec(), data: synthData(60), config: { epochs: 1, batchSize: 16 }, outDir: dir, quiet: true });
    await expect(run).rejects.toThrow(ResourceError);
    await expect(run).rejects.toThrow(new RegExp(`locked by process ${other.pid} .*another run is using this directory`));
    expect(existsSync(join(dir, 'train.jsonl'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(other.pid);
  });

  it('takes over the lock of a dead process with a note, and releases it at the end', async () => {
    const dir = tempDir('stale');
    const dead = deadPid();
    writeFileSync(join(dir, LOCK_FILE), lockOf(dead));
    const notes: string[] = [];
    const r = await train({ spec: tinySpec(), data: synthData(60), config: { epochs: 1, batchSize: 16 }, outDir: dir, quiet: true, onNote: (m) => notes.push(m) });
    expect(r.history).toHaveLength(1);
    expect(notes.some((n) => n.includes(`took over the lock of process ${dead}`))).toBe(true);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses a lock from another host, is re-entrant within a process, and replaces an unreadable lock', () => {
    const dir = tempDir('host');
    writeFileSync(join(dir, LOCK_FILE), lockOf(12345, 'elsewhere.example'));
    expect(() => lockDirectory(dir)).toThrow(/locked by process 12345 on host elsewhere\.example .*delete/);
    writeFileSync(join(dir, LOCK_FILE), '{"pid": ');
    const notes: string[] = [];
    const outer = lockDirectory(dir, (m) => notes.push(m));
    expect(notes[0]).toMatch(/replaced an unreadable lock file/);
    const inner = lockDirectory(dir);
    inner();
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    outer();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});

/** Linux: the kernel's boot id and a process's start time (the lock records both). */
const PROC = existsSync('/proc/self/stat') && existsSync('/proc/sys/kernel/random/boot_id');
function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}
function startOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

describe('run directory lock: a pid that now belongs to another process (#19 hole 1)', () => {
  it.skipIf(!PROC)('a lock whose pid is alive but started at another time, or from an earlier boot, is taken over; the real owner keeps it (Linux /proc)', () => {
    const pid = other.pid!;
    const write = (dir: string, o: Record<string, unknown>) => writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', ...o }));
    const reused = tempDir('reused');
    write(reused, { boot: bootId(), start: startOf(pid) - 1 });
    const notes: string[] = [];
    lockDirectory(reused, (m) => notes.push(m))();
    expect(notes).toEqual([`${reused}: took over the lock of process ${pid} (since 2026-01-01T00:00:00.000Z), which is no longer running (pid ${pid} is now another process)`]);
    const rebooted = tempDir('rebooted');
    write(rebooted, { boot: 'an-earlier-boot', start: startOf(pid) });
    lockDirectory(rebooted, (m) => notes.push(m))();
    expect(notes[1]).toMatch(/which is from before the machine restarted$/);
    const owned = tempDir('owned');
    write(owned, { boot: bootId(), start: startOf(pid) });
    expect(() => lockDirectory(owned)).toThrow(new RegExp(`locked by process ${pid} `));
  });

  it('`run` and `sweep --merge` lock their output directory: one line, exit 1, nothing written', () => {
    for (const args of [['run', '--task', 'ptbxl', '--data', join(ROOT, 'test', 'fixtures', 'ptb-xl'), '--quick', '--quiet'], ['sweep', '--merge']]) {
      const dir = tempDir('cmdlock');
      writeFileSync(join(dir, LOCK_FILE), lockOf(other.pid!));
      const full = args[0] === 'run' ? [...args, '--out', dir] : [...args, dir, tempDir('shard')];
      const r = spawnSync(process.execPath, [CLI, ...full], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim().split('\n'), args[0]).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^hypertinypw ${args[0]}: ${dir}: locked by process ${other.pid} `));
      expect(tempFilesUnder(dir)).toEqual([]);
      expect(existsSync(join(dir, 'results.jsonl'))).toBe(false);
    }
  }, 300_000);
});

describe('temporary files (#19 hole 2: dead writers\' temp files)', () => {
  it('locking a directory removes temp files of dead writers and keeps those of live ones', () => {
    const dir = tempDir('temps');
    const dead = deadPid();
    writeFileSync(join(dir, `last.ckpt.tmp-${dead}`), 'partial');
    writeFileSync(join(dir, `best.ckpt.tmp-${other.pid}`), 'in flight');
    const notes: string[] = [];
    const release = lockDirectory(dir, (m) => notes.push(m));
    release();
    expect(tempFilesUnder(dir)).toEqual([`best.ckpt.tmp-${other.pid}`]);
    expect(notes.join('\n')).toMatch(new RegExp(`removed 1 temporary file.*last\\.ckpt\\.tmp-${dead}`));
  });

  it.skipIf(!CAN_MOUNT)('a full disk: one ResourceError naming the directory and bytes needed, no temp file, old file kept (needs root for a tmpfs)', () => {
    const fs = smallFilesystem(64);
    try {
      const path = join(fs.dir, 'f.bin');
      writeFileAtomic(path, 'old');
      const big = new Uint8Array(200 * 1024);
      let err: unknown;
      try {
        writeFileAtomic(path, big);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ResourceError);
      const msg = (err as Error).message;
      expect(msg.split('\n')).toHaveLength(1);
      expect(msg).toContain(fs.dir);
      expect(msg).toMatch(/no space left on the device \(ENOSPC\): writing f\.bin needs 204800 bytes, \d+ bytes free/);
      expect(readFileSync(path, 'utf8')).toBe('old');
      expect(tempFilesUnder(fs.dir)).toEqual([]);
    } finally {
      fs.unmount();
    }
  });
});
