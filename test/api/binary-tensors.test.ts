// The Open Inference Protocol's binary tensor data extension (KServe's "Binary Tensor Data Extension",
// Triton's extension_binary_data.md), as tritonclient.http uses it by default: a JSON header of
// Inference-Header-Content-Length bytes, then each binary input's little-endian bytes; binary outputs
// answered the same way. The frames here are built by hand from the specification, not by the server's
// code, and every answer is compared with the JSON form's for the same rows. Also Triton's classification
// extension (tritonclient's class_count), which such clients ask for in the same frames.
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NetworkSpec } from '../../src/nn/spec.js'
import { parameterCount } from '../../src/nn/spec.js'
import { buildTestApp, type TestApp } from './helper.js'
import { readCsv } from '../support/fixtures.js'

let t: TestApp
let port: number
beforeAll(async () => {
  t = await buildTestApp('binary-tensors', { RATE_LIMIT_PER_MINUTE: '0' })
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  port = (t.app.server.address() as AddressInfo).port
  await saveIris()
  await saveColored()
})
afterAll(async () => { await t.close() })

const iris = readCsv('iris.csv')
const irisRows = iris.rows.map((r) => r.slice(0, 4).map(Number))

const weights = (spec: NetworkSpec, phase: number): Float32Array =>
  Float32Array.from({ length: parameterCount(spec) }, (_, i) => 0.5 * Math.sin(i * 1.7 + phase))
const irisSpec: NetworkSpec = { inputs: 4, layers: [{ units: 8, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
const saveIris = () => t.app.models.save({
  spec: irisSpec,
  params: weights(irisSpec, 1),
  meta: { name: 'iris', classes: ['setosa', 'versicolor', 'virginica'], featureNames: iris.header.slice(0, 4), normalization: { kind: 'standard', offset: [5.84, 3.05, 3.76, 1.2], scale: [0.83, 0.43, 1.76, 0.76] } }
})
const colorSpec: NetworkSpec = { inputs: 6, layers: [{ units: 5, activation: 'relu' }], output: { units: 2, activation: 'softmax' } }
const saveColored = () => t.app.models.save({
  spec: colorSpec,
  params: weights(colorSpec, 0.7),
  meta: {
    name: 'colored',
    classes: ['no', 'yes'],
    preprocessing: { columns: [{ name: 'a', kind: 'numeric' }, { name: 'b', kind: 'numeric' }, { name: 'c', kind: 'numeric' }, { name: 'color', kind: 'categorical', categories: ['blue', 'green', 'red'] }] },
    normalization: { kind: 'standard', offset: [4, 60, 2, 0, 0, 0], scale: [1, 10, 1, 1, 1, 1] }
  }
})

// --- the client side, from the specification ---
const le = (Array: Float32ArrayConstructor | Float64ArrayConstructor | Int8ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor, values: number[]): Buffer =>
  Buffer.from(Array.from(values).buffer) // this machine is little-endian, as the extension's bytes are
const int64 = (values: number[]): Buffer => Buffer.from(BigInt64Array.from(values.map(BigInt)).buffer)
const uint64 = (values: number[]): Buffer => Buffer.from(BigUint64Array.from(values.map(BigInt)).buffer)
/** BYTES elements: a 4-byte little-endian length, then the bytes. */
const strings = (values: string[]): Buffer => Buffer.concat(values.map((v) => {
  const text = Buffer.from(v, 'utf8')
  const n = Buffer.alloc(4)
  n.writeUInt32LE(text.length)
  return Buffer.concat([n, text])
}))
/** A framed request: its JSON, then the parts; the header value is the JSON's byte length. */
function frame (json: unknown, parts: Buffer[]): { body: Buffer, header: string } {
  const head = Buffer.from(JSON.stringify(json), 'utf8')
  return { body: Buffer.concat([head, ...parts]), header: String(head.length) }
}

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, body: Buffer }
/** A POST over real HTTP with exactly these headers (tritonclient.http sends no content-type with a framed body). */
function post (path: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-length': String(body.length), ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }) })
    })
    req.on('error', reject)
    req.end(body)
  })
}

