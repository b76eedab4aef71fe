/**
 * The versioned model formats: one binary blob (storage) and one JSON form (HTTP export/import).
 * Not storage itself (store/), nor optimiser state or checkpoints.
 *
 * Binary layout, format version 1 (all integers unsigned little-endian):
 *   offset 0   4 bytes  magic "BPNN" (ASCII)
 *   offset 4   u16      format version = 1
 *   offset 6   u16      flags = 0 (reserved; a reader rejects flags it does not know)
 *   offset 8   u32      L = byte length of the header JSON
 *   offset 12  L bytes  UTF-8 JSON { "spec": NetworkSpec, "meta": object }
 *              0-3      zero bytes, so that the next field starts at a multiple of 4 (P = 12 + ceil4(L))
 *   offset P   u32      N = parameter count, which must equal parameterCount(spec)
 *   offset P+4 4N bytes float32 little-endian parameters, in layout(spec) order
 *   offset P+4+4N u32   CRC-32 (IEEE 802.3, as zlib) of every byte before it
 *
 * JSON form, version 2 (written): every parameter under its torch.nn state_dict name, as nested
 * arrays of its torch shape, in buffer order:
 *   { "format": "backprop.model", "version": 2, "network": NetworkSpec,
 *     "parameters": { "layers.0.linear.weight": number[out][in], "layers.0.linear.bias": number[out],
 *                     "layers.0.norm.weight": number[n], …, "output.weight": …, "output.bias": … } }
 *   Hidden layer i is a module with submodules linear (nn.Linear; maxout: units·k outputs, unit-major),
 *   norm (nn.LayerNorm: weight, bias; nn.BatchNorm1d: weight, bias, running_mean, running_var) and
 *   projection (nn.Linear, no bias: a residual across widths).
 * JSON form, version 1 (still read; plain dense networks only):
 *   { "format": "backprop.model", "version": 1, "network": NetworkSpec,
 *     "layers": [{ "W": number[units][inputs], "b": number[units] }, ...] }   // hidden layers, then the output layer
 * Values are float32 widened to float64, so JSON text round-trips them exactly, except that JSON writes -0 as 0.
 */
import { checkSpec, layout, parameterCount, type NetworkSpec } from './spec.js'
import { layerDefs, placements } from './layers/build.js'
import { counted } from './counted.js'

export const MODEL_MAGIC = 'BPNN'
export const MODEL_FORMAT_VERSION = 1
export const JSON_FORMAT = 'backprop.model'
export const JSON_FORMAT_VERSION = 2
/** the versions fromJsonForm reads */
export const JSON_FORMAT_VERSIONS = [1, 2] as const

export interface EncodedModel { spec: NetworkSpec, params: Float32Array, meta: Record<string, unknown> }

let crcTable: Uint32Array | undefined

