import { defineConfig } from 'vitest/config';

// Tests run in forked processes so a crash in one file cannot take the others down;
// two workers because the reference machine has two cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // a test that makes no assertion fails (test/setup/asserts_something.ts)
    setupFiles: ['test/setup/asserts_something.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
