import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.ts';
import { bytesCommand } from '../../src/cli/commands/bytes.ts';
import { exportC } from '../../src/codegen/export_c.ts';
import { goldenFiles } from '../../src/codegen/golden.ts';
import { accountBytes } from '../../src/hyper/bytes.ts';
import { decodeDeployable, encodeDeployable } from '../../src/hyper/deployable_io.ts';
import { isDeployable, synthesize, type Deployable } from '../../src/hyper/deployable.ts';
import { randomDeployable } from '../../src/hyper/testing.ts';
import type { IntModel } from '../../src/quant/int_model.ts';
import { decodeIntModel, encodeIntModel } from '../../src/quant/int_model_io.ts';
import { simulate } from '../../src/quant/simulator.ts';
import { randomInput, randomIntModel } from '../../src/quant/testing/random_model.ts';
import { FormatError } from '../../src/util/errors.ts';
import { tempDir } from './helpers.ts';
import { mutateHeader, mutatePayload, rewriteHeader } from './mutate.ts';

type Header = { meta: Record<string, any>; blobs: { name: string; dtype: string; offset: number | null; length: number }[] };
const edit = (bytes: Uint8Array, f: (h: Header) => void) => rewriteHeader(bytes, (h) => f(h as unknown as Header));

const intModel = randomIntModel(3);
const imdl = encodeIntModel(intModel);
const deployable = randomDeployable(5, { gains: 'generated' }).deployable;
const depl = encodeDeployable(deployable);

/** The read fails with a FormatError naming the file, one line per problem, no other error type. */
function rejects(read: () => unknown, pattern: RegExp): void {
  let err: unknown = null;
  try {
    read();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FormatError);
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message).toMatch(/^m\.(imdl|depl): /);
}

