/**
 * The inspect page in a real browser: Debian's chromium (CHROMIUM_PATH, default
 * /usr/bin/chromium) driven by playwright-core (no browser download), the page loaded from the
 * local server. The page's own numbers are checked against the CLI's for the same file: the
 * flash / RAM totals and categories (`bytes --json`), every synthesized kernel's CRC-32 (the
 * weights in `golden`'s JSON), a demo beat's output bytes (`golden --input` on the beat's int8
 * input, taken from the page), a dropped WFDB record's beat (the pipeline's window); a Pareto point click selects its row; a dropped file of the
 * wrong kind gets a one-line message. A screenshot goes to HTPW_INSPECT_SCREENSHOT (default: a
 * temporary file); HTPW_INSPECT_MODEL runs the same checks on another model file. Skipped, with the reason in its name, where there is no chromium.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesCommand } from '../../src/cli/commands/bytes.ts';
import { goldenCommand } from '../../src/cli/commands/golden.ts';
import { startServer, type RunningServer } from '../../src/inspect/server.ts';
import { buildSite } from '../../src/inspect/site.ts';
import { kernelCrc32, readModelView } from '../../src/inspect/model_view.ts';
import { recordBeats } from '../../src/data/mitbih/beats.ts';
import { quantizeInput } from '../../src/quant/simulator.ts';
import { captureLog, tempDir, writeBeatModel } from './helpers.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The part of playwright-core's API this test uses (its own types are not imported, see below). */
interface DomElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
}
interface BrowserPage {
  on(event: 'pageerror', listener: (e: Error) => void): void;
  goto(url: string): Promise<unknown>;
  waitForSelector(selector: string, opts?: { timeout?: number }): Promise<unknown>;
  getAttribute(selector: string, name: string): Promise<string | null>;
  textContent(selector: string): Promise<string | null>;
  $$eval<R>(selector: string, fn: (elements: DomElement[]) => R): Promise<R>;
  $$(selector: string): Promise<{ click(): Promise<void> }[]>;
  selectOption(selector: string, value: string): Promise<unknown>;
  screenshot(opts: { path: string; fullPage: boolean }): Promise<unknown>;
  setInputFiles(selector: string, files: { name: string; mimeType: string; buffer: Buffer } | string[]): Promise<void>;
}
interface BrowserContext {
  pages(): BrowserPage[];
  newPage(): Promise<BrowserPage>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: { launchPersistentContext(userDataDir: string, opts: Record<string, unknown>): Promise<BrowserContext> };
}

/**
 * playwright-core, imported by a name TypeScript does not resolve: a checkout whose node_modules
 * predates the devDependency still type-checks, and this file skips instead of failing to load.
 */
const PLAYWRIGHT = 'playwright-core';
const playwright = (await import(PLAYWRIGHT).catch(() => null)) as Playwright | null;
const HAVE_CHROMIUM = existsSync(CHROMIUM) && playwright !== null;
// playwright passes the fresh profile (mkdtemp) as --user-data-dir and --headless itself
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const title = HAVE_CHROMIUM
  ? `inspect page in chromium (${CHROMIUM})`
  : `inspect page in chromium: SKIPPED, ${playwright === null ? 'playwright-core is not installed (npm ci)' : `no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`}`;

