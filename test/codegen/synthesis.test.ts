/**
 * The C synthesis of src/hyper/SYNTHESIS.md (src/codegen/c/htpw_synthesis.h) on the host: for
 * random deployables of every generator family, exportC(deployable) compiled with gcc -O0 and -O2
 * under ASan + UBSan fills a RAM cache (weights, folded bias, multiplier, shift of every generated
 * layer) byte-identical to synthesize(deployable) in TypeScript, and every layer output equals the
 * simulator. A flipped bit in a packed code byte must make the comparison fail.
 */
import { describe, expect, it } from 'vitest';
import { exportCWithLayout } from '../../src/codegen/export_c.ts';
import { hasHostGcc } from '../../src/codegen/toolchain.ts';
import { accountBytes } from '../../src/hyper/bytes.ts';
import { deployableFromIntModel } from '../../src/hyper/deployable.ts';
import { serializeFlashSections } from '../../src/hyper/deployable_io.ts';
import { quantizePwTo4Bit } from '../../src/hyper/ablations.ts';
import { randomIntModel, randomInput } from '../../src/quant/testing/random_model.ts';
import { chainModel } from '../../src/codegen/testing/shape_models.ts';
import type { IntModel } from '../../src/quant/int_model.ts';
import { FAMILIES, familyCase, flipFlashBit, prepare, runHost } from './helpers.ts';

const gcc = hasHostGcc();

/** The values of every flash array of the generated source, by section name, as bytes. */
function emittedSections(source: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const re = /\/\* (\S+): (\d+) B[^*]*\*\/\nstatic const (int8_t|uint8_t|int32_t|htpw_add_requant_t) \w+(?:\[\d+\])? [^=]*= \{([^;]*)\};/g;
  for (const m of source.matchAll(re)) {
    const nums = m[4].replace(/\(-2147483647 - 1\)/g, '-2147483648').replace(/[{}]/g, ' ').split(',').map((v) => v.trim()).filter(Boolean).map(Number);
    const bytes = new Uint8Array(Number(m[2]));
    const dv = new DataView(bytes.buffer);
    if (m[3] === 'int32_t') nums.forEach((v, i) => dv.setInt32(4 * i, v, true));
    else if (m[3] === 'htpw_add_requant_t') nums.forEach((v, i) => (i < 3 ? dv.setInt32(4 * i, v, true) : dv.setInt8(12 + i - 3, v)));
    else nums.forEach((v, i) => dv.setUint8(i, v & 0xff));
    out.set(m[1], bytes);
  }
  return out;
}

/**
 * The bias the C stores for a stored op: bias[o] - zp_in * (sum of output channel o's weights),
 * so that sum w (x - zp_in) + bias = sum w x + folded. Weight layouts of int_model.ts: depthwise
 * [K, C]; conv [Cout, K, Cin], pointwise and fully connected [Cout, Cin].
 */
