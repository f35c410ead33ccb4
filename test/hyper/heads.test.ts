import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { GAIN_MODES, HEADS, quotedChoices } from '../../src/hyper/heads.ts';
import { coreOutputs, DEFAULT_KNOBS, factorOutputs, knobProblems } from '../../src/hyper/config.ts';

/** #define NAME value lines of the C synthesis header */
function cDefines(): Map<string, number> {
  const text = readFileSync(new URL('../../src/codegen/c/htpw_synthesis.h', import.meta.url), 'utf8');
  return new Map([...text.matchAll(/^#define (HTPW_(?:HEAD|GAINS)_[A-Z_]+) (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
}

describe('head families and gain modes', () => {
  it('the C header defines exactly the tables\' constants, with their values', () => {
    const defs = cDefines();
    const table = new Map([...Object.values(HEADS), ...Object.values(GAIN_MODES)].map((h) => [h.cName, h.cValue]));
    expect(defs).toEqual(table);
  });

  it('a head fills the r x r core from its outputs: r*r row-major, r on the diagonal, or the identity (factor heads)', () => {
    const r = 3;
    const shared = new Float64Array(r * r);
    HEADS['shared-basis'].fillCore([1, 2, 3, 4, 5, 6, 7, 8, 9], r, shared);
    expect([...shared]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const diag = new Float64Array(r * r);
    HEADS['basis-coeff'].fillCore([1, 2, 3], r, diag);
    expect([...diag]).toEqual([1, 0, 0, 0, 2, 0, 0, 0, 3]);
    const eye = new Float64Array(r * r);
    HEADS['factor-heads'].fillCore([5, 6, 7], r, eye);
    expect([...eye]).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(coreOutputs({ ...DEFAULT_KNOBS.mitbih, rank: r, head: 'shared-basis' }, 40)).toBe(9);
    expect(coreOutputs({ ...DEFAULT_KNOBS.mitbih, rank: r, head: 'basis-coeff' }, 40)).toBe(3);
    expect(coreOutputs({ ...DEFAULT_KNOBS.mitbih, rank: r, head: 'factor-heads' }, 40)).toBe(120);
    expect(factorOutputs({ ...DEFAULT_KNOBS.mitbih, rank: r, head: 'factor-heads' }, 40)).toBe(120);
    expect(factorOutputs({ ...DEFAULT_KNOBS.mitbih, rank: r, head: 'shared-basis' }, 40)).toBe(0);
    expect(HEADS['factor-heads'].storedBases).toBe(false);
    expect(HEADS['factor-heads'].headMax).toBe(127);
  });

  it('knob messages list the table\'s names', () => {
    expect(quotedChoices(['stored', 'generated', 'none'])).toBe("'stored', 'generated' or 'none'");
    expect(knobProblems({ ...DEFAULT_KNOBS.mitbih, head: 'x' as never })).toEqual([`head "x" is not 'shared-basis', 'basis-coeff' or 'factor-heads'`]);
    expect(knobProblems({ ...DEFAULT_KNOBS.mitbih, gains: 'x' as never })).toEqual([`gains "x" is not 'stored', 'generated' or 'none'`]);
  });
});
