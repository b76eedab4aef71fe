/**
 * The Open Inference Protocol's binary tensor data extension (KServe's "Binary Tensor Data Extension",
 * Triton's extension_binary_data.md), which tritonclient.http uses by default.
 *
 * Request: the `Inference-Header-Content-Length` header gives the byte length N of the JSON inference
 * request at the start of the body; the bytes after it hold, in the order of `inputs`, the data of each
 * input whose `parameters.binary_data_size` says how many bytes it takes (such an input has no `data`).
 * Tensor bytes are little-endian, row-major, unpadded, each element in its datatype's own size; a BYTES
 * element is a 4-byte unsigned length and then its UTF-8 bytes; a BOOL element one byte.
 *
 * Response: an output asked for with `parameters.binary_data: true` (or every output, when the request's
 * `parameters.binary_data_output` is true and the output does not say false) is answered as
 * `parameters.binary_data_size` in the JSON and its bytes after it, in the order of `outputs`; the
 * response then carries `Inference-Header-Content-Length` too.
 *
 * Decoded inputs become the JSON request the routes already read (flat `data`), so every value check
 * and message is the JSON form's; a malformed frame is a 400 naming the field.
 */
import { Readable } from 'node:stream'
import type { FastifyRequest, preParsingAsyncHookHandler, preValidationHookHandler } from 'fastify'
import { PAYLOAD_TOO_LARGE, VALIDATION, withProblem } from '../../errors.js'
import { MAX_PREDICT_ROWS } from '../../schemas/model.js'
import type { InferOutputTensorBody } from '../../schemas/open-inference.js'

export const HEADER_LENGTH_HEADER = 'inference-header-content-length'

const bad = (field: string, message: string): Error => withProblem(new VALIDATION(`${field}: ${message}`), { field })

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Bytes an element of each fixed-size datatype takes (the protocol's "Tensor Data Types"). */
const ELEMENT_BYTES: ReadonlyMap<string, number> = new Map([
  ['BOOL', 1], ['INT8', 1], ['UINT8', 1], ['INT16', 2], ['UINT16', 2], ['FP16', 2], ['BF16', 2],
  ['INT32', 4], ['UINT32', 4], ['FP32', 4], ['INT64', 8], ['UINT64', 8], ['FP64', 8]
])

/** IEEE 754 binary16 → number (subnormals, infinities and NaN included). */
function halfToNumber (h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exponent = (h >> 10) & 0x1f
  const fraction = h & 0x3ff
  if (exponent === 0) return sign * fraction * 2 ** -24
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15)
}

/** One float32's bits and value, shared by every BF16 element (none allocates its own). */
const bf16Bits = new Uint32Array(1)
const bf16Float = new Float32Array(bf16Bits.buffer)