/** CRC-32 with the reflected polynomial 0xEDB88320 (zlib, PNG, gzip). */
export function crc32 (bytes: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

const ceil4 = (n: number): number => Math.ceil(n / 4) * 4
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function checkParams (spec: NetworkSpec, params: Float32Array): void {
  const n = parameterCount(spec)
  if (params.length !== n) throw new RangeError(`the network has ${n} parameters; got ${params.length}`)
}

export function encodeModel ({ spec, params, meta = {} }: { spec: NetworkSpec, params: Float32Array, meta?: Record<string, unknown> }): Uint8Array {
  checkSpec(spec)
  checkParams(spec, params)
  const header = new TextEncoder().encode(JSON.stringify({ spec, meta }))
  const p = 12 + ceil4(header.length)
  const bytes = new Uint8Array(p + 4 + 4 * params.length + 4)
  const view = new DataView(bytes.buffer)
  bytes.set(new TextEncoder().encode(MODEL_MAGIC), 0)
  view.setUint16(4, MODEL_FORMAT_VERSION, true)
  view.setUint16(6, 0, true)
  view.setUint32(8, header.length, true)
  bytes.set(header, 12)
  view.setUint32(p, params.length, true)
  // setFloat32 stores the float32 value it is given bit for bit (finite values; NaN payloads may be canonicalised)
  for (let i = 0; i < params.length; i++) view.setFloat32(p + 4 + 4 * i, params[i], true)
  const end = p + 4 + 4 * params.length
  view.setUint32(end, crc32(bytes.subarray(0, end)), true)
  return bytes
}

export function decodeModel (bytes: Uint8Array): EncodedModel {
  const truncated = (need: number): RangeError =>
    new RangeError(`model blob is truncated: ${bytes.length} bytes, the format needs at least ${need}`)
  if (bytes.length < 4 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MODEL_MAGIC) {
    throw new RangeError(`not a backprop model: the blob does not start with the magic "${MODEL_MAGIC}"`)
  }
  if (bytes.length < 12) throw truncated(12)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const version = view.getUint16(4, true)
  if (version !== MODEL_FORMAT_VERSION) {
    throw new RangeError(`unsupported model format version ${version}; this build reads version ${MODEL_FORMAT_VERSION}`)
  }
  const flags = view.getUint16(6, true)
  if (flags !== 0) throw new RangeError(`unsupported model flags 0x${flags.toString(16)}; this build knows none`)
  const L = view.getUint32(8, true)
  const p = 12 + ceil4(L)
  if (bytes.length < p + 4) throw truncated(p + 4)
  const n = view.getUint32(p, true)
  const end = p + 4 + 4 * n
  if (bytes.length < end + 4) throw truncated(end + 4)
  if (bytes.length > end + 4) throw new RangeError(`model blob has ${bytes.length - end - 4} bytes after its checksum`)
  const stored = view.getUint32(end, true)
  const actual = crc32(bytes.subarray(0, end))
  if (stored !== actual) {
    throw new RangeError(`model blob is corrupt: CRC-32 is 0x${actual.toString(16).padStart(8, '0')}, the blob records 0x${stored.toString(16).padStart(8, '0')}`)
  }

  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + L)))
  } catch (err) {
    throw new RangeError(`model header is not valid UTF-8 JSON: ${(err as Error).message}`)
  }
  if (!isObject(header) || !isObject(header.spec)) throw new RangeError('model header must be an object with a "spec" object')
  const meta = header.meta ?? {}
  if (!isObject(meta)) throw new RangeError('model header "meta" must be an object')
  const spec = header.spec as unknown as NetworkSpec
  checkSpec(spec)
  const expected = parameterCount(spec)
  if (n !== expected) throw new RangeError(`model blob holds ${n} parameters; its network has ${expected}`)
  const params = new Float32Array(n)
  for (let i = 0; i < n; i++) params[i] = view.getFloat32(p + 4 + 4 * i, true)
  return { spec, params, meta }
}

export interface JsonLayer { W: number[][], b: number[] }
/** A tensor as nested arrays of its shape (a vector is number[], a matrix number[][]). */
export type JsonTensor = number[] | number[][]
export interface JsonModel { format: typeof JSON_FORMAT, version: typeof JSON_FORMAT_VERSION, network: NetworkSpec, parameters: Record<string, JsonTensor> }
export interface JsonModelV1 { format: typeof JSON_FORMAT, version: 1, network: NetworkSpec, layers: JsonLayer[] }

export function toJsonForm (spec: NetworkSpec, params: Float32Array): JsonModel {
  checkSpec(spec)
  checkParams(spec, params)
  const parameters: Record<string, JsonTensor> = {}
  for (const { name, shape, offset, size } of placements(layerDefs(spec))) {
    const v = params.subarray(offset, offset + size)
    const cols = shape[shape.length - 1]
    parameters[name] = shape.length === 1 ? Array.from(v) : Array.from({ length: shape[0] }, (_, r) => Array.from(v.subarray(r * cols, (r + 1) * cols)))
  }
  return { format: JSON_FORMAT, version: JSON_FORMAT_VERSION, network: spec, parameters }
}

/** The version 1 form, which holds plain dense networks only: for clients that read no other. */
export function toJsonFormV1 (spec: NetworkSpec, params: Float32Array): JsonModelV1 {
  checkSpec(spec)
  checkPlain(spec)
  checkParams(spec, params)
  const layers = layout(spec).map(({ inputs: I, units: U, wOffset, bOffset }) => ({
    W: Array.from({ length: U }, (_, j) => Array.from(params.subarray(wOffset + j * I, wOffset + (j + 1) * I))),
    b: Array.from(params.subarray(bOffset, bOffset + U))
  }))
  return { format: JSON_FORMAT, version: 1, network: spec, layers }
}

