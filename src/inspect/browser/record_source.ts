/**
 * Where the beat panel's WFDB records come from: the demo excerpt the server names in site.json
 * (fetched), or the files of a record the user dropped on the page (<name>.hea, the signal file
 * its header names, <name>.atr).
 */

import type { RecordBytes } from '../beat.ts';
import { parseHeader } from '../../data/wfdb/header.ts';

export interface RecordSource {
  /** e.g. 'demo excerpt', 'dropped files' */
  label: string;
  records: string[];
  load(record: string): Promise<RecordBytes>;
}

/** The one signal file a header names (records spread over several files are not supported). */
function signalFile(headerText: string, source: string): string {
  const files = [...new Set(parseHeader(headerText, source).signals.map((s) => s.file))];
  if (files.length !== 1) throw new Error(`${source}: the record stores its signals in ${files.length} files (${files.join(', ')}); give a single-file record`);
  return files[0];
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

export function demoSource(records: string[], base: string): RecordSource {
  return {
    label: 'bundled MIT-BIH excerpt (data/demo/mitdb)',
    records,
    async load(record) {
      const [header, annotations] = await Promise.all([fetchBytes(`${base}${record}.hea`), fetchBytes(`${base}${record}.atr`)]);
      const text = String.fromCharCode(...header);
      return { record, header: text, signal: await fetchBytes(`${base}${signalFile(text, `${record}.hea`)}`), annotations };
    },
  };
}

/** The complete records among dropped files; an Error naming what is missing when there is none. */
export async function droppedSource(files: File[]): Promise<RecordSource> {
  const byName = new Map(files.map((f) => [f.name, f]));
  const complete = new Map<string, RecordBytes>();
  const missing: string[] = [];
  for (const f of files) {
    if (!f.name.endsWith('.hea')) continue;
    const record = f.name.slice(0, -4);
    const header = String.fromCharCode(...new Uint8Array(await f.arrayBuffer()));
    const dat = byName.get(signalFile(header, f.name));
    const atr = byName.get(`${record}.atr`);
    if (!dat || !atr) {
      missing.push(`${record}: ${[!dat ? signalFile(header, f.name) : '', !atr ? `${record}.atr` : ''].filter(Boolean).join(' and ')} missing`);
      continue;
    }
    complete.set(record, { record, header, signal: new Uint8Array(await dat.arrayBuffer()), annotations: new Uint8Array(await atr.arrayBuffer()) });
  }
  if (complete.size === 0) throw new Error(`a WFDB record needs <name>.hea, its signal file and <name>.atr dropped together (${missing.join('; ') || `got ${files.map((f) => f.name).join(', ')}`})`);
  return { label: 'dropped record', records: [...complete.keys()].sort(), load: async (record) => complete.get(record)! };
}
