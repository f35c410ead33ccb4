/**
 * C text: identifiers, comments, literals and array bodies, shared by the code generator
 * (export_c.ts and the files it calls) and the golden vectors (golden.ts).
 */

import type { ActivationTensor } from '../quant/int_model.ts';

/** A C identifier from user text: [a-z0-9_], not starting with a digit, at most `max` characters. */
export function sanitizeIdentifier(text: string, max = 32): string {
  let s = text.toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') s = 'x';
  if (/^[0-9]/.test(s)) s = `n${s}`;
  return s.slice(0, max);
}

/** Text safe inside a C block comment (no comment terminator, no line breaks, printable ASCII). */
export function commentText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').replace(/\*\//g, '*_/').replace(/\/\*/g, '/_*');
}

/** A float32 value as a C float literal (9 significant digits: round-trips). */
export function floatLiteral(x: number): string {
  let s = Number(Math.fround(x).toPrecision(9)).toString();
  if (!/[.e]/.test(s)) s += '.0';
  return `${s}f`;
}

/** An integer as a C literal; INT32_MIN is written as an expression (2147483648 alone is not an int). */
export function intLiteral(v: number): string {
  return v === -2147483648 ? '(-2147483647 - 1)' : String(v);
}

/** The lines of an array initializer, `perLine` values a line, each line indented two spaces and ending in a comma. */
export function arrayBody(values: ArrayLike<number>, perLine: number): string {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const row: string[] = [];
    for (let j = i; j < Math.min(values.length, i + perLine); j++) row.push(intLiteral(values[j]));
    lines.push(`  ${row.join(', ')},`);
  }
  return lines.join('\n');
}

/** A static const array (at least one element: an empty one holds a single 0). */
export function cArray(name: string, values: ArrayLike<number>, ctype: 'int8_t' | 'int32_t' = 'int8_t'): string {
  const body = values.length ? arrayBody(values, ctype === 'int8_t' ? 24 : 8) : '  0,';
  return `static const ${ctype} ${name}[${Math.max(1, values.length)}] = {\n${body}\n};`;
}

/** Little-endian int32 words of `bytes` (length a multiple of 4). */
export function int32Values(bytes: Uint8Array): Int32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Int32Array.from({ length: bytes.length / 4 }, (_, i) => dv.getInt32(i * 4, true));
}

/** A [length, channels] (or [channels]) tensor: positions l, channels c, n = l * c values. */
export function tensorDims(t: ActivationTensor): { l: number; c: number; n: number } {
  const c = t.shape[t.shape.length - 1];
  const n = t.shape.reduce((a, b) => a * b, 1);
  return { l: n / c, c, n };
}
