import { expect } from 'vitest';

/** Exact equality that names the first mismatching position. */
export function expectSameBytes(actual: Int8Array, expected: Int8Array, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) expect.fail(`${what}: first mismatch at ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

