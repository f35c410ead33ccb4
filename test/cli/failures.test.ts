/**
 * Every subcommand (the list is checked against COMMANDS), given a missing file, an empty file, a truncated file, a file of the wrong
 * kind and a bad flag, fails with one line on stderr (naming the file or the flag) and exit code
 * 2 (the command line is wrong) or 1 (the file is missing or wrong). Runs main() in-process with console
 * captured, so no subprocess start-up per case; one spawned case checks the real binary and
 * --debug.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { oneLine } from '../../src/cli/failure.ts';
import { COMMANDS } from '../../src/cli/commands/index.ts';
import { saveCheckpoint } from '../../src/nn/checkpoint.ts';
import { SeparableCnn, separableCnnConfig, type ModelSpec } from '../../src/nn/models/separable_cnn.ts';
import { writeIntegerModel } from '../../src/pipeline/variants.ts';
import { randomIntModel } from '../../src/quant/testing/random_model.ts';
import { deployableFromIntModel } from '../../src/hyper/deployable.ts';
import { DEMO_MITDB } from '../../src/pipeline/data.ts';

const USAGE = 2;
const RUNTIME = 1;
const PROGRESS = /^\[\d+\/\d+\] /;

async function cli(args: string[]): Promise<{ code: number; stderr: string[]; stdout: string[] }> {
  const stderr: string[] = [];
  const stdout: string[] = [];
  const e = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
  const l = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void stdout.push(a.join(' ')));
  const w = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (stderr.push(String(s).replace(/\n$/, '')), true));
  try {
    const code = await main(args);
    return { code, stderr: stderr.flatMap((s) => s.split('\n')).filter((s) => s.length > 0), stdout };
  } finally {
    e.mockRestore();
    l.mockRestore();
    w.mockRestore();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'htpw-cli-failures-'));
const out = join(dir, 'out');
const f = (name: string) => join(dir, name);

/** The files each command reads, valid, to be emptied / truncated / swapped. */
const valid: Record<string, string> = {};

beforeAll(() => {
  mkdirSync(out, { recursive: true });
  const spec: ModelSpec = {
    family: 'separable_cnn',
    config: separableCnnConfig('small', { inputLength: 24, inputChannels: 1, numClasses: 5, stem: { channels: 4, kernel: 3, stride: 2 }, blocks: [{ channels: 6 }], seed: 1 }),
  };
  valid.checkpoint = f('model.ckpt');
  saveCheckpoint(valid.checkpoint, { kind: 'model', spec, model: new SeparableCnn(spec.config) });
  valid.intModel = f('model.htpw');
  writeIntegerModel(valid.intModel, deployableFromIntModel(randomIntModel(3, { blocks: 1 })));
  valid.results = f('results.jsonl');
  writeFileSync(valid.results, `${JSON.stringify({ id: 'a', task: 't', variant: 'pw-int8', config: {}, seed: 0, flash: { total: 1, byCategory: {} }, ram: { total: 1, byCategory: {} }, metrics: { macroF1: { value: 0.5, lo: 0.4, hi: 0.6 } }, durationSec: 1, createdAt: '2026-01-01T00:00:00Z' })}\n`);
  valid.config = f('sweep.json');
  writeFileSync(valid.config, JSON.stringify({ task: 'mitbih-aami', sizes: [{ name: 's' }] }, null, 2));
  writeFileSync(f('empty'), '');
  // a dataset directory whose record is empty / cut
  for (const [name, cut] of [['mitdb-empty', 0], ['mitdb-cut', 0.5]] as const) {
    mkdirSync(f(name));
    for (const ext of ['hea', 'dat', 'atr']) {
      const bytes = readFileSync(join(DEMO_MITDB, `100.${ext}`));
      writeFileSync(join(f(name), `100.${ext}`), bytes.subarray(0, Math.floor(bytes.length * cut)));
    }
  }
  mkdirSync(f('mitdb-wrong'));
  writeFileSync(join(f('mitdb-wrong'), '100.hea'), readFileSync(valid.intModel));
});

afterAll(() => vi.restoreAllMocks());

function truncated(kind: keyof typeof valid): string {
  const p = f(`cut-${kind}`);
  const bytes = readFileSync(valid[kind]);
  writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length / 2)));
  return p;
}

interface Case {
  command: string;
  /** the command line with FILE where the file under test goes */
  args: string[];
  /** which valid file it reads, and one of another kind */
  kind: keyof typeof valid | 'mitdb';
  wrong: () => string;
}

