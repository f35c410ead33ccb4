/**
 * The flash / RAM panel: one stacked bar and one table per memory, by accountBytes category, with
 * the totals `hypertinypw bytes` prints (#flash-total / #ram-total carry them in data-bytes).
 */

import { FLASH_CATEGORIES, RAM_CATEGORIES, type ByteAccount } from '../../hyper/bytes.ts';
import { formatBytes } from '../../report/svg.ts';
import { byId, h } from './dom.ts';

const PALETTE = ['#D55E00', '#E69F00', '#CC79A7', '#F0C0A0', '#F5DC8C', '#56B4E9', '#0072B2', '#009E73', '#7FC8B0', '#999933', '#AAAAAA', '#555555'];

function memoryBlock(title: string, id: string, total: number, entries: [string, number][]): HTMLElement {
  const shown = entries.filter(([, v]) => v > 0);
  const color = (name: string) => PALETTE[entries.findIndex(([n]) => n === name) % PALETTE.length];
  const bar = h('div', { class: 'bar' }, ...shown.map(([name, v]) => h('div', { style: `width:${(100 * v) / total}%;background:${color(name)}`, title: `${name}: ${v} B` })));
  const rows = shown.map(([name, v]) =>
    h('tr', { 'data-category': name }, h('td', {}, h('span', { class: 'swatch', style: `background:${color(name)}` }), name), h('td', { class: 'num', 'data-bytes': String(v) }, String(v)), h('td', { class: 'num' }, `${((100 * v) / total).toFixed(1)}%`)),
  );
  const totalRow = h('tr', { class: 'total' }, h('td', {}, 'total'), h('td', { class: 'num', id, 'data-bytes': String(total) }, String(total)), h('td', { class: 'num' }, formatBytes(total)));
  return h('div', {}, h('strong', {}, title), bar, h('table', {}, h('tr', {}, h('th', {}, 'category'), h('th', { class: 'num' }, 'bytes'), h('th', { class: 'num' }, 'share')), ...rows, totalRow));
}

export function renderBytes(a: ByteAccount): void {
  const body = byId('bytes-body');
  body.replaceChildren(
    h('div', { class: 'row' },
      h('div', { style: 'flex:1;min-width:250px' }, memoryBlock('flash', 'flash-total', a.flash.total, FLASH_CATEGORIES.map((c) => [c, a.flash.byCategory[c]]))),
      h('div', { style: 'flex:1;min-width:250px' }, memoryBlock('RAM', 'ram-total', a.ram.total, RAM_CATEGORIES.map((c) => [c, a.ram.byCategory[c]])))),
    a.generatorFraction === null
      ? h('div', { class: 'note' }, 'no generated layers: every weight is stored in flash')
      : h('div', { class: 'note' }, `generated INT8 bytes replaced: ${a.generatedInt8Bytes}; generator + codes + gains = ${(100 * a.generatorFraction).toFixed(2)}% of them`),
  );
}
