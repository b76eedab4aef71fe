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

  it('answers a known path asked with another method 405, with the methods it takes in Allow', async () => {
    for (const [method, url, allow] of [
      ['put', '/v1/models/mdl_anything', 'GET, HEAD, DELETE'],
      ['delete', '/v1/training-jobs/job_x/cancel', 'POST'],
      ['patch', '/v1/datasets', 'GET, HEAD, POST'],
      ['get', '/v2/models/iris/infer', 'POST'],
      ['post', '/healthz', 'GET, HEAD']
    ] as const) {
      const res = await request(t.app.server)[method](url)
      expect(res.status, `${method} ${url}`).toBe(405)
      expect(res.headers.allow).toBe(allow)
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(res.body.detail).toBe(`${method.toUpperCase()} is not a method of ${url}; it takes ${allow} (see GET /docs)`)
    }
    // a path no route serves stays a 404, whatever the method
    expect((await request(t.app.server).put('/v1/nothing')).status).toBe(404)
  })
})
