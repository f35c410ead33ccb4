/**
 * Pareto plot: flash bytes (log x) against macro-F1 (y) with 95% CI error bars, one colour and
 * marker per variant, a legend, the Pareto front (fewest bytes for a given macro-F1) as a step
 * line, and a label beside each point placed to avoid other labels, markers and the frame. Points
 * drawn at almost the same x with overlapping intervals are set a few pixels apart (dodge).
 */

import { esc, linearTicks, logTicks, marker, r2, svgDocument, text, textWidth, variantStyle } from './svg.ts';

export interface ParetoPoint {
  variant: string;
  label: string;
  /** flash bytes */
  x: number;
  /** metric value with its interval */
  y: number;
  lo: number;
  hi: number;
}

/** Indices of the non-dominated points (no other point has x <= and y >= with one strict), by increasing x. */
export function paretoFront(points: { x: number; y: number }[]): number[] {
  const order = points.map((_, i) => i).sort((a, b) => points[a].x - points[b].x || points[b].y - points[a].y);
  const front: number[] = [];
  let bestY = -Infinity;
  for (const i of order) {
    if (points[i].y > bestY) {
      front.push(i);
      bestY = points[i].y;
    }
  }
  return front;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  return w > 0 && h > 0 ? w * h : 0;
}

export interface ParetoOptions {
  title: string;
  yLabel?: string;
  /** x-axis title (default: flash bytes) */
  xLabel?: string;
  width?: number;
  height?: number;
  /** legend order (variants not listed follow in first-seen order) */
  variantOrder?: string[];
  /** a caveat printed under the title, e.g. that the points rest on few test examples */
  note?: string;
}

/** Horizontal offsets (px) that set apart points drawn within `gap` px of each other whose
 * intervals overlap, so their CI bars stand side by side instead of on top of each other. */
export function dodge(xs: number[], ranges: [number, number][], gap = 10, step = 7): number[] {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const out = new Array<number>(xs.length).fill(0);
  let group: number[] = [];
  const flush = () => {
    group.forEach((i, k) => (out[i] = (k - (group.length - 1) / 2) * step));
    group = [];
  };
  for (const i of order) {
    const clash = group.some((j) => xs[i] - xs[j] < gap && ranges[i][0] <= ranges[j][1] && ranges[j][0] <= ranges[i][1]);
    if (group.length > 0 && !clash) flush();
    group.push(i);
  }
  flush();
  return out;
}

