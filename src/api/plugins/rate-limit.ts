/**
 * Rate limits per API key (per tenant when the API is open), on a token bucket in Redis that all API
 * replicas share (store/rate-limits.ts). Over the limit: 429 with Retry-After. Public routes are not counted.
 */
import fp from 'fastify-plugin'
import { TOO_MANY_REQUESTS } from '../../errors.js'
import { createRateLimiter } from '../../store/rate-limits.js'

export interface RateLimitPluginOptions {
  readonly prefix: string
  /** 0: no limit. */
  readonly perMinute: number
  readonly burst?: number
}

export default fp<RateLimitPluginOptions>(async function rateLimit (fastify, { prefix, perMinute, burst }) {
  if (perMinute === 0) return
  const limiter = createRateLimiter(fastify.redis, prefix, { perMinute, burst: burst ?? perMinute })

  fastify.addHook('onRequest', async (request, reply) => {
    // auth ran first: an empty tenant means a public route (or no route at all)
    if (request.tenant === '') return
    const subject = request.principal ? `key:${request.principal.keyId}` : `tenant:${request.tenant}`
    const decision = await limiter.take(subject)
    reply.header('ratelimit-limit', decision.limit)
    reply.header('ratelimit-remaining', decision.remaining)
    reply.header('ratelimit-reset', decision.allowed ? decision.resetSeconds : decision.retryAfterSeconds)
    if (!decision.allowed) {
      reply.header('retry-after', decision.retryAfterSeconds)
      throw new TOO_MANY_REQUESTS(perMinute, decision.retryAfterSeconds)
    }
  })
}, { name: 'rate-limit', dependencies: ['auth', 'redis'] })
