// API keys: parsing API_KEYS, the constant-time key matcher, the 401/403 matrix per scope over every
// route of the table, public routes, keys kept out of logs, and 5xx bodies without internals.
import { Writable } from 'node:stream'
import { randomUUID } from 'node:crypto'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { pino } from 'pino'
import { buildApp } from '../../src/api/app.js'
import { ALSO_SCOPES, ROUTE_SCOPES, scopeOf } from '../../src/api/route-scopes.js'
import { loadConfig } from '../../src/config.js'
import { loggerOptions } from '../../src/logger.js'
import { parseApiKeys, SCOPES, type Scope } from '../../src/security/api-keys.js'
import { createKeyMatcher } from '../../src/security/key-matcher.js'
import { createKeys } from '../../src/store/keys.js'
import { createRedis } from '../../src/store/redis.js'
import { buildTestApp, type TestApp } from './helper.js'

const KEYS: Record<Scope, string> = {
  read: 'k-read-5f0c1d2e3a4b', predict: 'k-predict-6a7b8c9d0e1f', train: 'k-train-1a2b3c4d5e6f', metrics: 'k-metrics-3c2b1a0f9e8d', admin: 'k-admin-9e8d7c6b5a4f'
}
const API_KEYS = SCOPES.map((s) => `${KEYS[s]}:acme:${s}`).join(';')

describe('parseApiKeys', () => {
  it('reads the compact and the JSON form alike', () => {
    const compact = parseApiKeys(' key1-0123456789ab:tenantA:read, predict ,train ; key2-0123456789ab:ops:admin ;')
    expect(compact).toEqual([
      { key: 'key1-0123456789ab', tenant: 'tenantA', scopes: ['read', 'predict', 'train'] },
      { key: 'key2-0123456789ab', tenant: 'ops', scopes: ['admin'] }
    ])
    expect(parseApiKeys(JSON.stringify([{ key: 'key1-0123456789ab', tenant: 'tenantA', scopes: ['read', 'predict', 'train'] }, { key: 'key2-0123456789ab', tenant: 'ops', scopes: ['admin'] }])))
      .toEqual(compact)
    expect(parseApiKeys('   ')).toEqual([])
  })

  it('says what is wrong without repeating any key, and loadConfig names API_KEYS', () => {
    const secret = 'sup3r-s3cret-value'
    const cases: [string, RegExp][] = [
      [`${secret}:acme:read,fly`, /entry 1 \(tenant acme\): unknown scope 'fly'/],
      [`${secret}:acme`, /entry 1: expected key:tenant:scope/],
      [`${secret}:acme:read;${secret}:other:read`, /entry 2 \(tenant other\) repeats an earlier key/],
      [`${secret}:bad tenant!:read`, /entry 1: the tenant must be/],
      [`${secret}:acme:`, /list at least one scope/],
      [`[{"key":"${secret}","tenant":"acme"}]`, /list at least one scope/],
      [`[{"key":"${secret}"`, /not valid JSON/],
      ['short-key:acme:read', /entry 1: the key must be 16-512 printable ASCII characters/]
    ]
    for (const [text, message] of cases) {
      expect(() => parseApiKeys(text)).toThrow(message)
      let thrown = ''
      try { loadConfig({ API_KEYS: text }) } catch (err) { thrown = (err as Error).message }
      expect(thrown).toMatch(/API_KEYS=<not shown>/)
      expect(thrown).not.toContain(secret)
    }
    expect(loadConfig({}).API_KEYS).toEqual([])
    expect(loadConfig({ API_KEYS: 'a-key-of-16-chars:b:read' })).toMatchObject({ API_KEYS: [{ key: 'a-key-of-16-chars', tenant: 'b', scopes: ['read'] }], RATE_LIMIT_PER_MINUTE: 6000 })
  })
})

