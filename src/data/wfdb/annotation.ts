import { readFileSync } from 'node:fs';
import { FormatError } from '../../util/errors.ts';
import { ACMAX, mnemonicOf } from './codes.ts';

/**
 * MIT-format WFDB annotation files (.atr, .qrs, .apn; WFDB annot(5)).
 *
 * A stream of little-endian 16-bit words; each word is A (top 6 bits) and I (low 10 bits):
 *   A = 1..ACMAX   an annotation of code A at time (previous time + I)
 *   A = 59 SKIP    the next 4 bytes are a 32-bit interval (high 16-bit word first, each word
 *                  little endian) added to the time; the following annotation has I = 0
 *   A = 60 NUM     I is the num field of this and every later annotation until changed
 *   A = 61 SUB     I is the subtyp of the annotation just read
 *   A = 62 CHN     I is the chan of this and every later annotation until changed
 *   A = 63 AUX     I bytes of auxiliary text follow (padded to an even count), for the
 *                  annotation just read
 *   A = 0, I = 0   end of file (an A = 0 word with I != 0 is an annotation of code 0 = NOTQRS)
 * NUM, SUB, CHN and AUX modify the annotation that precedes them.
 */

export interface Annotations {
  /** sample index of each annotation */
  sample: Int32Array;
  code: Uint8Array;
  subtype: Int8Array;
  chan: Uint8Array;
  num: Int8Array;
  /** aux text per annotation ('' when absent) */
  aux: string[];
}

const SKIP = 59, NUM = 60, SUB = 61, CHN = 62, AUX = 63;

export function parseAnnotations(bytes: Uint8Array, source: string): Annotations {
  // Each annotation takes at least one word, so bytes/2 bounds the count.
  const cap = bytes.length >> 1;
  const sample = new Int32Array(cap);
  const code = new Uint8Array(cap);
  const subtype = new Int8Array(cap);
  const chan = new Uint8Array(cap);
  const num = new Int8Array(cap);
  const aux: string[] = [];
  let n = 0;
  let time = 0;
  let curNum = 0;
  let curChan = 0;
  let i = 0;
  let ended = false;
  const word = (at: number) => bytes[at] | (bytes[at + 1] << 8);
  while (i + 1 < bytes.length) {
    const w = word(i);
    const a = w >> 10;
    const v = w & 0x3ff;
    i += 2;
    if (w === 0) {
      ended = true;
      break;
    }
    if (a === SKIP) {
      if (i + 4 > bytes.length) throw new FormatError(source, `truncated SKIP at byte ${i - 2}`);
      const interval = ((word(i) << 16) | word(i + 2)) | 0;
      i += 4;
      time += interval;
    } else if (a === NUM) {
      if (n === 0) throw new FormatError(source, `NUM before the first annotation at byte ${i - 2}`);
      curNum = (v << 22) >> 22;
      num[n - 1] = curNum;
    } else if (a === SUB) {
      if (n === 0) throw new FormatError(source, `SUB before the first annotation at byte ${i - 2}`);
      subtype[n - 1] = (v << 22) >> 22;
    } else if (a === CHN) {
      if (n === 0) throw new FormatError(source, `CHN before the first annotation at byte ${i - 2}`);
      curChan = v;
      chan[n - 1] = v;
    } else if (a === AUX) {
      if (n === 0) throw new FormatError(source, `AUX before the first annotation at byte ${i - 2}`);
      if (i + v > bytes.length) throw new FormatError(source, `truncated AUX: ${v} bytes declared at byte ${i - 2}, ${bytes.length - i} left`);
      let end = i + v;
      while (end > i && bytes[end - 1] === 0) end--;
      aux[n - 1] = String.fromCharCode(...bytes.subarray(i, end)); // latin1, also in the browser (inspect)
      i += v + (v & 1);
    } else if (a <= ACMAX) {
      time += v;
      if (time < 0 || time > 0x7fffffff) throw new FormatError(source, `annotation time ${time} out of range at byte ${i - 2}`);
      sample[n] = time;
      code[n] = a;
      num[n] = curNum;
      chan[n] = curChan;
      aux[n] = '';
      n++;
    } else {
      throw new FormatError(source, `invalid annotation code ${a} at byte ${i - 2}`);
    }
  }
  if (!ended) throw new FormatError(source, `truncated: no end-of-file marker (${bytes.length} bytes)`);
  return {
    sample: sample.slice(0, n), code: code.slice(0, n), subtype: subtype.slice(0, n),
    chan: chan.slice(0, n), num: num.slice(0, n), aux: aux.slice(0, n),
  };
}

export function readAnnotationFile(path: string): Annotations {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new FormatError(path, `cannot read annotations (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseAnnotations(bytes, path);
}

/** Mnemonic of each annotation ('N', 'V', '+', ...). */
export function mnemonics(a: Annotations): string[] {
  return Array.from(a.code, mnemonicOf);
}
