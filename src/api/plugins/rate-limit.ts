/**
 * Rate limits per API key (per client address when the API is open: every caller is then the one tenant,
 * and one bucket for all of them let a single client throttle everyone), on a token bucket in Redis that
 * all API replicas share (store/rate-limits.ts). Over the limit: 429 with Retry-After. Public routes are
 * not counted.
 */
import fp from 'fastify-plugin'
import { TOO_MANY_REQUESTS } from '../../errors.js'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { createRateLimiter, type RateDecision } from '../../store/rate-limits.js'
import { withTimeout } from '../with-timeout.js'

export interface RateLimitPluginOptions {
  readonly prefix: string
  /** 0: no limit. */
  readonly perMinute: number
  readonly burst?: number
  /** Whether request.ip reads X-Forwarded-For (TRUST_PROXY): then one connection carries many clients. */
  readonly behindProxy?: boolean
}

const CHECK_TIMEOUT_MS = 1000

export default fp<RateLimitPluginOptions>(async function rateLimit (fastify, { prefix, perMinute, burst, behindProxy = false }) {
  if (perMinute === 0) return
  // A connection of its own: auto-pipelining sends the buckets of all requests of one tick in one
  // write (one write per request was a tenth of the API's CPU under load); during a Redis outage a
  // check gives up after one reconnect attempt or CHECK_TIMEOUT_MS instead of holding the request.
  const redis = fastify.redis.duplicate({ enableAutoPipelining: true, maxRetriesPerRequest: 1 })
  redis.on('error', () => undefined) // reported by /readyz and the other connections
  fastify.addHook('onClose', async () => { redis.disconnect() })
  const limiter = createRateLimiter(redis, prefix, { perMinute, burst: burst ?? perMinute })

  const apply = (decision: RateDecision, request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    reply.header('ratelimit-limit', decision.limit)
    reply.header('ratelimit-remaining', decision.remaining)
    // the draft's "seconds until the quota resets": until the bucket is full again, on a 200 and a 429 alike
    reply.header('ratelimit-reset', decision.resetSeconds)
    if (decision.allowed) { done(); return }
    reply.header('retry-after', decision.retryAfterSeconds)
    // whose limit: the key's, or the client address's when the API is open (no key to name)
    const whose = request.principal ? 'this API key' : `client address ${request.ip} (the API is open: no API_KEYS)`
    done(new TOO_MANY_REQUESTS(perMinute, whose, decision.retryAfterSeconds))
  }

  // An open API's subject, the client address: request.ip cost ~37 µs a request (bench:http's predictions fell
  // from 87% of the bare route to 67%), so it is read once per connection, which cannot change peers; behind a
  // trusted proxy one connection carries many clients, and it is read for each request
  const bySocket = new WeakMap<object, string>()
  const addressOf = (request: FastifyRequest): string => {
    if (behindProxy) return `ip:${request.ip}`
    const socket = request.raw.socket
    let subject = bySocket.get(socket)
    if (subject === undefined) { subject = `ip:${request.ip}`; bySocket.set(socket, subject) }
    return subject
  }

  // a callback hook: most requests are decided from the local lease, with no promise or timer
  fastify.addHook('onRequest', (request, reply, done) => {
    // auth ran first: an empty tenant means a public route (or no route at all)
    if (request.tenant === '') { done(); return }
    // an open API's scrape of /metrics shared its client address's bucket, so a scraper beside busy clients got 429s (an
    // operator's trial); with API_KEYS it has its key's own bucket
    if (request.principal === null && (request.url === '/metrics' || request.url.startsWith('/metrics?'))) { done(); return }
    // fail open at once while Redis is away (the predictions that still answer then are not held a second each)
    if (fastify.redisDown()) { done(); return }
    const subject = request.principal ? `key:${request.principal.keyId}` : addressOf(request)
    const local = limiter.takeLocal(subject)
    if (local) { apply(local, request, reply, done); return }
    withTimeout(limiter.take(subject), CHECK_TIMEOUT_MS).then((decision) => apply(decision, request, reply, done), (err: unknown) => {
      // fail open: an unreachable limiter must not take the API down with it (/readyz says why)
      request.log.warn({ err }, 'rate limit not checked: Redis unavailable')
      done()
    })
  })
}, { name: 'rate-limit', dependencies: ['auth', 'redis', 'redis-guard'] })