describe('createKeyMatcher', () => {
  const entries = parseApiKeys('alpha-key-0123456789:t1:read;beta-key-0123456789:t2:train,predict;gamma-key-0123456789:t3:admin')

  it('finds the principal of a key, and nothing for an unknown, a prefix or an extended key', () => {
    const m = createKeyMatcher(entries)
    expect(m.match('beta-key-0123456789')).toMatchObject({ tenant: 't2', scopes: new Set(['train', 'predict']) })
    expect(m.match('gamma-key-0123456789')?.tenant).toBe('t3')
    for (const wrong of ['', 'beta', 'beta-key-0123456789 ', 'beta-key-0123456789x', 'BETA-KEY-0123456789', 'delta-key-0123456789']) expect(m.match(wrong)).toBeNull()
    expect(m.match('alpha-key-0123456789')?.keyId).toMatch(/^[0-9a-f]{16}$/)
    expect(m.match('alpha-key-0123456789')?.keyId).not.toContain('alpha')
  })

  it('compares 32-byte digests with every configured key, whatever matches and whatever the length', () => {
    const calls: [number, number][] = []
    const spy = (a: Buffer, b: Buffer): boolean => { calls.push([a.length, b.length]); return a.equals(b) }
    const m = createKeyMatcher(entries, spy)
    for (const presented of ['alpha-key-0123456789', 'gamma-key-0123456789', 'x', 'a'.repeat(5000)]) {
      calls.length = 0
      m.match(presented)
      expect(calls, presented).toEqual([[32, 32], [32, 32], [32, 32]])
    }
  })
})

