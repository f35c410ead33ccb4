import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accountBytes } from '../../src/hyper/bytes.ts';
import { decodeDeployable, encodeDeployable, serializeFlashSections, writeDeployable } from '../../src/hyper/deployable_io.ts';
import { deployableFromIntModel, isDeployable, synthesize, synthesizeLayers, type Deployable } from '../../src/hyper/deployable.ts';
import { randomDeployable, separableDeployable, separableModel } from '../../src/hyper/testing.ts';
import { factorizePw, quantizePwTo4Bit } from '../../src/hyper/ablations.ts';
import { synthesisCost } from '../../src/hyper/cost.ts';
import { bytesCommand } from '../../src/cli/commands/bytes.ts';
import { encodeIntModel } from '../../src/quant/int_model_io.ts';
import { randomIntModel } from '../../src/quant/testing/random_model.ts';
import { FormatError } from '../../src/util/errors.ts';

const sectionSum = (d: Deployable) => [...serializeFlashSections(d).values()].reduce((a, b) => a + b.length, 0);

describe('deployable files', () => {
  it('round-trip exactly (same sections, same synthesized model)', () => {
    for (const knobs of [{}, { gains: 'generated' as const }, { gains: 'none' as const, head: 'basis-coeff' as const }, { sharing: 'per-layer' as const }]) {
      const { deployable } = randomDeployable(11, knobs);
      const bytes = encodeDeployable(deployable);
      const back = decodeDeployable(bytes);
      expect(encodeDeployable(back)).toEqual(bytes);
      expect(synthesize(back)).toEqual(synthesize(deployable));
    }
  });

  it('rejects corruption, truncation and a wrong magic with a FormatError', () => {
    const bytes = encodeDeployable(randomDeployable(12).deployable);
    const flipped = bytes.slice();
    flipped[bytes.length - 5] ^= 0x10;
    expect(() => decodeDeployable(flipped, 'x.htpw')).toThrow(FormatError);
    expect(() => decodeDeployable(bytes.subarray(0, bytes.length - 3), 'x.htpw')).toThrow(/truncated/);
    const magic = bytes.slice();
    magic[0] = 'X'.charCodeAt(0);
    expect(() => decodeDeployable(magic, 'x.htpw')).toThrow(/not a HTPWDEPL/);
  });
});

describe('the Deployable seam', () => {
  it('isDeployable tells a Deployable from an IntModel and from non-models', () => {
    const { deployable } = randomDeployable(13);
    expect(isDeployable(deployable)).toBe(true);
    expect(isDeployable(deployable.model)).toBe(false);
    expect(isDeployable(synthesize(deployable))).toBe(false);
    for (const x of [null, undefined, 3, 'model', { model: deployable.model }]) expect(isDeployable(x)).toBe(false);
  });

  it('synthesize computes each deployable once, equal to a fresh synthesis, and again when its inputs are replaced', () => {
    const { deployable } = randomDeployable(14);
    const a = synthesize(deployable);
    const b = synthesize(deployable);
    expect(a).not.toBe(b); // a new model object per call ...
    const gen = a.ops.findIndex((op) => op.kind === 'pwconv1d' && op.source === 'generated');
    expect(gen).toBeGreaterThanOrEqual(0);
    expect((b.ops[gen] as { weights: Int8Array }).weights).toBe((a.ops[gen] as { weights: Int8Array }).weights); // ... sharing the cached integers
    const fresh = synthesizeLayers(deployable);
    expect(fresh.length).toBeGreaterThan(0);
    expect((a.ops[gen] as { weights: Int8Array }).weights).toEqual(fresh[0].weights);
    // new layer inputs (biasQ doubled where it stays in range) invalidate the cache
    const layers = deployable.layers.map((li) => ({ ...li, biasQ: li.biasQ.map((q) => (Math.abs(q) < 2 ** 29 ? 2 * q : q)) }));
    const changed: Deployable = Object.assign(deployable, { layers });
    expect(synthesize(changed)).toEqual(synthesize({ ...changed }));
    expect(synthesize(changed).ops[gen]).not.toEqual(a.ops[gen]);
  });
});

