import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { train, type TrainConfig } from '../../src/nn/index.ts';
import { ResourceError } from '../../src/util/errors.ts';
import { LOCK_FILE } from '../../src/util/lock.ts';
import { synthData, tinySpec } from '../nn/helpers.ts';
import { CAN_MOUNT, smallFilesystem, tempFilesUnder } from './helpers.ts';

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
