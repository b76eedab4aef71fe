/**
 * The one way to open a Redis connection. BullMQ needs maxRetriesPerRequest: null on connections
 * it blocks on, and we use the same settings everywhere so one connection can serve both.
 */
import { Redis, type RedisOptions } from 'ioredis'

export type { Redis }

export function createRedis (url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    // Back off to at most 2 s between reconnects, forever: the service waits for Redis, it does not die.
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...options
  })
}

/**
 * The API's connection: a command caught by an outage fails at the next reconnect attempt (within
 * 1 s) instead of waiting for Redis to return, so its request is answered 503 (api/plugins/redis-guard.ts).
 * Not for BullMQ workers, which need commands that wait (maxRetriesPerRequest: null).
 */
export function createApiRedis (url: string, options: RedisOptions = {}): Redis {
  return createRedis(url, { maxRetriesPerRequest: 0, retryStrategy: (times) => Math.min(times * 100, 1000), ...options })
}

interface SharedPing { at: number, result: Promise<boolean> }
const recentPings = new WeakMap<Redis, SharedPing>()
const forgetsOnClose = new WeakSet<Redis>()

/**
 * pingRedis for readiness probes, which are open and unkeyed (/readyz, KServe's /v2/health/ready):
 * callers within `freshMs` of a PING share it, in flight or answered, so a flood of probes sends
 * Redis one PING each half second rather than one a request. A connection that is not up answers
 * from its status at once, and a close forgets the shared answer.
 */
export function sharedPing (redis: Redis, timeoutMs = 1000, freshMs = 500): Promise<boolean> {
  // only a connection that is up and has stayed up shares: one that closed since (even if it is back) pings again
  if (redis.status !== 'ready') return pingRedis(redis, timeoutMs)
  const now = Date.now()
  const recent = recentPings.get(redis)
  if (recent && now - recent.at < freshMs) return recent.result
  // once per connection, not per reconnect: a listener each time had piled up (MaxListenersExceededWarning after 14)
  if (!forgetsOnClose.has(redis)) {
    forgetsOnClose.add(redis)
    redis.on('close', () => recentPings.delete(redis))
  }
  const result = pingRedis(redis, timeoutMs)
  recentPings.set(redis, { at: now, result })
  return result
}

/** Resolves true when Redis answers PING within `timeoutMs`, false otherwise; never throws. */
export async function pingRedis (redis: Redis, timeoutMs = 1000): Promise<boolean> {
  // while reconnecting, a PING would wait in the offline queue and answer once Redis is back: the outage would not show
  if (['close', 'reconnecting', 'end'].includes(redis.status)) return false
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs) })
  try {
    return await Promise.race([redis.ping().then((r) => r === 'PONG', () => false), timeout])
  } finally {
    clearTimeout(timer)
  }
}
