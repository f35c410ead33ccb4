/**
 * Assembles a WebAssembly module (core spec 5.5): one imported memory ("env"."memory", the
 * shared arena) and exported functions built with FunctionBuilder. No tables, globals or data
 * segments: kernels take every pointer and size as i32 parameters.
 */
import { nameBytes, section, unsignedLeb128, vector } from './encoding.ts';
import { FunctionBuilder } from './function_builder.ts';
import { EXTERNAL_KIND, FUNCTION_TYPE, SECTION, VALUE_TYPE, type ValueType } from './opcodes.ts';

const MAGIC = [0x00, 0x61, 0x73, 0x6d]; // "\0asm"
const VERSION = [0x01, 0x00, 0x00, 0x00];
const MEMORY_IMPORT_MODULE = 'env';
const MEMORY_IMPORT_NAME = 'memory';
const LIMITS_MIN_ONLY = 0x00;

/** An exported kernel: takes and returns numbers (i32 / f32; i64 is not exposed to JS). */
export type WasmFunction = (...args: number[]) => number;

export class ModuleBuilder {
  private readonly functions: { name: string; builder: FunctionBuilder }[] = [];

  /** Adds an exported function; returns its index (for `call`). */
  function(name: string, params: readonly ValueType[], results: readonly ValueType[], build: (f: FunctionBuilder) => void): number {
    if (this.functions.some((f) => f.name === name)) throw new Error(`function ${name} is defined twice`);
    const builder = new FunctionBuilder(params, results);
    build(builder);
    this.functions.push({ name, builder });
    return this.functions.length - 1;
  }

  /** The module's bytes. */
  assemble(): Uint8Array<ArrayBuffer> {
    const types = this.functions.map(({ builder }) => [
      FUNCTION_TYPE,
      ...vector(builder.params.map((t) => [VALUE_TYPE[t]])),
      ...vector(builder.results.map((t) => [VALUE_TYPE[t]])),
    ]);
    const memoryImport = [...nameBytes(MEMORY_IMPORT_MODULE), ...nameBytes(MEMORY_IMPORT_NAME), EXTERNAL_KIND.memory, LIMITS_MIN_ONLY, ...unsignedLeb128(1)];
    const bytes = [
      ...MAGIC, ...VERSION,
      ...section(SECTION.type, vector(types)),
      ...section(SECTION.import, vector([memoryImport])),
      ...section(SECTION.function, vector(this.functions.map((_, i) => unsignedLeb128(i)))), // type i for function i
      ...section(SECTION.export, vector(this.functions.map((f, i) => [...nameBytes(f.name), EXTERNAL_KIND.function, ...unsignedLeb128(i)]))),
      ...section(SECTION.code, vector(this.functions.map((f) => f.builder.encode()))),
    ];
    return new Uint8Array(bytes);
  }

  /** Compiles and instantiates the module against `memory`; returns its functions by name. */
  instantiate(memory: WebAssembly.Memory): Record<string, WasmFunction> {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(this.assemble()), { [MEMORY_IMPORT_MODULE]: { [MEMORY_IMPORT_NAME]: memory } });
    const out: Record<string, WasmFunction> = {};
    for (const { name } of this.functions) out[name] = instance.exports[name] as WasmFunction;
    return out;
  }
}
