/**
 * Every subcommand (the list is checked against COMMANDS), given a missing file, an empty file, a truncated file, a file of the wrong
 * kind and a bad flag, fails with one line on stderr (naming the file or the flag) and exit code
 * 2 (the command line is wrong) or 1 (the file is missing or wrong). Runs main() in-process with console
 * captured, so no subprocess start-up per case; one spawned case checks the real binary and
 * --debug.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
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
    it(`${c.command}: missing, empty, truncated and wrong-kind file; bad flag`, async () => {
      const missing = f('does-not-exist');
      await expectOneLine(withFile(c, missing), RUNTIME, missing);
      const empty = c.kind === 'mitdb' ? f('mitdb-empty') : f('empty');
      await expectOneLine(withFile(c, empty), RUNTIME, empty);
      const cut = c.kind === 'mitdb' ? f('mitdb-cut') : truncated(c.kind);
      await expectOneLine(withFile(c, cut), RUNTIME, cut);
      const wrong = c.wrong();
      await expectOneLine(withFile(c, wrong), RUNTIME, wrong);
      const file = c.kind === 'mitdb' ? DEMO_MITDB : valid[c.kind];
      await expectOneLine([...withFile(c, file), '--no-such-flag', 'x'], USAGE, '--no-such-flag');
    }, 60_000);
  }

  it('data without a subcommand names the missing subcommand', async () => {
    await expectOneLine(['data'], USAGE, 'subcommand');
    await expectOneLine(['data', '--dir', dir], USAGE, 'subcommand');
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
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^hypertinypw bytes: ${missing}: .*ENOENT`))]);
  }, 240_000);
});
