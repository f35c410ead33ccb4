// Test-only preload (node --import): injects faults into the CLI process at a seeded point.
//   HTPW_FAULT_AT=K        SIGKILL this process at the K-th file mutation (write, rename, append,
//                          link, unlink), counted from 1
//   HTPW_FAULT_MODE=mid    ... after writing half of that write's bytes (a torn temp file)
//   HTPW_FAULT_MODE=before ... before the call
//   HTPW_FAULT_SLOW_MS=N   sleep N ms before each mutation (keeps a run alive for two-writer tests)
//   HTPW_FAULT_COUNT=file  append the number of mutations seen to <file> at exit
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const at = Number(process.env.HTPW_FAULT_AT ?? 0);
const mode = process.env.HTPW_FAULT_MODE ?? 'before';
const slow = Number(process.env.HTPW_FAULT_SLOW_MS ?? 0);
const countFile = process.env.HTPW_FAULT_COUNT;
let n = 0;
const pause = new Int32Array(new SharedArrayBuffer(4));

function wrap(name) {
  const orig = fs[name];
  fs[name] = function (...args) {
    n++;
    if (slow > 0) Atomics.wait(pause, 0, 0, slow);
    if (n === at) {
      if (mode === 'mid' && name === 'writeSync' && typeof args[2] === 'number' && typeof args[3] === 'number' && args[3] > 1) {
        orig.call(fs, args[0], args[1], args[2], Math.floor(args[3] / 2));
        fs.fsyncSync(args[0]);
      }
      process.kill(process.pid, 'SIGKILL');
    }
    return orig.apply(fs, args);
  };
}
for (const name of ['writeSync', 'writeFileSync', 'renameSync', 'appendFileSync', 'linkSync', 'unlinkSync']) wrap(name);
syncBuiltinESMExports();
if (countFile) process.on('exit', () => fs.appendFileSync.call(fs, countFile, `${n}\n`));
