/**
 * WAV (RIFF / WAVE) reader and writer.
 *
 * Layout: "RIFF" u32le(riffSize) "WAVE", then chunks { id: 4 ASCII bytes, size: u32le, payload,
 * one pad byte when size is odd }. We need "fmt " (encoding, channels, rate, bits) and "data"
 * (interleaved little-endian frames); every other chunk (LIST, id3, fact, cue, ...) is skipped.
 *
 * Supported encodings: PCM integer 8-bit (unsigned, offset 128), 16, 24 and 32-bit (signed),
 * IEEE float 32 and 64-bit, also when wrapped in WAVE_FORMAT_EXTENSIBLE. The reader returns one
 * channel (the first by default) as float samples: integer PCM is divided by 2^(bits-1), so
 * 16-bit values land in [-1, 1 - 2^-15] exactly as TensorFlow's decode_wav does.
 *
 * Every fault is a FormatError naming the file and the fault. Bounds: the walk only reads inside
 * the buffer and inside the RIFF size, each step advances at least 8 bytes, and the only
 * allocation is the output, whose length is bounded by the bytes actually present; so a lying
 * header costs neither time nor memory.
 */
import { readFileSync } from 'node:fs';
import { ArgumentError, FormatError } from '../../util/errors.ts';

export type WavEncoding = 'pcm' | 'float';

export interface WavData {
  sampleRate: number;
  /** channels in the file (the samples below are one of them) */
  channels: number;
  bitsPerSample: number;
  encoding: WavEncoding;
  /** one channel, float, integer PCM scaled by 2^-(bits-1) */
  samples: Float32Array;
}

