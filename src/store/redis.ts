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