function expectedFoldedBias(model: IntModel, opName: string): Int32Array {
  const op = model.ops.find((o) => o.name === opName);
  if (!op || !('weights' in op)) throw new Error(`no weighted op ${opName}`);
  const zp = model.tensors[op.input].zeroPoint;
  const cOut = op.bias.length;
  const perChannel = op.weights.length / cOut;
  return Int32Array.from(op.bias, (b, o) => {
    let sum = 0;
    for (let t = 0; t < perChannel; t++) sum += op.kind === 'dwconv1d' ? op.weights[t * cOut + o] : op.weights[o * perChannel + t];
    return b - zp * sum;
  });
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function i32le(v: Int32Array): Uint8Array {
  const bytes = new Uint8Array(4 * v.length);
  const dv = new DataView(bytes.buffer);
  v.forEach((x, i) => dv.setInt32(4 * i, x, true));
  return bytes;
}

describe('exportC(deployable): the flash arrays are the sections of serializeFlashSections', () => {
  for (const [name, knobs] of FAMILIES) {
    it(`${name}: same names, order, sizes and bytes (stored biases folded); total = accountBytes`, () => {
      const { dep } = familyCase(101, knobs);
      const { files, layout } = exportCWithLayout(dep, { prefix: 'fx' });
      const want = serializeFlashSections(dep);
      const got = emittedSections(files.get('fx.c')!);
      expect([...got.keys()]).toEqual([...want.keys()]);
      expect(layout.flashSymbols.map((f) => f.section)).toEqual([...want.keys()]);
      let folded = 0;
      for (const [section, bytes] of want) {
        if (/\.bias$/.test(section) && !section.startsWith('gen')) {
          expect(got.get(section), section).toEqual(i32le(expectedFoldedBias(dep.model, section.slice(0, -'.bias'.length))));
          if (!bytesEqual(got.get(section)!, bytes)) folded++;
        } else expect(got.get(section), section).toEqual(bytes);
      }
      expect(folded, 'stored biases that folding changed (input zero point != 0)').toBeGreaterThan(0);
      expect(layout.weightBytes).toBe(accountBytes(dep).flash.total);
      expect(layout.generatedLayers).toBe(dep.layers.length);
      const h = files.get('fx.h')!;
      expect(h).toMatch(new RegExp(`#define FX_WEIGHT_BYTES ${accountBytes(dep).flash.total}\\b`));
      const noComments = (files.get('fx.c')! + files.get('htpw_synthesis.h')!).replace(/\/\*[\s\S]*?\*\//g, '');
      expect(noComments).not.toMatch(/\b(float|double|malloc|__builtin\w*)\b/);
    });
  }

  it('an IntModel (plain INT8, a 4-bit deployable) also stores exactly the accounted bytes', () => {
    const m = randomIntModel(31, { blocks: 3 });
    expect(exportCWithLayout(m).layout.weightBytes).toBe(accountBytes(m).flash.total);
    const q = quantizePwTo4Bit(m);
    const dep4 = deployableFromIntModel(q.model, q.weightBits);
    const { layout } = exportCWithLayout(dep4);
    expect(layout.weightBytes).toBe(accountBytes(dep4).flash.total);
    expect(layout.unpackBytes).toBe(accountBytes(dep4).ram.byCategory.int4Unpack);
    // a synthesized IntModel's 'generated' op has no generator: it is stored
    const chain = chainModel(3);
    const c = exportCWithLayout(chain).layout;
    expect(c.cacheBytes).toBe(0);
    expect(c.generatedLayers).toBe(0);
  });
});

describe.skipIf(!gcc)('C synthesis on the host (gcc -O0 / -O2, ASan + UBSan): cache and every layer identical to TypeScript', () => {
  FAMILIES.forEach(([name, knobs], k) => {
    it(`${name}`, () => {
      const { dep, inputs } = familyCase(200 + k, knobs);
      const { dir, prefix } = prepare(dep, inputs);
      for (const opt of k % 2 === 0 ? ['-O0', '-O2'] : ['-O2', '-O0']) {
        const r = runHost(dir, prefix, opt);
        expect(r.stdout + r.stderr, `${name} ${opt}`).toMatch(new RegExp(`PASS 2 cases, \\d+ layer checks, ${dep.layers.length} synthesized kernels`));
        expect(r.status).toBe(0);
      }
    });
  });

  it('4-bit stored pointwise weights are unpacked at init (no generator)', () => {
    const m = randomIntModel(33, { blocks: 3 });
    const q = quantizePwTo4Bit(m);
    const dep4 = deployableFromIntModel(q.model, q.weightBits);
    const { dir, prefix } = prepare(dep4, [randomInput(q.model, 1)]);
    const r = runHost(dir, prefix, '-O2');
    expect(r.stdout + r.stderr).toContain('PASS');
    expect(r.status).toBe(0);
  });

  it('fails when one bit of a packed code byte is flipped (the test can fail)', () => {
    const { dep, inputs } = familyCase(200, {});
    const { dir, prefix } = prepare(dep, inputs);
    const ok = runHost(dir, prefix, '-O2', false);
    expect(ok.status).toBe(0);
    const bits = dep.generator!.config.codeBits;
    // the sign bit of code value 0: its field is bits [0, codeBits) of byte 0
    const f = flipFlashBit(dir, prefix, 'layer0.code', 0, bits - 1);
    expect(f.after).not.toBe(f.before);
    const bad = runHost(dir, prefix, '-O2', false);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/MISMATCH kernel 0 /);
  });
});