export function paretoSvg(points: ParetoPoint[], opts: ParetoOptions): string {
  const W = opts.width ?? 820, H = opts.height ?? 500;
  const seen = [...new Set(points.map((p) => p.variant))];
  const order = [...(opts.variantOrder ?? []).filter((v) => seen.includes(v)), ...seen.filter((v) => !(opts.variantOrder ?? []).includes(v))];
  const legendW = Math.max(120, ...order.map((v) => textWidth(variantStyle(v, order).label, 12) + 34));
  const M = { left: 66, right: legendW + 24, top: 44, bottom: 56 };
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  const body: string[] = [];
  body.push(text(M.left, 24, opts.title, { size: 15, weight: 'bold' }));
  if (opts.note) body.push(text(M.left, 39, opts.note, { size: 11, fill: '#a01010' }));
  if (points.length === 0) {
    body.push(text(W / 2, H / 2, 'no results', { anchor: 'middle', size: 14 }));
    return svgDocument(W, H, body, opts.title);
  }
  // x: log domain padded by a factor on each side; y: CI range padded by 8%
  const xs = points.map((p) => p.x);
  let xlo = Math.min(...xs) / 2.6, xhi = Math.max(...xs) * 2;
  if (xhi / xlo < 10) {
    const mid = Math.sqrt(xlo * xhi);
    xlo = mid / Math.sqrt(10);
    xhi = mid * Math.sqrt(10);
  }
  let ylo = Math.min(...points.map((p) => Math.min(p.lo, p.y))), yhi = Math.max(...points.map((p) => Math.max(p.hi, p.y)));
  const pad = Math.max(0.01, (yhi - ylo) * 0.08);
  ylo -= pad;
  yhi += pad;
  const X = (v: number) => M.left + ((Math.log10(v) - Math.log10(xlo)) / (Math.log10(xhi) - Math.log10(xlo))) * pw;
  const Y = (v: number) => M.top + (1 - (v - ylo) / (yhi - ylo)) * ph;

  // grid and axes
  for (const t of logTicks(xlo, xhi)) {
    const x = X(t.value);
    body.push(`<line x1="${r2(x)}" y1="${M.top}" x2="${r2(x)}" y2="${M.top + ph}" stroke="${t.major ? '#d0d0d0' : '#eeeeee'}" stroke-width="1"/>`);
    body.push(`<line x1="${r2(x)}" y1="${M.top + ph}" x2="${r2(x)}" y2="${M.top + ph + (t.major ? 6 : 3)}" stroke="#444"/>`);
    if (t.label) body.push(text(x, M.top + ph + 20, t.label, { anchor: 'middle', size: 12 }));
  }
  for (const t of linearTicks(ylo, yhi, 6)) {
    const y = Y(t.value);
    body.push(`<line x1="${M.left}" y1="${r2(y)}" x2="${M.left + pw}" y2="${r2(y)}" stroke="#e3e3e3"/>`);
    body.push(`<line x1="${M.left - 5}" y1="${r2(y)}" x2="${M.left}" y2="${r2(y)}" stroke="#444"/>`);
    body.push(text(M.left - 8, y + 4, t.label, { anchor: 'end', size: 12 }));
  }
  body.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  body.push(text(M.left + pw / 2, H - 14, opts.xLabel ?? 'flash (bytes, log scale; 1 kB = 1000 B)', { anchor: 'middle', size: 13 }));
  body.push(text(18, M.top + ph / 2, opts.yLabel ?? 'macro-F1 (test, 95% CI)', { anchor: 'middle', size: 13, rotate: -90 }));

  // Pareto front as a step line: flat to the next front point's x, then up to its y
  const front = paretoFront(points);
  if (front.length > 0) {
    let d = `M${r2(X(points[front[0]].x))},${r2(Y(points[front[0]].y))}`;
    for (let i = 1; i < front.length; i++) {
      d += `H${r2(X(points[front[i]].x))}V${r2(Y(points[front[i]].y))}`;
    }
    d += `H${r2(M.left + pw)}`;
    body.push(`<path d="${d}" fill="none" stroke="#555" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  }

  // error bars, then markers; the front's segments are obstacles for labels as well
  const obstacles: Box[] = [];
  if (front.length > 0) {
    for (let i = 0; i < front.length; i++) {
      const a = points[front[i]];
      const xNext = i + 1 < front.length ? X(points[front[i + 1]].x) : M.left + pw;
      obstacles.push({ x0: X(a.x), y0: Y(a.y) - 1.5, x1: xNext, y1: Y(a.y) + 1.5 });
      if (i + 1 < front.length) obstacles.push({ x0: xNext - 1.5, y0: Y(points[front[i + 1]].y), x1: xNext + 1.5, y1: Y(a.y) });
    }
  }
  const S = 6;
  const offsets = dodge(points.map((p) => X(p.x)), points.map((p) => [Y(p.hi), Y(p.lo)]));
  const PX = (i: number) => X(points[i].x) + offsets[i];
  points.forEach((p, i) => {
    const x = PX(i), st = variantStyle(p.variant, order);
    body.push(`<line x1="${r2(x)}" y1="${r2(Y(p.lo))}" x2="${r2(x)}" y2="${r2(Y(p.hi))}" stroke="${st.color}" stroke-width="1.5" stroke-opacity="0.8"/>`);
    for (const v of [p.lo, p.hi]) body.push(`<line x1="${r2(x - 3)}" y1="${r2(Y(v))}" x2="${r2(x + 3)}" y2="${r2(Y(v))}" stroke="${st.color}" stroke-width="1.5" stroke-opacity="0.8"/>`);
    obstacles.push({ x0: x - 3, y0: Y(p.hi), x1: x + 3, y1: Y(p.lo) });
  });
  points.forEach((p, i) => {
    const st = variantStyle(p.variant, order);
    const onFront = front.includes(i);
    body.push(marker(st.marker, PX(i), Y(p.y), S, st.color, onFront ? '' : 'fill-opacity="0.75"'));
    obstacles.push({ x0: PX(i) - S - 1, y0: Y(p.y) - S - 1, x1: PX(i) + S + 1, y1: Y(p.y) + S + 1 });
  });

  // labels: greedy placement, largest-first by y so crowded top points get first pick
  const FS = 11;
  const placed: Box[] = [];
  const frame: Box = { x0: M.left + 2, y0: M.top + 2, x1: M.left + pw - 2, y1: M.top + ph - 2 };
  const byY = points.map((_, i) => i).sort((a, b) => points[b].y - points[a].y);
  for (const i of byY) {
    const p = points[i];
    if (!p.label) continue;
    const x = PX(i), y = Y(p.y), w = textWidth(p.label, FS), h = FS + 2;
    const cands: [number, number][] = [];
    for (const dist of [9, 16, 26]) {
      cands.push([x + dist, y - h / 2], [x - dist - w, y - h / 2], [x + dist - 2, y - dist - h + 2], [x + dist - 2, y + dist - 2], [x - w / 2, y - dist - h], [x - w / 2, y + dist], [x - dist - w + 2, y - dist - h + 2], [x - dist - w + 2, y + dist - 2]);
    }
    let best: Box | undefined, bestCost = Infinity;
    for (const [bx, by] of cands) {
      const b: Box = { x0: bx, y0: by, x1: bx + w, y1: by + h };
      let cost = 0;
      if (b.x0 < frame.x0 || b.x1 > frame.x1 || b.y0 < frame.y0 || b.y1 > frame.y1) cost += 1e6;
      for (const o of placed) cost += 10 * overlap(b, o);
      for (const o of obstacles) cost += 8 * overlap(b, o);
      if (cost < bestCost) {
        bestCost = cost;
        best = b;
      }
      if (cost === 0) break;
    }
    if (!best) continue;
    placed.push(best);
    const cx = Math.min(Math.max(x, best.x0), best.x1), cy = Math.min(Math.max(y, best.y0), best.y1);
    if (Math.hypot(cx - x, cy - y) > S + 6) body.push(`<line x1="${r2(x)}" y1="${r2(y)}" x2="${r2(cx)}" y2="${r2(cy)}" stroke="#999" stroke-width="0.8"/>`);
    body.push(`<text x="${r2(best.x0)}" y="${r2(best.y1 - 3)}" font-size="${FS}" fill="#333" paint-order="stroke" stroke="#ffffff" stroke-width="3" stroke-linejoin="round">${esc(p.label)}</text>`);
  }

  // legend, right of the plot
  const lx = M.left + pw + 16;
  let ly = M.top + 8;
  body.push(text(lx, ly + 4, 'variant', { size: 12, weight: 'bold' }));
  ly += 22;
  for (const v of order) {
    const st = variantStyle(v, order);
    body.push(marker(st.marker, lx + 8, ly, S, st.color));
    body.push(text(lx + 22, ly + 4, st.label, { size: 12 }));
    ly += 22;
  }
  body.push(`<path d="M${lx},${ly}H${lx + 16}" stroke="#555" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  body.push(text(lx + 22, ly + 4, 'Pareto front', { size: 12 }));
  ly += 22;
  body.push(`<line x1="${lx + 8}" y1="${ly - 7}" x2="${lx + 8}" y2="${ly + 7}" stroke="#555" stroke-width="1.5"/>`);
  body.push(text(lx + 22, ly + 4, '95% CI', { size: 12 }));
  return svgDocument(W, H, body, opts.title);
}