describe('packed-byte accounting', () => {
  it('flash total equals the serialized flash sections, for every family and ablation', () => {
    const cases: Deployable[] = [];
    for (let seed = 0; seed < 4; seed++) {
      for (const knobs of [{}, { gains: 'generated' as const }, { gains: 'none' as const }, { head: 'basis-coeff' as const, codeBits: 4, basisBits: 8 }, { sharing: 'per-layer' as const, generated: 'all' as const, trunkBits: 8, headBits: 4 }]) {
        cases.push(randomDeployable(seed, knobs).deployable);
      }
      const m = randomIntModel(seed, { blocks: 3 });
      cases.push(deployableFromIntModel(m));
      const q4 = quantizePwTo4Bit(m, 'all');
      cases.push(deployableFromIntModel(q4.model, q4.weightBits));
      cases.push(deployableFromIntModel(factorizePw(m, 2, { selection: 'all' })));
    }
    for (const d of cases) expect(accountBytes(d).flash.total).toBe(sectionSum(d));
  });

  it('counts 4-bit weights packed and the cache, scratch and arena from the model', () => {
    const m = separableModel(1);
    const plain = accountBytes(m);
    const q4 = quantizePwTo4Bit(m, 'all-but-first');
    const packed = accountBytes(deployableFromIntModel(q4.model, q4.weightBits));
    expect(packed.flash.byCategory.storedPW).toBe(Math.ceil(plain.flash.byCategory.storedPW / 2));
    expect(packed.ram.byCategory.int4Unpack).toBe(plain.flash.byCategory.storedPW);
    const { deployable } = separableDeployable(1);
    const a = accountBytes(deployable);
    const cost = synthesisCost(deployable.generator!);
    expect(a.ram.byCategory.pwCache).toBe(cost.cacheBytes);
    expect(a.ram.byCategory.synthesisScratch).toBe(cost.scratchBytes);
    expect(a.flash.byCategory.storedPW).toBe(0);
    expect(a.flash.byCategory.keptPW1).toBe(32 * 32);
    expect(a.generatedInt8Bytes).toBe(32 * 64 + 64 * 64 + 64 * 128 + 128 * 128 + 128 * 128);
    expect(a.generatorFraction!).toBeLessThan(0.1);
    expect(accountBytes(deployable, { scratchAliasesArena: true }).ram.total).toBe(a.ram.total - a.ram.byCategory.synthesisScratch);
  });

  it('the bytes command prints the table for deployable and IntModel files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'htpw-bytes-'));
    const dep = join(dir, 'm.htpw');
    writeDeployable(dep, separableDeployable(2).deployable);
    const imdl = join(dir, 'm.imdl');
    writeFileSync(imdl, encodeIntModel(separableModel(2)));
    const logs: string[] = [];
    const orig = console.log;
    console.log = (s: string) => logs.push(s);
    try {
      expect(await bytesCommand.run([dep, '--json'])).toBe(0);
      expect(await bytesCommand.run([imdl])).toBe(0);
    } finally {
      console.log = orig;
    }
    const json = JSON.parse(logs[0]);
    expect(json.flash.total).toBe(accountBytes(separableDeployable(2).deployable).flash.total);
    expect(logs[1]).toMatch(/storedPW/);
    // a deployable's table lists the RAM of every --pw-cache mode
    expect(json.pwCacheModes.map((r: { mode: string }) => r.mode)).toEqual(['all', 'layer', 'none']);
    expect(json.pwCacheModes[2].ram).toBeLessThan(json.pwCacheModes[1].ram);
    expect(json.pwCacheModes[1].ram).toBeLessThan(json.pwCacheModes[0].ram);
    await expect(bytesCommand.run([])).rejects.toThrow(/one file/);
  });
});
