/** The layer table: shape in and out, kind, where the weights live (flash, generated, none). */

import type { LayerRow } from '../model_view.ts';
import { byId, h } from './dom.ts';

function weightsLabel(r: LayerRow): string {
  if (r.weights === 'generated') return 'generated (RAM cache)';
  if (r.weights === 'stored') return `stored INT${r.bits}`;
  return '-';
}

export function renderLayers(rows: LayerRow[]): void {
  const head = h('tr', {}, ...['#', 'name', 'kind', 'input', 'output', 'weights', 'params'].map((t, i) => h('th', i === 0 || i === 6 ? { class: 'num' } : {}, t)));
  const body = rows.map((r) =>
    h('tr', { class: r.weights === 'generated' ? 'generated' : '', 'data-layer': String(r.index) },
      h('td', { class: 'num' }, String(r.index)), h('td', {}, r.name), h('td', {}, r.kind),
      h('td', { class: 'mono' }, `[${r.inShape.join(', ')}]`), h('td', { class: 'mono' }, `[${r.outShape.join(', ')}]`),
      h('td', {}, weightsLabel(r)), h('td', { class: 'num' }, r.params ? String(r.params) : '')),
  );
  byId('layers-body').replaceChildren(h('table', { id: 'layers-table' }, head, ...body));
}
