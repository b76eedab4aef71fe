import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import request from 'supertest'
import { buildApp } from '../../src/api/app.js'
import { loadConfig } from '../../src/config.js'
import { createRedis } from '../../src/store/redis.js'
import { buildTestApp, type TestApp } from './helper.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp('health') })
afterAll(async () => { await t.close() })

describe('health', () => {
  it('GET /healthz and /readyz answer 200 with a live Redis', async () => {
    expect((await request(t.app.server).get('/healthz')).body).toEqual({ status: 'ok' })
    expect((await request(t.app.server).get('/readyz')).body).toEqual({ status: 'ready', kernels: 'blas' })
  })

  it('GET /readyz is a 503 problem within about a second when Redis does not answer', async () => {
    const redis = createRedis('redis://127.0.0.1:1')
    redis.on('error', () => undefined)
    const app = await buildApp({ config: loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' }), redis })
    await app.ready()
    try {
      const started = Date.now()
      const res = await app.inject({ method: 'GET', url: '/readyz' })
      expect(Date.now() - started).toBeLessThan(2000)
      expect(res.statusCode).toBe(503)
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(res.json()).toMatchObject({ status: 503, code: 'NN_ERR_NOT_READY', detail: expect.stringMatching(/Redis did not answer PING within 1 s/) })
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    } finally {
      await app.close()
      redis.disconnect()
    }
  })

  it('serves Swagger UI at /docs and a 404 problem for unknown routes', async () => {
    const docs = await request(t.app.server).get('/docs/')
    expect(docs.status).toBe(200)
    expect(docs.text).toMatch(/swagger/i)
    const missing = await request(t.app.server).get('/v2/nothing')
    expect(missing.status).toBe(404)
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(missing.body.detail).toMatch(/no route for GET \/v2\/nothing/)
  })
})
