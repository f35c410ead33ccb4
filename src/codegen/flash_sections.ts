/**
 * The flash parameters of the generated C: one const array per section of
 * `serializeFlashSections(dep)` (src/hyper/deployable_io.ts), with exactly its bytes, in a
 * `.rodata.htpw.<symbol>` section. The section names are spelled once, in
 * src/hyper/flash_section_names.ts (shared with the file format); `FlashArrays.checkComplete` fails unless the arrays are exactly the
 * sections serializeFlashSections wrote, so the two cannot drift apart unnoticed.
 */

import type { Deployable } from '../hyper/deployable.ts';
import { serializeFlashSections } from '../hyper/deployable_io.ts';
import { SECTION, type ParamField } from '../hyper/flash_section_names.ts';
import { ADD_REQUANT_BYTES } from '../quant/storage.ts';
import { arrayBody, commentText, int32Values, sanitizeIdentifier } from './c_text.ts';
import { fail } from './c_checks.ts';

/** One flash parameter array: a section of serializeFlashSections and its C symbol. */
export interface FlashSymbol {
  section: string;
  symbol: string;
  bytes: number;
}

export { SECTION, type ParamField };

type ParamCType = 'int8_t' | 'uint8_t' | 'int32_t';

/** The flash arrays of one export, in the order they are asked for. */
export class FlashArrays {
  private readonly flash: Map<string, Uint8Array>;
  /** the C definitions, one comment line and one array each */
  readonly lines: string[] = [];
  readonly symbols: FlashSymbol[] = [];

  constructor(dep: Deployable, private readonly prefix: string) {
    this.flash = serializeFlashSections(dep);
  }

  /** The array of `section`: int8 / uint8 arrays hold its bytes, int32 arrays its little-endian
   * words, or `values` (same count) in their place. Returns the C symbol. */
  param(section: string, ctype: ParamCType, values?: ArrayLike<number>): string {
    const bytes = this.take(section);
    const v: ArrayLike<number> = values ?? (ctype === 'int32_t' ? int32Values(bytes) : ctype === 'int8_t' ? new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length) : bytes);
    const n = ctype === 'int32_t' ? bytes.length / 4 : bytes.length;
    if (v.length !== n) fail(`flash section "${section}": ${v.length} values for ${n}`);
    const sym = this.symbolFor(section, bytes.length);
    this.lines.push(`/* ${commentText(section)}: ${bytes.length} B */`, `static const ${ctype} ${sym}[${n}] ${sectionAttribute(sym)} = {\n${arrayBody(v, ctype === 'int32_t' ? 8 : 20)}\n};`);
    return sym;
  }

  /** An add op's requantization as an htpw_add_requant_t (int32 multipliers, then int8 shifts). */
  addRequant(opName: string): string {
    const section = SECTION.addRequant(opName);
    const bytes = this.take(section, ADD_REQUANT_BYTES);
    const mv = int32Values(bytes.subarray(0, 12));
    const sv = new Int8Array(bytes.buffer, bytes.byteOffset + 12, 4);
    const sym = this.symbolFor(section, ADD_REQUANT_BYTES);
    this.lines.push(
      `/* ${commentText(section)}: 16 B (int32 input1, input2, output multiplier; int8 left, input1, input2, output shift) */`,
      `static const htpw_add_requant_t ${sym} ${sectionAttribute(sym)} = { { ${arrayBody(mv, 3).trim().replace(/,$/, '')} }, { ${Array.from(sv).join(', ')} } };`,
    );
    return sym;
  }

  /** Bytes of all arrays = accountBytes(dep).flash.total once checkComplete passed. */
  get weightBytes(): number {
    return this.symbols.reduce((a, f) => a + f.bytes, 0);
  }

  /** Fails unless every section of serializeFlashSections has its array and no other exists. */
  checkComplete(): void {
    const names = [...this.flash.keys()];
    const emitted = this.symbols.map((f) => f.section);
    if (names.length !== emitted.length || names.some((n) => !emitted.includes(n))) fail(`emitted flash arrays [${emitted.join(', ')}] are not the sections of serializeFlashSections [${names.join(', ')}]`);
  }

  private take(section: string, expectBytes?: number): Uint8Array {
    const b = this.flash.get(section);
    if (!b) fail(`flash section "${section}" missing`);
    if (expectBytes !== undefined && b.length !== expectBytes) fail(`flash section "${section}" has ${b.length} bytes, expected ${expectBytes}`);
    return b;
  }

  private symbolFor(section: string, bytes: number): string {
    const symbol = `${this.prefix}_p${this.symbols.length}_${sanitizeIdentifier(section, 28)}`;
    if (this.symbols.some((f) => f.section === section)) fail(`flash section "${section}" emitted twice`);
    this.symbols.push({ section, symbol, bytes });
    return symbol;
  }
}

function sectionAttribute(symbol: string): string {
  return `HTPW_WEIGHTS(".rodata.htpw.${symbol}")`;
}