describe.skipIf(!HAVE_CHROMIUM)(title, () => {
  const dir = tempDir('browser');
  const modelFile = process.env.HTPW_INSPECT_MODEL ?? writeBeatModel(dir, 7); // or a model of one's own (one lead, 128 samples)
  const profile = mkdtempSync(join(tmpdir(), 'htpw-inspect-profile-'));
  let server: RunningServer;
  let context: BrowserContext;
  let page: BrowserPage;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const { site } = await buildSite({ model: modelFile, results: 'results/mitbih-aami.jsonl' });
    server = await startServer(site, 0);
    context = await playwright!.chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 1000 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 20_000 });
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('loads without errors', async () => {
    expect(await page.getAttribute('body', 'data-state')).toBe('ready');
    expect(await page.textContent('#message')).toBe('');
    expect(pageErrors).toEqual([]);
  });

  it('byte totals and categories = hypertinypw bytes --json', async () => {
    const cli = JSON.parse((await captureLog(() => bytesCommand.run([modelFile, '--json']))).out);
    expect(Number(await page.getAttribute('#flash-total', 'data-bytes'))).toBe(cli.flash.total);
    expect(Number(await page.getAttribute('#ram-total', 'data-bytes'))).toBe(cli.ram.total);
    const shown = await page.$$eval('#bytes-body tr[data-category]', (rows) => rows.map((r) => [r.getAttribute('data-category'), Number(r.querySelector('[data-bytes]')!.getAttribute('data-bytes'))]));
    const expected = [...Object.entries(cli.flash.byCategory), ...Object.entries(cli.ram.byCategory)].filter(([, v]) => (v as number) > 0);
    expect(shown).toEqual(expected);
  });

  it('every kernel synthesized in the page has the CRC-32 of the weights hypertinypw golden writes', async () => {
    const out = join(dir, 'golden');
    await captureLog(() => goldenCommand.run([modelFile, '--out', out, '--cases', '1']));
    const synthesized = JSON.parse(readFileSync(join(out, 'htpw_golden.json'), 'utf8')).synthesized as { weights: number[]; layer: number }[];
    const options = await page.$$eval('#kernel-select option', (o) => o.map((x) => x.getAttribute('value') ?? ''));
    expect(options).toHaveLength(synthesized.length);
    for (const [i, value] of options.entries()) {
      await page.selectOption('#kernel-select', value);
      expect(Number(await page.getAttribute('#kernel-crc', 'data-layer'))).toBe(synthesized[i].layer);
      expect(Number(await page.getAttribute('#kernel-crc', 'data-crc'))).toBe(kernelCrc32(Int8Array.from(synthesized[i].weights)));
    }
  });

  /** The beat the page shows: its output bytes = golden --input on the page's own input. */
  async function checkBeatAgainstGolden(tag: string): Promise<number[]> {
    const input = JSON.parse((await page.getAttribute('#beat-output', 'data-input'))!) as number[];
    const output = JSON.parse((await page.getAttribute('#beat-output', 'data-bytes'))!) as number[];
    expect(input).toHaveLength(128);
    const inputFile = join(dir, `beat-${tag}.bin`);
    writeFileSync(inputFile, Int8Array.from(input));
    const out = join(dir, `golden-${tag}`);
    expect((await captureLog(() => goldenCommand.run([modelFile, '--out', out, '--input', inputFile]))).result).toBe(0);
    const golden = JSON.parse(readFileSync(join(out, 'htpw_golden.json'), 'utf8'));
    expect(output).toEqual(golden.cases[0].output);
    expect(await page.$$eval('#acts canvas', (c) => c.length)).toBe(golden.cases[0].layers.length);
    return input;
  }

  it("a demo beat's output bytes = hypertinypw golden --input on the page's input", async () => {
    await page.selectOption('#beat-record', '119');
    await page.waitForSelector('body[data-beat^="119:"]');
    await checkBeatAgainstGolden('demo');
  });

  it('a Pareto point click selects its row; the screenshot is written', async () => {
    const points = await page.$$('#pareto-plot .pt');
    expect(points.length).toBe(9);
    await points[4].click();
    expect(await page.getAttribute('#pareto-table tr.selected', 'data-row')).toBe('4');
    const shot = process.env.HTPW_INSPECT_SCREENSHOT ?? join(dir, 'inspect.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
  });

  it('a dropped WFDB record: its beat = the MIT-BIH pipeline window, output = golden --input', async () => {
    const fixture = (e: string) => join('test/fixtures/mitdb', `208.${e}`);
    await page.setInputFiles('#file-input', [fixture('hea')]);
    await page.waitForSelector('body[data-state="error"]');
    expect(await page.textContent('#message')).toBe('a WFDB record needs <name>.hea, its signal file and <name>.atr dropped together (208: 208.dat and 208.atr missing)');
    await page.setInputFiles('#file-input', ['hea', 'dat', 'atr'].map(fixture));
    await page.waitForSelector('body[data-beat^="208:"]');
    expect(await page.textContent('#beat-source')).toBe('dropped record: ');
    const beat = Number((await page.getAttribute('body', 'data-beat'))!.split(':')[1]);
    const input = await checkBeatAgainstGolden('dropped');
    const model = readModelView(new Uint8Array(readFileSync(modelFile)), modelFile).model;
    const ref = recordBeats('test/fixtures/mitdb', '208');
    expect(input).toEqual(Array.from(quantizeInput(model, ref.x.subarray(beat * 128, (beat + 1) * 128))));
  });

  it('a dropped file of the wrong kind: a one-line message, the model stays', async () => {
    await page.setInputFiles('#file-input', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello, not a model') });
    await page.waitForSelector('body[data-state="error"]');
    expect(await page.textContent('#message')).toBe('notes.txt: is not a model file (it starts with "hello, n"): expected a Deployable (HTPWDEPL) or an IntModel (HTPWIMDL)');
    expect(await page.getAttribute('#flash-total', 'data-bytes')).not.toBeNull();
  });
});
