// Bytes Node's HTTP parser refuses before any route sees them: answered as problem+json like every other
// error, not Fastify's plain {"error":"Bad Request","message":"Client Error"}; the service keeps serving.
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helper.js'

let t: TestApp
let port: number
beforeAll(async () => {
  t = await buildTestApp('unparsable-http')
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  port = (t.app.server.address() as AddressInfo).port
})
afterAll(async () => { await t.close() })

/** Sends raw bytes and returns everything the server wrote before it closed the connection. */
function raw (bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes))
    let answer = ''
    socket.on('data', (d: Buffer) => { answer += d.toString() })
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
  })
}

describe('a request the HTTP parser refuses', () => {
  it('both Transfer-Encoding and Content-Length: a 400 problem+json naming the framing headers, then the connection closes', async () => {
    const answer = await raw('POST /v1/datasets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n')
    const [head, body] = answer.split('\r\n\r\n')
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(head.toLowerCase()).toContain('content-type: application/problem+json')
    expect(JSON.parse(body)).toMatchObject({ status: 400, code: 'NN_ERR_BAD_REQUEST', title: 'Bad Request', detail: expect.stringMatching(/^the request is not valid HTTP\/1\.1 \(HPE_.*; check its framing headers/) })
  })

  it('bytes that are no HTTP at all: a 400 with the parser\'s code and no framing hint', async () => {
    const [head, body] = (await raw('GARBAGE\r\n\r\n')).split('\r\n\r\n')
    expect(head).toMatch(/^HTTP\/1\.1 400 /)
    expect(JSON.parse(body).detail).toMatch(/^the request is not valid HTTP\/1\.1 \(HPE_INVALID_METHOD: [^)]*\)$/)
  })

  it('headers past the parser\'s limit: a 431 problem+json', async () => {
    const answer = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    const [head, body] = answer.split('\r\n\r\n')
    expect(head).toMatch(/^HTTP\/1\.1 431 /)
    expect(JSON.parse(body)).toMatchObject({ status: 431, code: 'NN_ERR_HEADERS_TOO_LARGE' })
    // and the service still answers
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
  })
})
