import { ArgumentError } from '../../util/errors.ts';
import type { Annotations } from './annotation.ts';
import type { WfdbHeader } from './header.ts';

/**
 * WFDB writers, the inverse of header.ts / signal.ts / annotation.ts. Used to cut fixtures from
 * real records and to synthesize records in exactly the published formats for tests.
 */

/** Encode per-signal digital samples (all the same length) interleaved in one file of `format`. */
export function encodeSignals(format: 16 | 80 | 212, signals: ArrayLike<number>[]): Uint8Array {
  const k = signals.length;
  const n = k === 0 ? 0 : signals[0].length;
  const total = n * k;
  const stream = new Int32Array(total);
  for (let f = 0; f < n; f++) for (let s = 0; s < k; s++) stream[f * k + s] = signals[s][f];
  const range = { 16: [-32768, 32767], 80: [-128, 127], 212: [-2048, 2047] }[format];
  for (const v of stream) if (!(Number.isInteger(v) && v >= range[0] && v <= range[1])) throw new ArgumentError('encodeSignals', `sample ${v} does not fit format ${format}`);
  if (format === 16) {
    const out = new Uint8Array(total * 2);
    stream.forEach((v, i) => { out[2 * i] = v & 0xff; out[2 * i + 1] = (v >> 8) & 0xff; });
    return out;
  }
  if (format === 80) return Uint8Array.from(stream, (v) => v + 128);
  const out = new Uint8Array(Math.ceil(total / 2) * 3);
  for (let i = 0, o = 0; i < total; i += 2, o += 3) {
    const a = stream[i] & 0xfff;
    const b = i + 1 < total ? stream[i + 1] & 0xfff : 0;
    out[o] = a & 0xff;
    out[o + 1] = (a >> 8) | ((b >> 8) << 4);
    out[o + 2] = b & 0xff;
  }
  return out;
}

/** The 16-bit checksum a header carries for a signal (two's complement sum, as a signed short). */
export function signalChecksum(samples: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < samples.length; i++) s = (s + samples[i]) | 0;
  return (s << 16) >> 16;
}

/** Header text (LF line ends unless `crlf`). */
export function formatHeader(h: WfdbHeader, crlf = false): string {
  const rec = [h.record, h.nSignals, h.fs, ...(h.nSamples !== undefined ? [h.nSamples] : []), ...(h.baseTime ? [h.baseTime] : []), ...(h.baseDate ? [h.baseDate] : [])].join(' ');
  const lines = [rec];
  for (const s of h.signals) {
    const fmt = `${s.format}${s.byteOffset ? `+${s.byteOffset}` : ''}`;
    const gain = `${s.gain}${s.baseline !== s.adcZero ? `(${s.baseline})` : ''}${s.units !== 'mV' ? `/${s.units}` : ''}`;
    const parts: (string | number)[] = [s.file, fmt, gain, s.adcResolution, s.adcZero];
    if (s.initialValue !== undefined) {
      parts.push(s.initialValue);
      if (s.checksum !== undefined) parts.push(s.checksum, s.blockSize, ...(s.description ? [s.description] : []));
    }
    lines.push(parts.join(' '));
  }
  for (const c of h.comments) lines.push(`# ${c}`);
  const eol = crlf ? '\r\n' : '\n';
  return lines.join(eol) + eol;
}

/** MIT-format annotation bytes (annotation.ts documents the layout). */
export function encodeAnnotations(a: Pick<Annotations, 'sample' | 'code'> & Partial<Annotations>): Uint8Array {
  const words: number[] = [];
  const push = (w: number) => words.push(w & 0xffff);
  let time = 0;
  let num = 0;
  let chan = 0;
  for (let i = 0; i < a.sample.length; i++) {
    const d = a.sample[i] - time;
    if (d < 0) throw new ArgumentError('encodeAnnotations', `annotation ${i} is earlier than the one before`);
    if (d > 1023) {
      push(59 << 10);
      push(d >>> 16);
      push(d & 0xffff);
      push(a.code[i] << 10);
    } else push((a.code[i] << 10) | d);
    time = a.sample[i];
    const sub = a.subtype?.[i] ?? 0;
    if (sub !== 0) push((61 << 10) | (sub & 0x3ff));
    const c = a.chan?.[i] ?? 0;
    if (c !== chan) { push((62 << 10) | (c & 0x3ff)); chan = c; }
    const nm = a.num?.[i] ?? 0;
    if (nm !== num) { push((60 << 10) | (nm & 0x3ff)); num = nm; }
    const aux = a.aux?.[i] ?? '';
    if (aux !== '') {
      const b = Buffer.from(aux, 'latin1');
      if (b.length > 255) throw new ArgumentError('encodeAnnotations', `aux of annotation ${i} is longer than 255 bytes`);
      push((63 << 10) | b.length);
      for (let j = 0; j < b.length; j += 2) push(b[j] | ((b[j + 1] ?? 0) << 8));
    }
  }
  push(0);
  const out = new Uint8Array(words.length * 2);
  words.forEach((w, i) => { out[2 * i] = w & 0xff; out[2 * i + 1] = w >> 8; });
  return out;
}