/** The v1 JSON form holds one { W, b } per layer: plain dense layers only. */
function checkPlain (spec: NetworkSpec): void {
  const i = spec.layers.findIndex((l) => l.activation === 'maxout' || l.norm !== undefined || (l.dropout ?? 0) > 0 || l.residual === true)
  if (i >= 0) throw new RangeError(`layers[${i}] uses maxout, norm, dropout or residual, which the JSON form version 1 cannot hold`)
}

/** A finite float32 into params[at], or an error naming the JSON path. */
function putter (params: Float32Array): (path: string, v: unknown, at: number) => void {
  return (path, v, at) => {
    // a finite float64 beyond ±3.4e38 would become Infinity in float32
    if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) throw new RangeError(`${path}: expected a finite number`)
    params[at] = v
  }
}

/** Reads the JSON form (version 2, or 1); errors name the JSON path at fault, e.g. "layers[1].W[3][7]: expected a finite number". */
export function fromJsonForm (value: unknown): { spec: NetworkSpec, params: Float32Array } {
  if (!isObject(value)) throw new RangeError('a model must be a JSON object')
  if (value.format !== JSON_FORMAT) throw new RangeError(`format: expected "${JSON_FORMAT}", got ${JSON.stringify(value.format)}`)
  if (value.version !== 1 && value.version !== 2) {
    throw new RangeError(`version: unsupported model version ${JSON.stringify(value.version)}; this build reads versions ${JSON_FORMAT_VERSIONS.join(' and ')}`)
  }
  if (!isObject(value.network)) throw new RangeError('network: expected a network definition object')
  const spec = value.network as unknown as NetworkSpec
  try {
    checkSpec(spec)
    if (value.version === 1) checkPlain(spec)
  } catch (err) {
    throw new RangeError(`network: ${(err as Error).message}`)
  }
  const params = new Float32Array(parameterCount(spec))
  if (value.version === 1) readV1(spec, value.layers, putter(params))
  else readV2(spec, value.parameters, putter(params))
  return { spec, params }
}

function readV2 (spec: NetworkSpec, parameters: unknown, put: (path: string, v: unknown, at: number) => void): void {
  if (!isObject(parameters)) throw new RangeError('parameters: expected an object of tensors by name (layers.0.linear.weight, …)')
  const expected = placements(layerDefs(spec))
  const names = new Set(expected.map((p) => p.name))
  const extra = Object.keys(parameters).find((k) => !names.has(k) && batchesTracked(spec, k, parameters[k]) !== 'counter')
  if (extra !== undefined) {
    if (batchesTracked(spec, extra, parameters[extra]) === 'bad count') {
      throw new RangeError(`parameters["${extra}"]: BatchNorm1d's num_batches_tracked counts steps: a whole number ≥ 0 (it is set aside), got ${JSON.stringify(parameters[extra])}`)
    }
    throw new RangeError(`parameters["${extra}"]: the network has no such parameter; it has ${[...names].join(', ')}`)
  }
  for (const { name, shape, offset } of expected) {
    const path = `parameters["${name}"]`
    const t: unknown = parameters[name]
    const want = `[${shape.join(', ')}]`
    if (t === undefined) throw new RangeError(`${path}: missing; the network has this tensor, of shape ${want}`)
    if (!Array.isArray(t) || t.length !== shape[0]) {
      const got = shapeOf(t)
      const transposed = got !== null && shape.length === 2 && got.length === 2 && got[0] === shape[1] && got[1] === shape[0]
      throw new RangeError(`${path}: expected a tensor of shape ${want}, got ${got === null ? `a ${t === null ? 'null' : typeof t}` : `[${got.join(', ')}]`}` +
        (transposed ? ' (transposed? a weight is [out, in], as torch.nn.Linear\'s)' : ''))
    }
    // indexed loops, not forEach: a sparse array's holes must fail, not stay 0
    if (shape.length === 1) {
      // a variance below 0 would make batch norm's √(var + ε) NaN at inference: refuse it here, by name
      const variance = name.endsWith('.running_var')
      for (let i = 0; i < shape[0]; i++) {
        if (variance && typeof t[i] === 'number' && (t[i] as number) < 0) throw new RangeError(`${path}[${i}]: a running variance must be ≥ 0, got ${String(t[i])}`)
        put(`${path}[${i}]`, t[i], offset + i)
      }
      continue
    }
    const cols = shape[1]
    for (let r = 0; r < shape[0]; r++) {
      const row: unknown = t[r]
      if (!Array.isArray(row) || row.length !== cols) throw new RangeError(`${path}[${r}]: expected ${cols} numbers (shape ${want})`)
      for (let c = 0; c < cols; c++) put(`${path}[${r}][${c}]`, row[c], offset + r * cols + c)
    }
  }
}

