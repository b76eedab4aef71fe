// Rate limits: one token bucket per API key in Redis, shared by two app instances (two API replicas)
// on the same Redis and prefix; 429 problem+json with Retry-After; per client address when open; off at 0.
import { randomUUID } from 'node:crypto'
import { afterEach, describe, it, expect } from 'vitest'
import { buildTestApp, type TestApp } from './helper.js'
import { createRateLimiter } from '../../src/store/rate-limits.js'

const K1 = 'rl-key-one-abcdef012345'
const K2 = 'rl-key-two-abcdef012345'

const opened: TestApp[] = []
afterEach(async () => { while (opened.length > 0) await opened.pop()!.close() })

async function replicas (env: Record<string, string>, n = 2): Promise<TestApp[]> {
  const prefix = `{test-api-rate-${randomUUID().slice(0, 8)}}`
  const apps: TestApp[] = []
  for (let i = 0; i < n; i++) apps.push(await buildTestApp('rate', { REDIS_PREFIX: prefix, ...env }))
  opened.push(...apps)
  return apps
}

const get = async (t: TestApp, url: string, key?: string) =>
  await t.app.inject({ method: 'GET', url, ...(key ? { headers: { 'x-api-key': key } } : {}) })

describe('rate limits', () => {
  it('shares one bucket per key across replicas: the 4th request of 3 per minute is a 429 with Retry-After', async () => {
    const [a, b] = await replicas({ API_KEYS: `${K1}:acme:read;${K2}:acme:read`, RATE_LIMIT_PER_MINUTE: '3' })
    const first = await get(a, '/v1/datasets', K1)
    expect(first.statusCode).toBe(200)
    expect(first.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '2' })
    expect((await get(b, '/v1/datasets', K1)).headers['ratelimit-remaining']).toBe('1')
    expect((await get(a, '/v1/models', K1)).statusCode).toBe(200)

    const over = await get(b, '/v1/datasets', K1)
    expect(over.statusCode).toBe(429)
    expect(over.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(over.json()).toMatchObject({ status: 429, code: 'NN_ERR_TOO_MANY_REQUESTS' })
    // 3 per minute refills one token every 20 s
    const retry = Number(over.headers['retry-after'])
    expect(Number.isInteger(retry)).toBe(true)
    expect(retry).toBeGreaterThanOrEqual(19)
    expect(retry).toBeLessThanOrEqual(20)
    expect(over.json().detail).toBe(`rate limit of 3 requests per minute for this API key exceeded; retry in ${retry} s`)
    expect((await get(a, '/v1/datasets', K1)).statusCode).toBe(429)

    // another key of the same tenant has a bucket of its own; health checks are never counted
    expect((await get(a, '/v1/datasets', K2)).statusCode).toBe(200)
    for (let i = 0; i < 5; i++) expect((await get(b, '/healthz', K1)).statusCode).toBe(200)
  })

  it('counts per client address when the API is open, across replicas', async () => {
    const [a, b] = await replicas({ RATE_LIMIT_PER_MINUTE: '2' })
    const from = async (t: TestApp, remoteAddress: string) => await t.app.inject({ method: 'GET', url: '/v1/networks', remoteAddress })
    expect((await from(a, '10.0.0.1')).statusCode).toBe(200)
    expect((await from(b, '10.0.0.1')).statusCode).toBe(200)
    const over = await from(a, '10.0.0.1')
    expect(over.statusCode).toBe(429)
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    // the reset is the time to a full bucket on a 429 as on a 200 (2 a minute: a minute), not the next token's
    expect(Number(over.headers['ratelimit-reset'])).toBeGreaterThan(Number(over.headers['retry-after']))
    // no key to name: the message names the address, and why it is the address's
    expect(over.json().detail).toMatch(/^rate limit of 2 requests per minute for client address 10\.0\.0\.1 \(the API is open: no API_KEYS\) exceeded; retry in \d+ s$/)
    // another client of the same open API has a bucket of its own
    expect((await from(b, '10.0.0.2')).statusCode).toBe(200)
    // a Prometheus scrape from a limited address is not counted: it would share the clients' bucket
    for (let i = 0; i < 3; i++) expect((await a.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.0.0.1' })).statusCode).toBe(200)
  })

  it('refills with time and honours the burst size', async () => {
    // 60 per minute = one token a second; a burst of 2 (a token every 100 ms refilled between requests on a loaded machine)
    const [a] = await replicas({ API_KEYS: `${K1}:acme:read`, RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '2' }, 1)
    const codes = []
    for (let i = 0; i < 3; i++) codes.push((await get(a, '/v1/datasets', K1)).statusCode)
    expect(codes).toEqual([200, 200, 429])
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect((await get(a, '/v1/datasets', K1)).statusCode).toBe(200)
  })

  it('is off at 0: no limit and no headers', async () => {
    const [a] = await replicas({ API_KEYS: `${K1}:acme:read`, RATE_LIMIT_PER_MINUTE: '0' }, 1)
    for (let i = 0; i < 20; i++) {
      const res = await get(a, '/v1/datasets', K1)
      expect(res.statusCode).toBe(200)
      expect(res.headers['ratelimit-limit']).toBeUndefined()
    }
  })

  it('rejects a limiter without a rate', () => {
    expect(() => createRateLimiter({} as never, 'p', { perMinute: 0, burst: 1 })).toThrow(RangeError)
  })
})
