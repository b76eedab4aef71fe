/**
 * A small builder for an ONNX graph: nodes, constant tensors (initializers) and unique value names,
 * as the protobuf messages of onnx.proto (ONNX IR version 8). The messages come from `onnx-proto`
 * (onnx.proto compiled by protobufjs), which encodes them: nothing here writes protobuf by hand.
 * What the graph computes is decided by the emitters (input-pipeline.ts, layers.ts, head.ts);
 * export-model.ts assembles and encodes the model.
 */
import onnxProto, { type onnx } from 'onnx-proto'

/** The generated message classes and enums (a CommonJS module: its namespace is the default export). */
export const { onnx: proto } = onnxProto

const DataType = proto.TensorProto.DataType
const AttributeType = proto.AttributeProto.AttributeType

/** An attribute value: `int` and `float` are told apart by the caller, since 1 may be either. */
export type Attribute = { readonly int: number } | { readonly float: number } | { readonly ints: readonly number[] }

function attribute (name: string, value: Attribute): onnx.IAttributeProto {
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int }
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float }
  return { name, type: AttributeType.INTS, ints: [...value.ints] }
}

/** A tensor's element type and shape; a string dimension is symbolic (the batch, `N`). */
export function tensorType (elemType: number, dims: ReadonlyArray<number | string>): onnx.ITypeProto {
  return { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } }
}

/** raw_data is little-endian whatever the machine: a big-endian one writes float_data instead. */
const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f

export const FLOAT = DataType.FLOAT
export const INT64 = DataType.INT64

export class OnnxGraph {
  readonly nodes: onnx.INodeProto[] = []
  readonly initializers: onnx.ITensorProto[] = []
  private readonly taken = new Set<string>()

  /** `base`, or `base_2`, `base_3`, …: every value and node name in a graph must be unique. */
  unique (base: string): string {
    let name = base
    for (let i = 2; this.taken.has(name); i++) name = `${base}_${i}`
    this.taken.add(name)
    return name
  }

  /** Reserves a name chosen outside the builder (the graph's input and output names). */
  reserve (name: string): string {
    if (this.taken.has(name)) throw new Error(`ONNX value name '${name}' is used twice`)
    this.taken.add(name)
    return name
  }

  /**
   * A float32 constant of the given shape, values row-major. Stored as raw_data, the values' little-endian
   * bytes (as onnx.numpy_helper.from_array and PyTorch's exporter store weights): the bytes of a Float32Array
   * are copied, not converted value by value (a 1M-weight model encodes several times faster than float_data).
   */
  floats (base: string, dims: readonly number[], values: ArrayLike<number>): string {
    const name = this.unique(base)
    const f32 = values instanceof Float32Array ? values : Float32Array.from(values)
    const tensor: onnx.ITensorProto = LITTLE_ENDIAN
      ? { rawData: new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength) }
      : { floatData: Array.from(f32) }
    this.initializers.push({ name, dataType: DataType.FLOAT, dims: [...dims], ...tensor })
    return name
  }

  int64s (base: string, dims: readonly number[], values: readonly number[]): string {
    const name = this.unique(base)
    this.initializers.push({ name, dataType: DataType.INT64, dims: [...dims], int64Data: [...values] })
    return name
  }

  /** onnx.proto stores BOOL tensors in int32_data, one 0/1 per element. */
  bools (base: string, dims: readonly number[], values: readonly boolean[]): string {
    const name = this.unique(base)
    this.initializers.push({ name, dataType: DataType.BOOL, dims: [...dims], int32Data: values.map((v) => (v ? 1 : 0)) })
    return name
  }

  /**
   * Appends one operator node of the default domain (ai.onnx) and returns its output's name: `output`
   * when given (a graph output), else a fresh name made from the operator's.
   */
  op (opType: string, inputs: readonly string[], options: { attributes?: Record<string, Attribute>, output?: string, docString?: string } = {}): string {
    const output = options.output ?? this.unique(opType.toLowerCase())
    const attrs = Object.entries(options.attributes ?? {}).map(([k, v]) => attribute(k, v))
    this.nodes.push({
      name: this.unique(`${opType}_node`),
      opType,
      input: [...inputs],
      output: [output],
      ...(attrs.length > 0 ? { attribute: attrs } : {}),
      ...(options.docString ? { docString: options.docString } : {})
    })
    return output
  }
}
