import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError } from '../../util/errors.ts';
import { parseHeader, type WfdbHeader, type WfdbSignalSpec } from './header.ts';

/**
 * WFDB signal files: formats 212, 16 and 80, read in fixed-size chunks so a record never needs
 * more memory than its decoded Int16 samples (of the selected signals) plus one chunk.
 *
 * Byte layouts (WFDB signal(5)); samples of the signals stored in one file are interleaved frame
 * by frame (s0 s1 ... s(k-1) s0 s1 ...), and the formats pack that interleaved stream:
 *   16   each sample is a little-endian two's complement int16.
 *   80   each sample is one byte in offset binary: value = byte - 128.
 *   212  two 12-bit two's complement samples in three bytes: b0 = low 8 bits of the first,
 *        b1 low nibble = its high 4 bits, b1 high nibble = high 4 bits of the second,
 *        b2 = low 8 bits of the second.
 * After reading, every signal with a header initial value and checksum is verified:
 * initial value = first sample, checksum = 16-bit (two's complement) sum of all its samples.
 */

const BYTES_PER_UNIT: Record<number, number> = { 16: 2, 80: 1, 212: 3 };
const SAMPLES_PER_UNIT: Record<number, number> = { 16: 1, 80: 1, 212: 2 };
/** default read chunk: a multiple of 6 so units of every format end on a chunk boundary */
export const DEFAULT_CHUNK_BYTES = 6 * 65536;

/** Decodes the interleaved sample stream of one signal file, chunk by chunk. */
class StreamDecoder {
  private sig = 0;
  private frame = 0;
  readonly sums: Int32Array;
  readonly first: Int32Array;

  constructor(
    private readonly format: number,
    private readonly k: number,
    private readonly nFrames: number,
    /** output per signal of the file, null for signals the caller did not select */
    private readonly out: (Int16Array | null)[],
  ) {
    this.sums = new Int32Array(k);
    this.first = new Int32Array(k);
  }

  get done(): boolean {
    return this.frame >= this.nFrames;
  }

  private put(v: number): void {
    if (this.frame >= this.nFrames) return;
    const s = this.sig;
    this.sums[s] = (this.sums[s] + v) | 0;
    if (this.frame === 0) this.first[s] = v;
    const o = this.out[s];
    if (o !== null) o[this.frame] = v;
    if (++this.sig === this.k) {
      this.sig = 0;
      this.frame++;
    }
  }

  /** Decode bytes[start, end); end - start must be a whole number of format units. */
  push(b: Uint8Array, start: number, end: number): void {
    switch (this.format) {
      case 16:
        for (let i = start; i + 1 < end && !this.done; i += 2) this.put(((b[i] | (b[i + 1] << 8)) << 16) >> 16);
        break;
      case 80:
        for (let i = start; i < end && !this.done; i++) this.put(b[i] - 128);
        break;
      case 212:
        for (let i = start; i + 2 < end && !this.done; i += 3) {
          const b1 = b[i + 1];
          this.put((((b1 & 0x0f) << 8 | b[i]) << 20) >> 20);
          this.put((((b1 & 0xf0) << 4 | b[i + 2]) << 20) >> 20);
        }
        break;
    }
  }
}

export interface SignalGroup {
  file: string;
  format: number;
  byteOffset: number;
  /** indices into header.signals, in file order */
  members: number[];
}

/** Group the header's signals by file (consecutive lines naming the same file share it). */
export function signalGroups(header: WfdbHeader, source: string): SignalGroup[] {
  const groups: SignalGroup[] = [];
  header.signals.forEach((s, i) => {
    checkSupported(s, `${source} signal ${i}`);
    const last = groups[groups.length - 1];
    if (last && last.file === s.file) {
      if (last.format !== s.format) throw new FormatError(source, `signals in ${s.file} mix formats ${last.format} and ${s.format}`);
      last.members.push(i);
    } else {
      if (groups.some((g) => g.file === s.file)) throw new FormatError(source, `signals of ${s.file} are not on consecutive lines`);
      groups.push({ file: s.file, format: s.format, byteOffset: s.byteOffset, members: [i] });
    }
  });
  return groups;
}

function checkSupported(s: WfdbSignalSpec, where: string): void {
  if (!(s.format in BYTES_PER_UNIT)) throw new FormatError(where, `signal format ${s.format} is not supported (212, 16 and 80 are)`);
  if (s.samplesPerFrame !== 1) throw new FormatError(where, `multi-frequency signals (${s.samplesPerFrame} samples per frame) are not supported`);
  if (s.skew !== 0) throw new FormatError(where, `skewed signals are not supported`);
  if (!/^[\w.-]+$/.test(s.file) || s.file === '-') throw new FormatError(where, `signal file name "${s.file}" is not supported`);
}

/** Bytes that `nFrames` frames of `k` signals occupy in `format`. */
function bytesFor(format: number, k: number, nFrames: number): number {
  return Math.ceil((nFrames * k) / SAMPLES_PER_UNIT[format]) * BYTES_PER_UNIT[format];
}

function framesIn(format: number, k: number, bytes: number): number {
  return Math.floor((Math.floor(bytes / BYTES_PER_UNIT[format]) * SAMPLES_PER_UNIT[format]) / k);
}

/** A source of signal-file bytes: its size, and reads of byte ranges. */
export interface ByteSource {
  name: string;
  size: number;
  read(buf: Uint8Array, position: number, length: number): number;
  close(): void;
}

