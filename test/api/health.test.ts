import { createServer, type AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { pino } from 'pino'
import { loggerOptions } from '../../src/logger.js'
import request from 'supertest'
import { buildApp } from '../../src/api/app.js'
import { loadConfig } from '../../src/config.js'
import { createApiRedis, createRedis } from '../../src/store/redis.js'
import { startRedisServer } from '../support/redis-server.js'
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
      expect(res.json()).toMatchObject({
        status: 503,
        code: 'NN_ERR_NOT_READY',
        detail: expect.stringMatching(/^not ready: (the connection to Redis is down \(reconnecting\)(: Redis cannot be reached \(ECONNREFUSED\))?[:;] check REDIS_URL and that Redis is running|Redis did not answer PING within 1 s)/)
      })
      expect(res.body).not.toContain('127.0.0.1')
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    } finally {
      await app.close()
      redis.disconnect()
    }
  })

  it('GET /readyz says when Redis refuses the process\'s password, not that it did not answer (a password changed under a running API)', async () => {
    const server = await startRedisServer({ args: ['--requirepass', 'first-password'] })
    const url = `redis://:first-password@127.0.0.1:${server.port}`
    const redis = createApiRedis(url)
    redis.on('error', () => undefined)
    const app = await buildApp({ config: loadConfig({ REDIS_URL: url }), redis })
    const admin = createRedis(url)
    try {
      await app.ready()
      if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve))
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
      await admin.config('SET', 'requirepass', 'second-password')
      await admin.client('KILL', 'TYPE', 'normal')
      let res = await app.inject({ method: 'GET', url: '/readyz' })
      for (let i = 0; i < 50 && !res.body.includes('WRONGPASS'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        res = await app.inject({ method: 'GET', url: '/readyz' })
      }
      expect(res.statusCode).toBe(503)
      // caught reconnecting (its last error), or mid-handshake (the PING's own refusal): the same words either way
      expect(res.json()).toMatchObject({ detail: expect.stringMatching(/^not ready: (the connection to Redis is down \(reconnecting\): )?Redis refuses this process's credentials \(WRONGPASS\): check the user and password in REDIS_URL$/) })
      expect(res.body).not.toContain('password@')
      // every probe after, whatever moment of ioredis's reconnect attempts it meets (one mid-reconnect had read as silence)
      for (let i = 0; i < 12; i++) {
        const kserve = await app.inject({ method: 'GET', url: i % 2 === 0 ? '/v2/health/ready' : '/readyz' })
        expect(kserve.body).toContain('(WRONGPASS)')
        await new Promise((resolve) => setTimeout(resolve, 40))
      }
    } finally {
      await app.close()
      redis.disconnect()
      admin.disconnect()
      await server.stop()
    }
  })

  it('GET /readyz says a frozen Redis did not answer, and a loading one is loading: never an ioredis message read as Redis\'s code (a retrial saw "(Reached)")', async () => {
    const server = await startRedisServer()
    const redis = createApiRedis(server.url)
    redis.on('error', () => undefined)
    const app = await buildApp({ config: loadConfig({ REDIS_URL: server.url }), redis })
    try {
      await app.ready()
      if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve))
      server.freeze()
      const said: string[] = []
      for (let i = 0; i < 6; i++) {
        said.push((await app.inject({ method: 'GET', url: '/readyz' })).json().detail as string)
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
      server.thaw()
      for (const detail of said) {
        expect(detail).toMatch(/^not ready: (Redis did not answer PING within 1 s; check that Redis is running and not overloaded|the connection to Redis is down \(reconnecting\); check REDIS_URL and that Redis is running|Redis is not ready yet: it is still loading.*)$/)
      }
    } finally {
      await app.close()
      redis.disconnect()
      await server.stop()
    }
    // a server that answers every command LOADING, as Redis does while it reads its data back: ioredis's ready check waits
    const loading = createServer((socket) => socket.on('data', () => socket.write('-LOADING Redis is loading the dataset in memory\r\n')))
    await new Promise<void>((resolve) => loading.listen(0, '127.0.0.1', resolve))
    const url = `redis://127.0.0.1:${(loading.address() as AddressInfo).port}`
    const waiting = createApiRedis(url)
    waiting.on('error', () => undefined)
    const loadingApp = await buildApp({ config: loadConfig({ REDIS_URL: url }), redis: waiting })
    try {
      await loadingApp.ready()
      await new Promise((resolve) => setTimeout(resolve, 200)) // connected, its ready check answered LOADING
      const res = await loadingApp.inject({ method: 'GET', url: '/readyz' })
      expect([res.statusCode, res.json().detail]).toEqual([503, 'not ready: Redis is not ready yet: it is still loading its data into memory (LOADING), or the connection is still being made; it answers once ready'])
    } finally {
      await loadingApp.close()
      waiting.disconnect()
      loading.close()
    }
  })

  it('a flood of readiness probes shares one PING each half second, and an outage still shows at once', async () => {
    const redis = createRedis(process.env.REDIS_URL!)
    const app = await buildApp({ config: loadConfig({ REDIS_URL: process.env.REDIS_URL }), redis })
    await app.ready()
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve))
    const ping = redis.ping.bind(redis)
    let pings = 0
    redis.ping = (() => { pings++; return ping() }) as typeof redis.ping
    try {
      const probes = Array.from({ length: 60 }, (_, i) => app.inject({ method: 'GET', url: i % 2 === 0 ? '/readyz' : '/v2/health/ready' }))
      expect((await Promise.all(probes)).map((r) => r.statusCode)).toEqual(Array(60).fill(200))
      expect(pings).toBe(1)
      await new Promise((resolve) => setTimeout(resolve, 600))
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
      expect(pings).toBe(2)
      // a closed connection is not ready, whatever a PING answered a moment ago
      const ended = new Promise((resolve) => redis.once('end', resolve))
      redis.disconnect()
      await ended
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503)
      expect((await app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(503)
    } finally {
      await app.close()
      redis.disconnect()
    }
  })

  it('names every request: the caller\'s X-Request-Id, else a fresh UUID, in the answer and its log lines; probes are not logged', async () => {
    const lines: Array<Record<string, unknown>> = []
    const logger = pino(loggerOptions({ LOG_LEVEL: 'info' }, false), new Writable({ write (c: Buffer, _e, done) { lines.push(JSON.parse(c.toString()) as Record<string, unknown>); done() } }))
    const redis = createRedis(process.env.REDIS_URL!)
    const app = await buildApp({ config: loadConfig({ REDIS_URL: process.env.REDIS_URL }), redis, logger })
    await app.ready()
    try {
      const traced = await app.inject({ method: 'GET', url: '/v1/networks', headers: { 'x-request-id': 'trace-4bf92f3577b34da6' } })
      expect(traced.headers['x-request-id']).toBe('trace-4bf92f3577b34da6')
      expect(lines.filter((l) => l.reqId === 'trace-4bf92f3577b34da6').map((l) => l.msg)).toEqual(['incoming request', 'request completed'])
      // none sent, or one that could forge a log line: a UUID of our own, another for each request
      const fresh = [await app.inject({ method: 'GET', url: '/v1/networks' }), await app.inject({ method: 'GET', url: '/v1/networks', headers: { 'x-request-id': 'a\u2028b "x"' } })]
      for (const res of fresh) expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(fresh[0].headers['x-request-id']).not.toBe(fresh[1].headers['x-request-id'])
      // an error's problem quotes the same id
      const missing = await app.inject({ method: 'GET', url: '/v1/models/nothing-here', headers: { 'x-request-id': 'trace-2' } })
      expect(missing.headers['x-request-id']).toBe('trace-2')
      const before = lines.length
      for (const url of ['/healthz', '/readyz']) expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200)
      expect(lines.slice(before)).toEqual([])
    } finally {
      await app.close()
      redis.disconnect()
    }
  })

  it('serves Swagger UI at /docs and a 404 problem for unknown routes', async () => {
    const docs = await request(t.app.server).get('/docs/')
    expect(docs.status).toBe(200)
    expect(docs.text).toMatch(/swagger/i)
    const missing = await request(t.app.server).get('/v1/nothing')
    expect(missing.status).toBe(404)
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(missing.body.detail).toMatch(/no route for GET \/v1\/nothing/)
    // under /v2, KServe's paths: its error form
    const v2 = await request(t.app.server).get('/v2/nothing')
    expect(v2.status).toBe(404)
    expect(v2.body).toEqual({ error: 'no route for GET /v2/nothing; see GET /docs for the API' })
  })

  it('answers a known path asked with another method 405, with the methods it takes in Allow', async () => {
    for (const [method, url, allow, protocol] of [
      ['put', '/v1/models/mdl_anything', 'GET, HEAD, DELETE', false],
      ['delete', '/v1/training-jobs/job_x/cancel', 'POST', false],
      ['patch', '/v1/datasets', 'GET, HEAD, POST', false],
      ['post', '/healthz', 'GET, HEAD', false],
      // the serving protocols' paths answer in their own error form
      ['get', '/v2/models/iris/infer', 'POST', true],
      // a TF Serving verb is never a model id (names hold no ':'): GET …:predict is not the native GET of a model 'iris:predict'
      ['get', '/v1/models/iris:predict', 'POST', true],
      ['put', '/v1/models/iris:predict', 'POST', true],
      ['delete', '/v1/models/iris/versions/1:predict', 'POST', true]
    ] as const) {
      const res = await request(t.app.server)[method](url)
      expect(res.status, `${method} ${url}`).toBe(405)
      expect(res.headers.allow).toBe(allow)
      const detail = `${method.toUpperCase()} is not a method of ${url}; it takes ${allow} (see GET /docs)`
      if (protocol) expect(res.body).toEqual({ error: detail })
      else {
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
        expect(res.body.detail).toBe(detail)
      }
    }
    // OPTIONS on a known path says what it takes
    const options = await request(t.app.server).options('/v1/datasets')
    expect(options.status).toBe(204)
    expect(options.headers.allow).toBe('GET, HEAD, POST, OPTIONS')
    // TF Serving's classify and regress are TF Serving's, not ours: 501; an unknown verb: 404
    const classify = await request(t.app.server).post('/v1/models/iris:classify').send({ examples: [] })
    expect(classify.status).toBe(501)
    expect(classify.body.error).toMatch(/^TensorFlow Serving's ':classify' is not served here: POST \/v1\/models\/\{name\}\[\/versions\/\{v\}\]:predict/)
    const unknown = await request(t.app.server).post('/v1/models/iris/versions/2:explain').send({})
    expect(unknown.status).toBe(404)
    expect(unknown.body.error).toMatch(/has no ':explain'/)
    // KServe's server metadata takes no query either (the one /v2 path with no '/' after it)
    const v2 = await request(t.app.server).get('/v2?x=1')
    expect(v2.status).toBe(400)
    expect(v2.body.error).toBe('unknown query parameter "x": GET /v2 takes none')
    // TF Serving's verb path is named as written, not with the router's regex
    const verb = await request(t.app.server).post('/v1/models/iris:predict?x=1').send({ instances: [[1]] })
    expect(verb.body.error).toMatch(/unknown query parameter "x": POST \/v1\/models\/:name:predict takes none/)
    // a path no route serves stays a 404, whatever the method
    expect((await request(t.app.server).put('/v1/nothing')).status).toBe(404)
  })
})