/**
 * torch.nn.BatchNorm1d's `num_batches_tracked`, which its state_dict carries: a count of training steps that
 * only momentum=None reads (a cumulative average; ours is momentum 0.1), so an import sets it aside.
 */
function batchesTracked (spec: NetworkSpec, name: string, value: unknown): 'counter' | 'bad count' | 'other' {
  const m = /^layers\.(\d+)\.norm\.num_batches_tracked$/.exec(name)
  if (m === null || spec.layers[Number(m[1])]?.norm !== 'batch') return 'other'
  const count = Array.isArray(value) && value.length === 1 ? value[0] : value
  return Number.isInteger(count) && (count as number) >= 0 ? 'counter' : 'bad count'
}

/** A nested list's shape ([rows] or [rows, columns] when every row is a list of one length); null when it is not a list. */
function shapeOf (t: unknown): number[] | null {
  if (!Array.isArray(t)) return null
  const inner = t.length > 0 && t.every((r) => Array.isArray(r) && r.length === (t[0] as unknown[]).length) ? (t[0] as unknown[]).length : undefined
  return inner === undefined ? [t.length] : [t.length, inner]
}

function readV1 (spec: NetworkSpec, layers: unknown, put: (path: string, v: unknown, at: number) => void): void {
  const shapes = layout(spec)
  if (!Array.isArray(layers)) throw new RangeError('layers: expected an array with one { W, b } per layer')
  if (layers.length !== shapes.length) {
    throw new RangeError(`layers has ${counted(layers.length, 'entry', 'entries')}; the network has ${counted(shapes.length, 'layer')} (hidden layers and the output layer)`)
  }
  shapes.forEach(({ inputs: I, units: U, wOffset, bOffset }, l) => {
    const layer: unknown = layers[l]
    if (!isObject(layer)) throw new RangeError(`layers[${l}]: expected an object { W, b }`)
    const { W, b } = layer
    if (!Array.isArray(W)) throw new RangeError(`layers[${l}].W: expected an array of rows`)
    if (W.length !== U) throw new RangeError(`layers[${l}].W has ${counted(W.length, 'row')}; the network's layer ${l} has ${counted(U, 'unit')}`)
    // indexed loops, not forEach: a sparse array's holes must fail, not stay 0
    for (let j = 0; j < U; j++) {
      const row: unknown = W[j]
      if (!Array.isArray(row)) throw new RangeError(`layers[${l}].W[${j}]: expected an array of numbers`)
      if (row.length !== I) throw new RangeError(`layers[${l}].W[${j}] has ${counted(row.length, 'column')}; the network's layer ${l} has ${counted(I, 'input')}`)
      for (let i = 0; i < I; i++) put(`layers[${l}].W[${j}][${i}]`, row[i], wOffset + j * I + i)
    }
    if (!Array.isArray(b)) throw new RangeError(`layers[${l}].b: expected an array of numbers`)
    if (b.length !== U) throw new RangeError(`layers[${l}].b has ${counted(b.length, 'value')}; the network's layer ${l} has ${counted(U, 'unit')}`)
    for (let j = 0; j < U; j++) put(`layers[${l}].b[${j}]`, b[j], bOffset + j)
  })
}
