/**
 * A generated PW kernel as a heatmap (rows: output channels, columns: input channels; blue
 * negative, red positive, scaled to the largest |w|), with the CRC-32 of its INT8 weights in
 * #kernel-crc (data-crc), the value `hypertinypw golden` writes for the same kernel.
 */

import type { KernelView } from '../model_view.ts';
import { byId, divergingColor, h, heatmapCanvas, hex32 } from './dom.ts';

const TARGET_PX = 300;

function kernelFigure(k: KernelView): HTMLElement {
  let maxAbs = 1;
  let nonzero = 0;
  for (const w of k.weights) {
    maxAbs = Math.max(maxAbs, Math.abs(w));
    if (w !== 0) nonzero++;
  }
  const cell = Math.max(1, Math.floor(TARGET_PX / Math.max(k.inChannels, k.outChannels)));
  const canvas = heatmapCanvas(k.outChannels, k.inChannels, (r, c) => divergingColor(k.weights[r * k.inChannels + c] / maxAbs), cell);
  canvas.id = 'kernel-canvas';
  return h('div', { class: 'row' }, canvas,
    h('table', { style: 'width:auto' },
      h('tr', {}, h('th', {}, 'layer'), h('td', {}, `#${k.layer} ${k.name}`)),
      h('tr', {}, h('th', {}, 'shape'), h('td', { class: 'mono' }, `${k.outChannels} x ${k.inChannels} (Cout x Cin)`)),
      h('tr', {}, h('th', {}, 'CRC-32'), h('td', { class: 'mono', id: 'kernel-crc', 'data-crc': String(k.crc32), 'data-layer': String(k.layer) }, hex32(k.crc32))),
      h('tr', {}, h('th', {}, 'max |w|'), h('td', { class: 'mono' }, String(maxAbs))),
      h('tr', {}, h('th', {}, 'nonzero'), h('td', { class: 'mono' }, `${nonzero} / ${k.weights.length}`))));
}

export function renderKernels(kernels: KernelView[]): void {
  const body = byId('kernel-body');
  if (kernels.length === 0) {
    body.replaceChildren(h('div', { class: 'note' }, 'this model has no generated layers (every pointwise kernel is stored in flash)'));
    return;
  }
  const select = h('select', { id: 'kernel-select' }, ...kernels.map((k) => h('option', { value: String(k.generatedIndex) }, `generated layer ${k.generatedIndex}: ${k.name} (${k.outChannels} x ${k.inChannels})`)));
  const figure = h('div', {});
  const show = () => figure.replaceChildren(kernelFigure(kernels[Number(select.value)]));
  select.addEventListener('change', show);
  body.replaceChildren(h('div', { style: 'margin:4px 0 8px' }, select), figure);
  show();
}
