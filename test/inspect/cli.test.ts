/**
 * `hypertinypw inspect` from the command line: --out writes the page, its bundled script (no
 * Node built-in left callable at load, no network URL), the manifest and the named files; a
 * wrong file or option is one line and a non-zero exit; without --out it serves on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureLog, tempDir, writeBeatModel } from './helpers.ts';

const dir = tempDir('cli');
const modelFile = writeBeatModel(dir);

async function mainWithStderr(argv: string[]): Promise<{ code: number; err: string }> {
  const error = console.error;
  const lines: string[] = [];
  console.error = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
  try {
    const { result } = await captureLog(() => main(argv));
    return { code: result, err: lines.join('\n') };
  } finally {
    console.error = error;
  }
}

describe('hypertinypw inspect', () => {
  it('--out writes the static page, script, manifest, model, results and demo records', async () => {
    const out = join(dir, 'site');
    const { result, out: printed } = await captureLog(() => main(['inspect', modelFile, '--results', 'results/mitbih-aami.jsonl', '--out', out]));
    expect(result).toBe(0);
    expect(printed).toMatch(/^wrote \d+ files to /);
    const manifest = JSON.parse(readFileSync(join(out, 'site.json'), 'utf8'));
    expect(manifest.model).toEqual({ name: 'model.htpw', url: 'model/model.htpw' });
    expect(manifest.results).toEqual({ name: 'mitbih-aami.jsonl', url: 'results/mitbih-aami.jsonl' });
    expect(manifest.demo.records).toContain('119');
    expect(readFileSync(join(out, 'model/model.htpw'))).toEqual(readFileSync(modelFile));
    expect(existsSync(join(out, 'demo/119.dat'))).toBe(true);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('<script type="module" src="inspect.js">');
    const js = readFileSync(join(out, 'inspect.js'), 'utf8');
    expect(js.length).toBeGreaterThan(10_000);
    expect(js).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // offline: no URL other than the SVG namespace
    expect(js).not.toMatch(/\brequire\(["']node:/);
  });

  it('a wrong kind of model file: one line, exit 1', async () => {
    const bad = join(dir, 'notes.txt');
    writeFileSync(bad, 'hello, not a model');
    const r = await mainWithStderr(['inspect', bad, '--out', join(dir, 'x')]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`hypertinypw inspect: ${bad}: is not a model file (it starts with "hello, n"): expected a Deployable (HTPWDEPL) or an IntModel (HTPWIMDL)`);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('a missing file or a bad option: one line, non-zero exit', async () => {
    expect(await mainWithStderr(['inspect', join(dir, 'missing.htpw')])).toEqual({ code: 1, err: `hypertinypw inspect: ${join(dir, 'missing.htpw')}: no such file or directory` });
    expect(await mainWithStderr(['inspect', modelFile, '--results', join(dir, 'none.jsonl'), '--out', join(dir, 'y')])).toEqual({ code: 1, err: `hypertinypw inspect: ${join(dir, 'none.jsonl')}: cannot read the results file (ENOENT)` });
    expect(await mainWithStderr(['inspect', '--port', '70000'])).toEqual({ code: 2, err: 'hypertinypw inspect: --port must be an integer in 0..65535, got 70000' });
    expect((await mainWithStderr(['inspect', '--colour'])).code).toBe(2);
  });

  it('serves on 127.0.0.1, prints the URL, stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'inspect', modelFile, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await checkServed(child);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

/** The URL the child prints serves the page and the model, nothing else; SIGTERM ends it with 0. */
async function checkServed(child: ReturnType<typeof spawn>): Promise<void> {
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(text);
      if (m) resolve(m[0]);
    });
    child.on('exit', (code) => reject(new Error(`inspect exited ${code} before printing a URL: ${text}`)));
  });
  const page = await (await fetch(url)).text();
  expect(page).toContain('hypertinypw inspect');
  expect((await fetch(`${url}model/model.htpw`)).status).toBe(200);
  expect((await fetch(`${url}package.json`)).status).toBe(404);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}
