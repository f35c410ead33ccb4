/**
 * Small DOM helpers of the inspect page: element creation, the message line, and the two
 * colour maps (diverging for signed weights, sequential for activations) drawn on a canvas.
 */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
}

/** A new element with attributes and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** Show one line above the panels: an error (red) or information (blue); empty text hides it. */
export function showMessage(text: string, kind: 'error' | 'info' = 'error'): void {
  const m = byId('message');
  m.textContent = text;
  m.className = text ? kind : '';
}

export function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

/** Blue (-1) .. white (0) .. red (+1). */
export function divergingColor(t: number): [number, number, number] {
  const a = Math.min(1, Math.abs(t));
  return t < 0 ? [Math.round(255 - 206 * a), Math.round(255 - 142 * a), Math.round(255 - 47 * a)] : [Math.round(255 - 33 * a), Math.round(255 - 215 * a), Math.round(255 - 225 * a)];
}

/** Dark blue (0) .. teal .. yellow (1), a viridis-like ramp. */
export function sequentialColor(t: number): [number, number, number] {
  const stops: [number, number, number][] = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((k) => Math.round(stops[i][k] + (stops[i + 1][k] - stops[i][k]) * f)) as [number, number, number];
}

/** A canvas of rows x cols cells, cell (r, c) coloured by color(r, c), each cell `cell` pixels. */
export function heatmapCanvas(rows: number, cols: number, color: (r: number, c: number) => [number, number, number], cell = 1): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = cols * cell;
  canvas.height = rows * cell;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(cols, rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [R, G, B] = color(r, c);
      const o = (r * cols + c) * 4;
      img.data[o] = R;
      img.data[o + 1] = G;
      img.data[o + 2] = B;
      img.data[o + 3] = 255;
    }
  }
  if (cell === 1) {
    ctx.putImageData(img, 0, 0);
    return canvas;
  }
  const src = document.createElement('canvas');
  src.width = cols;
  src.height = rows;
  src.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(src, 0, 0, cols * cell, rows * cell);
  return canvas;
}
