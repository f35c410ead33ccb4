/**
 * Building and running generated C: host gcc, arm-none-eabi-gcc + qemu-system-arm (semihosting),
 * the icount QEMU plugin, arm-none-eabi-size and nm. Used by test/codegen and bench/mcu.bench.ts.
 * Every run is wrapped in `timeout` (an infinite loop would hang QEMU).
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MCU_DIR = join(dirname(fileURLToPath(import.meta.url)), 'mcu');

/** Warnings are errors: the generated C must stay clean under these. */
export const WARNING_FLAGS = ['-std=c99', '-Wall', '-Wextra', '-Wshadow', '-Werror'];

export interface Target {
  name: string;
  board: 'mps2-an386' | 'mps2-an385' | 'microbit' | 'mps2-an500' | 'mps2-an505' | 'mps3-an547';
  cflags: string[];
  flash: string;
  ram: string;
  /** where code and RAM start (default 0x00000000 and 0x20000000) */
  flashOrigin?: string;
  ramOrigin?: string;
}

export const TARGETS: Record<'m4' | 'm4-nodsp' | 'm0' | 'm0-code-4mb' | 'm7' | 'm7-nodsp' | 'm33' | 'm33-nodsp' | 'm55' | 'm55-mve', Target> = {
  m4: { name: 'cortex-m4 (DSP)', board: 'mps2-an386', cflags: ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=soft'], flash: '4M', ram: '4M' },
  'm4-nodsp': { name: 'cortex-m4 (portable)', board: 'mps2-an386', cflags: ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=soft', '-DHTPW_NO_DSP'], flash: '4M', ram: '4M' },
  m0: { name: 'cortex-m0', board: 'microbit', cflags: ['-mcpu=cortex-m0', '-mthumb', '-mfloat-abi=soft'], flash: '256K', ram: '16K' },
  /** Cortex-M0 (ARMv6-M) code run on the mps2-an385 board (Cortex-M3, a superset ISA) for its 4 MB
   * RAM: the instruction count of the M0 binary is the same; for shapes whose buffers exceed 16 KB. */
  'm0-code-4mb': { name: 'cortex-m0 code (on mps2-an385)', board: 'mps2-an385', cflags: ['-mcpu=cortex-m0', '-mthumb', '-mfloat-abi=soft'], flash: '4M', ram: '4M' },
  m7: { name: 'cortex-m7 (DSP)', board: 'mps2-an500', cflags: ['-mcpu=cortex-m7', '-mthumb', '-mfloat-abi=soft'], flash: '4M', ram: '4M' },
  'm7-nodsp': { name: 'cortex-m7 (portable)', board: 'mps2-an500', cflags: ['-mcpu=cortex-m7', '-mthumb', '-mfloat-abi=soft', '-DHTPW_NO_DSP'], flash: '4M', ram: '4M' },
  /** mps2-an505 boots Secure: code in the secure alias of SSRAM1, RAM in the secure alias of SSRAM2/3 */
  m33: { name: 'cortex-m33 (DSP)', board: 'mps2-an505', cflags: ['-mcpu=cortex-m33', '-mthumb', '-mfloat-abi=soft'], flash: '4M', ram: '2M', flashOrigin: '0x10000000', ramOrigin: '0x38000000' },
  'm33-nodsp': { name: 'cortex-m33+nodsp', board: 'mps2-an505', cflags: ['-mcpu=cortex-m33+nodsp', '-mthumb', '-mfloat-abi=soft'], flash: '4M', ram: '2M', flashOrigin: '0x10000000', ramOrigin: '0x38000000' },
  /** mps3-an547 (Helium): ITCM and DTCM, 512 KB each, secure aliases */
  m55: { name: 'cortex-m55 (DSP, soft float)', board: 'mps3-an547', cflags: ['-mcpu=cortex-m55', '-mthumb', '-mfloat-abi=soft'], flash: '512K', ram: '512K', flashOrigin: '0x10000000', ramOrigin: '0x30000000' },
  /** hard float enables Helium (__ARM_FEATURE_MVE): CMSIS-NN takes its MVE paths */
  'm55-mve': { name: 'cortex-m55 (DSP + MVE)', board: 'mps3-an547', cflags: ['-mcpu=cortex-m55', '-mthumb', '-mfloat-abi=hard'], flash: '512K', ram: '512K', flashOrigin: '0x10000000', ramOrigin: '0x30000000' },
};

export function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}
export const hasHostGcc = (): boolean => has('gcc');
export const hasArmToolchain = (): boolean => has('arm-none-eabi-gcc') && has('qemu-system-arm') && has('timeout');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutSec?: number } = {}): RunResult {
  const full = opts.timeoutSec ? ['timeout', String(opts.timeoutSec), cmd, ...args] : [cmd, ...args];
  const r = spawnSync(full[0], full.slice(1), { cwd: opts.cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function must(r: RunResult, what: string): RunResult {
  if (r.status !== 0) throw new Error(`${what} failed (status ${r.status}):\n${r.stderr}${r.stdout}`.slice(0, 6000));
  return r;
}

export function writeFiles(dir: string, files: Map<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of files) writeFileSync(join(dir, name), content);
}

/** Compile and link C sources for the host (`libs`: archives / -l flags linked after them). Returns the executable path. */
export function compileHost(dir: string, sources: string[], out: string, extra: string[] = [], libs: string[] = []): string {
  const exe = join(dir, out);
  must(run('gcc', [...WARNING_FLAGS, ...extra, '-I', dir, ...sources.map((s) => join(dir, s)), ...libs, '-o', exe]), `gcc ${extra.join(' ')}`);
  return exe;
}

/** Compile and link for a Cortex-M target with our startup file and linker script; writes a map file.
 * `libs`: archives linked after the sources. */
export function compileArm(dir: string, sources: string[], out: string, target: Target, extra: string[] = ['-O2'], libs: string[] = []): { elf: string; map: string } {
  const ld = join(dir, `link_${target.board}.ld`);
  if (!existsSync(ld)) {
    const text = readFileSync(join(MCU_DIR, 'link.ld.in'), 'utf8')
      .replace('@BOARD@', target.board)
      .replace('@FLASH@', target.flash)
      .replace('@RAM@', target.ram)
      .replace('@FLASH_ORIGIN@', target.flashOrigin ?? '0x00000000')
      .replace('@RAM_ORIGIN@', target.ramOrigin ?? '0x20000000');
    writeFileSync(ld, text);
  }
  const elf = join(dir, out);
  const map = `${elf}.map`;
  must(
    run('arm-none-eabi-gcc', [
      ...WARNING_FLAGS, ...target.cflags, ...extra, '-ffunction-sections', '-fdata-sections',
      '-I', dir, join(MCU_DIR, 'startup.c'), ...sources.map((s) => join(dir, s)), ...libs,
      '--specs=rdimon.specs', '-nostartfiles', '-T', ld, '-Wl,--gc-sections', `-Wl,-Map=${map}`, '-lrdimon', '-o', elf,
    ]),
    `arm-none-eabi-gcc ${target.name}`,
  );
  return { elf, map };
}

export function runQemu(elf: string, target: Target, opts: { timeoutSec?: number; plugin?: string } = {}): RunResult {
  const args = ['-M', target.board, '-nographic', '-semihosting', '-kernel', elf];
  if (opts.plugin) args.push('-plugin', opts.plugin);
  return run('qemu-system-arm', args, { timeoutSec: opts.timeoutSec ?? 60 });
}

/** Build the icount plugin once per directory (host gcc, shared object). */
export function buildPlugin(dir: string): string {
  const so = join(dir, 'libicount.so');
  const src = join(MCU_DIR, 'icount.c');
  if (!existsSync(so) || statSync(so).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(dir, { recursive: true });
    must(run('gcc', ['-O2', '-shared', '-fPIC', '-Wall', '-Wextra', '-Werror', src, '-o', so]), 'building the icount plugin');
  }
  return so;
}

export interface Symbol {
  name: string;
  addr: number;
  size: number;
  type: string;
}

/** `nm -S` of an ELF: defined symbols with a size. Thumb function addresses have bit 0 cleared. */
export function symbols(elf: string): Map<string, Symbol> {
  const r = must(run('arm-none-eabi-nm', ['-S', elf]), 'nm');
  const map = new Map<string, Symbol>();
  for (const line of r.stdout.split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (\w) (\S+)$/.exec(line.trim());
    if (m) map.set(m[4], { addr: parseInt(m[1], 16) & ~1, size: parseInt(m[2], 16), type: m[3], name: m[4] });
  }
  return map;
}

/** Section sizes from `arm-none-eabi-size -A`. */
export function sectionSizes(elf: string): Map<string, number> {
  const r = must(run('arm-none-eabi-size', ['-A', elf]), 'size');
  const map = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\.\S+)\s+(\d+)\s+(\d+)/.exec(line.trim());
    if (m) map.set(m[1], Number(m[2]));
  }
  return map;
}