const data = ['--data', DEMO_MITDB];
const CASES: Case[] = [
  { command: 'bytes', args: ['FILE'], kind: 'intModel', wrong: () => valid.checkpoint },
  { command: 'compress', args: ['FILE', '--out', join(out, 'c.htpw'), ...data], kind: 'checkpoint', wrong: () => valid.intModel },
  { command: 'eval', args: ['FILE', '--task', 'mitbih-aami', ...data], kind: 'intModel', wrong: () => valid.results },
  { command: 'export-c', args: ['FILE', '--out', join(out, 'c')], kind: 'intModel', wrong: () => valid.checkpoint },
  { command: 'golden', args: ['FILE', '--out', join(out, 'g')], kind: 'intModel', wrong: () => valid.checkpoint },
  { command: 'inspect', args: ['FILE', '--out', join(out, 'i')], kind: 'intModel', wrong: () => valid.results },
  { command: 'quantize', args: ['FILE', ...data, '--method', 'ptq', '--out', join(out, 'q.htpw')], kind: 'checkpoint', wrong: () => valid.intModel },
  { command: 'report', args: ['FILE', '--out', join(out, 'r')], kind: 'results', wrong: () => valid.intModel },
  { command: 'sweep', args: ['FILE', '--out', join(out, 's'), '--dry-run'], kind: 'config', wrong: () => valid.intModel },
  { command: 'train', args: ['--config', 'FILE'], kind: 'config', wrong: () => valid.intModel },
  { command: 'run', args: ['--data', 'FILE', '--out', join(out, 'run'), '--quick'], kind: 'mitdb', wrong: () => f('mitdb-wrong') },
  { command: 'data', args: ['stats', 'mitbih', '--dir', 'FILE'], kind: 'mitdb', wrong: () => f('mitdb-wrong') },
];

function withFile(c: Case, file: string): string[] {
  return [c.command, ...c.args.map((a) => (a === 'FILE' ? file : a))];
}

