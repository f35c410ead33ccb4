import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic_write.ts';
import { crc32 } from './crc32.ts';
import { FormatError } from './errors.ts';

/**
 * The one versioned, checksummed binary container behind every file the project writes
 * (checkpoints, IntModel, Deployable, golden vectors, dataset caches).
 *
 * Layout (little endian):
 *   offset 0   magic       8 bytes ASCII, names the kind of file (e.g. "HTPWCKPT")
 *   offset 8   version     u32, the kind's format version
 *   offset 12  headerLen   u32, bytes of the JSON header
 *   offset 16  payloadLen  u32 low, u32 high (payload bytes)
 *   offset 24  crc         u32, CRC-32 of header JSON + payload
 *   offset 28  reserved    u32 = 0
 *   offset 32  header      UTF-8 JSON: { meta, blobs: [{ name, dtype, offset, length }] }
 *   then       payload     blobs, each starting at a multiple of 8 bytes from the payload start
 *
 * The reader rejects a wrong magic, a wrong version, a truncation and a bad checksum with a
 * FormatError that names the file and the fault.
 */

const FIXED_HEADER_BYTES = 32;
const BLOB_ALIGN = 8;

export type Blob = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Int8Array | Uint8Array;
type DType = 'f32' | 'f64' | 'i32' | 'u32' | 'i16' | 'i8' | 'u8';

interface BlobEntry {
  name: string;
  dtype: DType;
  offset: number;
  length: number;
}

export interface Container {
  meta: Record<string, unknown>;
  blobs: Map<string, Blob>;
}

function dtypeOf(blob: Blob): DType {
  if (blob instanceof Float32Array) return 'f32';
  if (blob instanceof Float64Array) return 'f64';
  if (blob instanceof Int32Array) return 'i32';
  if (blob instanceof Uint32Array) return 'u32';
  if (blob instanceof Int16Array) return 'i16';
  if (blob instanceof Int8Array) return 'i8';
  return 'u8';
}

function makeBlob(dtype: DType, bytes: Uint8Array): Blob {
  // Copy into a fresh, aligned buffer so the typed array owns its memory. NOTE: not
  // bytes.slice(): on a Node Buffer, slice() returns a view of the whole file, not a copy.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const buffer = copy.buffer;
  switch (dtype) {
    case 'f32': return new Float32Array(buffer);
    case 'f64': return new Float64Array(buffer);
    case 'i32': return new Int32Array(buffer);
    case 'u32': return new Uint32Array(buffer);
    case 'i16': return new Int16Array(buffer);
    case 'i8': return new Int8Array(buffer);
    case 'u8': return new Uint8Array(buffer);
  }
}

function checkMagic(magic: string): void {
  if (!/^[A-Z0-9]{8}$/.test(magic)) throw new Error(`container magic must be 8 chars [A-Z0-9], got "${magic}"`);
}

/** Serialize meta (JSON-compatible) and named typed arrays into container bytes. */
export function encodeContainer(magic: string, version: number, meta: Record<string, unknown>, blobs: Map<string, Blob> | Record<string, Blob>): Uint8Array {
  checkMagic(magic);
  const entries: BlobEntry[] = [];
  const blobList = blobs instanceof Map ? [...blobs] : Object.entries(blobs);
  let payloadLen = 0;
  for (const [name, blob] of blobList) {
    payloadLen = Math.ceil(payloadLen / BLOB_ALIGN) * BLOB_ALIGN;
    entries.push({ name, dtype: dtypeOf(blob), offset: payloadLen, length: blob.length });
    payloadLen += blob.byteLength;
  }
  const header = Buffer.from(JSON.stringify({ meta, blobs: entries }), 'utf8');
  const out = new Uint8Array(FIXED_HEADER_BYTES + header.length + payloadLen);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = magic.charCodeAt(i);
  view.setUint32(8, version, true);
  view.setUint32(12, header.length, true);
  view.setUint32(16, payloadLen % 2 ** 32, true);
  view.setUint32(20, Math.floor(payloadLen / 2 ** 32), true);
  out.set(header, FIXED_HEADER_BYTES);
  const payloadStart = FIXED_HEADER_BYTES + header.length;
  blobList.forEach(([, blob], i) => {
    out.set(new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength), payloadStart + entries[i].offset);
  });
  view.setUint32(24, crc32(out.subarray(FIXED_HEADER_BYTES)), true);
  return out;
}

