import { join } from 'node:path';
import { readAnnotationFile, type Annotations } from './annotation.ts';
import type { WfdbHeader } from './header.ts';
import { readRecord } from './signal.ts';
import { encodeAnnotations, encodeSignals, formatHeader, signalChecksum } from './writer.ts';

/**
 * Cut a span out of a WFDB record and re-encode it in its own format: the bundled demo data and
 * the test fixtures are made this way, so they are read by exactly the code that reads PhysioNet's
 * files. Header initial values and checksums are recomputed for the span; annotation times are
 * shifted to start at 0.
 */

/** Annotations with sample in [start, end), times shifted by -start. */
export function sliceAnnotations(a: Annotations, start: number, end: number): Annotations {
  const idx: number[] = [];
  for (let i = 0; i < a.sample.length; i++) if (a.sample[i] >= start && a.sample[i] < end) idx.push(i);
  return {
    sample: Int32Array.from(idx, (i) => a.sample[i] - start), code: Uint8Array.from(idx, (i) => a.code[i]),
    subtype: Int8Array.from(idx, (i) => a.subtype[i]), chan: Uint8Array.from(idx, (i) => a.chan[i]),
    num: Int8Array.from(idx, (i) => a.num[i]), aux: idx.map((i) => a.aux[i]),
  };
}

/** A header describing `sigs` (digital samples of the header's signals, in order) as record `record`. */
export function headerForSignals(h: WfdbHeader, record: string, sigs: Int16Array[], comment: string, signalSpecs = h.signals): WfdbHeader {
  return {
    ...h, record, nSignals: sigs.length, nSamples: sigs[0].length, comments: [...h.comments, comment],
    signals: signalSpecs.map((s, i) => ({ ...s, file: `${record}.dat`, initialValue: sigs[i][0], checksum: signalChecksum(sigs[i]) })),
  };
}

export interface RecordExcerpt {
  hea: string;
  dat: Uint8Array;
  /** present when the record has an annotation file with extension `annotator` */
  ann?: Uint8Array;
}

/**
 * Samples [start, start + n) of `<dir>/<record>`, optionally only the signals named in `signals`
 * (e.g. ['MLII']), re-encoded in `format` (default: the record's first signal's format).
 */
export function excerptRecord(dir: string, record: string, start: number, n: number, opts: { signals?: string[]; format?: 16 | 80 | 212; annotator?: string; comment?: string } = {}): RecordExcerpt {
  const rec = readRecord(dir, record, opts.signals ? { signals: opts.signals } : {});
  const kept = rec.header.signals.map((s, i) => ({ s, d: rec.digital[i] })).filter((e) => e.d !== null);
  const sigs = kept.map((e) => e.d!.slice(start, start + n));
  const format = opts.format ?? (kept[0].s.format as 16 | 80 | 212);
  const specs = kept.map((e) => ({ ...e.s, format }));
  const comment = opts.comment ?? `hypertinypw excerpt: samples ${start}..${start + n} of record ${record}`;
  const header = headerForSignals(rec.header, record, sigs, comment, specs);
  const annotator = opts.annotator ?? 'atr';
  let ann: Uint8Array | undefined;
  try {
    ann = encodeAnnotations(sliceAnnotations(readAnnotationFile(join(dir, `${record}.${annotator}`)), start, start + n));
  } catch {
    ann = undefined;
  }
  return { hea: formatHeader(header), dat: encodeSignals(format, sigs), ann };
}
