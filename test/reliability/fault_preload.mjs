// Test-only preload (node --import): injects faults into the CLI process at a seeded point.
//   HTPW_FAULT_AT=K        SIGKILL this process at the K-th file mutation (write, rename, append,
//                          link, unlink), counted from 1
//   HTPW_FAULT_MODE=mid    ... after writing half of that write's bytes (a torn temp file, or a
//                          torn line of a file written in place)
//   HTPW_FAULT_MODE=before ... before the call
//   HTPW_FAULT_SLOW_MS=N   sleep N ms before each mutation (keeps a run alive for two-writer tests)
//   HTPW_FAULT_COUNT=file  append the number of mutations seen to <file> at exit
//   HTPW_FAULT_TRACE=file  append one line per mutation to <file>: "<K> <call> <path>" (the path
//                          of a write's file descriptor as it was opened), so a test can aim at one
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const at = Number(process.env.HTPW_FAULT_AT ?? 0);
const mode = process.env.HTPW_FAULT_MODE ?? 'before';
const slow = Number(process.env.HTPW_FAULT_SLOW_MS ?? 0);
const countFile = process.env.HTPW_FAULT_COUNT;
const traceFile = process.env.HTPW_FAULT_TRACE;
let n = 0;
const pause = new Int32Array(new SharedArrayBuffer(4));
const fdPath = new Map();
// the preload's own writes go through the unwrapped calls (appendFileSync would call the wrapped ones)
const openSync = fs.openSync;
const rawWrite = fs.writeSync;
const traceFd = traceFile ? openSync.call(fs, traceFile, 'a') : -1;
fs.openSync = function (path, ...rest) {
  const fd = openSync.call(fs, path, ...rest);
  fdPath.set(fd, String(path));
  return fd;
};

function wrap(name) {
  const orig = fs[name];
  fs[name] = function (...args) {
    n++;
    if (traceFd >= 0) rawWrite.call(fs, traceFd, `${n} ${name} ${typeof args[0] === 'number' ? fdPath.get(args[0]) ?? `fd ${args[0]}` : String(args[0])}\n`);
    if (slow > 0) Atomics.wait(pause, 0, 0, slow);
    if (n === at) {
      if (mode === 'mid' && name === 'writeSync' && typeof args[2] === 'number' && typeof args[3] === 'number' && args[3] > 1) {
        // the first half of the bytes, at the call's own position (appendResult writes at an offset)
        orig.call(fs, args[0], args[1], args[2], Math.floor(args[3] / 2), args[4]);
        fs.fsyncSync(args[0]);
      }
      process.kill(process.pid, 'SIGKILL');
    }
    return orig.apply(fs, args);
  };
}
for (const name of ['writeSync', 'writeFileSync', 'renameSync', 'appendFileSync', 'linkSync', 'unlinkSync']) wrap(name);
syncBuiltinESMExports();
if (countFile) {
  process.on('exit', () => {
    const count = n;
    const fd = openSync.call(fs, countFile, 'a');
    rawWrite.call(fs, fd, `${count}\n`);
  });
}
