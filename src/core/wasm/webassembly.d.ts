/**
 * The slice of the WebAssembly JS API that src/core/wasm uses. Node 20 and every browser provide
 * it at run time; tsconfig's lib (ES2022, no DOM) does not declare it, so it is declared here.
 */
declare namespace WebAssembly {
  interface MemoryDescriptor { initial: number; maximum?: number }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer;
    /** grows by `delta` 64 KiB pages; returns the previous size in pages; detaches old views */
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: Uint8Array);
  }
  type ImportValue = Memory | ((...args: number[]) => number | void);
  type Imports = Record<string, Record<string, ImportValue>>;
  type ExportValue = Memory | ((...args: number[]) => number);
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Record<string, ExportValue>;
  }
  function validate(bytes: Uint8Array): boolean;
  class CompileError extends Error {}
  class RuntimeError extends Error {}
}
