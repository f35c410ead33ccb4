import { join } from 'node:path';
import { ArgumentError, FormatError } from '../../util/errors.ts';
import { Progress } from '../../util/progress.ts';
import { fetchFile, fetchRetrying, type FetchFileResult } from './fetch_file.ts';
import { parseSha256Sums, type SumEntry } from './sha256sums.ts';

/**
 * Download a PhysioNet database from its public file server
 * (<baseUrl>/<db>/<version>/<path>, listed and verified by the SHA256SUMS.txt published there)
 * into `dir`: resumable, verified, with a progress bar on stderr.
 */

export interface PhysionetDatabase {
  db: string;
  version: string;
  /** which listed files to fetch (default: all) */
  include?: (path: string) => boolean;
}

export const PHYSIONET_DATABASES: Record<'mitbih' | 'apnea-ecg' | 'ptb-xl', PhysionetDatabase> = {
  mitbih: { db: 'mitdb', version: '1.0.0' },
  'apnea-ecg': { db: 'apnea-ecg', version: '1.0.0' },
  // the 500 Hz records (about 2/3 of the 3 GB) are not used by the 100 Hz pipeline
  'ptb-xl': { db: 'ptb-xl', version: '1.0.3', include: (p) => !p.startsWith('records500/') },
};

export const DEFAULT_BASE_URL = 'https://physionet.org/files';

export interface DownloadOptions {
  dataset: keyof typeof PHYSIONET_DATABASES;
  dir: string;
  baseUrl?: string;
  quiet?: boolean;
}

export interface DownloadReport {
  files: number;
  present: number;
  downloaded: number;
  resumed: number;
  bytes: number;
}

export async function downloadDataset(opts: DownloadOptions): Promise<DownloadReport> {
  const spec = PHYSIONET_DATABASES[opts.dataset];
  if (!spec) throw new ArgumentError('download', `unknown dataset "${opts.dataset}" (mitbih, apnea-ecg, ptb-xl)`);
  const root = `${(opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '')}/${spec.db}/${spec.version}`;
  const sumsUrl = `${root}/SHA256SUMS.txt`;
  let text: string;
  try {
    const res = await fetchRetrying(sumsUrl);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    text = await res.text();
  } catch (e) {
    throw new FormatError(sumsUrl, `cannot fetch the checksum list (${(e as Error).message})`);
  }
  const entries: SumEntry[] = parseSha256Sums(text, sumsUrl).filter((e) => spec.include?.(e.path) ?? true);
  const progress = new Progress(`download ${spec.db}`, { total: entries.length, unit: 'files', quiet: opts.quiet });
  const report: DownloadReport = { files: entries.length, present: 0, downloaded: 0, resumed: 0, bytes: 0 };
  let bytes = 0;
  for (const e of entries) {
    const r: FetchFileResult = await fetchFile(`${root}/${e.path.split('/').map(encodeURIComponent).join('/')}`, join(opts.dir, e.path), e.sha256, (n) => {
      bytes += n;
    });
    report[r.status]++;
    report.bytes = bytes;
    progress.tick(1, `${(bytes / 1e6).toFixed(1)} MB`);
  }
  progress.finish(`${(bytes / 1e6).toFixed(1)} MB`);
  return report;
}
