import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/util/errors.ts';
import { encodeContainer } from '../../src/util/container.ts';
import { decodeIntModel, encodeIntModel, readIntModel, writeIntModel, INT_MODEL_MAGIC } from '../../src/quant/int_model_io.ts';
import { randomIntModel } from '../../src/quant/testing/random_model.ts';

describe('IntModel files', () => {
  it('round-trip reproduces the model exactly (types, values, meta)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const model = randomIntModel(seed);
      const back = decodeIntModel(encodeIntModel(model));
      expect(back).toEqual(model);
      for (const [k, op] of model.ops.entries()) {
        if ('weights' in op) {
          const b = back.ops[k] as typeof op;
          expect(b.weights).toBeInstanceOf(Int8Array);
          expect(b.bias).toBeInstanceOf(Int32Array);
          expect(b.requant.shift).toBeInstanceOf(Int32Array);
          expect(b.weightScales).toBeInstanceOf(Float32Array);
        }
      }
    }), { numRuns: 40 });
  });

  it('write / read through a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'htpw-imdl-'));
    const path = join(dir, 'm.imdl');
    const model = randomIntModel(11);
    writeIntModel(path, model);
    expect(readIntModel(path)).toEqual(model);
    expect(() => readIntModel(join(dir, 'missing.imdl'))).toThrow(FormatError);
  });

  it('rejects truncation, a flipped byte, a wrong version, a wrong magic, a foreign header', () => {
    const bytes = encodeIntModel(randomIntModel(5));
    expect(() => decodeIntModel(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
    expect(() => decodeIntModel(bytes.subarray(0, 10))).toThrow(FormatError);
    const flipped = bytes.slice();
    flipped[flipped.length - 3] ^= 0x10;
    expect(() => decodeIntModel(flipped)).toThrow(/checksum/);
    const v2 = bytes.slice();
    new DataView(v2.buffer).setUint32(8, 2, true);
    expect(() => decodeIntModel(v2)).toThrow(/version 2/);
    const magic = bytes.slice();
    magic[0] = 'X'.charCodeAt(0);
    expect(() => decodeIntModel(magic)).toThrow(/not a HTPWIMDL file/);
    const foreign = encodeContainer(INT_MODEL_MAGIC, 1, { hello: 1 }, {});
    expect(() => decodeIntModel(foreign)).toThrow(/not an IntModel/);
    const dir = mkdtempSync(join(tmpdir(), 'htpw-imdl-'));
    const path = join(dir, 'cut.imdl');
    writeFileSync(path, bytes.subarray(0, 100));
    expect(() => readIntModel(path)).toThrow(FormatError);
    expect(readFileSync(path).length).toBe(100);
  });
});
