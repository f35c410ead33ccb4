import { Rng } from '../../src/core/rng.ts';
import { crc32 } from '../../src/util/crc32.ts';

/**
 * What a hostile user does to a model file: edit the container's JSON header and recompute the
 * CRC, so only the readers' structural checks can catch the edit. Layout as in
 * src/util/container.ts (fixed 32-byte header: magic, version, headerLen, payloadLen, crc).
 */
export function rewriteHeader(bytes: Uint8Array, edit: (header: Record<string, unknown>) => void): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getUint32(12, true);
  const header = JSON.parse(Buffer.from(bytes.subarray(32, 32 + headerLen)).toString('utf8')) as Record<string, unknown>;
  edit(header);
  const text = Buffer.from(JSON.stringify(header), 'utf8');
  const payload = bytes.subarray(32 + headerLen);
  const out = new Uint8Array(32 + text.length + payload.length);
  out.set(bytes.subarray(0, 32));
  out.set(text, 32);
  out.set(payload, 32 + text.length);
  const v = new DataView(out.buffer);
  v.setUint32(12, text.length, true);
  v.setUint32(24, crc32(out.subarray(32)), true);
  return out;
}

type Json = unknown;

/** Every path to a leaf (number, string, boolean, null) of a JSON value. */
function leaves(x: Json, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(x)) x.forEach((v, i) => leaves(v, [...path, i], out));
  else if (x !== null && typeof x === 'object') for (const [k, v] of Object.entries(x)) leaves(v, [...path, k], out);
  else out.push(path);
  return out;
}

const REPLACEMENTS: ((v: Json) => Json)[] = [
  () => null, () => -1, () => 0, () => 1e9, () => -1e9, () => 0.5, () => 'x', () => [], () => ({}),
  (v) => (typeof v === 'number' ? v + 1 : v), (v) => (typeof v === 'number' ? v * 2 : v), (v) => (typeof v === 'number' ? -v : v),
  (v) => (typeof v === 'number' ? v + 8 : v), () => undefined /* delete */,
];

/**
 * One seeded structural mutation of a header: a random leaf (a blob's name / dtype / offset /
 * length, an op or tensor field, a generator field) replaced by a hostile value. Returns a
 * description of the edit.
 */
export function mutateHeader(header: Record<string, unknown>, rng: Rng): string {
  const paths = leaves(header);
  let path: (string | number)[], before: Json, after: Json;
  let parent: Record<string | number, Json>;
  // draw until the edit changes something (a numeric edit of a string is no edit at all)
  do {
    path = paths[rng.int(paths.length)];
    const r = REPLACEMENTS[rng.int(REPLACEMENTS.length)];
    parent = header as Record<string | number, Json>;
    for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
    before = parent[path[path.length - 1]];
    after = r(before);
  } while (after !== undefined && JSON.stringify(after) === JSON.stringify(before));
  const last = path[path.length - 1];
  if (after === undefined) delete parent[last];
  else parent[last] = after;
  return `${path.join('.')}: ${JSON.stringify(before)} -> ${after === undefined ? '(deleted)' : JSON.stringify(after)}`;
}

/**
 * One seeded mutation of the payload: a random byte set to a random other value, the CRC fixed up
 * (a weight, bias, multiplier, shift, code or basis value changed; the header still describes it).
 */
export function mutatePayload(bytes: Uint8Array, rng: Rng): { bytes: Uint8Array; what: string } {
  const out = bytes.slice();
  const v = new DataView(out.buffer);
  const start = 32 + v.getUint32(12, true);
  const at = start + rng.int(out.length - start);
  const before = out[at];
  out[at] = (before + 1 + rng.int(255)) & 0xff;
  v.setUint32(24, crc32(out.subarray(32)), true);
  return { bytes: out, what: `payload byte ${at - start}: ${before} -> ${out[at]}` };
}
