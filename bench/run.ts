import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench [-- name ...]`: runs every bench/<suite>.bench.ts (or only the named suites),
 * each in its own Node process so one suite's heap and JIT state cannot skew another.
 */
const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .filter((s) => wanted.length === 0 || wanted.includes(s));
if (suites.length === 0) {
  console.error(`no benchmark suite matches ${wanted.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const suite of suites) {
  console.log(`== bench ${suite}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(here, `${suite}.bench.ts`)], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench ${suite} failed (exit ${r.status})`);
    failed++;
  }
}
spawnSync(process.execPath, ['--import', 'tsx', join(here, 'lib', 'benchmarks_md.ts')], { stdio: 'inherit' });
process.exit(failed ? 1 : 0);
