/**
 * Decorates `redis` with the connection the caller opened. The app does not own it: whoever
 * created it (bin/, a test) closes it after app.close(), so one connection can be shared.
 */
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import { trackReadiness } from '../../store/redis.js'

declare module 'fastify' {
  interface FastifyInstance { redis: Redis }
}

export default fp<{ redis: Redis }>(async function redisPlugin (fastify, { redis }) {
  fastify.decorate('redis', redis)
  // so that /readyz can say why the connection is down (bin/api.ts starts it as it connects)
  trackReadiness(redis)
}, { name: 'redis' })
