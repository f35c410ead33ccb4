/**
 * Confusion-matrix heat map: rows = true class, columns = predicted class; each cell shows its
 * count, and its shading is the row-normalized fraction (the recall share), so rare classes are
 * as readable as common ones. Row totals are printed at the right.
 */

import { r2, svgDocument, text, textWidth } from './svg.ts';

/** White -> dark blue ramp for a fraction in [0, 1]. */
function shade(f: number): string {
  const c0 = [247, 251, 255], c1 = [8, 48, 107];
  const t = Math.sqrt(Math.min(1, Math.max(0, f))); // sqrt so small off-diagonal shares stay visible
  const c = c0.map((a, i) => Math.round(a + (c1[i] - a) * t));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export function confusionSvg(cm: number[][], classes: string[] | undefined, title: string): string {
  const k = cm.length;
  const names = classes && classes.length === k ? classes : cm.map((_, i) => String(i));
  const maxCount = Math.max(1, ...cm.flat());
  const countFs = k > 8 ? 10 : 12;
  const cell = Math.max(44, Math.min(64, textWidth(String(maxCount), countFs) + 14));
  const nameW = Math.max(...names.map((n) => textWidth(n, 12)));
  const rotateCols = nameW > cell - 6;
  const colLabelH = rotateCols ? nameW * 0.75 + 14 : 20;
  const M = { left: Math.max(60, nameW + 40), top: 52 + colLabelH + 18, right: 70, bottom: 20 };
  const W = Math.max(M.left + k * cell + M.right, textWidth(title, 15) + 30);
  const H = M.top + k * cell + M.bottom + 24;
  const body: string[] = [];
  body.push(text(16, 24, title, { size: 15, weight: 'bold' }));
  body.push(text(M.left + (k * cell) / 2, 48, 'predicted class', { anchor: 'middle', size: 13 }));
  body.push(text(18, M.top + (k * cell) / 2, 'true class', { anchor: 'middle', size: 13, rotate: -90 }));
  for (let c = 0; c < k; c++) {
    const x = M.left + c * cell + cell / 2;
    if (rotateCols) body.push(text(x - 2, M.top - 8, names[c], { size: 12, rotate: -45 }));
    else body.push(text(x, M.top - 8, names[c], { anchor: 'middle', size: 12 }));
  }
  body.push(text(M.left + k * cell + 8, M.top - 8, 'n', { size: 12, weight: 'bold' }));
  for (let r = 0; r < k; r++) {
    const total = cm[r].reduce((a, b) => a + b, 0);
    const y = M.top + r * cell;
    body.push(text(M.left - 8, y + cell / 2 + 4, names[r], { anchor: 'end', size: 12 }));
    for (let c = 0; c < k; c++) {
      const f = total > 0 ? cm[r][c] / total : 0;
      const x = M.left + c * cell;
      body.push(`<rect x="${r2(x)}" y="${r2(y)}" width="${r2(cell)}" height="${r2(cell)}" fill="${shade(f)}" stroke="#ffffff" stroke-width="1"/>`);
      const fill = f > 0.45 ? '#ffffff' : '#222';
      body.push(text(x + cell / 2, y + cell / 2 + 1, String(cm[r][c]), { anchor: 'middle', size: countFs, fill, weight: r === c ? 'bold' : undefined }));
      if (total > 0) body.push(text(x + cell / 2, y + cell / 2 + 14, `${(100 * f).toFixed(f < 0.1 && f > 0 ? 1 : 0)}%`, { anchor: 'middle', size: 9, fill }));
    }
    body.push(text(M.left + k * cell + 8, y + cell / 2 + 4, String(total), { size: 12 }));
  }
  body.push(`<rect x="${M.left}" y="${M.top}" width="${k * cell}" height="${k * cell}" fill="none" stroke="#444"/>`);
  body.push(text(M.left, H - 12, 'cell: count; shading and %: share of the true class (row-normalized)', { size: 10, fill: '#555' }));
  return svgDocument(Math.ceil(Math.max(W, M.left + textWidth('cell: count; shading and %: share of the true class (row-normalized)', 10) + 10)), Math.ceil(H), body, title);
}