describe('model files valid by CRC but wrong inside (#19 hole 7)', () => {
  it('a fractional blob length is a FormatError (was a RangeError)', () => {
    rejects(() => decodeIntModel(edit(imdl, (h) => { h.blobs[0].length += 0.5; }), 'm.imdl'), /length .* not a whole number of elements/);
  });

  it('an op name set to [] is a FormatError (was a TypeError in export-c)', () => {
    rejects(() => decodeIntModel(edit(imdl, (h) => { h.meta.ops[0].name = []; }), 'm.imdl'), /name is not a non-empty string/);
  });

  it('a null blob offset in a deployable is a FormatError (was a synthesis error during eval)', () => {
    rejects(() => decodeDeployable(edit(depl, (h) => { h.blobs[2].offset = null; }), 'm.depl'), /offset null, expected \d+/);
  });

  it('a blob moved onto another tensor\'s bytes is a FormatError (was read silently)', () => {
    rejects(() => decodeIntModel(edit(imdl, (h) => { h.blobs[1].offset = h.blobs[0].offset; }), 'm.imdl'), /offset 0, expected \d+ .*without overlap/);
    rejects(() => decodeDeployable(edit(depl, (h) => { [h.blobs[3].offset, h.blobs[4].offset] = [h.blobs[4].offset, h.blobs[3].offset]; }), 'm.depl'), /offset/);
  });

  it('outChannels = 1e9 and a missing field are FormatErrors, also in `bytes` (were 16 GB and "total": null)', async () => {
    const k = intModel.ops.findIndex((op) => 'weights' in op);
    rejects(() => decodeIntModel(edit(imdl, (h) => { h.meta.ops[k].outChannels = 1e9; }), 'm.imdl'), /channels .* invalid/);
    rejects(() => decodeIntModel(edit(imdl, (h) => { delete h.meta.ops[k].actMin; }), 'm.imdl'), /act range \[undefined/);
    const dir = tempDir('bytes');
    const file = join(dir, 'm.imdl');
    writeFileSync(file, edit(imdl, (h) => { h.meta.ops[k].outChannels = 1e9; }));
    await expect(bytesCommand.run([file])).rejects.toThrow(FormatError);
  });

  it('a generator activation minimum of -1e9 is a FormatError (was accepted)', () => {
    rejects(() => decodeDeployable(edit(depl, (h) => { h.meta.generator.instances[0].trunk[0].actMin = -1e9; }), 'm.depl'), /trunk 0: activation range \[-1000000000/);
  });

  it('a deployable\'s model name that is not a string is a FormatError (was a TypeError in export-c)', () => {
    rejects(() => decodeDeployable(edit(depl, (h) => { h.meta.model.name = null; }), 'm.depl'), /model: name null is not a string/);
  });

  it('a pointwise op\'s source other than stored / generated is a FormatError (was read as stored)', () => {
    const k = intModel.ops.findIndex((op) => op.kind === 'pwconv1d');
    expect(k).toBeGreaterThanOrEqual(0);
    rejects(() => decodeIntModel(edit(imdl, (h) => { h.meta.ops[k].source = -1; }), 'm.imdl'), /source -1 is not 'stored' or 'generated'/);
  });

  it('an output moved onto the input or an intermediate tensor is a FormatError (was a silently shortened model)', () => {
    rejects(() => decodeIntModel(edit(imdl, (h) => { h.meta.outputId = h.meta.inputId; }), 'm.imdl'), /output tensor \d+ is never produced by an op/);
    rejects(() => decodeIntModel(edit(imdl, (h) => { h.meta.outputId = h.meta.ops[0].output; }), 'm.imdl'), /its output tensor \d+ is neither read by an op nor the model's output/);
    rejects(() => decodeDeployable(edit(depl, (h) => { h.meta.model.outputId = h.meta.model.ops[1].output; }), 'm.depl'), /neither read by an op nor the model's output/);
  });

  it('two generated ops on one generated layer, or a nonsense layer selection, are FormatErrors (were accepted)', () => {
    const gen = (h: Header) => (h.meta.model.ops as { source?: string; generatedIndex?: number }[]).filter((op) => op.source === 'generated');
    expect(gen(JSON.parse(JSON.stringify({ meta: { model: { ops: deployable.model.ops } } }))).length).toBeGreaterThanOrEqual(2);
    rejects(() => decodeDeployable(edit(depl, (h) => {
      const [a, b] = gen(h);
      b.generatedIndex = a.generatedIndex;
    }), 'm.depl'), /generatedIndex \d+ serves another op too/);
    rejects(() => decodeDeployable(edit(depl, (h) => { h.meta.generator.config.generated = -1e9; }), 'm.depl'), /generated -1000000000 is not 'all', 'all-but-first' or a list/);
  });

  it('the unmodified files still read back exactly', () => {
    expect(decodeIntModel(imdl)).toEqual(intModel);
    expect(encodeDeployable(decodeDeployable(depl))).toEqual(depl);
  });
});

/**
 * Use an accepted model the way eval, bytes, export-c and golden do (a deployable synthesized
 * first); any exception is a fault not handled.
 */
function use(m: IntModel | Deployable): void {
  const im = isDeployable(m) ? synthesize(m) : m;
  simulate(im, randomInput(im, 1));
  const a = accountBytes(m);
  if (!Number.isFinite(a.flash.total) || !Number.isFinite(a.ram.total)) throw new Error(`bytes: total ${a.flash.total} / ${a.ram.total}`);
  exportC(m);
  goldenFiles(m, [randomInput(im, 2)]);
}

/**
 * Structured mutation fuzzing: seeded random header edits with the CRC fixed up. Each mutated file
 * must either be rejected with a FormatError or read into a model that simulates / synthesizes and
 * accounts without an exception. Returns the counts.
 */
export function fuzzModelFile(bytes: Uint8Array, decode: (b: Uint8Array, s: string) => IntModel | Deployable, where: 'header' | 'payload', n: number, seed: number) {
  const rng = new Rng(seed);
  const counts = { injected: 0, rejected: 0, accepted: 0, unhandled: [] as string[] };
  for (let i = 0; i < n; i++) {
    let what = '';
    let mutated: Uint8Array;
    if (where === 'header') mutated = rewriteHeader(bytes, (h) => { what = mutateHeader(h, rng); });
    else ({ bytes: mutated, what } = mutatePayload(bytes, rng));
    counts.injected++;
    try {
      use(decode(mutated, 'fuzz'));
      counts.accepted++;
    } catch (e) {
      if (e instanceof FormatError) counts.rejected++;
      else counts.unhandled.push(`${what}: ${(e as Error).name}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return counts;
}

describe('structured mutation fuzzing of model files (#19 fault injection)', () => {
  for (const [kind, bytes, decode] of [
    ['IntModel', imdl, decodeIntModel],
    ['Deployable', depl, decodeDeployable],
  ] as const) {
    it(`${kind}: 300 seeded header edits with the CRC fixed up are rejected with a FormatError or read into a usable model`, () => {
      const c = fuzzModelFile(bytes, decode, 'header', 300, kind.length);
      console.log(`fault injection, ${kind} header mutations: ${c.injected} injected, ${c.rejected} rejected (FormatError), ${c.accepted} accepted and usable, ${c.unhandled.length} unhandled`);
      if (process.env.HTPW_FUZZ_DUMP) console.log(c.unhandled.join('\n'));
      expect(c.unhandled).toEqual([]);
      expect(c.rejected).toBeGreaterThan(c.injected / 2);
    });

    it(`${kind}: 200 seeded payload byte changes with the CRC fixed up are rejected with a FormatError or read into a usable model`, () => {
      const c = fuzzModelFile(bytes, decode, 'payload', 200, 7 * kind.length);
      console.log(`fault injection, ${kind} payload mutations: ${c.injected} injected, ${c.rejected} rejected (FormatError), ${c.accepted} accepted and usable, ${c.unhandled.length} unhandled`);
      if (process.env.HTPW_FUZZ_DUMP) console.log(c.unhandled.join('\n'));
      expect(c.unhandled).toEqual([]);
      // most payload bytes are weights, and any int8 weight is a valid one; some are not (shifts, multipliers)
      expect(c.rejected).toBeGreaterThan(0);
    });
  }
});
