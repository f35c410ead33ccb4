import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../util/atomic_write.ts';
import { FormatError } from '../util/errors.ts';
import { bundleInspectScript } from './bundle.ts';
import { INSPECT_PAGE } from './page.ts';
import type { Site } from './server.ts';
import type { SiteManifest } from './site_manifest.ts';

/**
 * The files of the inspect page, as routes (see server.ts):
 *   /index.html, /inspect.js     the page and its bundled script
 *   /site.json                   the manifest: which model, results file and demo records to load
 *   /model/<name>                the model file named on the command line
 *   /results/<name>              the results file (--results)
 *   /demo/<record>.{hea,dat,atr} the bundled MIT-BIH excerpt (data/demo/mitdb)
 * Every URL in the manifest is relative, so `--out DIR` writes the same tree as static files.
 */

export const DEMO_DIR = fileURLToPath(new URL('../../data/demo/mitdb', import.meta.url));


export interface SiteOptions {
  model?: string;
  results?: string;
  /** the WFDB excerpt directory (default DEMO_DIR); null for none */
  demoDir?: string | null;
}

const DEMO_EXTENSIONS = ['hea', 'dat', 'atr'];

/** Records of `dir` that have a .hea, .dat and .atr. */
export function demoRecords(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const names = new Set(readdirSync(dir));
  return [...names]
    .filter((n) => n.endsWith('.hea'))
    .map((n) => n.slice(0, -4))
    .filter((r) => DEMO_EXTENSIONS.every((e) => names.has(`${r}.${e}`)))
    .sort();
}

function checkFile(path: string, what: string): string {
  const abs = resolve(path);
  let isFile: boolean;
  try {
    isFile = statSync(abs).isFile();
  } catch (e) {
    throw new FormatError(path, `cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!isFile) throw new FormatError(path, `the ${what} is not a file`);
  return abs;
}

/** The routes of the page for `opts`; bundles the script (esbuild). */
export async function buildSite(opts: SiteOptions): Promise<{ site: Site; manifest: SiteManifest }> {
  const site: Site = new Map();
  const manifest: SiteManifest = { model: null, results: null, demo: null };
  if (opts.model) {
    const abs = checkFile(opts.model, 'model file');
    const name = basename(abs);
    site.set(`/model/${name}`, { type: 'application/octet-stream', path: abs });
    manifest.model = { name, url: `model/${encodeURIComponent(name)}` };
  }
  if (opts.results) {
    const abs = checkFile(opts.results, 'results file');
    const name = basename(abs);
    site.set(`/results/${name}`, { type: 'application/x-ndjson; charset=utf-8', path: abs });
    manifest.results = { name, url: `results/${encodeURIComponent(name)}` };
  }
  const demoDir = opts.demoDir === undefined ? DEMO_DIR : opts.demoDir;
  const records = demoDir ? demoRecords(demoDir) : [];
  if (demoDir && records.length) {
    for (const r of records) for (const e of DEMO_EXTENSIONS) site.set(`/demo/${r}.${e}`, { type: e === 'hea' ? 'text/plain; charset=latin1' : 'application/octet-stream', path: join(demoDir, `${r}.${e}`) });
    manifest.demo = { records, url: 'demo/' };
  }
  site.set('/index.html', { type: 'text/html; charset=utf-8', body: INSPECT_PAGE });
  site.set('/inspect.js', { type: 'text/javascript; charset=utf-8', body: await bundleInspectScript() });
  site.set('/site.json', { type: 'application/json; charset=utf-8', body: JSON.stringify(manifest, null, 1) + '\n' });
  return { site, manifest };
}

/** Write every route of `site` under `dir` (the static copy of the page). */
export function writeSite(site: Site, dir: string): string[] {
  const written: string[] = [];
  for (const [route, entry] of site) {
    const rel = route.slice(1);
    writeFileAtomic(join(dir, rel), entry.body ?? readFileSync(entry.path!));
    written.push(rel);
  }
  return written;
}
