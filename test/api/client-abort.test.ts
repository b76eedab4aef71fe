// An upload the client cuts off mid-body is the client's doing: logged at info, answered as a 400 (to a socket
// that is gone), never an error line with a stack or a 500 in the metrics. A client resetting mid-body used to
// flood the error log.
import { connect, type AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { randomUUID } from 'node:crypto'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/api/app.js'
import { loadConfig } from '../../src/config.js'
import { createRedis } from '../../src/store/redis.js'
import type { FastifyInstance } from 'fastify'

const lines: Array<Record<string, unknown>> = []
const sink = new Writable({ write (chunk: Buffer, _encoding, done) { for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>); done() } })
let app: FastifyInstance
let redis: ReturnType<typeof createRedis>
let port: number

beforeAll(async () => {
  const url = process.env.REDIS_URL!
  const config = loadConfig({ REDIS_URL: url, REDIS_PREFIX: `{test-abort-${randomUUID().slice(0, 8)}}`, LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '0' })
  redis = createRedis(url)
  app = await buildApp({ config, redis, logger: pino({ level: 'info' }, sink) })
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = (app.server.address() as AddressInfo).port
})
afterAll(async () => { await app.close(); await redis.quit() })

describe('a client that cuts its upload off', () => {
  it('is logged at info, not as a failed request with a stack', async () => {
    for (const path of ['/v1/datasets', '/v1/models/none/predict', '/v2/models/none/infer']) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1')
        socket.on('error', () => {})
        socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"inputs": [[1, 2`, () => {
          setTimeout(() => { socket.resetAndDestroy(); resolve() }, 100)
        })
      })
    }
    await new Promise((resolve) => setTimeout(resolve, 300))
    const cut = lines.filter((l) => l.msg === 'request cut off by the client before its body ended')
    expect(cut.length).toBe(3)
    expect(lines.filter((l) => l.level === 'error' || l.level === 50)).toEqual([])
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
  })
})
