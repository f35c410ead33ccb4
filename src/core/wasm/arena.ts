/**
 * The arena: ONE WebAssembly.Memory shared by every SIMD kernel module (each module imports it
 * as "env"."memory") and by the JS side.
 *
 * How the two sides share it: a kernel call is synchronous, so the whole arena is scratch for the
 * duration of one call. The JS wrapper plans a layout (byte offsets, 16-byte aligned), calls
 * `ensure(bytes)`, writes (packs) its operands through the typed-array views below, calls the
 * wasm function with the byte offsets as i32 arguments, and reads the result back through a view.
 * Nothing survives between calls, so there is no allocator and no freeing.
 *
 * Growth: `ensure` grows the memory in 64 KiB pages. Growing DETACHES every view over the old
 * ArrayBuffer, so never keep a view across an `ensure` call: ask `f32()` / `i8()` / ... again after
 * it; they are re-created when the buffer changed and cached otherwise.
 */

const PAGE_BYTES = 65536;
const INITIAL_PAGES = 16; // 1 MiB
export const ARENA_ALIGN = 16; // v128 alignment

export class Arena {
  readonly memory = new WebAssembly.Memory({ initial: INITIAL_PAGES });
  private buffer: ArrayBuffer = this.memory.buffer;
  private views = this.makeViews();

  /** Byte size of the memory now. */
  get bytes(): number { return this.memory.buffer.byteLength; }

  /** Makes the memory at least `bytes` long (never shrinks); views taken before may be detached. */
  ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
  }

  f32(): Float32Array { return this.current().f32; }
  i32(): Int32Array { return this.current().i32; }
  i16(): Int16Array { return this.current().i16; }
  i8(): Int8Array { return this.current().i8; }
  u8(): Uint8Array { return this.current().u8; }

  private current(): ReturnType<Arena['makeViews']> {
    if (this.buffer !== this.memory.buffer) {
      this.buffer = this.memory.buffer;
      this.views = this.makeViews();
    }
    return this.views;
  }

  private makeViews() {
    const b = this.memory.buffer;
    return { f32: new Float32Array(b), i32: new Int32Array(b), i16: new Int16Array(b), i8: new Int8Array(b), u8: new Uint8Array(b) };
  }
}

/**
 * Byte layout of one kernel call's operands in the arena: `f32(n)` reserves n floats at the next
 * 16-byte aligned offset and returns that byte offset; `end` is the bytes to `ensure`.
 */
export class ArenaLayout {
  end = 0;
  reserve(bytes: number): number {
    const at = Math.ceil(this.end / ARENA_ALIGN) * ARENA_ALIGN;
    this.end = at + bytes;
    return at;
  }
  f32(count: number): number { return this.reserve(4 * count); }
  i32(count: number): number { return this.reserve(4 * count); }
  i16(count: number): number { return this.reserve(2 * count); }
  i8(count: number): number { return this.reserve(count); }
}

let shared: Arena | null = null;

/** The process-wide arena every kernel module imports. */
export function sharedArena(): Arena {
  shared ??= new Arena();
  return shared;
}
