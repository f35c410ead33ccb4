import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { FormatError } from '../../util/errors.ts';

/**
 * Fetch one file to `target`, resumably: bytes go to `<target>.part`; an existing .part is
 * continued with an HTTP Range request (a server that answers 200 instead of 206 restarts it).
 * The complete .part is checked against `sha256` and only then renamed to `target`; a mismatch
 * deletes the .part and throws a FormatError naming the URL.
 */

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Attempts of fetchRetrying: a request the network refuses before any response is retried after 0.2, 0.4 s. */
export const FETCH_ATTEMPTS = 3;

/**
 * fetch(), retried when it rejects before any response (a kept-alive socket the server closed
 * while idle, a reset connection: undici's "fetch failed"). HTTP errors and failures while the
 * body streams are not retried here: those are the caller's to report (and resume).
 */
export async function fetchRetrying(url: string, init: RequestInit = {}): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (e) {
      if (attempt >= FETCH_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

export interface FetchFileResult {
  /** 'present' (already complete and verified), 'downloaded', 'resumed' */
  status: 'present' | 'downloaded' | 'resumed';
  bytes: number;
}

export async function fetchFile(url: string, target: string, sha256: string, onBytes: (n: number) => void = () => {}): Promise<FetchFileResult> {
  if (existsSync(target) && (await sha256File(target)) === sha256) return { status: 'present', bytes: 0 };
  mkdirSync(dirname(target), { recursive: true });
  const part = `${target}.part`;
  let offset = existsSync(part) ? statSync(part).size : 0;
  const res = await fetchRetrying(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {} });
  let resumed = offset > 0;
  if (res.status === 416 && offset > 0) {
    // Range past the end: the .part is already complete (or wrong); let the checksum decide.
    await res.body?.cancel();
  } else if (res.status === 200 || res.status === 206) {
    if (res.status === 200) {
      offset = 0;
      resumed = false;
    }
    const fd = openSync(part, res.status === 206 ? 'a' : 'w');
    let got = 0;
    try {
      if (res.body) {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          let w = 0;
          while (w < chunk.length) w += writeSync(fd, chunk, w, chunk.length - w);
          got += chunk.length;
          onBytes(chunk.length);
        }
      }
    } catch (e) {
      throw new FormatError(url, `transfer interrupted after ${offset + got} bytes (${(e as Error).message}); run again to resume from ${part}`);
    } finally {
      closeSync(fd);
    }
  } else {
    await res.body?.cancel();
    throw new FormatError(url, `HTTP ${res.status} ${res.statusText}`);
  }
  const actual = await sha256File(part);
  if (actual !== sha256) {
    unlinkSync(part);
    throw new FormatError(url, `SHA-256 mismatch: expected ${sha256}, got ${actual}; the partial file was deleted`);
  }
  renameSync(part, target);
  return { status: resumed ? 'resumed' : 'downloaded', bytes: statSync(target).size };
}
