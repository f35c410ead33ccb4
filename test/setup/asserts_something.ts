/**
 * Every test asserts something: a test that ends without one expect() call or one fc.assert
 * fails ("expected any number of assertion, but got none"), so `npm test` counts no test that
 * can only pass.
 */
import fc from 'fast-check';
import { beforeEach, expect } from 'vitest';

// fc.assert checks a property over generated cases and throws on a counterexample: it counts as
// an assertion even when the property returns a boolean instead of calling expect. The plugin
// only counts; failing stays fast-check's own report. (fc.check runs the plugin too and throws
// nothing: tests use fc.assert.)
fc.installGlobalPlugin(() => ({
  onAllRunsComplete: () => {
    expect.setState({ assertionCalls: expect.getState().assertionCalls + 1 });
  },
}));

beforeEach(() => {
  expect.hasAssertions();
});
