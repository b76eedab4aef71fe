// A prediction body over the 10,000-row cap is refused while its bytes are still arriving: the 400
// comes back before the client has sent the rest, so nothing parsed the body on the event loop.
// A body at the cap, with the same structure, is still predicted.
import { request } from 'node:http'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_PREDICT_ROWS } from '../../src/schemas/model.js'
import { parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import { buildTestApp, type TestApp } from './helper.js'

let t: TestApp
let base: string
let modelId: string
const spec: NetworkSpec = { inputs: 3, layers: [{ units: 4, activation: 'tanh' }], output: { units: 1, activation: 'identity' } }

beforeAll(async () => {
  t = await buildTestApp('row-cap', { RATE_LIMIT_PER_MINUTE: '0' })
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const address = t.app.server.address()
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  modelId = (await t.app.models.save({ spec, params: new Float32Array(parameterCount(spec)).fill(0.1) })).id
})
afterAll(async () => { await t.close() })

const row = '[1.25, -3.5, {"x": "a [bracket] in a \\"string\\""}]'

describe('the prediction row cap', () => {
  it('answers 400 before the body has arrived: rows beyond the cap are never parsed', async () => {
    // 12,000 rows announced, 10,001 sent, the rest held back: only a streaming check can answer now
    const head = `{"note": "[[[not rows]]]", "inputs": [${Array.from({ length: MAX_PREDICT_ROWS + 1 }, () => row).join(',')},`
    const total = head.length + 2000 * (row.length + 1) + 2
    const answer = await new Promise<{ status: number, body: string }>((resolve, reject) => {
      const req = request(`${base}/v1/models/${modelId}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': total } }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => { body += c.toString() })
        res.on('end', () => { req.destroy(); resolve({ status: res.statusCode ?? 0, body }) })
      })
      req.on('error', reject)
      req.write(head) // and nothing more
    })
    expect(answer.status).toBe(400)
    const problem = JSON.parse(answer.body) as { detail: string, field?: string }
    expect(problem.detail).toBe(`invalid body: inputs: at most ${MAX_PREDICT_ROWS} rows per request; this body has more (send them in several requests)`)
    expect(problem.field).toBe('inputs')
  })

  it('counts records under instances the same way, and never rows of another key', async () => {
    const record = '{"a": 1.5, "b": [2, 3], "c": "x"}'
    const over = `{"instances": [${Array.from({ length: MAX_PREDICT_ROWS + 1 }, () => record).join(',')}]}`
    const refused = await fetch(`${base}/v1/models/${modelId}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: over })
    expect(refused.status).toBe(400)
    const problem = (await refused.json()) as { detail: string, field?: string }
    expect(problem).toMatchObject({ field: 'instances', detail: `invalid body: instances: at most ${MAX_PREDICT_ROWS} rows per request; this body has more (send them in several requests)` })
    // a key after the rows whose value holds many arrays: not rows, so not counted (the body is refused by the schema instead)
    const inputs = Array.from({ length: 3 }, () => [1, 2, 3])
    const other = `{"inputs": ${JSON.stringify(inputs)}, "extra": {"x": [${Array.from({ length: MAX_PREDICT_ROWS + 1 }, () => '[1]').join(',')}]}}`
    const res = await fetch(`${base}/v1/models/${modelId}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: other })
    const body = (await res.json()) as { detail: string }
    expect(res.status).toBe(400)
    expect(body.detail).not.toMatch(/rows per request/)
  })

  it('refuses a KServe v2 tensor over the cap, or data beyond its shape, before the body has arrived', async () => {
    await t.app.models.save({ spec, params: new Float32Array(parameterCount(spec)).fill(0.1), meta: { name: 'capped' } })
    const sendHead = (head: string, rest: number): Promise<{ status: number, body: string }> => new Promise((resolve, reject) => {
      const req = request(`${base}/v2/models/capped/infer`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': head.length + rest } }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => { body += c.toString() })
        res.on('end', () => { req.destroy(); resolve({ status: res.statusCode ?? 0, body }) })
      })
      req.on('error', reject)
      req.write(head) // and nothing more
    })
    const values = (n: number): string => Array.from({ length: n }, (_, i) => (i % 9) + 0.5).join(',')
    const over = await sendHead(`{"inputs": [{"name": "input", "shape": [${MAX_PREDICT_ROWS + 1}, 3], "datatype": "FP32", "data": [${values(1000)},`, 100_000)
    expect(over.status).toBe(400)
    expect(JSON.parse(over.body)).toEqual({ error: `inputs[0].shape[0]: rows must be 1 to ${MAX_PREDICT_ROWS}; got ${MAX_PREDICT_ROWS + 1}; split larger batches` })
    const beyond = await sendHead(`{"inputs": [{"name": "input", "shape": [2, 3], "datatype": "FP32", "data": [${values(30_000)},`, 100_000)
    expect(beyond.status).toBe(400)
    expect(JSON.parse(beyond.body)).toEqual({ error: 'inputs[0].data: the shape [2, 3] needs 6 values; got more' })
    // a body within the cap is predicted as before
    const ok = await fetch(`${base}/v2/models/capped/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ name: 'input', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] }] }) })
    expect(ok.status).toBe(200)
  })

  it('a client that sends the whole body before it reads (tritonclient, Python\'s requests) gets the 400, and keeps its connection', async () => {
    const { port } = new URL(base)
    /**
     * Writes the whole request on one socket and only then reads: the write finishes only if the server reads the
     * body to its end. Then a second request on the same connection, which must be answered too.
     */
    const sendAllThenRead = (path: string, body: string): Promise<string> => new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1')
      let text = ''
      socket.on('data', (c: Buffer) => {
        text += c.toString()
        if (/HTTP\/1\.1 200 [\s\S]*\]\]\}$/.test(text)) { socket.end(); resolve(text) }
      })
      socket.on('error', reject) // EPIPE / ECONNRESET: the body was left unread and the connection cut under the upload
      socket.on('close', () => { resolve(text) })
      const head = `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`
      socket.write(head + body, (err) => {
        if (err) return
        const again = JSON.stringify({ inputs: [[1, 2, 3]] })
        socket.write(`POST /v1/models/${modelId}/predict HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${again.length}\r\n\r\n${again}`)
      })
    })
    const rows = 600_000 // about 12 MB of JSON, more than the sockets' buffers hold
    for (const [path, body, message] of [
      [`/v1/models/${modelId}/predict`, JSON.stringify({ inputs: Array.from({ length: rows }, () => [1.25, -3.5, 2]) }), `at most ${MAX_PREDICT_ROWS} rows per request`],
      ['/v2/models/capped/infer', JSON.stringify({ inputs: [{ name: 'input', shape: [rows, 3], datatype: 'FP32', data: Array.from({ length: 3 * rows }, () => 1.5) }] }), `rows must be 1 to ${MAX_PREDICT_ROWS}; got ${rows}`]
    ] as const) {
      const text = await sendAllThenRead(path, body)
      expect(text).toMatch(/^HTTP\/1\.1 400 /)
      expect(text).toContain(message)
      expect(text, path).toMatch(/HTTP\/1\.1 200 [\s\S]*"outputs":\[\[/) // the follow-up on the same connection
    }
  })

  it('caps TF Serving\'s columnar inputs as they arrive too: a member\'s rows, or a feature column\'s values', async () => {
    await t.app.models.save({ spec, params: new Float32Array(parameterCount(spec)).fill(0.1), meta: { name: 'columns' } })
    const sendHead = (head: string, rest: number): Promise<{ status: number, body: string }> => new Promise((resolve, reject) => {
      const req = request(`${base}/v1/models/columns:predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': head.length + rest } }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => { body += c.toString() })
        res.on('end', () => { req.destroy(); resolve({ status: res.statusCode ?? 0, body }) })
      })
      req.on('error', reject)
      req.write(head) // and nothing more: only a streaming check can answer now
    })
    const rowsOf = (n: number): string => Array.from({ length: n }, (_, i) => `[${i % 5}, "x,y]", {"k": [1]}]`).join(', ')
    const member = await sendHead(`{"signature_name": "serving_default", "inputs": {"input": [${rowsOf(MAX_PREDICT_ROWS + 1)},`, 100_000)
    expect([member.status, JSON.parse(member.body)]).toEqual([400, { error: `invalid body: inputs.input: at most ${MAX_PREDICT_ROWS} rows per request; this body has more (send them in several requests)` }])
    const values = Array.from({ length: MAX_PREDICT_ROWS + 1 }, (_, i) => String(i % 7)).join(' ,')
    const feature = await sendHead(`{"inputs": {"a": [1, 2], "sepal_length": [ ${values},`, 100_000)
    expect(JSON.parse(feature.body)).toEqual({ error: `invalid body: inputs.sepal_length: at most ${MAX_PREDICT_ROWS} rows per request; this body has more (send them in several requests)` })
    // at the cap, the columnar form is predicted
    const atCap = await fetch(`${base}/v1/models/columns:predict`, { method: 'POST', body: JSON.stringify({ inputs: { input: Array.from({ length: MAX_PREDICT_ROWS }, () => [1, 2, 3]) } }) })
    expect(atCap.status).toBe(200)
  })

  it('still predicts a body of exactly the cap', async () => {
    const inputs = Array.from({ length: MAX_PREDICT_ROWS }, (_, i) => [i % 7, 1, -1])
    const res = await fetch(`${base}/v1/models/${modelId}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { outputs: number[][] }).outputs).toHaveLength(MAX_PREDICT_ROWS)
  })
})
