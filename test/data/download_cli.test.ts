import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadDataset } from '../../src/data/download/download.ts';
import { parseSha256Sums } from '../../src/data/download/sha256sums.ts';
import { dataCommand } from '../../src/cli/commands/data.ts';
import { FormatError } from '../../src/util/errors.ts';
import { FIXTURES, tempDir } from './helpers.ts';

/** A PhysioNet-like file server: /mitdb/1.0.0/{SHA256SUMS.txt, 100.hea, ...}, Range support. */
const files = new Map<string, Buffer>(['100.hea', '100.dat', '100.atr', '208.dat'].map((f) => [f, readFileSync(join(FIXTURES, 'mitdb', f))]));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let sums = [...files].map(([f, b]) => `${sha(b)} ${f}`).join('\n') + '\n';
let cutNext = 0; // when > 0, the next body is cut after this many bytes
let ranges = 0;
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = decodeURIComponent(req.url!.replace(/^\/mitdb\/1\.0\.0\//, ''));
    const body = path === 'SHA256SUMS.txt' ? Buffer.from(sums) : files.get(path);
    if (!body) { res.writeHead(404).end(); return; }
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    if (m) ranges++;
    const part = body.subarray(start);
    res.writeHead(m ? 206 : 200, { 'content-length': part.length });
    if (cutNext > 0 && path === '100.dat') {
      const n = cutNext;
      cutNext = 0;
      res.write(part.subarray(0, n), () => res.destroy());
    } else res.end(part);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('data download (local PhysioNet-like server)', () => {
  it('downloads, resumes an interrupted transfer with Range, verifies, then skips present files', async () => {
    const dir = tempDir();
    cutNext = 1000;
    await expect(downloadDataset({ dataset: 'mitbih', dir, baseUrl: base, quiet: true })).rejects.toThrow(/interrupted/);
    expect(existsSync(join(dir, '100.dat.part'))).toBe(true);
    const r = await downloadDataset({ dataset: 'mitbih', dir, baseUrl: base, quiet: true });
    expect(ranges).toBeGreaterThan(0);
    expect(r).toMatchObject({ files: 4, resumed: 1, present: 1 });
    for (const [f, b] of files) expect(readFileSync(join(dir, f))).toEqual(b);
    expect((await downloadDataset({ dataset: 'mitbih', dir, baseUrl: base, quiet: true })).present).toBe(4);
  });
  it('rejects a checksum mismatch and deletes the partial file', async () => {
    const dir = tempDir();
    const saved = sums;
    sums = sums.replace(/^[0-9a-f]{64}/, '0'.repeat(64));
    try {
      await expect(downloadDataset({ dataset: 'mitbih', dir, baseUrl: base, quiet: true })).rejects.toThrow(FormatError);
      expect(existsSync(join(dir, '100.hea.part'))).toBe(false);
    } finally {
      sums = saved;
    }
  });
  it('refuses unsafe paths in SHA256SUMS.txt', () => {
    expect(() => parseSha256Sums(`${'a'.repeat(64)}  ../etc/passwd\n`, 's')).toThrow(/unsafe/);
  });
});

describe('data command', () => {
  it('prints stats as JSON and downloads via --base-url', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await dataCommand.run(['stats', 'apnea-ecg', '--dir', join(FIXTURES, 'apnea-ecg'), '--json'])).toBe(0);
      expect(JSON.parse(log.mock.calls[0][0] as string).a01.A + JSON.parse(log.mock.calls[0][0] as string).a01.N).toBe(3);
      const dir = tempDir();
      expect(await dataCommand.run(['download', 'mitbih', '--dir', dir, '--base-url', base, '--quiet'])).toBe(0);
      expect(existsSync(join(dir, '208.dat'))).toBe(true);
      await expect(dataCommand.run(['stats', 'nope', '--dir', dir])).rejects.toThrow(/unknown dataset/);
    } finally {
      log.mockRestore();
    }
  });
});