/** Parse container bytes, verifying magic, version, length and checksum. */
export function decodeContainer(bytes: Uint8Array, magic: string, version: number, source = '<bytes>'): Container {
  checkMagic(magic);
  if (bytes.length < FIXED_HEADER_BYTES) throw new FormatError(source, `truncated: ${bytes.length} bytes, a ${magic} file has at least ${FIXED_HEADER_BYTES}`);
  const found = String.fromCharCode(...bytes.subarray(0, 8));
  if (found !== magic) throw new FormatError(source, `not a ${magic} file (magic "${found.replace(/[^\x20-\x7e]/g, '?')}")`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fileVersion = view.getUint32(8, true);
  if (fileVersion !== version) throw new FormatError(source, `${magic} format version ${fileVersion}, this build reads version ${version}`);
  const headerLen = view.getUint32(12, true);
  const payloadLen = view.getUint32(16, true) + view.getUint32(20, true) * 2 ** 32;
  const expected = FIXED_HEADER_BYTES + headerLen + payloadLen;
  if (bytes.length < expected) throw new FormatError(source, `truncated: ${bytes.length} bytes, header declares ${expected}`);
  if (bytes.length > expected) throw new FormatError(source, `${bytes.length - expected} trailing bytes after the declared end`);
  const crc = crc32(bytes.subarray(FIXED_HEADER_BYTES, expected));
  if (crc !== view.getUint32(24, true)) throw new FormatError(source, `checksum mismatch (stored ${view.getUint32(24, true).toString(16)}, computed ${crc.toString(16)}): the file is corrupted`);
  let header: { meta: Record<string, unknown>; blobs: BlobEntry[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + headerLen))); // TextDecoder, not Buffer: the inspect page decodes in the browser
  } catch (e) {
    throw new FormatError(source, `header is not valid JSON (${(e as Error).message})`);
  }
  const problems = blobTableProblems(header, payloadLen);
  if (problems.length > 0) throw new FormatError(source, problems.length === 1 ? problems[0] : `${problems.length} problems in the blob table:\n  ${problems.join('\n  ')}`);
  const payloadStart = FIXED_HEADER_BYTES + headerLen;
  const blobs = new Map<string, Blob>();
  for (const entry of header.blobs) {
    const end = entry.offset + entry.length * DTYPE_BYTES[entry.dtype];
    blobs.set(entry.name, makeBlob(entry.dtype, bytes.subarray(payloadStart + entry.offset, payloadStart + end)));
  }
  return { meta: header.meta, blobs };
}

const DTYPE_BYTES: Record<DType, number> = { f32: 4, f64: 8, i32: 4, u32: 4, i16: 2, i8: 1, u8: 1 };

/**
 * The blob table must describe exactly the layout encodeContainer writes: uniquely named entries
 * of a known dtype and a whole number of elements, in order, each at the first 8-byte boundary
 * after the previous one (so none overlaps another or leaves the payload), the last ending at the
 * payload's end. The CRC only proves the bytes are the ones written; this proves they describe
 * one blob each. Every problem, one sentence each (empty when the table is sound).
 */
function blobTableProblems(header: unknown, payloadLen: number): string[] {
  const h = header as { meta?: unknown; blobs?: unknown };
  if (typeof h !== 'object' || h === null || typeof h.meta !== 'object' || h.meta === null || Array.isArray(h.meta)) return ['header has no "meta" object'];
  if (!Array.isArray(h.blobs)) return ['header has no "blobs" list'];
  const problems: string[] = [];
  const names = new Set<string>();
  let end = 0;
  h.blobs.forEach((e: Partial<BlobEntry> | null, i: number) => {
    const name = typeof e?.name === 'string' ? e.name : null;
    const w = `blob ${i}${name === null ? '' : ` "${name}"`}`;
    if (typeof e !== 'object' || e === null || name === null) return void problems.push(`${w}: not an entry with a name`);
    if (names.has(name)) problems.push(`${w}: duplicate name`);
    names.add(name);
    const width = DTYPE_BYTES[e.dtype as DType];
    if (width === undefined) return void problems.push(`${w}: unknown dtype "${String(e.dtype)}"`);
    if (!Number.isSafeInteger(e.length) || e.length! < 0) return void problems.push(`${w}: length ${JSON.stringify(e.length)} is not a whole number of elements`);
    const expected = Math.ceil(end / BLOB_ALIGN) * BLOB_ALIGN;
    if (e.offset !== expected) problems.push(`${w}: offset ${JSON.stringify(e.offset)}, expected ${expected} (blobs are stored in order, 8-byte aligned, without overlap)`);
    end = expected + e.length! * width;
    if (end > payloadLen) problems.push(`${w}: ends at byte ${end}, past the payload (${payloadLen} bytes)`);
  });
  if (problems.length === 0 && end !== payloadLen && !(h.blobs.length === 0 && payloadLen === 0)) problems.push(`the blobs end at byte ${end} of a ${payloadLen}-byte payload (unaccounted bytes)`);
  return problems;
}

/** Atomically write a container file. */
export function writeContainer(path: string, magic: string, version: number, meta: Record<string, unknown>, blobs: Map<string, Blob> | Record<string, Blob>): void {
  writeFileAtomic(path, encodeContainer(magic, version, meta, blobs));
}

/** Read and verify a container file. */
export function readContainer(path: string, magic: string, version: number): Container {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new FormatError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeContainer(bytes, magic, version, path);
}
