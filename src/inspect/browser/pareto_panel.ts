/**
 * The Pareto plot of a results file (one task at a time): flash bytes (log x) against test
 * macro-F1 with its 95% interval, a marker per variant (the report's styles), the Pareto front
 * as a step line; clicking a point selects its row in the table below, and a row its point.
 */

import { parseResults, type ResultRecord } from '../../eval/results.ts';
import { paretoFront } from '../../report/pareto.ts';
import { configLabel } from '../../report/report.ts';
import { formatBytes, linearTicks, logTicks, marker, variantStyle } from '../../report/svg.ts';
import { byId, h, showMessage } from './dom.ts';

const W = 900, H = 360, LEGEND_W = 170, M = { l: 56, r: 16 + LEGEND_W, t: 14, b: 40 };

function plotSvg(recs: ResultRecord[], order: string[]): string {
  const xs = recs.map((r) => r.flash.total);
  const ys = recs.flatMap((r) => [r.metrics.macroF1.lo, r.metrics.macroF1.hi, r.metrics.macroF1.value]);
  const x0 = Math.min(...xs) / 1.25, x1 = Math.max(...xs) * 1.25;
  const y0 = Math.max(0, Math.min(...ys) - 0.03), y1 = Math.min(1, Math.max(...ys) + 0.03);
  const sx = (v: number) => M.l + ((Math.log(v) - Math.log(x0)) / (Math.log(x1) - Math.log(x0))) * (W - M.l - M.r);
  const sy = (v: number) => H - M.b - ((v - y0) / Math.max(1e-9, y1 - y0)) * (H - M.t - M.b);
  const parts: string[] = [`<rect x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="#fbfcfe" stroke="#d8dce6"/>`];
  for (const t of logTicks(x0, x1)) parts.push(`<line x1="${sx(t.value)}" x2="${sx(t.value)}" y1="${H - M.b}" y2="${H - M.b + (t.major ? 5 : 3)}" stroke="#888"/>`, t.label ? `<text x="${sx(t.value)}" y="${H - M.b + 17}" font-size="11" text-anchor="middle" fill="#5b6478">${t.label}</text>` : '');
  for (const t of linearTicks(y0, y1, 5)) parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${sy(t.value)}" y2="${sy(t.value)}" stroke="#eef0f4"/>`, `<text x="${M.l - 6}" y="${sy(t.value) + 4}" font-size="11" text-anchor="end" fill="#5b6478">${t.label}</text>`);
  parts.push(`<text x="${(W + M.l) / 2}" y="${H - 6}" font-size="12" text-anchor="middle">flash bytes (log)</text>`, `<text x="14" y="${(H - M.b) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${(H - M.b) / 2})">test macro-F1</text>`);
  const front = paretoFront(recs.map((r) => ({ x: r.flash.total, y: r.metrics.macroF1.value })));
  const step = front.map((i, k) => `${k === 0 ? 'M' : 'H'}${sx(recs[i].flash.total).toFixed(1)}${k === 0 ? ' ' : ' V'}${sy(recs[i].metrics.macroF1.value).toFixed(1)}`).join(' ');
  if (front.length) parts.push(`<path d="${step}" fill="none" stroke="#888" stroke-dasharray="4 3"/>`);
  recs.forEach((r, i) => {
    const st = variantStyle(r.variant, order);
    const x = sx(r.flash.total);
    parts.push(`<line x1="${x}" x2="${x}" y1="${sy(r.metrics.macroF1.lo)}" y2="${sy(r.metrics.macroF1.hi)}" stroke="${st.color}" stroke-opacity="0.5"/>`);
    parts.push(marker(st.marker, x, sy(r.metrics.macroF1.value), 6, st.color, `data-row="${i}" class="pt"`));
  });
  const legend = order.map((v, k) => {
    const st = variantStyle(v, order);
    const x = W - LEGEND_W + 8;
    return `${marker(st.marker, x, M.t + 10 + k * 18, 5, st.color)}<text x="${x + 10}" y="${M.t + 14 + k * 18}" font-size="12">${st.label}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" id="pareto-plot" width="${W}" height="${H}">${parts.join('')}${legend.join('')}</svg>`;
}

function select(body: HTMLElement, i: number): void {
  body.querySelectorAll('.selected').forEach((e) => e.classList.remove('selected'));
  body.querySelector(`[data-row="${i}"].pt`)?.classList.add('selected');
  const row = body.querySelector(`tr[data-row="${i}"]`);
  row?.classList.add('selected');
  row?.scrollIntoView({ block: 'nearest' });
}

function renderTask(body: HTMLElement, recs: ResultRecord[]): void {
  const order = [...new Set(recs.map((r) => r.variant))];
  const plot = h('div', {});
  plot.innerHTML = plotSvg(recs, order); // built from numbers and the report's own style table
  const f1 = (r: ResultRecord) => `${r.metrics.macroF1.value.toFixed(3)} [${r.metrics.macroF1.lo.toFixed(3)}, ${r.metrics.macroF1.hi.toFixed(3)}]`;
  const table = h('table', { id: 'pareto-table' },
    h('tr', {}, ...['id', 'variant', 'config', 'seed', 'flash', 'RAM', 'macro-F1 [95% CI]'].map((t) => h('th', {}, t))),
    ...recs.map((r, i) => h('tr', { 'data-row': String(i) }, h('td', { class: 'mono' }, r.id), h('td', {}, variantStyle(r.variant, order).label), h('td', {}, configLabel(r)), h('td', { class: 'num' }, String(r.seed)), h('td', { class: 'num' }, formatBytes(r.flash.total)), h('td', { class: 'num' }, formatBytes(r.ram.total)), h('td', { class: 'mono' }, f1(r)))));
  const wrap = h('div', { style: 'max-height:260px;overflow:auto;margin-top:6px' }, table);
  body.append(plot, wrap);
  plot.addEventListener('click', (e) => {
    const row = (e.target as Element).closest('[data-row]')?.getAttribute('data-row');
    if (row !== null && row !== undefined) select(body, Number(row));
  });
  table.addEventListener('click', (e) => {
    const row = (e.target as Element).closest('tr[data-row]')?.getAttribute('data-row');
    if (row !== null && row !== undefined) select(body, Number(row));
  });
}

/** Parse `text` as a results file and draw it; a parse error goes to the message line. */
export function renderPareto(text: string, source: string): void {
  const body = byId('pareto-body');
  let recs: ResultRecord[];
  try {
    recs = parseResults(text, source).records;
  } catch (e) {
    showMessage((e as Error).message);
    return;
  }
  if (recs.length === 0) {
    body.replaceChildren(h('div', { class: 'note' }, `${source}: no records`));
    return;
  }
  const tasks = [...new Set(recs.map((r) => r.task))];
  const taskSelect = h('select', { id: 'pareto-task' }, ...tasks.map((t) => h('option', { value: t }, `${t} (${recs.filter((r) => r.task === t).length} records)`)));
  const inner = h('div', {});
  const show = () => {
    inner.replaceChildren();
    renderTask(inner, recs.filter((r) => r.task === taskSelect.value));
  };
  taskSelect.addEventListener('change', show);
  body.replaceChildren(h('div', { class: 'note' }, `${source}: `, taskSelect), inner);
  show();
}
