// Request bodies compressed with Content-Encoding gzip, deflate or br (tritonclient's
// request_compression_algorithm; a gzipped CSV upload) are read as their plain form on every route,
// within BODY_LIMIT counted decompressed; other encodings are a 415 and broken data a 400.
import { brotliCompressSync, constants as zlibConstants, deflateSync, gzipSync } from 'node:zlib'
import { connect, type AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import { buildTestApp, type TestApp } from './helper.js'
import { readCsv } from '../support/fixtures.js'
import { readFileSync } from 'node:fs'
import { answerUntilClosed, readResponse } from '../support/http-socket.js'

let t: TestApp
let base: string
let modelId: string
const spec: NetworkSpec = { inputs: 4, layers: [{ units: 6, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
const iris = readCsv('iris.csv')
const rows = iris.rows.map((r) => r.slice(0, 4).map(Number))

beforeAll(async () => {
  t = await buildTestApp('decompression', { RATE_LIMIT_PER_MINUTE: '0', BODY_LIMIT: String(256 * 1024) })
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  const params = Float32Array.from({ length: parameterCount(spec) }, (_, i) => 0.4 * Math.sin(i))
  modelId = (await t.app.models.save({ spec, params, meta: { name: 'iris-z', classes: ['setosa', 'versicolor', 'virginica'] } })).id
})
afterAll(async () => { await t.close() })

const plain = JSON.stringify({ inputs: rows })
const compressions: Array<[string, (b: Buffer) => Buffer]> = [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]]

describe('compressed request bodies', () => {
  it('a prediction body in gzip, deflate or br (over real HTTP) answers what the plain body answers', async () => {
    const want = await (await fetch(`${base}/v1/models/${modelId}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: plain })).json()
    for (const [encoding, compress] of compressions) {
      const res = await fetch(`${base}/v1/models/${modelId}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: compress(Buffer.from(plain)) })
      expect(res.status, encoding).toBe(200)
      expect(await res.json()).toEqual(want)
    }
  })

  it('a KServe v2 body, JSON or framed binary (the header counts the JSON uncompressed, as Triton reads it), and a gzipped CSV upload', async () => {
    const tensor = { name: 'input', shape: [rows.length, 4], datatype: 'FP32' }
    const json = await t.app.inject({ method: 'POST', url: '/v2/models/iris-z/infer', payload: { inputs: [{ ...tensor, data: rows.flat().map(Math.fround) }] } })
    expect(json.statusCode, json.body).toBe(200)
    const head = Buffer.from(JSON.stringify({ inputs: [{ ...tensor, parameters: { binary_data_size: 16 * rows.length } }] }))
    const framed = Buffer.concat([head, Buffer.from(Float32Array.from(rows.flat()).buffer)])
    for (const [encoding, compress] of compressions) {
      const res = await t.app.inject({ method: 'POST', url: '/v2/models/iris-z/infer', headers: { 'content-encoding': encoding, 'inference-header-content-length': String(head.length) }, payload: compress(framed) })
      expect(res.statusCode, `${encoding}: ${res.body}`).toBe(200)
      expect(res.json().outputs).toEqual(json.json().outputs)
    }
    const csv = readFileSync('test/fixtures/iris.csv')
    const upload = await t.app.inject({ method: 'POST', url: '/v1/datasets?target=species', headers: { 'content-type': 'text/csv', 'content-encoding': 'gzip' }, payload: gzipSync(csv) })
    expect(upload.statusCode, upload.body).toBe(201)
    expect(upload.json()).toMatchObject({ rows: 150 })
  })

  it('counts BODY_LIMIT and the row cap on the decompressed body: a small body that inflates past them is refused', async () => {
    // 380 KB of JSON in a few KB of gzip: over the 256 KB limit once decompressed
    const big = JSON.stringify({ inputs: Array.from({ length: 5000 }, () => [5.123456789012345, 3.523456789012345, 1.423456789012345, 0.223456789012345]) })
    expect(big.length).toBeGreaterThan(300_000)
    const bomb = gzipSync(Buffer.from(big))
    expect(bomb.length).toBeLessThan(16 * 1024)
    const res = await t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: bomb })
    expect(res.statusCode).toBe(413)
    expect(res.json().detail).toMatch(/request body exceeds 262144 bytes \(BODY_LIMIT\)/)
    // the row cap's scan reads the decompressed rows (the compressed length says nothing of them)
    const many = gzipSync(Buffer.from(JSON.stringify({ inputs: Array.from({ length: 10_001 }, () => [1]) })))
    const capped = await t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: many })
    expect(capped.statusCode).toBe(400)
    expect(capped.json().detail).toMatch(/at most 10000 rows per request/)
  })

  it('another encoding is a 415 naming the ones read, data that is not what its encoding says a 400, in each route family\'s error form', async () => {
    const zstd = await t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, headers: { 'content-type': 'application/json', 'content-encoding': 'zstd' }, payload: plain })
    expect(zstd.statusCode).toBe(415)
    expect(zstd.json()).toMatchObject({ code: 'NN_ERR_UNSUPPORTED_MEDIA_TYPE', detail: "Content-Encoding 'zstd' is not read here; send the body as it is, or compressed with gzip, deflate or br" })
    const broken = await t.app.inject({ method: 'POST', url: `/v1/models/${modelId}/predict`, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: plain })
    expect(broken.statusCode).toBe(400)
    expect(broken.json().detail).toMatch(/^the body is not valid gzip data, as its Content-Encoding says \(.+\); send it compressed so, or without Content-Encoding$/)
    const v2 = await t.app.inject({ method: 'POST', url: '/v2/models/iris-z/infer', headers: { 'content-encoding': 'deflate' }, payload: gzipSync(Buffer.from('{}')) })
    expect(v2.statusCode).toBe(400)
    expect(v2.json()).toEqual({ error: expect.stringMatching(/^the body is not valid deflate data/) })
    // a request without a body is not touched by the header
    const get = await t.app.inject({ method: 'GET', url: `/v1/models/${modelId}`, headers: { 'content-encoding': 'gzip' } })
    expect(get.statusCode).toBe(200)
    // the protocols' routes answer it too, in their error form, and their operations declare it (a trial found 415 missing from infer's)
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }
    for (const [url, path] of [['/v2/models/iris-z/infer', '/v2/models/{name}/infer'], ['/v1/models/iris-z:predict', '/v1/models/{name}:predict']] as const) {
      const res = await t.app.inject({ method: 'POST', url, headers: { 'content-encoding': 'zstd' }, payload: plain })
      expect([res.statusCode, res.json()], url).toEqual([415, { error: "Content-Encoding 'zstd' is not read here; send the body as it is, or compressed with gzip, deflate or br" }])
      expect(Object.keys(doc.paths[path].post.responses), path).toContain('415')
    }
  })

  it('a body that passes BODY_LIMIT before it passes the row cap is a 413, and the process lives on (it crashed on the late refusal)', async () => {
    // the rows come after 300 KB of blanks: BODY_LIMIT (256 KB) is hit first, the cap's refusal later, with no one listening
    const text = '{"inputs":' + ' '.repeat(300 * 1024) + '[' + Array.from({ length: 10_001 }, () => '[5.1,3.5,1.4,0.2]').join(',') + ']}'
    for (const url of [`/v1/models/${modelId}/predict`, '/v2/models/iris-z/infer', '/v1/models/iris-z:predict']) {
      const res = await fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(Buffer.from(text)) })
      expect(res.status, url).toBe(413)
    }
    await new Promise((resolve) => setTimeout(resolve, 200)) // the refusal comes after the answer
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
  })

  it('a framed binary body whose compression is broken is a 400, not a request left unanswered', async () => {
    const head = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }] }))
    const framed = Buffer.concat([head, Buffer.from(Float32Array.of(5.1, 3.5, 1.4, 0.2).buffer)])
    for (const [encoding, payload] of [['gzip', framed], ['gzip', gzipSync(framed).subarray(0, 20)], ['br', framed], ['deflate', gzipSync(framed)]] as const) {
      const res = await fetch(`${base}/v2/models/iris-z/infer`, { method: 'POST', headers: { 'content-encoding': encoding, 'inference-header-content-length': String(head.length) }, body: payload, signal: AbortSignal.timeout(5000) })
      expect(res.status, encoding).toBe(400)
      expect(((await res.json()) as { error: string }).error).toMatch(new RegExp(`^the body is not valid ${encoding} data`))
    }
  })

  it('keeps the connection after a body that is not what its Content-Encoding says, on every route family: the next request on it is answered', async () => {
    const { port } = new URL(base)
    const socket = connect(Number(port), '127.0.0.1')
    const csv = gzipSync(readFileSync('test/fixtures/iris.csv'))
    const broken: Array<[url: string, type: string, encoding: string, body: Buffer]> = [
      [`/v1/models/${modelId}/predict`, 'application/json', 'gzip', Buffer.from(plain)], // sent plain
      [`/v1/models/${modelId}/predict`, 'application/json', 'gzip', gzipSync(Buffer.from(plain)).subarray(0, 40)], // cut off
      ['/v1/networks', 'application/json', 'br', Buffer.from('{"inputs": 4}')],
      ['/v1/datasets?target=species', 'text/csv', 'gzip', Buffer.concat([csv.subarray(0, 100), Buffer.alloc(4000, 7)])], // corrupt after a valid start
      ['/v1/datasets?target=species', 'text/csv', 'deflate', csv], // gzip sent as deflate
      ['/v2/models/iris-z/infer', 'application/json', 'gzip', Buffer.from('{"inputs": []}')],
      ['/v1/models/iris-z:predict', 'application/json', 'gzip', Buffer.from('{"instances": [[1, 2, 3, 4]]}')]
    ]
    try {
      for (const [url, type, encoding, body] of broken) {
        socket.write(`POST ${url} HTTP/1.1\r\nhost: x\r\ncontent-type: ${type}\r\ncontent-encoding: ${encoding}\r\ncontent-length: ${body.length}\r\n\r\n`)
        socket.write(body)
        const refused = await readResponse(socket)
        expect(refused.head, `${url} ${encoding}`).toMatch(/^HTTP\/1\.1 400 /)
        expect(refused.body, `${url} ${encoding}`).toMatch(new RegExp(`the body is not valid ${encoding} data, as its Content-Encoding says`))
        expect(refused.head, `${url} ${encoding}`).not.toMatch(/^connection: close$/im)
      }
      socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n')
      expect((await readResponse(socket)).body).toBe('{"status":"ok"}')
    } finally {
      socket.destroy()
    }
  })

  it('cuts the connection of a broken compressed body whose rest goes on past BODY_LIMIT, after its 400', async () => {
    const { port } = new URL(base)
    // chunked, so no Content-Length says it is too long: 400 KB of garbage after the first bad byte
    const outcome = await answerUntilClosed(Number(port), (socket) => {
      socket.write(`POST /v1/models/${modelId}/predict HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n`)
      const chunk = Buffer.alloc(16 * 1024, 'x')
      for (let i = 0; i < 25; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`)
    })
    expect(outcome.text).toMatch(/^HTTP\/1\.1 400 [\s\S]*not valid gzip data/)
    expect(outcome.closed).toBe(true)
  })

  it('a compressed body over the row cap that inflates past BODY_LIMIT gets the 400, then its connection is closed, not left open and unread', async () => {
    const rows = Array.from({ length: 150_000 }, () => '[5.1,3.5,1.4,0.2]').join(',') // 2.7 MB decompressed, over the cap and the 256 KB limit
    const body = gzipSync(Buffer.from(`{"inputs":[${rows}]}`))
    const { port } = new URL(base)
    const outcome = await answerUntilClosed(Number(port), (socket) => {
      socket.write(`POST /v1/models/${modelId}/predict HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: ${body.length}\r\n\r\n`)
      socket.write(body)
    })
    expect(outcome.text).toMatch(/^HTTP\/1\.1 400 [\s\S]*at most 10000 rows per request/)
    expect(outcome.closed).toBe(true)
  })

  it('stops decompressing a small body of many zeros once it is past BODY_LIMIT: nothing keeps a core busy after the 413', async () => {
    // 256 MiB of zeros in about 200 bytes of brotli: a few seconds of a core to inflate whole
    const zeros = Buffer.alloc(16 << 20)
    const bomb = brotliCompressSync(Buffer.concat(Array.from({ length: 16 }, () => zeros)), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5, [zlibConstants.BROTLI_PARAM_LGWIN]: 24 } })
    expect(bomb.length).toBeLessThan(4096)
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}/v1/models/${modelId}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: bomb })
      expect(res.status).toBe(413)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
    const before = process.cpuUsage()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const used = process.cpuUsage(before)
    // this process's CPU over 1.5 s while idle: well under a core (three bombs inflating whole took ~1.5 s a second)
    expect((used.user + used.system) / 1e6).toBeLessThan(0.5)
  })
})