/** Element i of a fixed-size tensor's bytes as a number. 64-bit integers beyond 2^53 round to the nearest double. */
function readElement (view: DataView, datatype: string, i: number): number {
  switch (datatype) {
    case 'BOOL': case 'UINT8': return view.getUint8(i)
    case 'INT8': return view.getInt8(i)
    case 'INT16': return view.getInt16(2 * i, true)
    case 'UINT16': return view.getUint16(2 * i, true)
    case 'FP16': return halfToNumber(view.getUint16(2 * i, true))
    // bfloat16 is the top half of a float32
    case 'BF16': bf16Bits[0] = view.getUint16(2 * i, true) << 16; return bf16Float[0]
    case 'INT32': return view.getInt32(4 * i, true)
    case 'UINT32': return view.getUint32(4 * i, true)
    case 'FP32': return view.getFloat32(4 * i, true)
    case 'INT64': return Number(view.getBigInt64(8 * i, true))
    case 'UINT64': return Number(view.getBigUint64(8 * i, true))
    default: return view.getFloat64(8 * i, true) // FP64
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** A BYTES tensor's elements: each a 4-byte little-endian length, then that many UTF-8 bytes. */
function readStrings (bytes: Buffer, field: string): string[] {
  const out: string[] = []
  for (let at = 0; at < bytes.length;) {
    if (at + 4 > bytes.length) throw bad(field, `element ${out.length} of the BYTES data has ${bytes.length - at} bytes left where its 4-byte length belongs`)
    const n = bytes.readUInt32LE(at)
    at += 4
    if (at + n > bytes.length) throw bad(field, `element ${out.length} of the BYTES data says ${n} bytes; ${bytes.length - at} are left`)
    try { out.push(utf8.decode(bytes.subarray(at, at + n))) } catch { throw bad(field, `element ${out.length} of the BYTES data is not UTF-8 text`) }
    at += n
  }
  return out
}

/** The values of one input from its binary bytes, checked against its shape and datatype. */
function decodeInput (input: Record<string, unknown>, bytes: Buffer, field: string): Array<number | string> {
  const { datatype, shape } = input
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw bad(`${field}.shape`, 'give the tensor\'s shape as whole numbers ≥ 0, e.g. [rows, inputs]')
  const dims = shape as number[]
  if (dims.length > 0 && dims[0] > MAX_PREDICT_ROWS) throw bad(`${field}.shape[0]`, `rows must be 1 to ${MAX_PREDICT_ROWS}; got ${dims[0]}; split larger batches`)
  const count = dims.reduce((a, b) => a * b, 1)
  if (datatype === 'BYTES') {
    const values = readStrings(bytes, `${field}.parameters.binary_data_size`)
    if (values.length !== count) throw bad(`${field}.parameters.binary_data_size`, `the shape [${dims.join(', ')}] needs ${count} elements; the ${bytes.length} bytes hold ${values.length}`)
    return values
  }
  const size = typeof datatype === 'string' ? ELEMENT_BYTES.get(datatype) : undefined
  if (size === undefined) throw bad(`${field}.datatype`, `binary data is read for ${[...ELEMENT_BYTES.keys(), 'BYTES'].join(', ')}; got ${JSON.stringify(datatype)}`)
  if (bytes.length !== count * size) throw bad(`${field}.parameters.binary_data_size`, `the shape [${dims.join(', ')}] of ${datatype as string} (${size} bytes an element) needs ${count * size} bytes; got ${bytes.length}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const values = new Array<number>(count)
  for (let i = 0; i < count; i++) {
    const v = readElement(view, datatype as string, i)
    // JSON cannot carry these; said here, as JSON's null would read "got null"
    if (!Number.isFinite(v)) throw bad(`${field}.data[${i}]`, `the binary data holds ${String(v)}; the model takes finite numbers`)
    values[i] = v
  }
  return values
}

/**
 * The JSON inference request a framed body stands for: `body` is the whole HTTP body, `header` the
 * `Inference-Header-Content-Length` value. Each input with `binary_data_size` gets its values as flat
 * `data` and loses that parameter; bytes left over, or missing, are a 400.
 */
export function decodeBinaryRequest (body: Buffer, header: string): unknown {
  const field = 'Inference-Header-Content-Length'
  if (!/^\d+$/.test(header.trim())) throw bad(field, `give the byte length of the JSON at the start of the body; got ${JSON.stringify(header)}`)
  const length = Number(header.trim())
  if (length > body.length) throw bad(field, `says the JSON takes ${length} bytes; the body has ${body.length}`)
  let text: string
  // a length too large takes tensor bytes into the JSON: they are seldom UTF-8, so this is also what a wrong length looks like
  try { text = utf8.decode(body.subarray(0, length)) } catch {
    throw bad(field, `the first ${length} bytes of the body are not UTF-8 text, as a JSON request is: the header gives the JSON's length in bytes, ` +
      'so check it first (one too large takes tensor bytes in); else the JSON is not UTF-8')
  }
  let request: unknown
  try { request = JSON.parse(text) } catch (e) {
    throw bad(field, `the first ${length} bytes of the body are not a JSON inference request (${(e as Error).message}); the header gives the JSON's length in bytes`)
  }
  if (!isObject(request) || !Array.isArray(request.inputs)) return request // the schema says what is missing
  let at = length
  request.inputs = request.inputs.map((input: unknown, i: number) => {
    if (!isObject(input) || !isObject(input.parameters) || input.parameters.binary_data_size === undefined) return input
    const f = `inputs[${i}]`
    const { binary_data_size: size, ...parameters } = input.parameters
    if (!Number.isSafeInteger(size) || (size as number) < 0) throw bad(`${f}.parameters.binary_data_size`, `give the tensor's size in bytes, a whole number ≥ 0; got ${JSON.stringify(size)}`)
    if (input.data !== undefined) throw bad(`${f}.data`, 'an input with binary_data_size has its values in the binary part of the body: drop data, or drop binary_data_size')
    const n = size as number
    if (at + n > body.length) throw bad(`${f}.parameters.binary_data_size`, `says ${n} bytes; ${body.length - at} are left after the JSON and the inputs before it`)
    const data = decodeInput(input, body.subarray(at, at + n), f)
    at += n
    return { ...input, parameters, data }
  })
  if (at !== body.length) throw bad(field, `${body.length - at} bytes follow the JSON and the inputs' binary_data_size: each binary input needs binary_data_size, in the order of inputs`)
  return request
}

const framedBodies = new WeakMap<FastifyRequest, unknown>()

/**
 * preParsing hook of the infer routes: a body framed by `Inference-Header-Content-Length` is read whole
 * (up to the route's BODY_LIMIT) and decoded here, whatever its content-type, and the content-type parser
 * is handed `{}` in its place; restoreFramedBody puts the decoded request back as the body. The stand-in
 * carries the bytes received, so Fastify's Content-Length check holds (a decompressed body's: the bytes sent).
 * A body over the limit is a 413 at once, on a connection then closed, as Fastify answers one: left open
 * with the body unread, the client's next request on it waited out the keep-alive timeout.
 */
export const readFramedBody: preParsingAsyncHookHandler = async (request, reply, payload) => {
  const header = request.headers[HEADER_LENGTH_HEADER]
  if (header === undefined) return payload
  const limit = request.routeOptions.bodyLimit
  const tooLarge = (): Error => { void reply.header('connection', 'close'); return new PAYLOAD_TOO_LARGE(limit) }
  if (Number(request.headers['content-length']) > limit) throw tooLarge()
  const chunks: Buffer[] = []
  let received = 0
  for await (const chunk of payload) {
    received += (chunk as Buffer).length
    if (received > limit) throw tooLarge()
    chunks.push(chunk as Buffer)
  }
  framedBodies.set(request, decodeBinaryRequest(Buffer.concat(chunks), Array.isArray(header) ? header[0] : header))
  const standIn: Readable & { receivedEncodedLength?: number } = Readable.from([Buffer.from('{}')])
  standIn.receivedEncodedLength = (payload as Readable & { receivedEncodedLength?: number }).receivedEncodedLength ?? received
  return standIn
}

/** preValidation hook of the infer routes: the decoded request of a framed body becomes the body (readFramedBody). */
export const restoreFramedBody: preValidationHookHandler = (request, _reply, done) => {
  if (framedBodies.has(request)) request.body = framedBodies.get(request)
  done()
}

/** An answer whose binary outputs follow its JSON: the bytes to send and the JSON's length for the header. */
export interface FramedResponse { readonly body: Buffer, readonly headerLength: number }

function tensorBytes (t: InferOutputTensorBody): Buffer {
  const data = t.data ?? []
  if (t.datatype === 'BYTES') {
    return Buffer.concat(data.map((v) => {
      const text = Buffer.from(String(v), 'utf8')
      const length = Buffer.alloc(4)
      length.writeUInt32LE(text.length)
      return Buffer.concat([length, text])
    }))
  }
  const out = Buffer.alloc(4 * data.length)
  for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i] as number, 4 * i)
  return out
}

