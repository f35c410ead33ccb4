import { FormatError } from '../../util/errors.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minuteLabels } from '../../data/apnea/labels.ts';
import { downloadDataset, PHYSIONET_DATABASES } from '../../data/download/download.ts';
import { mitbihStats } from '../../data/mitbih/stats.ts';
import { speechCommandsStats } from '../../data/audio/speech_commands.ts';
import { PTBXL_SUPERCLASSES, findPtbxlDatabase, parsePtbxlDatabase, parseScpStatements, splitOfFold, superclassTargets } from '../../data/ptbxl/load.ts';
import { readAnnotationFile } from '../../data/wfdb/annotation.ts';
import { type Command, UsageError, checkKnownFlags, inputDir, numberFlag, parseArgs, stringFlag } from '../command.ts';

const HELP = `hypertinypw data: dataset statistics and downloads

usage:
  hypertinypw data stats mitbih --dir <mitdb> [--val-count N] [--seed S] [--json]
      AAMI beat counts of DS1, DS2 and the validation / training parts of DS1 (from .atr files)
  hypertinypw data stats apnea-ecg --dir <dir> [--json]
      apnea (A) / normal (N) minutes of every .apn file in dir
  hypertinypw data stats ptb-xl --dir <dir> [--database <csv>] [--json]
      superclass counts per split of ptbxl_database.csv (else the first ptbxl_database*.csv in dir)
  hypertinypw data stats speech-commands --dir <dir> [--json]
      kws12 examples and files per class and split (v0.01 or v0.02 layout; official lists or hash split)
  hypertinypw data download <mitbih|apnea-ecg|ptb-xl> --dir <dir> [--base-url URL] [--quiet]
      fetch from PhysioNet (${'https://physionet.org/files/<db>/<version>/'}), resumable, SHA-256 verified`;

const STATS = ['mitbih', 'apnea-ecg', 'ptb-xl', 'speech-commands'];

function print(obj: unknown, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(obj, null, 2));
    return;
  }
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) console.log(`${k.padEnd(10)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
}

function stats(name: string | undefined, dir: string, p: ReturnType<typeof parseArgs>): unknown {
  switch (name) {
    case 'mitbih': {
      const s = mitbihStats(dir, { count: numberFlag(p, 'val-count'), seed: numberFlag(p, 'seed') });
      return { DS1: s.DS1, DS2: s.DS2, val: s.val, train: s.train };
    }
    case 'apnea-ecg': {
      const out: Record<string, { A: number; N: number }> = {};
      const files = readdirSync(dir).filter((f) => f.endsWith('.apn')).sort();
      if (files.length === 0) throw new FormatError(dir, 'no .apn label file');
      for (const f of files) {
        const labels = minuteLabels(readAnnotationFile(join(dir, f)), 100, join(dir, f));
        out[f.replace(/\.apn$/, '')] = { A: labels.filter((v) => v === 1).length, N: labels.filter((v) => v === 0).length };
      }
      return out;
    }
    case 'ptb-xl': {
      let db = stringFlag(p, 'database');
      if (!db) {
        const found = findPtbxlDatabase(dir);
        db = found.path;
        if (found.others.length) process.stderr.write(`hypertinypw data: using ${db} (also here: ${found.others.join(', ')}; --database to choose)\n`);
      }
      const stPath = join(dir, 'scp_statements.csv');
      for (const f of [db, stPath]) if (!existsSync(f)) throw new FormatError(f, 'no such file or directory');
      const rows = parsePtbxlDatabase(readFileSync(db, 'utf8'), db);
      const st = parseScpStatements(readFileSync(stPath, 'utf8'), stPath);
      const out = ['train', 'val', 'test'].map((split) => ({ split, records: 0, unlabeled: 0, ...Object.fromEntries(PTBXL_SUPERCLASSES.map((c) => [c, 0])) })) as Record<string, number | string>[];
      for (const r of rows) {
        const t = superclassTargets(r.scpCodes, st);
        const o = out[splitOfFold(r.stratFold)];
        (o.records as number)++;
        if (!t.some((v) => v)) (o.unlabeled as number)++;
        PTBXL_SUPERCLASSES.forEach((c, k) => ((o[c] as number) += t[k]));
      }
      return Object.fromEntries(out.map((o) => [o.split, o]));
    }
    case 'speech-commands': {
      const s = speechCommandsStats(dir);
      if (s.totals.files.all === 0) throw new FormatError(dir, `no Speech Commands clip (no folder of ${s.classes.slice(0, 3).join(', ')}, ... with .wav files)`);
      return s;
    }
    default:
      throw new UsageError(`stats: unknown dataset "${name}" (${STATS.join(', ')})`);
  }
}

export const dataCommand: Command = {
  name: 'data',
  summary: 'dataset statistics (stats) and PhysioNet downloads (download)',
  help: HELP,
  async run(args: string[]): Promise<number> {
    const p = parseArgs(args, ['json', 'quiet']);
    const [sub, name] = p.positional;
    if (sub !== 'stats' && sub !== 'download') throw new UsageError(sub === undefined ? 'missing subcommand: stats or download (see --help)' : `unknown subcommand "${sub}" (stats, download)`);
    const dir = stringFlag(p, 'dir');
    if (!dir) throw new UsageError('--dir <path> is required');
    if (sub === 'stats') {
      checkKnownFlags(p, ['dir', 'json', 'val-count', 'seed', 'database']);
      if (!STATS.includes(name as string)) throw new UsageError(`stats: unknown dataset "${name}" (${STATS.join(', ')})`);
      print(stats(name, inputDir(dir), p), p.flags.has('json'));
      return 0;
    }
    if (sub === 'download') {
      checkKnownFlags(p, ['dir', 'base-url', 'quiet']);
      if (!name || !(name in PHYSIONET_DATABASES)) throw new UsageError(`download: unknown dataset "${name}" (mitbih, apnea-ecg, ptb-xl)`);
      const r = await downloadDataset({ dataset: name as keyof typeof PHYSIONET_DATABASES, dir, baseUrl: stringFlag(p, 'base-url'), quiet: p.flags.has('quiet') });
      console.log(JSON.stringify(r));
      return 0;
    }
    throw new UsageError(`unknown subcommand "${sub}" (stats, download)`);
  },
};