async function expectOneLine(args: string[], code: number, mentions: string): Promise<void> {
  const r = await cli(args);
  const what = args.join(' ');
  // progress lines ("[1/8] loading ...") may precede the failure; nothing else may
  const lines = r.stderr.filter((s) => !PROGRESS.test(s));
  expect(lines, what).toHaveLength(1);
  expect(lines[0], what).toMatch(new RegExp(`^hypertinypw ${args[0]}: `));
  expect(lines[0], what).toContain(mentions);
  expect(lines[0], what).not.toMatch(/\s+at \S+ \(/);
  expect(r.code, `${what}\n${lines[0]}`).toBe(code);
}

describe('every subcommand fails with one line and the right exit code', () => {
  it('covers every subcommand', () => {
    expect(CASES.map((c) => c.command).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });
  for (const c of CASES) {
    it(`${c.command}: missing, empty, truncated and wrong-kind file, a directory for a file; bad flag`, async () => {
      const missing = f('does-not-exist');
      await expectOneLine(withFile(c, missing), RUNTIME, missing);
      const empty = c.kind === 'mitdb' ? f('mitdb-empty') : f('empty');
      await expectOneLine(withFile(c, empty), RUNTIME, empty);
      const cut = c.kind === 'mitdb' ? f('mitdb-cut') : truncated(c.kind);
      await expectOneLine(withFile(c, cut), RUNTIME, cut);
      const wrong = c.wrong();
      await expectOneLine(withFile(c, wrong), RUNTIME, wrong);
      // a directory where a file is expected (and a file where a data directory is)
      const other = c.kind === 'mitdb' ? valid.intModel : out;
      await expectOneLine(withFile(c, other), RUNTIME, other);
      const file = c.kind === 'mitdb' ? DEMO_MITDB : valid[c.kind];
      await expectOneLine([...withFile(c, file), '--no-such-flag', 'x'], USAGE, '--no-such-flag');
    }, 60_000);
  }

  it('data without a subcommand names the missing subcommand', async () => {
    await expectOneLine(['data'], USAGE, 'subcommand');
    await expectOneLine(['data', '--dir', dir], USAGE, 'subcommand');
  });
});

/**
 * The other datasets, through the commands that read them: `run --task <task>` loads every file
 * (headers, signals, labels, clips), `data stats <dataset>` the label files it counts. Each gets a
 * missing directory, an empty one, a copy of its fixture with one file emptied, cut in half or
 * replaced by a model file, and a bad flag.
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures');
interface DatasetCase {
  task: string;
  dataset: string;
  fixture: string;
  /** the file run damages (a signal or clip) and the one data stats reads (undefined: stats reads no file, it counts folders) */
  runFile: string;
  statsFile?: string;
}
const DATASETS: DatasetCase[] = [
  { task: 'apnea', dataset: 'apnea-ecg', fixture: 'apnea-ecg', runFile: 'a01.dat', statsFile: 'a01.apn' },
  { task: 'ptbxl', dataset: 'ptb-xl', fixture: 'ptb-xl', runFile: 'records100/00000/00001_lr.dat', statsFile: 'ptbxl_database.csv' },
  { task: 'kws12', dataset: 'speech-commands', fixture: 'speech-commands', runFile: 'yes/439c84f4_nohash_1.wav' },
];

/** A copy of a fixture with `file` emptied, cut in half or replaced by a model file. */
function damaged(c: DatasetCase, file: string, how: 'empty' | 'cut' | 'wrong'): { dir: string; file: string } {
  const copy = f(`${c.fixture}-${file.replace(/\W/g, '_')}-${how}`);
  cpSync(join(FIXTURES, c.fixture), copy, { recursive: true });
  const p = join(copy, file);
  const bytes = readFileSync(p);
  writeFileSync(p, how === 'empty' ? new Uint8Array(0) : how === 'cut' ? bytes.subarray(0, Math.floor(bytes.length / 2)) : readFileSync(valid.intModel));
  return { dir: copy, file: p };
}

describe('every dataset fails with one line naming the directory or the damaged file', () => {
  for (const c of DATASETS) {
    it(`run --task ${c.task} and data stats ${c.dataset}: missing and empty directory, empty, truncated and wrong-kind file; bad flag`, async () => {
      const run = (d: string) => ['run', '--task', c.task, '--data', d, '--out', join(out, `run-${c.task}`), '--quick'];
      const stats = (d: string) => ['data', 'stats', c.dataset, '--dir', d];
      const missing = f('no-such-dataset');
      const empty = f(`empty-${c.task}`);
      mkdirSync(empty);
      for (const cmd of [run, stats]) {
        await expectOneLine(cmd(missing), RUNTIME, missing);
        await expectOneLine(cmd(empty), RUNTIME, empty);
        await expectOneLine([...cmd(join(FIXTURES, c.fixture)), '--no-such-flag', 'x'], USAGE, '--no-such-flag');
      }
      for (const how of ['empty', 'cut', 'wrong'] as const) {
        const r = damaged(c, c.runFile, how);
        await expectOneLine(run(r.dir), RUNTIME, r.file);
        if (c.statsFile) {
          const s = damaged(c, c.statsFile, how);
          await expectOneLine(stats(s.dir), RUNTIME, s.file);
        }
      }
    }, 60_000);
  }

  it('a garbage WFDB header: control bytes escaped, the line cut in the middle, file and problem kept', async () => {
    const d = f('mitdb-garbage');
    cpSync(DEMO_MITDB, d, { recursive: true });
    // WFDB headers are read as latin1: an escape sequence, NUL, BEL, a C1 CSI and a long run
    const name = `\x1b[31m\x00\x07\x9b${'A'.repeat(500)}`;
    writeFileSync(join(d, '100.hea'), Buffer.from(`${name} 2 360 650000\n100.dat 212 200 11 1024 995 -22131 0 MLII\n`, 'latin1'));
    const r = await cli(['run', '--data', d, '--out', join(out, 'run-garbage'), '--quick']);
    const lines = r.stderr.filter((s) => !PROGRESS.test(s));
    expect(lines).toHaveLength(1);
    expect(r.code).toBe(RUNTIME);
    const line = lines[0];
    expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(line).toContain('"\\x1b[31m\\x00\\x07\\x9bAAA');
    expect(line.startsWith(`hypertinypw run: ${join(d, '100.hea')}: record name`)).toBe(true);
    expect(line.endsWith('" is invalid')).toBe(true);
    expect(line).toContain('A...A');
    expect(line.length).toBeLessThanOrEqual('hypertinypw run: '.length + 300);
  });

  it('oneLine: newlines folded, controls escaped, long lines cut in the middle, short ones untouched', () => {
    expect(oneLine('a\n  b\tc')).toBe('a b c');
    expect(oneLine('x\x1by\x7fz\u2028w\u202ev')).toBe('x\\x1by\\x7fz\\u2028w\\u202ev');
    const long = `start ${'m'.repeat(1000)} end`;
    const cut = oneLine(long);
    expect(cut).toHaveLength(300);
    expect(cut.startsWith('start m')).toBe(true);
    expect(cut.endsWith('m end')).toBe(true);
    expect(cut).toContain('m...m');
    expect(oneLine('x'.repeat(300))).toBe('x'.repeat(300));
  });
});

describe('the stack is for --debug only', () => {
  it('--debug and HTPW_DEBUG=1 add the stack to the one line', async () => {
    const missing = f('nope.htpw');
    const plain = await cli(['bytes', missing]);
    expect(plain.stderr).toHaveLength(1);
    const debug = await cli(['bytes', missing, '--debug']);
    expect(debug.stderr[0]).toBe(plain.stderr[0]);
    expect(debug.stderr.slice(1).join('\n')).toMatch(/^\s+at /m);
    process.env.HTPW_DEBUG = '1';
    try {
      const env = await cli(['bytes', missing]);
      expect(env.stderr.slice(1).join('\n')).toMatch(/^\s+at /m);
    } finally {
      delete process.env.HTPW_DEBUG;
    }
  });

  it('the real binary prints the same one line and exit code 1 for a missing file', () => {
    const missing = f('nope.htpw');
    const r = spawnSync(process.execPath, ['bin/hypertinypw.mjs', 'bytes', missing], { encoding: 'utf8' });
    expect(r.status).toBe(RUNTIME);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^hypertinypw bytes: ${missing}: no such file or directory$`))]);
  }, 240_000);
});
