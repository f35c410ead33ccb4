import { FormatError } from '../../util/errors.ts';

/**
 * WFDB header (.hea) parser for single-segment records.
 *
 * Record line:  name[/nseg] [nsig [fs[/counterfreq[(basecounter)]] [nsamp [basetime [basedate]]]]]
 * Signal line:  file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adcres [adczero
 *               [initval [checksum [blocksize [description...]]]]]]]
 * Comment lines start with '#'; lines may end with LF or CRLF. Defaults follow the WFDB
 * Programmer's Guide (header(5)): fs 250, gain 0 means 200 adu/unit, baseline = adczero,
 * units "mV". A multi-segment header (name/nseg) is rejected: this reader does not support it.
 */

export interface WfdbSignalSpec {
  file: string;
  /** storage format: 212, 16 or 80 are decoded by signal.ts */
  format: number;
  /** samples per frame (the "x" suffix); 1 for ordinary signals */
  samplesPerFrame: number;
  skew: number;
  /** byte offset of the first sample in the file */
  byteOffset: number;
  /** ADC units per physical unit (200 when the header says 0 or nothing) */
  gain: number;
  baseline: number;
  units: string;
  adcResolution: number;
  adcZero: number;
  /** first sample value, when the header gives one */
  initialValue?: number;
  /** 16-bit sum of all samples (as a signed short), when the header gives one */
  checksum?: number;
  blockSize: number;
  description: string;
}

export interface WfdbHeader {
  record: string;
  nSignals: number;
  fs: number;
  /** samples per signal; undefined when the header does not say */
  nSamples?: number;
  baseTime?: string;
  baseDate?: string;
  signals: WfdbSignalSpec[];
  comments: string[];
}

/** Upper bound on the signal count we accept, so a corrupt header cannot make us allocate wildly. */
const MAX_SIGNALS = 4096;

function int(tok: string, what: string, source: string): number {
  if (!/^[+-]?\d+$/.test(tok)) throw new FormatError(source, `${what} "${tok}" is not an integer`);
  const v = Number(tok);
  if (!Number.isSafeInteger(v)) throw new FormatError(source, `${what} "${tok}" is out of range`);
  return v;
}

function num(tok: string, what: string, source: string): number {
  const v = Number(tok);
  if (tok === '' || !Number.isFinite(v)) throw new FormatError(source, `${what} "${tok}" is not a number`);
  return v;
}

/** Parse the text of a .hea file; `source` names the file in errors. */
export function parseHeader(text: string, source: string): WfdbHeader {
  const lines = text.split(/\r?\n/);
  const comments: string[] = [];
  const content: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('#')) comments.push(line.slice(1).trim());
    else if (line !== '') content.push(line);
  }
  if (content.length === 0) throw new FormatError(source, 'no record line');
  const rec = content[0].split(/\s+/);
  const [name, nseg] = rec[0].split('/');
  if (nseg !== undefined) throw new FormatError(source, `multi-segment record "${rec[0]}" is not supported`);
  if (!/^[\w.-]+$/.test(name)) throw new FormatError(source, `record name "${name}" is invalid`);
  const nSignals = rec.length > 1 ? int(rec[1], 'number of signals', source) : 0;
  if (nSignals < 0 || nSignals > MAX_SIGNALS) throw new FormatError(source, `number of signals ${nSignals} is out of range 0..${MAX_SIGNALS}`);
  let fs = 250;
  if (rec.length > 2) {
    const m = /^([^/(]+)(?:\/([^(]+)(?:\((.+)\))?)?$/.exec(rec[2]);
    if (!m) throw new FormatError(source, `sampling frequency "${rec[2]}" is malformed`);
    fs = num(m[1], 'sampling frequency', source);
    if (!(fs > 0)) throw new FormatError(source, `sampling frequency ${fs} must be positive`);
  }
  const nSamples = rec.length > 3 ? int(rec[3], 'number of samples', source) : undefined;
  if (nSamples !== undefined && nSamples < 0) throw new FormatError(source, `number of samples ${nSamples} is negative`);
  if (content.length - 1 < nSignals) throw new FormatError(source, `header declares ${nSignals} signals but has ${content.length - 1} signal lines`);
  const signals: WfdbSignalSpec[] = [];
  for (let s = 0; s < nSignals; s++) signals.push(parseSignalLine(content[1 + s], `${source} signal ${s}`));
  return { record: name, nSignals, fs, nSamples, baseTime: rec[4], baseDate: rec[5], signals, comments };
}

function parseSignalLine(line: string, source: string): WfdbSignalSpec {
  const tok = line.split(/\s+/);
  if (tok.length < 2) throw new FormatError(source, `signal line "${line.slice(0, 80)}" has no format`);
  const file = tok[0];
  const fm = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/.exec(tok[1]);
  if (!fm) throw new FormatError(source, `format field "${tok[1]}" is malformed`);
  const format = int(fm[1], 'format', source);
  const samplesPerFrame = fm[2] !== undefined ? int(fm[2], 'samples per frame', source) : 1;
  if (samplesPerFrame < 1 || samplesPerFrame > 1 << 16) throw new FormatError(source, `samples per frame ${samplesPerFrame} is out of range`);
  const skew = fm[3] !== undefined ? int(fm[3], 'skew', source) : 0;
  const byteOffset = fm[4] !== undefined ? int(fm[4], 'byte offset', source) : 0;
  let gain = 200;
  let baseline: number | undefined;
  let units = 'mV';
  if (tok.length > 2) {
    const gm = /^([^(/]+)(?:\(([^)]*)\))?(?:\/(.*))?$/.exec(tok[2]);
    if (!gm) throw new FormatError(source, `gain field "${tok[2]}" is malformed`);
    gain = num(gm[1], 'gain', source);
    if (gain === 0) gain = 200;
    if (gm[2] !== undefined) baseline = int(gm[2], 'baseline', source);
    if (gm[3] !== undefined) units = gm[3];
  }
  const adcResolution = tok.length > 3 ? int(tok[3], 'ADC resolution', source) : 0;
  const adcZero = tok.length > 4 ? int(tok[4], 'ADC zero', source) : 0;
  const initialValue = tok.length > 5 ? int(tok[5], 'initial value', source) : undefined;
  const checksum = tok.length > 6 ? int(tok[6], 'checksum', source) : undefined;
  const blockSize = tok.length > 7 ? int(tok[7], 'block size', source) : 0;
  const description = tok.length > 8 ? tok.slice(8).join(' ') : '';
  return {
    file, format, samplesPerFrame, skew, byteOffset, gain, baseline: baseline ?? adcZero, units,
    adcResolution, adcZero, initialValue, checksum, blockSize, description,
  };
}
