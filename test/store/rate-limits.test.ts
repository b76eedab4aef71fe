import { afterAll, describe, it, expect } from 'vitest'
import { createRateLimiter } from '../../src/store/rate-limits.js'
import { createKeys } from '../../src/store/keys.js'
import { testRedis } from './redis-helper.js'

const { redis, prefix, cleanup } = testRedis('rate-limits')
afterAll(cleanup)
const bucketTokens = async (subject: string): Promise<number> => Number(await redis.hget(createKeys(prefix).rateLimit(subject), 'tokens'))

describe('token buckets with leases', () => {
  it('a busy key leases tokens in batches: ten requests cost one Redis round trip', async () => {
    const limiter = createRateLimiter(redis, prefix, { perMinute: 60_000, burst: 2000 }) // leases of 100
    for (let i = 0; i < 10; i++) expect((await limiter.take('busy')).allowed).toBe(true)
    // the shared bucket lost one lease (100, less what refilled meanwhile), not ten single tokens
    const left = await bucketTokens('busy')
    expect(left).toBeLessThanOrEqual(1900 + 5)
    expect(left).toBeGreaterThan(1800)
  })

  it('a busy key renews its lease in the background before it runs out', async () => {
    const limiter = createRateLimiter(redis, prefix, { perMinute: 60_000, burst: 2000 }) // leases of 100
    for (let i = 0; i < 80; i++) expect((await limiter.take('renewing')).allowed).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 50))
    // two leases were taken from the shared bucket (the second while 20+ local tokens were left)
    const left = await bucketTokens('renewing')
    expect(left).toBeLessThanOrEqual(1800 + 60)
    // and the local lease serves the next requests without waiting
    for (let i = 0; i < 40; i++) expect(limiter.takeLocal('renewing')?.allowed).toBe(true)
  })

  it('two replicas together never get more than the shared burst', async () => {
    // 40 per hour: refills are negligible during the test; leases of 2
    const a = createRateLimiter(redis, prefix, { perMinute: 40 / 60, burst: 40 })
    const b = createRateLimiter(redis, prefix, { perMinute: 40 / 60, burst: 40 })
    let allowed = 0
    for (let i = 0; i < 60; i++) if ((await (i % 2 === 0 ? a : b).take('shared')).allowed) allowed++
    expect(allowed).toBeLessThanOrEqual(40)
    expect(allowed).toBeGreaterThanOrEqual(38)
  })

  it('concurrent requests share one lease request and are all counted', async () => {
    const limiter = createRateLimiter(redis, prefix, { perMinute: 1 / 60, burst: 60 }) // leases of 3, no refill to speak of
    const decisions = await Promise.all(Array.from({ length: 80 }, async () => await limiter.take('crowd')))
    expect(decisions.filter((d) => d.allowed).length).toBe(60)
    const refused = decisions.find((d) => !d.allowed)!
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1)
  })

  it('a lease is spent to its last token, never dropped: a slow key takes from the bucket only what it uses', async () => {
    // 6,000 a minute (100 a second), leases of 300, two replicas each making a request every 150 ms for 1.5 s
    const replicas = [0, 1].map(() => createRateLimiter(redis, prefix, { perMinute: 6000, burst: 6000 }))
    for (let i = 0; i < 10; i++) {
      for (const r of replicas) expect((r.takeLocal('slow') ?? await r.take('slow')).allowed).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 150))
    }
    // one lease each; leases that lapsed after a second took another 300 each and threw the first away
    expect(await bucketTokens('slow')).toBeGreaterThanOrEqual(6000 - 2 * 300)
  })
})
