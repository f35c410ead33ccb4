/**
 * What the page computes, against what the CLI writes for the same file: byte totals and
 * categories = `hypertinypw bytes --json`; each synthesized kernel's CRC-32 = the CRC-32 of the
 * weights in `hypertinypw golden`'s JSON; a demo beat's output bytes = `golden --input` on that
 * beat's int8 input; the beat window = the MIT-BIH pipeline's (recordBeats) for the same beat.
 * Wrong kinds of file get a one-line message naming the file and what was expected.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesCommand } from '../../src/cli/commands/bytes.ts';
import { goldenCommand } from '../../src/cli/commands/golden.ts';
import { recordBeats } from '../../src/data/mitbih/beats.ts';
import { CHECKPOINT_MAGIC } from '../../src/nn/checkpoint.ts';
import { beatWindow, readRecordTrace, runBeat } from '../../src/inspect/beat.ts';
import { kernelCrc32, readModelView } from '../../src/inspect/model_view.ts';
import { DEMO_DIR } from '../../src/inspect/site.ts';
import { encodeIntModel } from '../../src/quant/int_model_io.ts';
import { randomIntModel } from '../../src/quant/testing/random_model.ts';
import { crc32 } from '../../src/util/crc32.ts';
import { FormatError } from '../../src/util/errors.ts';
import { captureLog, tempDir, writeBeatModel } from './helpers.ts';

const dir = tempDir('view');
const modelFile = writeBeatModel(dir);
const bytes = new Uint8Array(readFileSync(modelFile));

function demoRecord(record: string) {
  return {
    record,
    header: readFileSync(join(DEMO_DIR, `${record}.hea`), 'latin1'),
    signal: new Uint8Array(readFileSync(join(DEMO_DIR, `${record}.dat`))),
    annotations: new Uint8Array(readFileSync(join(DEMO_DIR, `${record}.atr`))),
  };
}

describe('inspect model view against the CLI', () => {
  const view = readModelView(bytes, 'model.htpw');

  it('byte account = hypertinypw bytes --json', async () => {
    const { out } = await captureLog(() => bytesCommand.run([modelFile, '--json']));
    const cli = JSON.parse(out);
    expect(view.account.flash).toEqual(cli.flash);
    expect(view.account.ram).toEqual(cli.ram);
    expect(view.account.flash.total).toBeGreaterThan(0);
  });

  it('layers: shapes, kinds, stored or generated', () => {
    expect(view.kind).toBe('deployable');
    expect(view.layers.map((l) => l.kind)).toEqual(['conv1d', 'dwconv1d', 'pwconv1d', 'dwconv1d', 'pwconv1d', 'dwconv1d', 'pwconv1d', 'global_avgpool', 'fully_connected']);
    expect(view.layers.filter((l) => l.weights === 'generated').map((l) => l.index)).toEqual([4, 6]);
    expect(view.layers[2]).toMatchObject({ weights: 'stored', bits: 8, params: 16 * 16, inShape: [128, 16], outShape: [128, 16] });
    expect(view.layers[4]).toMatchObject({ weights: 'generated', params: 16 * 32, outShape: [128, 32] });
    expect(view.layers[7].weights).toBe('none');
  });

  it('synthesized kernel CRC-32 = CRC-32 of the weights hypertinypw golden writes', async () => {
    const out = join(dir, 'golden');
    expect((await captureLog(() => goldenCommand.run([modelFile, '--out', out, '--cases', '1']))).result).toBe(0);
    const golden = JSON.parse(readFileSync(join(out, 'htpw_golden.json'), 'utf8'));
    expect(view.kernels).toHaveLength(2);
    expect(golden.synthesized).toHaveLength(2);
    view.kernels.forEach((k, i) => {
      expect(k.layer).toBe(golden.synthesized[i].layer);
      expect(k.crc32).toBe(kernelCrc32(Int8Array.from(golden.synthesized[i].weights)));
      expect(Array.from(k.weights)).toEqual(golden.synthesized[i].weights);
    });
    expect(view.kernels[0].crc32).not.toBe(view.kernels[1].crc32);
    expect(view.fileCrc32).toBe(crc32(bytes));
  });

  it('a demo beat: output bytes = hypertinypw golden --input on its int8 input', async () => {
    const trace = readRecordTrace(demoRecord('119'));
    const k = trace.beats.findIndex((b) => b.aami === 'V');
    expect(k).toBeGreaterThanOrEqual(0);
    const run = runBeat(view.model, beatWindow(trace, trace.beats[k].sample, 128));
    expect(run.layers).toHaveLength(view.model.ops.length);
    const inputFile = join(dir, 'beat.bin');
    writeFileSync(inputFile, run.input);
    const out = join(dir, 'golden-beat');
    expect((await captureLog(() => goldenCommand.run([modelFile, '--out', out, '--input', inputFile]))).result).toBe(0);
    const golden = JSON.parse(readFileSync(join(out, 'htpw_golden.json'), 'utf8'));
    expect(golden.cases).toHaveLength(1);
    expect(golden.cases[0].input).toEqual(Array.from(run.input));
    expect(golden.cases[0].output).toEqual(Array.from(run.output));
    run.layers.forEach((a, i) => expect(Array.from(a.values), a.name).toEqual(golden.cases[0].layers[i].output));
  });

  it('the beat window equals the MIT-BIH pipeline (recordBeats) for the same beat', () => {
    for (const record of ['100', '208']) {
      const trace = readRecordTrace(demoRecord(record));
      const ref = recordBeats(DEMO_DIR, record);
      expect(trace.beats.map((b) => b.sample)).toEqual(Array.from(ref.sample));
      for (const k of [0, Math.floor(ref.sample.length / 2), ref.sample.length - 1]) {
        expect(Array.from(beatWindow(trace, trace.beats[k].sample, 128))).toEqual(Array.from(ref.x.subarray(k * 128, (k + 1) * 128)));
      }
    }
  });

  it('an IntModel file: every weight stored, no kernels, bytes as the CLI', async () => {
    const file = join(dir, 'int.htpw');
    writeFileSync(file, encodeIntModel(randomIntModel(9)));
    const v = readModelView(new Uint8Array(readFileSync(file)), 'int.htpw');
    expect(v.kind).toBe('int-model');
    expect(v.kernels).toEqual([]);
    expect(v.layers.every((l) => l.weights !== 'generated')).toBe(true);
    const cli = JSON.parse((await captureLog(() => bytesCommand.run([file, '--json']))).out);
    expect(v.account.flash).toEqual(cli.flash);
  });
});

describe('inspect on a wrong kind of file', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['a checkpoint', new TextEncoder().encode(`${CHECKPOINT_MAGIC}\x01\x00\x00\x00rest`), /^ckpt: is a float checkpoint \(HTPWCKPT\), not an integer model: expected a Deployable \(HTPWDEPL\) or an IntModel \(HTPWIMDL\)/],
    ['a WFDB header', new TextEncoder().encode('100 2 360 650000\n100.dat 212 200 11 1024 995 -22131 0 MLII\n'), /^ckpt: is not a model file \(it starts with "100 2 36"\): expected a Deployable/],
    ['an empty file', new Uint8Array(0), /^ckpt: is empty: expected/],
    ['a truncated Deployable', bytes.subarray(0, 100), /^ckpt: truncated/],
  ];
  it.each(cases)('%s', (_name, b, message) => {
    let err: unknown;
    try {
      readModelView(b, 'ckpt');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });
});
