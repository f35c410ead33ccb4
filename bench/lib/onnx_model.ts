/**
 * A one-node ONNX model, encoded by hand (protobuf wire format, onnx.proto field numbers), so the
 * kernels bench can time onnxruntime-web on exactly our shapes without a model file:
 * ModelProto { ir_version 1, opset_import 8 { version 2 }, graph 7 { node 1, name 2, input 11, output 12 } }
 * NodeProto { input 1, output 2, op_type 4, attribute 5 }, AttributeProto { name 1, i 3, ints 8, type 20 },
 * ValueInfoProto { name 1, type 2 { tensor_type 1 { elem_type 1, shape 2 { dim 1 { dim_value 1 } } } } }.
 */
const VARINT = 0;
const BYTES = 2;
const FLOAT = 1; // TensorProto.DataType
const ATTR_INT = 2;
const ATTR_INTS = 7;
const IR_VERSION = 8;
const OPSET = 13;

function varint(v: number): number[] {
  const out: number[] = [];
  let x = v;
  do {
    let b = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) b |= 0x80;
    out.push(b);
  } while (x > 0);
  return out;
}
const key = (field: number, wire: number) => varint(field * 8 + wire);
const int = (field: number, v: number) => [...key(field, VARINT), ...varint(v)];
const bytes = (field: number, b: number[]) => [...key(field, BYTES), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, Array.from(new TextEncoder().encode(s)));

function valueInfo(name: string, shape: readonly number[]): number[] {
  const dims = shape.flatMap((d) => bytes(1, int(1, d)));
  return [...str(1, name), ...bytes(2, bytes(1, [...int(1, FLOAT), ...bytes(2, dims)]))];
}

export type Attribute = number | readonly number[];

/** Bytes of a model computing outputs = opType(inputs) with the given attributes. */
export function oneNodeModel(
  opType: string, inputs: Record<string, readonly number[]>, output: [string, readonly number[]], attributes: Record<string, Attribute> = {},
): Uint8Array {
  const attrs = Object.entries(attributes).flatMap(([name, v]) => bytes(5, typeof v === 'number'
    ? [...str(1, name), ...int(3, v), ...int(20, ATTR_INT)]
    : [...str(1, name), ...v.flatMap((x) => int(8, x)), ...int(20, ATTR_INTS)]));
  const node = [...Object.keys(inputs).flatMap((n) => str(1, n)), ...str(2, output[0]), ...str(4, opType), ...attrs];
  const graph = [
    ...bytes(1, node), ...str(2, 'bench'),
    ...Object.entries(inputs).flatMap(([n, s]) => bytes(11, valueInfo(n, s))),
    ...bytes(12, valueInfo(output[0], output[1])),
  ];
  return new Uint8Array([...int(1, IR_VERSION), ...bytes(8, int(2, OPSET)), ...bytes(7, graph)]);
}
