import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDeployable } from '../../src/hyper/deployable_io.ts';
import { separableDeployable } from '../../src/hyper/testing.ts';

/** A fresh temporary directory for one test. */
export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `htpw-inspect-${tag}-`));
}

/** A small separable CNN on one 128-sample lead with two generated PW layers, written as a Deployable file. */
export function writeBeatModel(dir: string, seed = 3): string {
  const { deployable } = separableDeployable(seed, {}, { length: 128, stem: 16, widths: [16, 32, 32], classes: 5 });
  deployable.model.meta.classes = ['N', 'S', 'V', 'F', 'Q'];
  const file = join(dir, 'model.htpw');
  writeFileSync(file, encodeDeployable(deployable));
  return file;
}

/** Run `fn` with console.log captured; returns what it printed and its result. */
export async function captureLog<T>(fn: () => Promise<T>): Promise<{ result: T; out: string }> {
  const log = console.log;
  const lines: string[] = [];
  console.log = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
  try {
    return { result: await fn(), out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}