interface OutputTensor { name: string, datatype: string, shape: number[], data?: Array<number | string>, parameters?: { binary_data_size: number } }
/** A response's JSON and each output's values, from JSON data or from the bytes after the JSON (in the order of outputs). */
function unframe (res: Answer): { json: { outputs: OutputTensor[], [k: string]: unknown }, values: Record<string, Array<number | string>> } {
  const header = res.headers['inference-header-content-length']
  const length = header === undefined ? res.body.length : Number(header)
  const json = JSON.parse(res.body.subarray(0, length).toString('utf8')) as { outputs: OutputTensor[] }
  const values: Record<string, Array<number | string>> = {}
  let at = length
  for (const o of json.outputs) {
    if (o.parameters?.binary_data_size === undefined) { values[o.name] = o.data ?? []; continue }
    const bytes = res.body.subarray(at, at + o.parameters.binary_data_size)
    at += bytes.length
    if (o.datatype === 'FP32') values[o.name] = Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)))
    else {
      const out: string[] = []
      for (let i = 0; i < bytes.length;) { const n = bytes.readUInt32LE(i); out.push(bytes.subarray(i + 4, i + 4 + n).toString('utf8')); i += 4 + n }
      values[o.name] = out
    }
  }
  expect(at, 'every byte after the JSON belongs to an output').toBe(res.body.length)
  return { json, values }
}

const jsonInfer = async (model: string, inputs: unknown[]) => {
  const res = await t.app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: { inputs } })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as { outputs: OutputTensor[] }
}

