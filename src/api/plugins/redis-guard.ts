/**
 * Fail fast while Redis is away: every /v1 and /v2/models request but the predictions (which answer
 * from memory for the models this process has served, and 503 otherwise) is answered 503 + Retry-After at
 * once when the app's connection, once up, is down, or when Redis keeps it open but answers nothing
 * (store/redis-watchdog.ts); and a request whose Redis command gave up mid-way (the API's connection
 * flushes them at each lost connection, store/redis.ts createApiRedis) is answered the same. Health,
 * metrics, the docs and /v2's server routes need no Redis or report its absence themselves.
 */
import fp from 'fastify-plugin'
import { REDIS_UNAVAILABLE } from '../../errors.js'
import { redisOutage } from '../../store/redis-health.js'
import { watchResponsiveness } from '../../store/redis-watchdog.js'

/** Seconds a client should wait: the API retries its connection at least once a second. */
export const REDIS_RETRY_AFTER_S = 2

/** The 503 for an outage; the error handler sends its `headers`. */
export const redisUnavailable = (): Error =>
  Object.assign(new REDIS_UNAVAILABLE(REDIS_RETRY_AFTER_S), { headers: { 'retry-after': String(REDIS_RETRY_AFTER_S) } })

declare module 'fastify' {
  interface FastifyInstance {
    /** True while Redis, once reachable, is not; errors then mean "unavailable", not "internal". */
    redisDown (): boolean
  }
  interface FastifyContextConfig {
    /** A prediction route: it answers from memory what it can through an outage (remembered-models.ts) */
    servesThroughOutage?: boolean
  }
}

export default fp(async function redisGuard (fastify) {
  const lost = redisOutage(fastify.redis)
  const watchdog = watchResponsiveness(fastify.redis, fastify.log.child({ redisConnection: 'api' }))
  fastify.addHook('onClose', async () => { watchdog.close() })
  const down = (): boolean => lost() || watchdog.unresponsive()
  fastify.decorate('redisDown', down)
  // async on purpose: made a callback hook, a KServe v2 body over the row cap was no longer refused before it had
  // arrived (predict-row-cap.test.ts timed out, the cap stream's error uncaught); the order of events that depends
  // on this hook's microtask was not traced
  fastify.addHook('onRequest', async (request) => {
    if ((request.url.startsWith('/v1/') || request.url.startsWith('/v2/models')) && down() && request.routeOptions.config.servesThroughOutage !== true) throw redisUnavailable()
  })
}, { name: 'redis-guard', dependencies: ['redis'] })
