/** The guard of test/setup/asserts_something.ts, on itself. */
import fc from 'fast-check';
import { expect, it } from 'vitest';

it.fails('a test that asserts nothing fails', () => {
  const x = Math.sqrt(2);
  void x;
});

it('an fc.assert whose property returns a boolean counts as an assertion', () => {
  fc.assert(fc.property(fc.integer(), (a) => a + 0 === a), { numRuns: 10 });
});

it.fails('an fc.assert with a counterexample still fails', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), (a) => a < 500), { numRuns: 200 });
});

it('expect calls count', () => {
  expect(1 + 1).toBe(2);
});
