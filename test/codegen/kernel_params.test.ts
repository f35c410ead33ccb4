/**
 * The C kernels' params structs (src/codegen/c/htpw_kernels.h) hold the TypeScript kernels'
 * arguments other than the tensors (src/quant/kernels/types.ts), in their order and with their
 * names. The field lists below are checked against the TS types by the compiler (every key, no
 * other) and against the C typedefs here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AddParams, ConvParams, Dims, FilterDims, PerChannelQuantParams, PoolParams } from '../../src/quant/kernels/types.ts';

/** Compiles only when the list names every key of T and nothing else. */
function keysOf<T>() {
  return <const L extends readonly (keyof T)[]>(list: L & ([keyof T] extends [L[number]] ? unknown : never)) => list;
}

// in the TS declaration order
const CONV = keysOf<ConvParams>()(['stride', 'dilation', 'padBefore', 'padAfter', 'inputOffset', 'outputOffset', 'actMin', 'actMax']);
const QUANT = keysOf<Omit<PerChannelQuantParams, 'rounding'>>()(['multiplier', 'shift']);
const POOL = keysOf<PoolParams>()(['poolSize', 'stride', 'padBefore', 'padAfter', 'actMin', 'actMax']);
const ADD = keysOf<Omit<AddParams, 'rounding'>>()(['input1Offset', 'input2Offset', 'outputOffset', 'leftShift', 'input1Multiplier', 'input1Shift', 'input2Multiplier', 'input2Shift', 'outputMultiplier', 'outputShift', 'actMin', 'actMax']);
const DIMS = keysOf<Dims>()(['n', 'l', 'c']);
const FILTER_DIMS = keysOf<FilterDims>()(['out', 'k', 'in']);

const KERNELS_H = new URL('../../src/codegen/c/htpw_kernels.h', import.meta.url);

/** The field names of `typedef struct { ... } name;` in declaration order. */
function structFields(header: string, name: string): string[] {
  const m = new RegExp(`typedef struct \\{([^}]*)\\} ${name};`).exec(header);
  if (!m) throw new Error(`${name} not found`);
  const body = m[1].replace(/\/\*[\s\S]*?\*\//g, '');
  return body.split(';').map((d) => d.trim()).filter(Boolean).flatMap((d) => d.replace(/^(const\s+)?\w+\s*\**/, '').split(',').map((f) => f.replace(/[*\s]|\[\d+\]/g, '')));
}

describe('C kernel params structs mirror the TS kernel arguments', () => {
  const h = readFileSync(KERNELS_H, 'utf8');
  it('field names and order', () => {
    expect(structFields(h, 'htpw_dims_t')).toEqual([...DIMS]);
    expect(structFields(h, 'htpw_filter_dims_t')).toEqual([...FILTER_DIMS]);
    // (params, quant, inputDims, input, filterDims, filter, bias, outputDims, output) without the tensors
    expect(structFields(h, 'htpw_conv_params_t')).toEqual([...CONV, ...QUANT, 'inputDims', 'filterDims', 'filter', 'bias', 'outputDims']);
    expect(structFields(h, 'htpw_pool_params_t')).toEqual([...POOL, 'inputDims', 'outputDims']);
    expect(structFields(h, 'htpw_global_avgpool_params_t')).toEqual(['actMin', 'actMax', 'inputDims', 'outputDims']);
    expect(structFields(h, 'htpw_add_params_t')).toEqual([...ADD, 'input1Dims', 'input2Dims', 'outputDims']);
  });
});