describe('binary tensor data extension', () => {
  it('answers tritonclient.http\'s default call (binary input, no content-type, every output binary) with the JSON form\'s values to the bit', async () => {
    const { body, header } = frame({
      inputs: [{ name: 'INPUT0', shape: [irisRows.length, 4], datatype: 'FP32', parameters: { binary_data_size: 16 * irisRows.length } }],
      parameters: { binary_data_output: true }
    }, [le(Float32Array, irisRows.flat())])
    const res = await post('/v2/models/iris/infer', body, { 'inference-header-content-length': header })
    expect(res.status, res.body.toString()).toBe(200)
    expect(res.headers['content-type']).toBe('application/octet-stream')
    const { json, values } = unframe(res)
    expect(json.model_name).toBe('iris')
    expect(json.outputs).toEqual([
      { name: 'output', datatype: 'FP32', shape: [150, 3], parameters: { binary_data_size: 150 * 3 * 4 } },
      { name: 'label', datatype: 'BYTES', shape: [150], parameters: { binary_data_size: expect.any(Number) } }
    ])
    // the JSON form of the same float32 values (5.1 as a double normalises to other bits)
    const want = await jsonInfer('iris', [{ name: 'input', shape: [150, 4], datatype: 'FP32', data: irisRows.flat().map(Math.fround) }])
    expect(values.output).toEqual(want.outputs[0].data) // the JSON's numbers are float32 values: equal, not close
    expect(values.label).toEqual(want.outputs[1].data)
    expect(values.label).toHaveLength(150)
  })

  it('reads every fixed-size numeric datatype (FP16 and BF16 too) as the JSON form reads the same numbers', async () => {
    const rows = [[5, 3, 1, 0], [6, 3, 5, 2], [7, 2, 6, 3]]
    const want = (await jsonInfer('iris', [{ name: 'input', shape: [3, 4], datatype: 'FP32', data: rows.flat() }])).outputs[0].data
    const flat = rows.flat()
    const f32bits = (v: number): number => new Uint32Array(Float32Array.of(v).buffer)[0]
    const encodings: Array<[string, Buffer]> = [
      ['FP32', le(Float32Array, flat)], ['FP64', le(Float64Array, flat)],
      ['INT8', le(Int8Array, flat)], ['UINT8', le(Uint8Array, flat)], ['INT16', le(Int16Array, flat)], ['UINT16', le(Uint16Array, flat)],
      ['INT32', le(Int32Array, flat)], ['UINT32', le(Uint32Array, flat)], ['INT64', int64(flat)], ['UINT64', uint64(flat)],
      // small integers are exact in both 16-bit floats: bfloat16 is a float32's top half
      ['BF16', le(Uint16Array, flat.map((v) => f32bits(v) >>> 16))],
      ['FP16', le(Uint16Array, flat.map((v) => ({ 0: 0x0000, 1: 0x3c00, 2: 0x4000, 3: 0x4200, 5: 0x4500, 6: 0x4600, 7: 0x4700 } as Record<number, number>)[v]))]
    ]
    for (const [datatype, bytes] of encodings) {
      const { body, header } = frame({ inputs: [{ name: 'x', shape: [3, 4], datatype, parameters: { binary_data_size: bytes.length } }] }, [bytes])
      const res = await post('/v2/models/iris/infer', body, { 'inference-header-content-length': header, 'content-type': 'application/octet-stream' })
      expect(res.status, `${datatype}: ${res.body.toString()}`).toBe(200)
      // no output asked for as binary: the answer is plain JSON
      expect(res.headers['inference-header-content-length'], datatype).toBeUndefined()
      expect(JSON.parse(res.body.toString()).outputs[0].data, datatype).toEqual(want)
    }
    // the 64-bit types' extremes are in range: 2^63 − 1 and 2^64 − 1 read as the doubles 2^63 and 2^64
    for (const [datatype, bytes] of [['INT64', Buffer.from(BigInt64Array.of(2n ** 63n - 1n, -(2n ** 63n), 0n, 1n).buffer)], ['UINT64', Buffer.from(BigUint64Array.of(2n ** 64n - 1n, 0n, 1n, 2n).buffer)]] as const) {
      const { body, header } = frame({ inputs: [{ name: 'x', shape: [1, 4], datatype, parameters: { binary_data_size: 32 } }] }, [bytes])
      const res = await post('/v2/models/iris/infer', body, { 'inference-header-content-length': header })
      expect(res.status, `${datatype}: ${res.body.toString()}`).toBe(200)
    }
    // FP16's fractions, a subnormal and its largest value, through the tensor-to-row path
    const half = [0x4580, 0x4280, 0x3e00, 0x0001] // 5.5, 3.25, 1.5, 2^-24
    const { body, header } = frame({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP16', parameters: { binary_data_size: 8 } }] }, [le(Uint16Array, half)])
    const res = await post('/v2/models/iris/infer', body, { 'inference-header-content-length': header })
    expect(JSON.parse(res.body.toString()).outputs[0].data).toEqual((await jsonInfer('iris', [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.5, 3.25, 1.5, 2 ** -24] }])).outputs[0].data)
  })

  it('takes a BYTES column as length-prefixed UTF-8 beside numeric columns, binary and JSON mixed, and answers the outputs each way asked', async () => {
    const rows: Array<[number, number, number, string]> = [[4.0, 70, 2, 'red'], [3.5, 55, 1, 'blue'], [4.2, 61, 3, 'green'], [4.1, 66, 2, 'purple']]
    const { body, header } = frame({
      id: 'mixed-1',
      inputs: [
        { name: 'color', shape: [4], datatype: 'BYTES', parameters: { binary_data_size: strings(rows.map((r) => r[3])).length } },
        { name: 'a', shape: [4, 1], datatype: 'FP32', data: rows.map((r) => r[0]) }, // JSON data between binary inputs
        { name: 'b', shape: [4], datatype: 'INT64', parameters: { binary_data_size: 32 } },
        { name: 'c', shape: [4], datatype: 'FP64', parameters: { binary_data_size: 32 } }
      ],
      parameters: { binary_data_output: true },
      outputs: [{ name: 'label', parameters: { binary_data: false } }, { name: 'output' }]
    }, [strings(rows.map((r) => r[3])), int64(rows.map((r) => r[1])), le(Float64Array, rows.map((r) => r[2]))])
    const res = await post('/v2/models/colored/infer', body, { 'inference-header-content-length': header, 'content-type': 'application/json' })
    expect(res.status, res.body.toString()).toBe(200)
    const { json, values } = unframe(res)
    expect(json.id).toBe('mixed-1')
    expect(json.parameters).toEqual({ unknown_categories: JSON.stringify([{ row: 3, field: 'inputs[0].data[3]', value: 'purple' }]) })
    // label answered as JSON (its own binary_data: false), output as binary (the request's binary_data_output)
    expect(json.outputs[0]).toMatchObject({ name: 'label', datatype: 'BYTES', shape: [4] })
    expect(json.outputs[0].data).toBeDefined()
    expect(json.outputs[1]).toEqual({ name: 'output', datatype: 'FP32', shape: [4, 2], parameters: { binary_data_size: 32 } })
    const want = await jsonInfer('colored', [
      { name: 'color', shape: [4], datatype: 'BYTES', data: rows.map((r) => r[3]) },
      ...['a', 'b', 'c'].map((name, c) => ({ name, shape: [4], datatype: 'FP32', data: rows.map((r) => r[c]) }))
    ])
    expect(values.output).toEqual(want.outputs[0].data)
    expect(values.label).toEqual(want.outputs[1].data)
  })

  it('answers a JSON request\'s binary output framed, and a BYTES output as length-prefixed UTF-8', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v2/models/iris/infer',
      payload: { inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: irisRows.slice(0, 2).flat() }], outputs: [{ name: 'label', parameters: { binary_data: true } }] }
    })
    expect(res.statusCode, res.body).toBe(200)
    const { json, values } = unframe({ status: res.statusCode, headers: res.headers as Answer['headers'], body: res.rawPayload })
    expect(json.outputs).toEqual([{ name: 'label', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: 2 * (4 + 'setosa'.length) } }])
    expect(values.label).toEqual((await jsonInfer('iris', [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: irisRows.slice(0, 2).flat() }])).outputs[1].data)
  })

  it('refuses a malformed frame with 400 and {"error"} naming the field and what to send, and stores nothing', async () => {
    const x = { name: 'input', shape: [1, 4], datatype: 'FP32' }
    const four = le(Float32Array, [5.1, 3.5, 1.4, 0.2])
    const json = (inputs: unknown[], extra: Record<string, unknown> = {}) => Buffer.from(JSON.stringify({ inputs, ...extra }))
    const cases: Array<[string, Buffer, RegExp]> = [
      ['abc', four, /^Inference-Header-Content-Length: give the byte length of the JSON at the start of the body; got "abc"$/],
      ['999', four, /^Inference-Header-Content-Length: says the JSON takes 999 bytes; the body has 16$/],
      ...((): Array<[string, Buffer, RegExp]> => {
        const head = json([{ ...x, parameters: { binary_data_size: 16 } }])
        return [
          [String(head.length - 3), Buffer.concat([head, four]), /^Inference-Header-Content-Length: the first \d+ bytes of the body are not a JSON inference request/],
          // a length 5 too large takes the first tensor bytes in (a trial: it had read as if the JSON were not UTF-8)
          [String(head.length + 5), Buffer.concat([head, le(Float32Array, [-5.1, 3.5, 1.4, 0.2])]), /^Inference-Header-Content-Length: the first \d+ bytes of the body are not UTF-8 text, as a JSON request is: the header gives the JSON's length in bytes, so check it first/],
          [String(head.length), Buffer.concat([head, four, Buffer.alloc(4)]), /^Inference-Header-Content-Length: 4 bytes follow the JSON and the inputs' binary_data_size/],
          [String(head.length), Buffer.concat([head, four.subarray(0, 12)]), /^inputs\[0\]\.parameters\.binary_data_size: says 16 bytes; 12 are left after the JSON/]
        ]
      })(),
      ...([
        [json([{ ...x, parameters: { binary_data_size: 12 } }]), four.subarray(0, 12), /^inputs\[0\]\.parameters\.binary_data_size: the shape \[1, 4\] of FP32 \(4 bytes an element\) needs 16 bytes; got 12$/],
        [json([{ ...x, data: [1, 2, 3, 4], parameters: { binary_data_size: 16 } }]), four, /^inputs\[0\]\.data: an input with binary_data_size has its values in the binary part of the body: drop data, or drop binary_data_size$/],
        [json([{ ...x, parameters: { binary_data_size: -1 } }]), four, /^inputs\[0\]\.parameters\.binary_data_size: give the tensor's size in bytes, a whole number ≥ 0; got -1$/],
        [json([{ ...x, parameters: { binary_data_size: 16 } }]), le(Float32Array, [5.1, NaN, 1.4, 0.2]), /^inputs\[0\]\.data\[1\]: the binary data holds NaN; the model takes finite numbers$/],
        [json([{ ...x, datatype: 'FP8', parameters: { binary_data_size: 4 } }]), Buffer.alloc(4), /^inputs\[0\]\.datatype: binary data is read for BOOL, INT8, .*, BYTES; got "FP8"$/],
        [json([{ ...x, datatype: 'BOOL', parameters: { binary_data_size: 4 } }]), Buffer.from([1, 0, 1, 1]), /^inputs\[0\]\.datatype: the input 'input' is FP32 \(or FP64, FP16, BF16, INT8…INT64, UINT8…UINT64\); got BOOL$/],
        [json([{ ...x, shape: [20000, 4], parameters: { binary_data_size: 320000 } }]), Buffer.alloc(320000), /^inputs\[0\]\.shape\[0\]: rows must be 1 to 10000; got 20000; split larger batches$/],
        [json([{ ...x, shape: [2], datatype: 'BYTES', parameters: { binary_data_size: 6 } }]), Buffer.from([5, 0, 0, 0, 0x61, 0x62]), /^inputs\[0\]\.parameters\.binary_data_size: element 0 of the BYTES data says 5 bytes; 2 are left$/],
        [json([{ ...x, shape: [2], datatype: 'BYTES', parameters: { binary_data_size: 5 } }]), strings(['a']), /^inputs\[0\]\.parameters\.binary_data_size: the shape \[2\] needs 2 elements; the 5 bytes hold 1$/],
        [json([{ ...x, shape: [1], datatype: 'BYTES', parameters: { binary_data_size: 6 } }]), Buffer.from([2, 0, 0, 0, 0xc3, 0x28]), /^inputs\[0\]\.parameters\.binary_data_size: element 0 of the BYTES data is not UTF-8 text$/],
        [json([{ ...x, parameters: { binary_data_size: 16 } }], { parameters: { binary_data_output: 1 } }), four, /^invalid body: parameters\.binary_data_output: true or false/],
        [Buffer.concat([Buffer.from('{"id": "'), Buffer.from([0xff]), json([{ ...x, parameters: { binary_data_size: 16 } }]).subarray(1)]), four, /^Inference-Header-Content-Length: the first \d+ bytes of the body are not UTF-8 text, as a JSON request is: the header gives the JSON's length in bytes, so check it first \(one too large takes tensor bytes in\); else the JSON is not UTF-8$/]
      ] as Array<[Buffer, Buffer, RegExp]>).map(([head, tail, message]): [string, Buffer, RegExp] => [String(head.length), Buffer.concat([head, tail]), message])
    ]
    const before = (await t.app.inject({ method: 'GET', url: '/v1/models?name=iris' })).body
    for (const [header, body, message] of cases) {
      const res = await post('/v2/models/iris/infer', body, { 'inference-header-content-length': header })
      expect(res.status, `${message.source}: ${res.body.toString()}`).toBe(400)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      expect(res.headers['inference-header-content-length']).toBeUndefined()
      expect(JSON.parse(res.body.toString()).error).toMatch(message)
    }
    expect((await t.app.inject({ method: 'GET', url: '/v1/models?name=iris' })).body).toBe(before)
    // and the server still answers a good frame on the same connection pool
    const ok = frame({ inputs: [{ ...x, parameters: { binary_data_size: 16 } }] }, [four])
    expect((await post('/v2/models/iris/infer', ok.body, { 'inference-header-content-length': ok.header })).status).toBe(200)
  })

  it('refuses a framed body over BODY_LIMIT with 413 in the protocol\'s {"error"} form', async () => {
    const small = await buildTestApp('binary-tensors-limit', { RATE_LIMIT_PER_MINUTE: '0', BODY_LIMIT: '4096' })
    try {
      const rows = 400
      const { body, header } = frame({ inputs: [{ name: 'input', shape: [rows, 4], datatype: 'FP32', parameters: { binary_data_size: 16 * rows } }] }, [le(Float32Array, Array.from({ length: 4 * rows }, () => 1))])
      const res = await small.app.inject({ method: 'POST', url: '/v2/models/iris/infer', headers: { 'inference-header-content-length': header }, payload: body })
      expect(res.statusCode).toBe(413)
      expect(res.json().error).toMatch(/request body exceeds 4096 bytes \(BODY_LIMIT\)/)
      // the rest of the body is not read: the connection closes, where left open its next request hung
      expect(res.headers.connection).toBe('close')
    } finally { await small.close() }
  })
})

describe('classification extension', () => {
  it('answers tritonclient\'s class_count as the top classes per row, "<value>:<index>:<label>", binary or JSON', async () => {
    const rows = irisRows.slice(45, 105) // setosa, versicolor and virginica rows
    const x = { name: 'INPUT0', shape: [rows.length, 4], datatype: 'FP32' }
    const probs = (await jsonInfer('iris', [{ ...x, data: rows.flat().map(Math.fround) }])).outputs[0].data as number[]
    const classes = ['setosa', 'versicolor', 'virginica']
    const { body, header } = frame({
      inputs: [{ ...x, parameters: { binary_data_size: 16 * rows.length } }],
      outputs: [{ name: 'output', parameters: { binary_data: true, classification: 2 } }]
    }, [le(Float32Array, rows.flat())])
    const res = await post('/v2/models/iris/infer', body, { 'inference-header-content-length': header })
    expect(res.status, res.body.toString()).toBe(200)
    const { json, values } = unframe(res)
    expect(json.outputs).toEqual([{ name: 'output', datatype: 'BYTES', shape: [rows.length, 2], parameters: { binary_data_size: expect.any(Number) } }])
    for (let r = 0; r < rows.length; r++) {
      const p = probs.slice(3 * r, 3 * r + 3)
      const ranked = [0, 1, 2].sort((a, b) => p[b] - p[a])
      // C++'s std::to_string of a float: six decimals
      expect(values.output.slice(2 * r, 2 * r + 2), `row ${r}`).toEqual(ranked.slice(0, 2).map((k) => `${p[k].toFixed(6)}:${k}:${classes[k]}`))
    }
    // as JSON, with a count over the classes cut to them
    const all = await t.app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: { inputs: [{ ...x, shape: [1, 4], data: rows[0] }], outputs: [{ name: 'output', parameters: { classification: 5 } }] } })
    expect(all.statusCode, all.body).toBe(200)
    expect(all.json().outputs[0]).toMatchObject({ name: 'output', datatype: 'BYTES', shape: [1, 3] })
    expect((all.json().outputs[0].data as string[]).map((v) => v.split(':')[2]).sort()).toEqual(classes)
    expect(((await t.app.inject({ method: 'GET', url: '/v2' })).json() as { extensions: string[] }).extensions).toEqual(['binary_tensor_data', 'classification', 'model_configuration'])
  })

  it('refuses a classification of the label output, or a count that is no whole number ≥ 1', async () => {
    const x = { name: 'input', shape: [1, 4], datatype: 'FP32', data: irisRows[0] }
    const cases: Array<[unknown, RegExp]> = [
      [{ name: 'label', parameters: { classification: 1 } }, /^outputs\[0\]\.parameters\.classification: classification ranks a numeric output's values; ask it of 'output', not 'label'$/],
      [{ name: 'output', parameters: { classification: 0 } }, /^invalid body: outputs\[0\]\.parameters\.classification: the number of top classes to answer, a whole number ≥ 1; got 0$/],
      [{ name: 'output', parameters: { classification: '2' } }, /classification: the number of top classes to answer, a whole number ≥ 1; got "2"$/],
      // names looked up in the service's table of outputs: Object.prototype's members are none of them (one was a 500)
      [{ name: 'constructor' }, /^outputs\[0\]\.name: the model has no output 'constructor'; its outputs are 'output', 'label'$/]
    ]
    for (const [output, message] of cases) {
      const res = await t.app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: { inputs: [x], outputs: [output] } })
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json().error).toMatch(message)
    }
  })
})