describe('auth over HTTP', () => {
  let t: TestApp
  // the matrix below sends many wrong keys on purpose: the failed-authentication limit is tested apart
  beforeAll(async () => { t = await buildTestApp('auth', { API_KEYS, RATE_LIMIT_PER_MINUTE: '0', AUTH_FAILURES_PER_MINUTE: '1000000' }) })
  afterAll(async () => { await t.close() })

  // a route's pattern as OpenAPI writes it: parameter regexes out, `::` (a literal colon) as ':' (TF Serving's :predict)
  const asDocumented = (route: string): string => route.replace(/\([^)]*\)/g, '').replace('::', ':')
  const routes = Object.entries(ROUTE_SCOPES).map(([route, scope]) => {
    const [method, path] = asDocumented(route).split(' ')
    const url = path.replace(':id', 'x_unknown').replace(':name', 'x_unknown').replace(':version', '1')
    return { method: method as 'GET' | 'POST' | 'DELETE', url, scope, also: ALSO_SCOPES[route] ?? [] }
  })
  // the serving protocols' routes answer errors in their own form, {"error": detail} (protocols/protocol-errors.ts)
  const isProtocolRoute = (url: string): boolean => url.startsWith('/v2') || url.includes(':predict') || url.includes('/versions/') || url.endsWith('/metadata')
  const detailOf = (res: { json: () => { detail?: string, error?: string } }): string => res.json().detail ?? res.json().error ?? ''

  it('declares a scope for every route in the OpenAPI document, and serves no route outside the table but docs', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { security?: unknown }>> }
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const documented = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`
        const route = Object.keys(ROUTE_SCOPES).find((r) => asDocumented(r) === documented) ?? documented
        expect(ROUTE_SCOPES[route], route).toBeDefined()
        const scope = ROUTE_SCOPES[route]
        // each scope that opens the route is an alternative: its own, then those that also open it
        const scopes = scope === 'public' ? [] : [scope, ...(ALSO_SCOPES[route] ?? [])]
        expect(op.security, route).toEqual(scopes.flatMap((s) => [{ bearerAuth: [s] }, { apiKeyAuth: [s] }]))
      }
    }
    // and no stale entry: every route in the table exists
    for (const route of Object.keys(ROUTE_SCOPES)) {
      const [method, url] = route.split(' ') as ['GET' | 'POST' | 'DELETE', string]
      expect(t.app.hasRoute({ method, url }), route).toBe(true)
    }
    expect(scopeOf('GET', '/docs/static/index.html')).toBe('public')
    expect(scopeOf('POST', '/v1/something-new')).toBe('admin')
  })

  it('answers 401 without a key or with a wrong one, on every protected route', async () => {
    for (const r of routes.filter((x) => x.scope !== 'public')) {
      for (const headers of [{}, { authorization: 'Bearer not-a-key' }, { 'x-api-key': 'not-a-key' }, { authorization: `Basic ${KEYS.admin}` }]) {
        const res = await t.app.inject({ method: r.method, url: r.url, headers, payload: r.method === 'POST' ? {} : undefined })
        expect(res.statusCode, `${r.method} ${r.url} ${JSON.stringify(headers)}`).toBe(401)
        expect(res.headers['www-authenticate']).toBe('Bearer realm="backprop"')
        if (isProtocolRoute(r.url)) {
          expect(res.headers['content-type']).toMatch(/^application\/json/)
          expect(res.json().error).toMatch(/API key/)
        } else {
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
          expect(res.json()).toMatchObject({ status: 401, code: 'NN_ERR_UNAUTHORIZED' })
        }
        expect(res.body).not.toContain('not-a-key')
      }
    }
  })

  it('lets each scope through exactly where the table says (admin everywhere), 403 naming the scope elsewhere', async () => {
    for (const r of routes.filter((x) => x.scope !== 'public')) {
      for (const held of SCOPES) {
        const via = held === 'predict' ? { 'x-api-key': KEYS[held] } : { authorization: `Bearer ${KEYS[held]}` }
        const res = await t.app.inject({ method: r.method, url: r.url, headers: via, payload: r.method === 'POST' ? {} : undefined })
        const where = `${r.method} ${r.url} with ${held}`
        if (held === r.scope || r.also.includes(held) || held === 'admin') {
          expect([401, 403], where).not.toContain(res.statusCode)
        } else {
          expect(res.statusCode, where).toBe(403)
          if (!isProtocolRoute(r.url)) expect(res.json()).toMatchObject({ code: 'NN_ERR_FORBIDDEN' })
          expect(detailOf(res)).toContain(`${[r.scope, ...r.also].map((s) => `'${s}'`).join(' or ')} scope`)
          // the route as people write it, never the router's pattern (TF Serving's :predict had read /v1/models/:name(^[^:/]+)::predict)
          expect(detailOf(res), where).not.toMatch(/\(\^|::/)
        }
      }
    }
    const tf = await t.app.inject({ method: 'POST', url: '/v1/models/iris:predict', headers: { authorization: `Bearer ${KEYS.read}` }, payload: {} })
    expect(tf.json().error).toContain("'predict' scope that POST /v1/models/:name:predict needs")
    // a protocol's model description and readiness open to a predict key too (an app's Triton client checks is_model_ready before infer)
    expect(Object.keys(ALSO_SCOPES).sort()).toEqual(['GET /v1/models/:name/metadata', 'GET /v1/models/:name/versions/:version', 'GET /v1/models/:name/versions/:version/metadata',
      'GET /v2/models/:name', 'GET /v2/models/:name/config', 'GET /v2/models/:name/ready', 'GET /v2/models/:name/versions/:version', 'GET /v2/models/:name/versions/:version/config', 'GET /v2/models/:name/versions/:version/ready'])
    const ready = await t.app.inject({ method: 'GET', url: '/v2/models/iris/ready', headers: { 'x-api-key': KEYS.train } })
    expect(ready.json().error).toContain("lacks the 'read' or 'predict' scope that GET /v2/models/:name/ready needs")
  })

  it('refuses a request whose two key headers hold different keys, or whose Authorization is not a Bearer key; one key in both passes', async () => {
    const cases: Array<[Record<string, string>, number, RegExp | null]> = [
      [{ authorization: `Bearer ${KEYS.read}`, 'x-api-key': KEYS.admin }, 401, /Authorization and X-API-Key hold two different API keys: send one key, in one of them/],
      [{ authorization: `Bearer ${KEYS.read} extra`, 'x-api-key': KEYS.read }, 401, /the Authorization header is not 'Bearer <key>'/],
      [{ authorization: `Basic ${Buffer.from('u:p').toString('base64')}`, 'x-api-key': KEYS.read }, 401, /the Authorization header is not 'Bearer <key>'/],
      [{ authorization: `Bearer ${KEYS.read}`, 'x-api-key': ` ${KEYS.read} ` }, 200, null],
      [{ authorization: `bearer ${KEYS.read}` }, 200, null]
    ]
    // two headers of one name, as HTTP sends them (one line each): Node keeps the first Authorization (the request had
    // run as it) and joins two X-API-Key into one value
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = t.app.server.address() as AddressInfo
    const twice: Array<Record<string, string[]>> = [{ authorization: [`Bearer ${KEYS.read}`, `Bearer ${KEYS.admin}`] }, { 'x-api-key': [KEYS.read, KEYS.read] }]
    for (const headers of twice) {
      const { status, body } = await new Promise<{ status: number, body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/v1/datasets', headers }, (res) => {
          let text = ''
          res.on('data', (c: Buffer) => { text += c.toString() })
          res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: text }) })
        })
        req.on('error', reject)
        req.end()
      })
      expect([status, (JSON.parse(body) as { detail: string }).detail], JSON.stringify(headers)).toEqual([401, 'the request has more than one Authorization or X-API-Key header: send one key, in one header'])
    }
    for (const [headers, status, message] of cases) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/datasets', headers })
      expect(res.statusCode, JSON.stringify(headers)).toBe(status)
      if (message) {
        expect(res.json().detail).toMatch(message)
        expect(res.headers['www-authenticate']).toBe('Bearer realm="backprop"')
        for (const key of Object.values(KEYS)) expect(res.body).not.toContain(key)
      }
    }
  })

  it('keeps health, readiness, docs and the OpenAPI document open', async () => {
    for (const url of ['/healthz', '/readyz', '/openapi.json', '/docs', '/docs/json']) {
      const res = await t.app.inject({ method: 'GET', url })
      expect([200, 302], url).toContain(res.statusCode)
    }
    expect((await t.app.inject({ method: 'GET', url: '/no/such/route' })).statusCode).toBe(404)
  })

  it('runs open with no keys: every route answers without a key', async () => {
    const open = await buildTestApp('auth-open', { RATE_LIMIT_PER_MINUTE: '0' })
    try {
      for (const url of ['/v1/datasets', '/v1/models', '/metrics']) expect((await open.app.inject({ method: 'GET', url })).statusCode, url).toBe(200)
    } finally {
      await open.close()
    }
  })
})

describe('secrets and internals', () => {
  it('pino redacts key headers wherever a request or its headers are logged', () => {
    const lines: string[] = []
    const log = pino(loggerOptions({ LOG_LEVEL: 'info' }, false), new Writable({ write (c: Buffer, _e, done) { lines.push(c.toString()); done() } }))
    const headers = { authorization: `Bearer ${KEYS.admin}`, 'x-api-key': KEYS.read, accept: 'json' }
    log.info({ req: { method: 'GET', headers } }, 'request')
    log.info({ headers }, 'headers')
    expect(lines).toHaveLength(2)
    for (const line of lines) {
      expect(line).not.toContain(KEYS.admin)
      expect(line).not.toContain(KEYS.read)
    }
    // a request is logged by its method, URL and address (Fastify's fields), without headers; headers logged as such are redacted
    expect(JSON.parse(lines[0]).req).toEqual({ method: 'GET' })
    expect(JSON.parse(lines[1]).headers).toEqual({ authorization: '[redacted]', 'x-api-key': '[redacted]', accept: 'json' })
  })

  it('logs no key at trace level, and answers a 500 without stack, paths or error text', async () => {
    const lines: string[] = []
    const logger = pino({ ...loggerOptions({ LOG_LEVEL: 'trace' }, false) }, new Writable({ write (c: Buffer, _e, done) { lines.push(c.toString()); done() } }))
    const url = process.env.REDIS_URL!
    const config = loadConfig({ REDIS_URL: url, REDIS_PREFIX: `{test-api-auth-logs-${randomUUID().slice(0, 8)}}`, API_KEYS, RATE_LIMIT_PER_MINUTE: '5' })
    const redis = createRedis(url)
    const app = await buildApp({ config, redis, logger })
    try {
      await app.ready()
      // a dataset record that is not JSON: the repository throws a SyntaxError deep inside the request
      await redis.hset(createKeys(config.REDIS_PREFIX).dataset('ds_broken'), 'meta', '{not json')
      const res = await app.inject({ method: 'GET', url: '/v1/datasets/ds_broken', headers: { authorization: `Bearer ${KEYS.read}` } })
      expect(res.statusCode).toBe(500)
      expect(res.json()).toMatchObject({ status: 500, code: 'NN_ERR_INTERNAL', title: 'Internal Server Error' })
      expect(res.json().detail).toMatch(/quote request id \S+/)
      for (const leak of ['JSON', 'SyntaxError', 'stack', ' at ', '.ts', '.js', '/work', 'node_modules', 'not json']) expect(res.body, leak).not.toContain(leak)
      expect(lines.join('')).toMatch(/SyntaxError/) // logged in full instead

      await app.inject({ method: 'GET', url: '/v1/models', headers: { 'x-api-key': KEYS.train } }) // 403
      await app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: 'Bearer wrong-key-0000' } }) // 401
      // a key sent in the query string by mistake is refused (401: keys are read from headers only), and its logged URL holds no key
      for (const param of ['api_key', 'token', '%61pi%2Dkey']) {
        expect((await app.inject({ method: 'GET', url: `/v1/models?limit=2&${param}=${KEYS.train}` })).statusCode).toBe(401)
      }
      expect(lines.join('')).toContain('/v1/models?limit=2&api_key=[redacted]')
      // and as a path's ;parameter, which no route reads either
      expect((await app.inject({ method: 'GET', url: `/v1/models;api_key=${KEYS.train}` })).statusCode).toBe(404)
      expect(lines.join('')).toContain('/v1/models;api_key=[redacted]')
      for (let i = 0; i < 6; i++) await app.inject({ method: 'GET', url: '/v1/models', headers: { 'x-api-key': KEYS.admin } }) // 200s then 429
      expect(lines.length).toBeGreaterThan(10)
      for (const secret of [...Object.values(KEYS), 'wrong-key-0000']) expect(lines.join(''), secret).not.toContain(secret)
    } finally {
      await app.close()
      const keys = await redis.keys(`${config.REDIS_PREFIX}*`)
      if (keys.length > 0) await redis.del(...keys)
      await redis.quit()
    }
  })
})

describe('guessing keys', () => {
  it('after a burst of invalid keys, the address gets 429s with Retry-After; a valid key still works from it', async () => {
    const g = await buildTestApp('auth-failures', { API_KEYS, RATE_LIMIT_PER_MINUTE: '0', AUTH_FAILURES_PER_MINUTE: '30' })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 14; i++) {
        statuses.push((await g.app.inject({ method: 'GET', url: '/v1/datasets', headers: { authorization: `Bearer wrong-key-attempt-${i}-0000` } })).statusCode)
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401)) // a burst of a third of the per-minute limit
      expect(statuses.slice(10)).toEqual([429, 429, 429, 429])
      const refused = await g.app.inject({ method: 'GET', url: '/v1/datasets', headers: { 'x-api-key': 'another-wrong-key-00000' } })
      expect(refused.statusCode).toBe(429)
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(refused.json().detail).toMatch(/more than 30 invalid API keys per minute from this address/)
      expect((await g.app.inject({ method: 'GET', url: '/v1/datasets', headers: { authorization: `Bearer ${KEYS.read}` } })).statusCode).toBe(200)
      // no key at all is not a guess: still a 401 that says what to send
      expect((await g.app.inject({ method: 'GET', url: '/v1/datasets' })).statusCode).toBe(401)
    } finally {
      await g.close()
    }
  })

  it('behind a trusted proxy (TRUST_PROXY), each forwarded client has its own failure budget', async () => {
    const g = await buildTestApp('auth-proxy', { API_KEYS, RATE_LIMIT_PER_MINUTE: '0', AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: '1' })
    try {
      const attempt = async (client: string): Promise<number> => (await g.app.inject({
        method: 'GET', url: '/v1/datasets', headers: { 'x-api-key': 'a-wrong-key-0000000', 'x-forwarded-for': client }
      })).statusCode
      // a burst of one: the second wrong key from 203.0.113.7 is refused
      expect([await attempt('203.0.113.7'), await attempt('203.0.113.7')]).toEqual([401, 429])
      expect(await attempt('198.51.100.2')).toBe(401)
    } finally {
      await g.close()
    }
  })

  it('reads TRUST_PROXY as false, true, a hop count or a list of proxies', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false)
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true)
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2)
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '127.0.0.1'])
  })
})
