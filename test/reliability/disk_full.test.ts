import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { statfsSync } from 'node:fs';
import { appendResult, readResults } from '../../src/eval/results.ts';
import { loadMitbih } from '../../src/data/mitbih/load.ts';
import { writeFileAtomic } from '../../src/util/atomic_write.ts';
import { join } from 'node:path';
import { train, type TrainConfig } from '../../src/nn/index.ts';
import { ResourceError } from '../../src/util/errors.ts';
import { LOCK_FILE } from '../../src/util/lock.ts';
import { synthData, tinySpec } from '../nn/helpers.ts';
import { syntheticResults } from '../eval/synthetic_results.ts';
import { miniMitdb } from '../data/helpers.ts';
import { CAN_MOUNT, deadPid, smallFilesystem, tempDir, tempFilesUnder } from './helpers.ts';

const data = synthData(60);
const cfg: Partial<TrainConfig> = { epochs: 2, batchSize: 16, emaDecay: 0.9 };

describe('training on a full disk (#19 hole 2)', () => {
  it.skipIf(!CAN_MOUNT)('fails with one ResourceError and leaves no temp file, twice; resumes once there is space (needs root for a tmpfs)', async () => {
    // 16 KiB: the lock, the log and best.ckpt fit, a 14 KB last.ckpt does not
    const fs = smallFilesystem(16);
    try {
      for (const resume of [false, true]) {
        const run = train({ spec: tinySpec(), data, config: cfg, outDir: fs.dir, resume, quiet: true });
        const err = await run.then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(ResourceError);
        expect((err as Error).message).toMatch(new RegExp(`^${fs.dir}: no space left on the device \\(ENOSPC\\): writing \\S+ needs \\d+ bytes`));
        expect((err as Error).message).not.toContain('\n');
        expect(tempFilesUnder(fs.dir)).toEqual([]);
        expect(existsSync(join(fs.dir, LOCK_FILE))).toBe(false);
      }
      fs.resize(256);
      const r = await train({ spec: tinySpec(), data, config: cfg, outDir: fs.dir, resume: true, quiet: true });
      expect(r.history.map((h) => h.epoch)).toEqual([1, 2]);
      expect(tempFilesUnder(fs.dir)).toEqual([]);
    } finally {
      fs.unmount();
    }
  });
});

describe('appending to results.jsonl on a full disk (#19 hole 2, the sweep\'s log)', () => {
  it.skipIf(!CAN_MOUNT)('one ResourceError naming the directory and the bytes needed; the file is left as it was (needs root for a tmpfs)', () => {
    const fs = smallFilesystem(64);
    try {
      const path = join(fs.dir, 'results.jsonl');
      const [first, second] = syntheticResults(3);
      appendResult(path, first);
      const before = readFileSync(path);
      // leave 8 KiB free, then append a 40 KB record: part of it fits, the rest does not
      const s = statfsSync(fs.dir);
      writeFileSync(join(fs.dir, 'filler'), new Uint8Array(s.bavail * s.bsize - 8192));
      const big = { ...second, config: { ...second.config, note: 'x'.repeat(40_000) } };
      let err: unknown;
      try {
        appendResult(path, big);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ResourceError);
      expect((err as Error).message).toMatch(new RegExp(`^${fs.dir}: no space left on the device \\(ENOSPC\\): writing results\\.jsonl needs \\d+ bytes`));
      expect((err as Error).message).not.toContain('\n');
      expect(readFileSync(path).equals(before)).toBe(true);
      expect(readResults(path)).toEqual({ records: [{ schemaVersion: 1, ...first }], warnings: [] });
    } finally {
      fs.unmount();
    }
  });
});

describe('the MIT-BIH beats cache (#19 hole 2: dead writers\' temp files, a full disk)', () => {
  const dir = miniMitdb();

  it('a cache write removes the temporary files of cache writers that died', () => {
    const cacheDir = tempDir('cache');
    const dead = `mitbih-0123456789abcdef.htds.tmp-${deadPid()}`;
    writeFileSync(join(cacheDir, dead), new Uint8Array(1000));
    const ds = loadMitbih({ dir, task: 'aami', cacheDir });
    expect(ds.meta.cache).toBe('miss');
    expect(tempFilesUnder(cacheDir)).toEqual([]);
    expect(loadMitbih({ dir, task: 'aami', cacheDir }).meta.cache).toBe('hit');
  });

  it.skipIf(!CAN_MOUNT)('a cache that does not fit is skipped: the data loads, no temp file is left (needs root for a tmpfs)', () => {
    const fs = smallFilesystem(16);
    try {
      const ref = loadMitbih({ dir, task: 'aami' });
      const ds = loadMitbih({ dir, task: 'aami', cacheDir: join(fs.dir, 'cache') });
      expect(ds.meta.cache).toBe('off');
      expect(ds.meta.cacheSkipped).toMatch(/no space left on the device \(ENOSPC\): writing mitbih-\w+\.htds needs \d+ bytes/);
      expect(Buffer.from(ds.x.buffer).equals(Buffer.from(ref.x.buffer))).toBe(true);
      expect(tempFilesUnder(fs.dir)).toEqual([]);
    } finally {
      fs.unmount();
    }
  });

  it.skipIf(!CAN_MOUNT)('no inode left for a new directory: one ResourceError saying so (was a raw ENOSPC from mkdir) (needs root for a tmpfs)', () => {
    const fs = smallFilesystem(64, 2);
    try {
      writeFileSync(join(fs.dir, 'a'), 'x');
      let err: unknown;
      try {
        writeFileAtomic(join(fs.dir, 'run', 'summary.json'), '{}');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ResourceError);
      expect((err as Error).message).toMatch(new RegExp(`^${fs.dir}/run: no space left on the device \\(ENOSPC\\): writing summary\\.json needs 2 bytes, no free inodes`));
    } finally {
      fs.unmount();
    }
  });
});