export interface InstructionCounts {
  total: number;
  marks: number[];
  ranges: { lo: number; hi: number; count: number }[];
}

/** Run under QEMU with the icount plugin: marks at each execution of `markAddr`, and counts
 * inside the given [lo, hi) ranges. */
export function countInstructions(elf: string, target: Target, pluginSo: string, markAddr: number | null, ranges: [number, number][] = []): InstructionCounts & RunResult {
  const out = `${elf}.icount`;
  const args = [`out=${out}`];
  if (markAddr !== null) args.push(`mark=${markAddr.toString(16)}`);
  for (const [lo, hi] of ranges) args.push(`range=${lo.toString(16)}:${hi.toString(16)}`);
  const r = runQemu(elf, target, { plugin: `${pluginSo},${args.map((a) => `arg=${a}`).join(',')}`, timeoutSec: 120 });
  if (!existsSync(out)) throw new Error(`icount wrote nothing (status ${r.status}): ${r.stderr}${r.stdout}`);
  const text = readFileSync(out, 'utf8');
  const total = Number(/total (\d+)/.exec(text)?.[1] ?? NaN);
  const marks = (/marks(.*)/.exec(text)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  const rangeCounts = [...text.matchAll(/range (\w+) (\w+) (\d+)/g)].map((m) => ({ lo: parseInt(m[1], 16), hi: parseInt(m[2], 16), count: Number(m[3]) }));
  return { ...r, total, marks, ranges: rangeCounts };
}

/** Address and size of every section, from `arm-none-eabi-size -A`. */
export function sections(elf: string): Map<string, { addr: number; size: number }> {
  const r = must(run('arm-none-eabi-size', ['-A', elf]), 'size');
  const map = new Map<string, { addr: number; size: number }>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\.\S+)\s+(\d+)\s+(\d+)/.exec(line.trim());
    if (m) map.set(m[1], { size: Number(m[2]), addr: Number(m[3]) });
  }
  return map;
}

/** The bytes of one section of an ELF (arm-none-eabi-objcopy -O binary --only-section). */
export function sectionBytes(elf: string, name: string): Uint8Array {
  const out = `${elf}${name}.bin`;
  must(run('arm-none-eabi-objcopy', ['-O', 'binary', `--only-section=${name}`, elf, out]), 'objcopy');
  return new Uint8Array(readFileSync(out));
}

/** The flash parameter symbols of a linked ELF: every sized symbol inside the .htpw_weights section. */
export function weightSymbols(elf: string): Symbol[] {
  const sec = sections(elf).get('.htpw_weights');
  if (!sec) return [];
  return [...symbols(elf).values()].filter((s) => s.size > 0 && s.addr >= sec.addr && s.addr < sec.addr + sec.size).sort((a, b) => a.addr - b.addr);
}
