/**
 * The inspect page's entry (bundled by ../bundle.ts): read site.json, load the named model and
 * results file, fill the panels, and accept dropped or chosen files (a model by its container
 * magic, a results file by its JSON lines, a WFDB record by its .hea; anything else gets a
 * one-line message). When it has
 * finished a load, <body data-state> is 'ready' (or 'error'): the browser test waits for it.
 */

import { readModelView, type ModelView } from '../model_view.ts';
import type { SiteManifest } from '../site_manifest.ts';
import { renderBeatPanel } from './beat_panel.ts';
import { demoSource, droppedSource, type RecordSource } from './record_source.ts';
import { renderBytes } from './bytes_panel.ts';
import { byId, hex32, showMessage } from './dom.ts';
import { renderKernels } from './kernel_panel.ts';
import { renderLayers } from './layers_panel.ts';
import { renderPareto } from './pareto_panel.ts';

let records: RecordSource | null = null;
let currentView: ModelView | null = null;

async function showModel(bytes: Uint8Array, name: string): Promise<void> {
  let view: ModelView;
  try {
    view = readModelView(bytes, name);
  } catch (e) {
    showMessage((e as Error).message);
    document.body.dataset.state = 'error';
    return;
  }
  showMessage('');
  const generated = view.kernels.length;
  byId('model-name').textContent = `${name}: ${view.kind === 'deployable' ? 'Deployable' : 'IntModel'} "${view.model.name}", ${view.layers.length} layers, ${generated} generated, file CRC-32 ${hex32(view.fileCrc32)}`;
  renderBytes(view.account);
  renderLayers(view.layers);
  renderKernels(view.kernels);
  currentView = view;
  await renderBeatPanel(view, records);
  document.body.dataset.state = 'ready';
}

/** A results file is JSON lines: its first non-blank character is '{'. */
function looksLikeJsonLines(bytes: Uint8Array): boolean {
  for (const b of bytes.subarray(0, 64)) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b;
  }
  return false;
}

/** Dropped files: a WFDB record (a .hea among them), or one model / results file. */
async function openFiles(files: File[]): Promise<void> {
  document.body.dataset.state = 'loading';
  if (files.some((f) => f.name.endsWith('.hea'))) {
    try {
      records = await droppedSource(files);
    } catch (e) {
      showMessage((e as Error).message);
      document.body.dataset.state = 'error';
      return;
    }
    showMessage(currentView ? '' : `record ${records.records.join(', ')} loaded: load a model to run its beats`, 'info');
    await renderBeatPanel(currentView, records);
    document.body.dataset.state = 'ready';
    return;
  }
  const file = files[0];
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (looksLikeJsonLines(bytes)) {
    showMessage('');
    renderPareto(new TextDecoder().decode(bytes), file.name);
    document.body.dataset.state = 'ready';
    return;
  }
  await showModel(bytes, file.name);
}

function setUpDrop(): void {
  const drop = byId('drop');
  const input = byId<HTMLInputElement>('file-input');
  input.addEventListener('change', () => {
    if (input.files?.length) void openFiles([...input.files]);
  });
  window.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  window.addEventListener('dragleave', () => drop.classList.remove('over'));
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) void openFiles(files);
  });
}

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r;
}

async function boot(): Promise<void> {
  setUpDrop();
  try {
    const manifest = (await (await fetchOk('site.json')).json()) as SiteManifest;
    if (manifest.demo) records = demoSource(manifest.demo.records, manifest.demo.url);
    if (manifest.results) renderPareto(await (await fetchOk(manifest.results.url)).text(), manifest.results.name);
    if (manifest.model) await showModel(new Uint8Array(await (await fetchOk(manifest.model.url)).arrayBuffer()), manifest.model.name);
    else showMessage('no model given: drop a model file (.htpw) on the page', 'info');
  } catch (e) {
    showMessage((e as Error).message);
    document.body.dataset.state = 'error';
    return;
  }
  if (document.body.dataset.state !== 'error') document.body.dataset.state = 'ready';
}

void boot();
