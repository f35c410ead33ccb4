import { FormatError } from '../../util/errors.ts';

/** One entry of a SHA256SUMS.txt file ("<64 hex>  <path>", as sha256sum writes it). */
export interface SumEntry {
  sha256: string;
  path: string;
}

/** Parse SHA256SUMS.txt; paths must be relative and stay inside the dataset directory. */
export function parseSha256Sums(text: string, source: string): SumEntry[] {
  const out: SumEntry[] = [];
  text.split(/\r?\n/).forEach((line, k) => {
    if (line.trim() === '') return;
    const m = /^([0-9a-fA-F]{64}) [ *]?(.+)$/.exec(line);
    if (!m) throw new FormatError(source, `line ${k + 1} is not "<sha256> <path>"`);
    const path = m[2].replace(/^\.\//, '');
    if (path.startsWith('/') || path.split('/').some((p) => p === '..' || p === '') || path.includes('\\')) throw new FormatError(source, `line ${k + 1}: unsafe path "${path}"`);
    out.push({ sha256: m[1].toLowerCase(), path });
  });
  return out;
}
