/**
 * Training curves: two panels side by side, training loss and validation macro-F1 against epoch,
 * one line per model, coloured by variant, a marker at each epoch (legend below the panels names
 * each model). A model whose curve repeats an earlier one's point for point (INT8-large keeps the
 * float CNN's training history) is drawn dashed on top and its legend entry says so, so neither
 * line hides the other.
 */

import type { CurvePoint } from '../eval/results.ts';
import { esc, linearTicks, marker, r2, svgDocument, text, textWidth, variantStyle } from './svg.ts';

export interface CurveSeries {
  variant: string;
  label: string;
  points: CurvePoint[];
}

const DASHES = ['', '6 3', '2 3', '8 3 2 3'];
const SAME_CURVE_DASH = '7 5';

function samePoints(a: CurvePoint[], b: CurvePoint[]): boolean {
  return a.length === b.length && a.every((p, i) => p.epoch === b[i].epoch && p.trainLoss === b[i].trainLoss && p.valMacroF1 === b[i].valMacroF1);
}

/** `note`: a caveat printed under the title in red (e.g. the validation split is tiny). */
export function curvesSvg(series: CurveSeries[], title: string, variantOrder: string[] = [], note?: string): string {
  const PW = 360, PH = 250;
  const M = { left: 62, top: 66, gap: 80, bottom: 52 };
  const W = M.left + PW + M.gap + PW + 30;
  const order = [...new Set([...variantOrder, ...series.map((s) => s.variant)])];
  // per-variant dash index so two configs of one variant stay distinguishable
  const dashOf = new Map<CurveSeries, string>();
  const countByVariant = new Map<string, number>();
  const sameAs = new Map<CurveSeries, CurveSeries>();
  series.forEach((s, i) => {
    const n = countByVariant.get(s.variant) ?? 0;
    countByVariant.set(s.variant, n + 1);
    const twin = s.points.length > 0 ? series.slice(0, i).find((o) => samePoints(o.points, s.points)) : undefined;
    if (twin) sameAs.set(s, twin);
    dashOf.set(s, twin ? SAME_CURVE_DASH : DASHES[n % DASHES.length]);
  });
  const legendLabel = (s: CurveSeries) => (sameAs.has(s) ? `${s.label} (same curve as ${sameAs.get(s)!.label})` : s.label);
  // legend rows: as many entries per row as fit
  const entryW = Math.max(120, ...series.map((s) => textWidth(legendLabel(s), 11) + 40));
  const perRow = Math.max(1, Math.floor((W - 40) / entryW));
  const legendRows = Math.ceil(series.length / perRow);
  const H = M.top + PH + M.bottom + legendRows * 20 + 10;
  const body: string[] = [text(16, 24, title, { size: 15, weight: 'bold' })];
  if (note) body.push(text(16, 41, note, { size: 11, fill: '#a01010' }));
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    body.push(text(W / 2, H / 2, 'no training curves', { anchor: 'middle' }));
    return svgDocument(W, H, body, title);
  }
  const epochs = all.map((p) => p.epoch);
  const e0 = Math.min(...epochs), e1 = Math.max(...epochs, e0 + 1);
  const panel = (x0: number, name: string, get: (p: CurvePoint) => number) => {
    const vals = all.map(get);
    let lo = Math.min(...vals), hi = Math.max(...vals);
    const pad = Math.max((hi - lo) * 0.06, 1e-3);
    lo = name === 'training loss' ? Math.max(0, lo - pad) : lo - pad;
    hi += pad;
    const X = (e: number) => x0 + ((e - e0) / (e1 - e0)) * PW;
    const Y = (v: number) => M.top + (1 - (v - lo) / (hi - lo)) * PH;
    for (const t of linearTicks(lo, hi, 5)) {
      if (t.value < lo - 1e-12 || t.value > hi + 1e-12) continue;
      body.push(`<line x1="${x0}" y1="${r2(Y(t.value))}" x2="${x0 + PW}" y2="${r2(Y(t.value))}" stroke="#e3e3e3"/>`);
      body.push(text(x0 - 6, Y(t.value) + 4, t.label, { anchor: 'end', size: 11 }));
    }
    for (const t of linearTicks(e0, e1, 6)) {
      if (t.value < e0 || t.value > e1) continue;
      body.push(`<line x1="${r2(X(t.value))}" y1="${M.top + PH}" x2="${r2(X(t.value))}" y2="${M.top + PH + 5}" stroke="#444"/>`);
      body.push(text(X(t.value), M.top + PH + 18, t.label, { anchor: 'middle', size: 11 }));
    }
    body.push(`<rect x="${x0}" y="${M.top}" width="${PW}" height="${PH}" fill="none" stroke="#444"/>`);
    body.push(text(x0 + PW / 2, M.top - 8, name, { anchor: 'middle', size: 13, weight: 'bold' }));
    body.push(text(x0 + PW / 2, M.top + PH + 36, 'epoch', { anchor: 'middle', size: 12 }));
    for (const s of series) {
      if (s.points.length === 0) continue;
      const st = variantStyle(s.variant, order);
      const pts = [...s.points].sort((a, b) => a.epoch - b.epoch);
      const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${r2(X(p.epoch))},${r2(Y(get(p)))}`).join('');
      const dash = dashOf.get(s) ? ` stroke-dasharray="${dashOf.get(s)}"` : '';
      body.push(`<path d="${d}" fill="none" stroke="${st.color}" stroke-width="${sameAs.has(s) ? 2.4 : 1.8}"${dash}/>`);
      for (const p of pts) body.push(marker(st.marker, X(p.epoch), Y(get(p)), 2.6, st.color));
    }
  };
  panel(M.left, 'training loss', (p) => p.trainLoss);
  panel(M.left + PW + M.gap, 'validation macro-F1', (p) => p.valMacroF1);
  series.forEach((s, i) => {
    const st = variantStyle(s.variant, order);
    const x = 20 + (i % perRow) * entryW, y = M.top + PH + M.bottom + 8 + Math.floor(i / perRow) * 20;
    const dash = dashOf.get(s) ? ` stroke-dasharray="${dashOf.get(s)}"` : '';
    body.push(`<path d="M${x},${y}H${x + 26}" stroke="${st.color}" stroke-width="2"${dash}/>`);
    body.push(marker(st.marker, x + 13, y, 2.6, st.color));
    body.push(`<text x="${x + 32}" y="${y + 4}" font-size="11" fill="#222">${esc(legendLabel(s))}</text>`);
  });
  return svgDocument(W, H, body, title);
}
