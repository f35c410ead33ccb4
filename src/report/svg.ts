/**
 * Dependency-free SVG building blocks shared by the plots: escaping, number and byte formatting,
 * axis ticks (log decades, "nice" linear steps), a text-width estimate for layout, and the
 * variant styles (colour + marker) used consistently across every plot and the legend.
 *
 * Sizes: 1 kB = 1000 bytes, 1 MB = 10^6 bytes (SI), as printed on every axis and table.
 */

export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round for SVG coordinates (2 decimals, no trailing zeros). */
export function r2(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** Estimated rendered width of `s` at `size` px in a sans font (generous, for layout). */
export function textWidth(s: string, size: number): number {
  let w = 0;
  for (const ch of s) w += /[il.,:;|!' ]/.test(ch) ? 0.32 : /[mwMW@%]/.test(ch) ? 0.88 : /[A-Z0-9]/.test(ch) ? 0.66 : 0.56;
  return w * size;
}

/** 1234 -> "1.23 kB", 1400000 -> "1.4 MB", 512 -> "512 B". */
export function formatBytes(b: number, digits = 3): string {
  const fmt = (v: number) => String(Number(v.toPrecision(digits)));
  if (Math.abs(b) < 1000) return `${fmt(b)} B`;
  if (Math.abs(b) < 1e6) return `${fmt(b / 1000)} kB`;
  return `${fmt(b / 1e6)} MB`;
}

export interface Tick {
  value: number;
  label: string;
  major: boolean;
}

/**
 * Ticks for a log axis over [lo, hi]: every decade labelled; 2x and 5x labelled too when fewer
 * than three decades fall inside the range; other integer multiples as unlabelled minor ticks.
 */
export function logTicks(lo: number, hi: number, format: (v: number) => string = formatBytes): Tick[] {
  const ticks: Tick[] = [];
  const d0 = Math.floor(Math.log10(lo)), d1 = Math.ceil(Math.log10(hi));
  // label 2x and 5x too when fewer than three decade ticks fall inside the range
  let decadesInside = 0;
  for (let d = d0; d <= d1; d++) if (10 ** d >= lo * (1 - 1e-9) && 10 ** d <= hi * (1 + 1e-9)) decadesInside++;
  const fewDecades = decadesInside < 3;
  for (let d = d0; d <= d1; d++) {
    for (let m = 1; m <= 9; m++) {
      const v = m * 10 ** d;
      if (v < lo * (1 - 1e-9) || v > hi * (1 + 1e-9)) continue;
      const labelled = m === 1 || (fewDecades && (m === 2 || m === 5));
      ticks.push({ value: v, label: labelled ? format(v) : '', major: labelled });
    }
  }
  return ticks;
}

/** About `target` evenly spaced ticks with a 1 / 2 / 5 x 10^k step covering [lo, hi]. */
export function linearTicks(lo: number, hi: number, target = 6): Tick[] {
  if (!(hi > lo)) return [{ value: lo, label: String(lo), major: true }];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / mag === 2.5 ? 1 : 0));
  const out: Tick[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    const value = Math.round(v / step) * step;
    out.push({ value, label: value.toFixed(decimals), major: true });
  }
  return out;
}

export interface VariantStyle {
  color: string;
  marker: 'circle' | 'square' | 'triangle' | 'diamond' | 'triangle-down' | 'hexagon' | 'cross';
  label: string;
}

// Okabe-Ito colour-blind-safe palette; a distinct marker per variant so print in grey still works.
const STYLES: Record<string, VariantStyle> = {
  'float-large': { color: '#000000', marker: 'circle', label: 'float CNN (large)' },
  'int8-large': { color: '#E69F00', marker: 'square', label: 'INT8 CNN (large)' },
  'pw-int8': { color: '#56B4E9', marker: 'triangle', label: 'PW stored INT8' },
  'pw-lowrank': { color: '#009E73', marker: 'diamond', label: 'PW INT8 low-rank' },
  'pw-4bit': { color: '#CC79A7', marker: 'triangle-down', label: 'PW 4-bit' },
  hypertinypw: { color: '#D55E00', marker: 'hexagon', label: 'HyperTinyPW' },
};
const EXTRA_COLORS = ['#0072B2', '#999933', '#882255', '#44AA99', '#777777'];

/** Style of a variant; unknown variants get further colours (stable by first-seen order in `order`). */
export function variantStyle(variant: string, order: string[] = []): VariantStyle {
  const known = STYLES[variant];
  if (known) return known;
  const extras = order.filter((v) => !STYLES[v]);
  const i = Math.max(0, extras.indexOf(variant));
  return { color: EXTRA_COLORS[i % EXTRA_COLORS.length], marker: 'cross', label: variant };
}

/** SVG for a marker centred at (x, y) with half-size s. */
export function marker(kind: VariantStyle['marker'], x: number, y: number, s: number, color: string, extra = ''): string {
  const stroke = `stroke="#ffffff" stroke-width="1"`;
  const poly = (pts: [number, number][]) => `<polygon points="${pts.map(([a, b]) => `${r2(x + a)},${r2(y + b)}`).join(' ')}" fill="${color}" ${stroke} ${extra}/>`;
  switch (kind) {
    case 'circle':
      return `<circle cx="${r2(x)}" cy="${r2(y)}" r="${r2(s)}" fill="${color}" ${stroke} ${extra}/>`;
    case 'square':
      return `<rect x="${r2(x - s * 0.9)}" y="${r2(y - s * 0.9)}" width="${r2(1.8 * s)}" height="${r2(1.8 * s)}" fill="${color}" ${stroke} ${extra}/>`;
    case 'triangle':
      return poly([[0, -1.2 * s], [1.1 * s, 0.8 * s], [-1.1 * s, 0.8 * s]]);
    case 'triangle-down':
      return poly([[0, 1.2 * s], [1.1 * s, -0.8 * s], [-1.1 * s, -0.8 * s]]);
    case 'diamond':
      return poly([[0, -1.3 * s], [1.1 * s, 0], [0, 1.3 * s], [-1.1 * s, 0]]);
    case 'hexagon':
      return poly(Array.from({ length: 6 }, (_, i) => [1.15 * s * Math.cos((Math.PI / 3) * i), 1.15 * s * Math.sin((Math.PI / 3) * i)] as [number, number]));
    case 'cross':
      return `<path d="M${r2(x - s)},${r2(y - s)}L${r2(x + s)},${r2(y + s)}M${r2(x - s)},${r2(y + s)}L${r2(x + s)},${r2(y - s)}" stroke="${color}" stroke-width="2.5" ${extra}/>`;
  }
}

export function text(x: number, y: number, s: string, opts: { size?: number; anchor?: 'start' | 'middle' | 'end'; weight?: string; fill?: string; rotate?: number; baseline?: string } = {}): string {
  const size = opts.size ?? 12;
  const attrs = [
    `x="${r2(x)}"`,
    `y="${r2(y)}"`,
    `font-size="${size}"`,
    opts.anchor && opts.anchor !== 'start' ? `text-anchor="${opts.anchor}"` : '',
    opts.weight ? `font-weight="${opts.weight}"` : '',
    `fill="${opts.fill ?? '#222'}"`,
    opts.baseline ? `dominant-baseline="${opts.baseline}"` : '',
    opts.rotate ? `transform="rotate(${opts.rotate} ${r2(x)} ${r2(y)})"` : '',
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${esc(s)}</text>`;
}

export function svgDocument(width: number, height: number, body: string[], title: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