export interface ReadWavOptions {
  /** throw a FormatError unless the file has this sample rate */
  expectedSampleRate?: number;
  /** which channel to return (default 0, the first) */
  channel?: number;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

function printable(id: string): string {
  return /^[\x20-\x7e]{4}$/.test(id) ? `'${id}'` : `0x${[...id].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('')}`;
}

/** Parse a WAV file held in memory. `source` names it in error messages. */
export function readWav(bytes: Uint8Array, source = '<wav>', opts: ReadWavOptions = {}): WavData {
  const fail = (fault: string): never => {
    throw new FormatError(source, fault);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12) fail(`truncated: ${bytes.length} bytes, a WAV header needs at least 12`);
  if (fourcc(bytes, 0) !== 'RIFF') fail(`not a RIFF file (starts with ${printable(fourcc(bytes, 0))})`);
  if (fourcc(bytes, 8) !== 'WAVE') fail(`RIFF form type is ${printable(fourcc(bytes, 8))}, expected 'WAVE'`);
  const riffSize = view.getUint32(4, true);
  if (riffSize < 4) fail(`RIFF size ${riffSize} is smaller than the form type`);
  if (riffSize + 8 > bytes.length) fail(`truncated: RIFF header declares ${riffSize + 8} bytes, file has ${bytes.length}`);
  const end = riffSize + 8; // bytes after the RIFF chunk (trailing junk) are ignored

  let fmtAt = -1, fmtSize = 0, dataAt = -1, dataSize = 0;
  let pos = 12;
  while (pos + 8 <= end) {
    const id = fourcc(bytes, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (size > end - body) fail(`chunk ${printable(id)} at byte ${pos} declares ${size} bytes, only ${end - body} remain`);
    if (id === 'fmt ') {
      if (fmtAt >= 0) fail(`second 'fmt ' chunk at byte ${pos}`);
      fmtAt = body;
      fmtSize = size;
    } else if (id === 'data') {
      if (dataAt >= 0) fail(`second 'data' chunk at byte ${pos}`);
      dataAt = body;
      dataSize = size;
    }
    pos = body + size + (size & 1); // odd-sized chunks are followed by one pad byte
  }
  // Fewer than 8 bytes left cannot be a chunk header; a single stray pad byte is tolerated.
  if (end - pos > 1) fail(`truncated chunk header at byte ${pos} (${end - pos} bytes left)`);
  if (fmtAt < 0) fail(`no 'fmt ' chunk`);
  if (dataAt < 0) fail(`no 'data' chunk`);
  if (fmtSize < 16) fail(`'fmt ' chunk has ${fmtSize} bytes, needs at least 16`);

  let format = view.getUint16(fmtAt, true);
  const channels = view.getUint16(fmtAt + 2, true);
  const sampleRate = view.getUint32(fmtAt + 4, true);
  const byteRate = view.getUint32(fmtAt + 8, true);
  const blockAlign = view.getUint16(fmtAt + 12, true);
  const bits = view.getUint16(fmtAt + 14, true);
  if (format === WAVE_FORMAT_EXTENSIBLE) {
    // WAVEFORMATEXTENSIBLE: cbSize(2) validBits(2) channelMask(4) subFormat GUID(16), whose
    // first two bytes are the plain format tag.
    if (fmtSize < 40) fail(`WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk has ${fmtSize} bytes, needs 40`);
    format = view.getUint16(fmtAt + 24, true);
  }
  if (channels === 0) fail('0 channels');
  if (sampleRate === 0) fail('sample rate 0 Hz');
  let encoding: WavEncoding;
  if (format === WAVE_FORMAT_PCM) {
    if (bits !== 8 && bits !== 16 && bits !== 24 && bits !== 32) fail(`unsupported PCM bit depth ${bits} (supported: 8, 16, 24, 32)`);
    encoding = 'pcm';
  } else if (format === WAVE_FORMAT_IEEE_FLOAT) {
    if (bits !== 32 && bits !== 64) fail(`unsupported float bit depth ${bits} (supported: 32, 64)`);
    encoding = 'float';
  } else {
    return fail(`unsupported encoding tag 0x${format.toString(16)} (supported: PCM 1, IEEE float 3)`);
  }
  const bytesPerSample = bits / 8;
  if (blockAlign !== channels * bytesPerSample) fail(`block align ${blockAlign} != ${channels} channels x ${bytesPerSample} bytes`);
  if (byteRate !== sampleRate * blockAlign) fail(`byte rate ${byteRate} != ${sampleRate} Hz x ${blockAlign} bytes`);
  if (dataSize % blockAlign !== 0) fail(`'data' chunk size ${dataSize} is not a whole number of ${blockAlign}-byte frames`);
  if (opts.expectedSampleRate !== undefined && sampleRate !== opts.expectedSampleRate) {
    fail(`sample rate ${sampleRate} Hz, expected ${opts.expectedSampleRate} Hz (resample the file first)`);
  }
  const channel = opts.channel ?? 0;
  if (!(Number.isInteger(channel) && channel >= 0 && channel < channels)) {
    throw new ArgumentError('readWav', `channel ${channel} requested, file has ${channels}`);
  }

  const frames = dataSize / blockAlign;
  const samples = new Float32Array(frames);
  let p = dataAt + channel * bytesPerSample;
  if (encoding === 'pcm') {
    switch (bits) {
      case 8:
        for (let i = 0; i < frames; i++, p += blockAlign) samples[i] = (bytes[p] - 128) / 128;
        break;
      case 16:
        for (let i = 0; i < frames; i++, p += blockAlign) samples[i] = view.getInt16(p, true) / 32768;
        break;
      case 24:
        for (let i = 0; i < frames; i++, p += blockAlign) {
          const v = bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16);
          samples[i] = ((v << 8) >> 8) / 8388608;
        }
        break;
      default:
        for (let i = 0; i < frames; i++, p += blockAlign) samples[i] = view.getInt32(p, true) / 2147483648;
    }
  } else if (bits === 32) {
    for (let i = 0; i < frames; i++, p += blockAlign) samples[i] = view.getFloat32(p, true);
  } else {
    for (let i = 0; i < frames; i++, p += blockAlign) samples[i] = view.getFloat64(p, true);
  }
  return { sampleRate, channels, bitsPerSample: bits, encoding, samples };
}

/** Read and parse a WAV file from disk. */
export function readWavFile(path: string, opts: ReadWavOptions = {}): WavData {
  return readWav(readFileSync(path), path, opts);
}

export type WavSampleFormat = 'pcm8' | 'pcm16' | 'float32';

export interface WriteWavOptions {
  /** default 'pcm16' */
  format?: WavSampleFormat;
  /** interleaved channels in `samples` (default 1) */
  channels?: number;
  /** extra chunks written before 'data' (tests: unknown chunks, odd sizes) */
  extraChunks?: { id: string; data: Uint8Array }[];
}

/**
 * Encode samples as a canonical WAV file. Float input is scaled by 2^(bits-1), rounded to the
 * nearest integer and clamped, so a value k / 32768 round-trips exactly through 16-bit PCM.
 * Int16Array input is written as is (pcm16 only).
 */
export function writeWav(samples: Float32Array | Int16Array, sampleRate: number, opts: WriteWavOptions = {}): Uint8Array {
  const format = opts.format ?? 'pcm16';
  const channels = opts.channels ?? 1;
  if (!(Number.isInteger(sampleRate) && sampleRate > 0)) throw new ArgumentError('writeWav', `sample rate must be a positive integer, got ${sampleRate}`);
  if (!(Number.isInteger(channels) && channels >= 1 && samples.length % channels === 0)) {
    throw new ArgumentError('writeWav', `${samples.length} samples are not a whole number of ${channels}-channel frames`);
  }
  if (samples instanceof Int16Array && format !== 'pcm16') throw new ArgumentError('writeWav', 'Int16Array input needs format pcm16');
  const bytesPerSample = format === 'pcm8' ? 1 : format === 'pcm16' ? 2 : 4;
  const dataSize = samples.length * bytesPerSample;
  const extras = opts.extraChunks ?? [];
  let extraBytes = 0;
  for (const c of extras) {
    if (c.id.length !== 4) throw new ArgumentError('writeWav', `chunk id must have 4 characters, got '${c.id}'`);
    extraBytes += 8 + c.data.length + (c.data.length & 1);
  }
  const total = 12 + 8 + 16 + extraBytes + 8 + dataSize + (dataSize & 1);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const putId = (at: number, id: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = id.charCodeAt(i);
  };
  putId(0, 'RIFF');
  view.setUint32(4, total - 8, true);
  putId(8, 'WAVE');
  putId(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, format === 'float32' ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * bytesPerSample, true);
  view.setUint16(32, channels * bytesPerSample, true);
  view.setUint16(34, bytesPerSample * 8, true);
  let pos = 36;
  for (const c of extras) {
    putId(pos, c.id);
    view.setUint32(pos + 4, c.data.length, true);
    out.set(c.data, pos + 8);
    pos += 8 + c.data.length + (c.data.length & 1);
  }
  putId(pos, 'data');
  view.setUint32(pos + 4, dataSize, true);
  pos += 8;
  const clampRound = (x: number, scale: number) => Math.min(scale - 1, Math.max(-scale, Math.round(x * scale)));
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i];
    if (samples instanceof Int16Array) view.setInt16(pos + 2 * i, x, true);
    else if (format === 'pcm16') view.setInt16(pos + 2 * i, clampRound(x, 32768), true);
    else if (format === 'pcm8') out[pos + i] = clampRound(x, 128) + 128;
    else view.setFloat32(pos + 4 * i, x, true);
  }
  return out;
}