export function fileByteSource(path: string): ByteSource {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new FormatError(path, `cannot open signal file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const size = fstatSync(fd).size;
  return { name: path, size, read: (buf, pos, len) => readSync(fd, buf, 0, len, pos), close: () => closeSync(fd) };
}

export function memoryByteSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name, size: bytes.length, close: () => {},
    read: (buf, pos, len) => {
      const n = Math.max(0, Math.min(len, bytes.length - pos));
      buf.set(bytes.subarray(pos, pos + n));
      return n;
    },
  };
}

export interface ReadSignalsOptions {
  /** header signal indices to keep (default all); the others are decoded for verification only */
  keep?: number[];
  /** verify initial values and checksums given in the header (default true) */
  verify?: boolean;
  chunkBytes?: number;
}

/**
 * Decode the signals of `header` from its files (opened through `open`). Returns one digital
 * Int16Array per header signal (null for those not in `keep`). Throws FormatError on a short
 * file or a failed initial-value / checksum check, naming the record and the signal.
 */
export function decodeSignals(header: WfdbHeader, open: (file: string) => ByteSource, source: string, opts: ReadSignalsOptions = {}): (Int16Array | null)[] {
  const keep = new Set(opts.keep ?? header.signals.map((_, i) => i));
  const chunk = Math.max(6, Math.floor((opts.chunkBytes ?? DEFAULT_CHUNK_BYTES) / 6) * 6);
  const result: (Int16Array | null)[] = header.signals.map(() => null);
  const groups = signalGroups(header, source);
  let nFrames = header.nSamples || undefined; // 0 or absent: as many as the first file holds
  const buf = new Uint8Array(chunk);
  for (const g of groups) {
    const src = open(g.file);
    try {
      const k = g.members.length;
      const available = Math.max(0, src.size - g.byteOffset);
      if (nFrames === undefined) nFrames = framesIn(g.format, k, available);
      const need = bytesFor(g.format, k, nFrames);
      if (available < need) throw new FormatError(src.name, `truncated: ${available} bytes of samples, header ${source} declares ${nFrames} samples x ${k} signals in format ${g.format} = ${need} bytes`);
      const out = g.members.map((i) => (keep.has(i) ? new Int16Array(nFrames!) : null));
      const dec = new StreamDecoder(g.format, k, nFrames, out);
      let pos = g.byteOffset;
      const end = g.byteOffset + need;
      while (pos < end) {
        const want = Math.min(chunk, end - pos);
        let got = 0;
        while (got < want) {
          const n = src.read(buf.subarray(got), pos + got, want - got);
          if (n <= 0) throw new FormatError(src.name, `unexpected end of file at byte ${pos + got}`);
          got += n;
        }
        dec.push(buf, 0, got);
        pos += got;
      }
      g.members.forEach((i, j) => {
        result[i] = out[j];
        if (opts.verify === false || nFrames === 0) return;
        const spec = header.signals[i];
        const label = `record ${header.record} signal ${i} (${spec.description || spec.file})`;
        if (spec.initialValue !== undefined && spec.initialValue !== dec.first[j]) throw new FormatError(src.name, `${label}: initial value ${dec.first[j]} does not match the header's ${spec.initialValue}`);
        if (spec.checksum !== undefined && (spec.checksum & 0xffff) !== (dec.sums[j] & 0xffff)) throw new FormatError(src.name, `${label}: checksum ${(dec.sums[j] << 16) >> 16} does not match the header's ${spec.checksum}`);
      });
    } finally {
      src.close();
    }
  }
  return result;
}

export interface WfdbRecord {
  header: WfdbHeader;
  /** digital samples per header signal; null for signals not requested */
  digital: (Int16Array | null)[];
}

/** Read `<dir>/<record>.hea` and its signal files. `signals` picks signals by index or description (e.g. 'MLII'). */
export function readRecord(dir: string, record: string, opts: { signals?: (number | string)[]; verify?: boolean; chunkBytes?: number } = {}): WfdbRecord {
  const header = readHeaderFile(join(dir, `${record}.hea`));
  const keep = opts.signals?.map((s) => {
    if (typeof s === 'number') {
      if (!(s >= 0 && s < header.nSignals)) throw new FormatError(join(dir, `${record}.hea`), `record ${record} has no signal ${s}`);
      return s;
    }
    return findSignal(header, s, join(dir, `${record}.hea`));
  });
  const digital = decodeSignals(header, (f) => fileByteSource(join(dir, f)), join(dir, `${record}.hea`), { keep, verify: opts.verify, chunkBytes: opts.chunkBytes });
  return { header, digital };
}

export function readHeaderFile(path: string): WfdbHeader {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    throw new FormatError(path, `cannot read header (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseHeader(text, path);
}

/** Index of the signal whose description is `name` (exact match), or a FormatError listing the ones present. */
export function findSignal(header: WfdbHeader, name: string, source: string): number {
  const i = header.signals.findIndex((s) => s.description === name);
  if (i < 0) throw new FormatError(source, `record ${header.record} has no signal "${name}" (it has ${header.signals.map((s) => s.description || '?').join(', ')})`);
  return i;
}

/** Digital to physical units: (d - baseline) / gain. */
export function toPhysical(digital: Int16Array, spec: WfdbSignalSpec): Float32Array {
  const out = new Float32Array(digital.length);
  const inv = 1 / spec.gain;
  for (let i = 0; i < digital.length; i++) out[i] = (digital[i] - spec.baseline) * inv;
  return out;
}
