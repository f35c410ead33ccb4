import { mkdtempSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MITBIH_RECORDS } from '../../src/data/mitbih/load.ts';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const SHARED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data');
export const SHARED_ON = process.env.HTPW_SHARED_DATA === '1';

export function tempDir(prefix = 'htpw-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A directory holding all 44 non-paced record names, each a copy of fixture 100 or 208 (alternating). */
export function miniMitdb(): string {
  const dir = tempDir('htpw-mitdb-');
  MITBIH_RECORDS.forEach((r, i) => {
    const src = i % 2 === 0 ? '100' : '208';
    const hea = readFileSync(join(FIXTURES, 'mitdb', `${src}.hea`), 'latin1').replace(new RegExp(`^${src}\\b`, 'gm'), r).replaceAll(`${src}.dat`, `${r}.dat`);
    writeFileSync(join(dir, `${r}.hea`), hea);
    copyFileSync(join(FIXTURES, 'mitdb', `${src}.dat`), join(dir, `${r}.dat`));
    copyFileSync(join(FIXTURES, 'mitdb', `${src}.atr`), join(dir, `${r}.atr`));
  });
  return dir;
}