/**
 * The response with the outputs `binary(name)` picks moved after its JSON, or null when none is
 * binary (the response stays plain JSON). Each moved output keeps name, datatype and shape and gets
 * `parameters.binary_data_size` in place of `data`.
 */
export function frameBinaryOutputs<R extends { outputs: InferOutputTensorBody[] }> (response: R, binary: (name: string) => boolean): FramedResponse | null {
  if (!response.outputs.some((o) => binary(o.name))) return null
  const parts: Buffer[] = []
  const outputs = response.outputs.map((o) => {
    if (!binary(o.name)) return o
    const bytes = tensorBytes(o)
    parts.push(bytes)
    const { data: _data, ...rest } = o
    return { ...rest, parameters: { binary_data_size: bytes.length } }
  })
  const json = Buffer.from(JSON.stringify({ ...response, outputs }), 'utf8')
  return { body: Buffer.concat([json, ...parts]), headerLength: json.length }
}

/**
 * Which outputs a request asks for as binary: an output's own `binary_data`, else the request's
 * `binary_data_output` (false when absent), as Triton reads them.
 */
export function binaryOutputChoice (request: { parameters?: Record<string, unknown>, outputs?: Array<{ name: string, parameters?: Record<string, unknown> }> }): (name: string) => boolean {
  const all = request.parameters?.binary_data_output === true
  const own = new Map((request.outputs ?? []).map((o) => [o.name, o.parameters?.binary_data]))
  return (name) => {
    const v = own.get(name)
    return typeof v === 'boolean' ? v : all
  }
}
