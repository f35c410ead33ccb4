/**
 * A beat of a WFDB record through the simulator: the window the model sees (float, then the
 * int8 input), every layer's activations as a heatmap strip (positions across, channels down),
 * the class scores, and the output bytes (#beat-output, data-bytes), which `hypertinypw golden
 * --input` reproduces from the input the page offers for download (#beat-download).
 */

import { beatInputShape, beatWindow, readRecordTrace, runBeat, type RecordTrace } from '../beat.ts';
import type { ModelView } from '../model_view.ts';
import { byId, h, heatmapCanvas, sequentialColor, showMessage } from './dom.ts';
import type { RecordSource } from './record_source.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';
const TRACE_W = 420, TRACE_H = 150;

function traceSvg(x: Float32Array): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('width', String(TRACE_W));
  svg.setAttribute('height', String(TRACE_H));
  svg.setAttribute('id', 'beat-trace');
  let lo = Infinity, hi = -Infinity;
  for (const v of x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const pad = 8;
  const sx = (i: number) => pad + (i * (TRACE_W - 2 * pad)) / Math.max(1, x.length - 1);
  const sy = (v: number) => TRACE_H - pad - ((v - lo) / Math.max(1e-9, hi - lo)) * (TRACE_H - 2 * pad);
  const frame = document.createElementNS(SVG_NS, 'rect');
  for (const [k, v] of Object.entries({ x: '0.5', y: '0.5', width: String(TRACE_W - 1), height: String(TRACE_H - 1), fill: '#fbfcfe', stroke: '#d8dce6' })) frame.setAttribute(k, v);
  const zero = document.createElementNS(SVG_NS, 'line');
  for (const [k, v] of Object.entries({ x1: String(pad), x2: String(TRACE_W - pad), y1: String(sy(0)), y2: String(sy(0)), stroke: '#c9ced9', 'stroke-dasharray': '3 3' })) zero.setAttribute(k, v);
  const line = document.createElementNS(SVG_NS, 'polyline');
  line.setAttribute('points', Array.from(x, (v, i) => `${sx(i).toFixed(1)},${sy(v).toFixed(1)}`).join(' '));
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', '#2a6fdb');
  line.setAttribute('stroke-width', '1.6');
  svg.append(frame, zero, line);
  return svg;
}

/** [L, C] int8 (or a vector [C]) as a strip: positions across, channels down. */
function activationStrip(values: Int8Array, shape: number[]): HTMLCanvasElement {
  const [L, C] = shape.length === 2 ? shape : [1, shape[0]];
  const canvas = heatmapCanvas(C, L, (c, l) => sequentialColor((values[l * C + c] + 128) / 255));
  canvas.style.height = `${Math.min(64, Math.max(14, C))}px`;
  return canvas;
}

function showBeat(view: ModelView, trace: RecordTrace, k: number, out: HTMLElement): void {
  const beat = trace.beats[k];
  const { length } = beatInputShape(view.model, view.source);
  const x = beatWindow(trace, beat.sample, length);
  const run = runBeat(view.model, x);
  const classes = (view.model.meta.classes as string[] | undefined) ?? Array.from(run.scores, (_, i) => `class ${i}`);
  let best = 0;
  run.scores.forEach((s, i) => { if (s > run.scores[best]) best = i; });
  const maxScore = Math.max(...Array.from(run.scores, Math.abs), 1e-9);
  const scores = h('div', { class: 'scores', id: 'beat-scores' }, ...Array.from(run.scores, (s, i) =>
    h('div', { class: i === best ? 'best' : '' }, h('span', {}, classes[i] ?? `class ${i}`), h('div', {}, h('div', { class: 'fill', style: `width:${(100 * Math.max(0, s)) / maxScore}%` })), h('span', { class: 'mono' }, `${s.toFixed(3)} (${run.output[i]})`))));
  const blob = new Blob([Uint8Array.from(run.input, (v) => v & 0xff)], { type: 'application/octet-stream' });
  const download = h('a', { id: 'beat-download', href: URL.createObjectURL(blob), download: `beat-${trace.record}-${k}.bin` }, `int8 input (${run.input.length} B) for golden --input`);
  const acts = h('div', { id: 'acts' }, ...run.layers.map((a) => h('div', { class: 'act' }, h('span', { title: a.name }, `#${a.index} ${a.kind} [${a.shape.join(', ')}]`), activationStrip(a.values, a.shape))));
  out.replaceChildren(
    h('div', { class: 'row' },
      h('div', {},
        h('div', { class: 'note' }, `record ${trace.record}, beat ${k}: R peak at sample ${beat.sample} (${(beat.sample / trace.fs).toFixed(2)} s), label ${beat.mnemonic} = AAMI ${beat.aami}; ${length} points, z-scored`),
        traceSvg(x),
        h('div', { class: 'note' }, 'class scores (dequantized output; int8 in brackets)'), scores,
        h('div', { class: 'note', style: 'margin-top:8px' }, 'output bytes (int8)'),
        h('div', { class: 'mono', id: 'beat-output', 'data-bytes': JSON.stringify(Array.from(run.output)), 'data-input': JSON.stringify(Array.from(run.input)) }, `[${Array.from(run.output).join(', ')}]`),
        h('div', { style: 'margin-top:6px' }, download)),
      h('div', { style: 'flex:1;min-width:380px' }, h('div', { class: 'note' }, 'activations per layer (int8, -128 dark .. 127 yellow; positions across, channels down)'), acts)));
}

/** Fill the beat panel for `view` with the records of `source`. */
export async function renderBeatPanel(view: ModelView | null, source: RecordSource | null): Promise<void> {
  const body = byId('beat-body');
  if (!view) {
    body.replaceChildren(h('div', { class: 'note' }, 'load a model to run a beat through it'));
    return;
  }
  if (!source || source.records.length === 0) {
    body.replaceChildren(h('div', { class: 'note' }, 'no WFDB records: the demo excerpt (data/demo/mitdb) is not served; drop a record (.hea, .dat, .atr)'));
    return;
  }
  try {
    beatInputShape(view.model, view.source);
  } catch (e) {
    body.replaceChildren(h('div', { class: 'note' }, (e as Error).message));
    return;
  }
  const recordSelect = h('select', { id: 'beat-record' }, ...source.records.map((r) => h('option', { value: r }, `record ${r}`)));
  const beatSelect = h('select', { id: 'beat-index' });
  const out = h('div', {});
  let trace: RecordTrace | null = null;
  const show = () => {
    if (trace) showBeat(view, trace, Number(beatSelect.value), out);
    document.body.dataset.beat = `${trace?.record}:${beatSelect.value}`;
  };
  const loadRecord = async () => {
    try {
      trace = readRecordTrace(await source.load(recordSelect.value));
    } catch (e) {
      showMessage(`record ${recordSelect.value}: ${(e as Error).message}`);
      return;
    }
    beatSelect.replaceChildren(...trace.beats.map((b, i) => h('option', { value: String(i) }, `beat ${i}: ${b.mnemonic} (${b.aami}) at ${(b.sample / trace!.fs).toFixed(2)} s`)));
    const firstAbnormal = trace.beats.findIndex((b) => b.aami !== 'N');
    beatSelect.value = String(Math.max(0, firstAbnormal));
    show();
  };
  recordSelect.addEventListener('change', () => void loadRecord());
  beatSelect.addEventListener('change', show);
  body.replaceChildren(h('div', { style: 'margin:6px 0' }, h('span', { class: 'note', id: 'beat-source' }, `${source.label}: `), recordSelect, ' ', beatSelect), out);
  await loadRecord();
}
