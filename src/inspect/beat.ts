/**
 * A beat through the simulator, for the inspect page: cut the beats of one WFDB record given as
 * bytes (the page fetches the bundled demo excerpt's .hea / .dat / .atr, or the user drops them),
 * with the windowing and normalization of the MIT-BIH pipeline (src/data/mitbih/beats.ts:
 * resampleWindow, normalizeBeat, DEFAULT_BEAT_OPTIONS), quantize one to the model input (TFLite
 * QUANTIZE), and run it with per-layer dumps, exactly as `hypertinypw golden` runs its inputs.
 */

import { AAMI_CLASSES, AAMI_OF_MNEMONIC } from '../data/mitbih/aami.ts';
import { DEFAULT_BEAT_OPTIONS, normalizeBeat, resampleWindow } from '../data/mitbih/beats.ts';
import { parseAnnotations } from '../data/wfdb/annotation.ts';
import { BEAT_CODES, mnemonicOf } from '../data/wfdb/codes.ts';
import { parseHeader } from '../data/wfdb/header.ts';
import { decodeSignals, findSignal, memoryByteSource, toPhysical } from '../data/wfdb/signal.ts';
import type { IntModel } from '../quant/int_model.ts';
import { dequantizeOutput, quantizeInput, simulate } from '../quant/simulator.ts';
import { FormatError } from '../util/errors.ts';

export interface RecordBytes {
  record: string;
  /** text of <record>.hea */
  header: string;
  /** the signal file named in the header */
  signal: Uint8Array;
  /** <record>.atr */
  annotations: Uint8Array;
}

export interface RecordTrace {
  record: string;
  fs: number;
  /** the lead in millivolts */
  lead: Float32Array;
  leadName: string;
  /** AAMI-labelled beats: R-peak sample, AAMI class name, annotation mnemonic */
  beats: { sample: number; aami: string; mnemonic: string }[];
}

/** Decode one lead (default MLII) and the AAMI-labelled beats of a record. */
export function readRecordTrace(rec: RecordBytes, leadName = DEFAULT_BEAT_OPTIONS.leads[0]): RecordTrace {
  const hea = `${rec.record}.hea`;
  const header = parseHeader(rec.header, hea);
  const lead = findSignal(header, leadName, hea);
  const file = header.signals[lead].file;
  const open = (f: string) => {
    if (f !== file) throw new FormatError(hea, `record ${rec.record} stores signals in more than one file (${f}, ${file}); give a single-file record`);
    return memoryByteSource(f, rec.signal);
  };
  const digital = decodeSignals(header, open, hea, { keep: [lead] })[lead]!;
  const ann = parseAnnotations(rec.annotations, `${rec.record}.atr`);
  const beats: RecordTrace['beats'] = [];
  for (let i = 0; i < ann.code.length; i++) {
    if (!BEAT_CODES.has(ann.code[i])) continue;
    const mnemonic = mnemonicOf(ann.code[i]);
    const cls = AAMI_OF_MNEMONIC[mnemonic];
    if (cls !== undefined) beats.push({ sample: ann.sample[i], aami: AAMI_CLASSES[cls], mnemonic });
  }
  return { record: rec.record, fs: header.fs, lead: toPhysical(digital, header.signals[lead]), leadName, beats };
}

/** The beat window around R peak `sample`, resampled to `length` points and z-scored (one lead). */
export function beatWindow(trace: RecordTrace, sample: number, length: number): Float32Array {
  const o = DEFAULT_BEAT_OPTIONS;
  const pre = Math.round(o.preS * trace.fs);
  const w = pre + Math.round(o.postS * trace.fs);
  const x = new Float32Array(length);
  resampleWindow(trace.lead, sample - pre, w, x, 0, 1, length);
  normalizeBeat(x, 0, length, o.normalization);
  return x;
}

export interface LayerActivation {
  index: number;
  name: string;
  kind: string;
  shape: number[];
  values: Int8Array;
}

export interface BeatRun {
  /** the int8 model input ([L, C]) */
  input: Int8Array;
  layers: LayerActivation[];
  /** the int8 output (logits / scores) */
  output: Int8Array;
  /** the output dequantized */
  scores: Float32Array;
}

/** The model's input length and channels; a FormatError when the model does not take one beat of one lead. */
export function beatInputShape(model: IntModel, source: string): { length: number; channels: number } {
  const shape = model.tensors[model.inputId].shape;
  if (shape.length !== 2 || shape[1] !== 1) throw new FormatError(source, `input shape [${shape.join(', ')}] is not one lead [L, 1]: the ECG demo cannot drive it`);
  return { length: shape[0], channels: 1 };
}

/** Quantize a beat to the model input and run it with per-layer dumps. */
export function runBeat(model: IntModel, x: Float32Array): BeatRun {
  const input = quantizeInput(model, x);
  const r = simulate(model, input, { dump: true });
  const acts = r.activations!;
  const layers = model.ops.map((op, index) => ({ index, name: op.name, kind: op.kind, shape: model.tensors[op.output].shape, values: acts[op.output] }));
  return { input, layers, output: r.output, scores: dequantizeOutput(model, r.output) };
}
