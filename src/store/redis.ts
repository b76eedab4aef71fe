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

interface SharedPing { at: number, result: Promise<string | undefined> }
const recentPings = new WeakMap<Redis, SharedPing>()
const tracked = new WeakSet<Redis>()
/** the code (first word) of a connection's last error since it was last ready: WRONGPASS, NOAUTH, LOADING, ECONNREFUSED… */
const lastErrors = new WeakMap<Redis, string>()

/**
 * Has readiness probes remember the connection's last error, so that a connection that is down says why
 * (sharedPing does it too; the earlier, the fewer errors go unseen). Once per connection, not per
 * reconnect: a listener each time had piled up (MaxListenersExceededWarning after 14).
 */
export function trackReadiness (redis: Redis): void {
  if (tracked.has(redis)) return
  tracked.add(redis)
  redis.on('close', () => recentPings.delete(redis))
  redis.on('error', (err: Error & { code?: string }) => {
    const code = errorCode(err)
    if (code !== undefined) lastErrors.set(redis, code)
  })
  redis.on('ready', () => lastErrors.delete(redis))
}

/**
 * The code of an error from Redis or the network: a system error's (ECONNREFUSED), or the first word of a
 * Redis error reply, which is its code in capitals (WRONGPASS, NOAUTH, LOADING). ioredis's own errors ("Reached
 * the max retries per request limit", "Connection is closed.") have none: a trial saw "Reached" read as one.
 */
function errorCode (err: Error & { code?: unknown }): string | undefined {
  if (typeof err.code === 'string') return err.code
  const first = err.message.split(' ')[0]
  return /^[A-Z][A-Z_]{2,}$/.test(first) ? first : undefined
}

/**
 * What Redis's error code says to fix, in words fit for an open, unkeyed probe: never the message itself,
 * which can name the Redis host and port (ECONNREFUSED 10.0.0.5:6379). The process's own log has the whole error.
 */
function explain (code: string): string {
  if (code === 'WRONGPASS' || code === 'NOAUTH') return `Redis refuses this process's credentials (${code}): check the user and password in REDIS_URL`
  if (code === 'LOADING') return 'Redis is loading its data into memory (LOADING); it answers once loaded'
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT' || code === 'ECONNRESET') {
    return `Redis cannot be reached (${code}): check REDIS_URL and that Redis is running`
  }
  return `Redis answers with an error (${code})`
}

/**
 * pingProblem for readiness probes, which are open and unkeyed (/readyz, KServe's /v2/health/ready):
 * callers within `freshMs` of a PING share it, in flight or answered, so a flood of probes sends
 * Redis one PING each half second rather than one a request. A connection that is not up answers
 * from its status at once, and a close forgets the shared answer.
 */
export function sharedPing (redis: Redis, timeoutMs = 1000, freshMs = 500): Promise<string | undefined> {
  trackReadiness(redis)
  // only a connection that is up and has stayed up shares: one that closed since (even if it is back) pings again
  if (redis.status !== 'ready') return pingProblem(redis, timeoutMs)
  const now = Date.now()
  const recent = recentPings.get(redis)
  if (recent && now - recent.at < freshMs) return recent.result
  const result = pingProblem(redis, timeoutMs)
  recentPings.set(redis, { at: now, result })
  return result
}

/**
 * Why this connection is not ready, or undefined when Redis answered PING within `timeoutMs`; never
 * throws. A connection that is down says the code of its last error (trackReadiness).
 */
export async function pingProblem (redis: Redis, timeoutMs = 1000): Promise<string | undefined> {
  // while reconnecting, a PING would wait in the offline queue and answer once Redis is back: the outage would not show
  if (['close', 'reconnecting', 'end'].includes(redis.status)) {
    const code = lastErrors.get(redis)
    return `the connection to Redis is down (${redis.status})${code === undefined ? '; check REDIS_URL and that Redis is running' : `: ${explain(code)}`}`
  }
  const silent = `Redis did not answer PING within ${timeoutMs / 1000} s; check that Redis is running and not overloaded`
  // a PING sent while connecting waits for the connection (the first probes of a starting API pass). One that times out
  // still connected but not ready is Redis answering LOADING to ioredis's ready check as it reads its data back: no
  // error event says so, and it had read as silence (a retrial)
  const loading = 'Redis is not ready yet: it is still loading its data into memory (LOADING), or the connection is still being made; it answers once ready'
  // a PING given up or timed out while the connection was being made again says why that failed, when it did (a
  // probe caught mid-reconnect after a password change had read as silence)
  const failed = (): string | undefined => { const code = lastErrors.get(redis); return code === undefined ? undefined : explain(code) }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<string>((resolve) => { timer = setTimeout(() => resolve(redis.status === 'connect' ? loading : failed() ?? silent), timeoutMs) })
  try {
    return await Promise.race([redis.ping().then(
      (r) => r === 'PONG' ? undefined : `Redis answered PING with ${JSON.stringify(r).slice(0, 40)}`,
      // no code: ioredis gave the PING up (its connection closed, or the API dropped one silent for a second,
      // redis-watchdog.ts): the last connection error's reason, else silence
      (err: Error) => { const code = errorCode(err); return code === undefined ? failed() ?? silent : explain(code) }
    ), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves true when Redis answers PING within `timeoutMs`, false otherwise; never throws. */
export async function pingRedis (redis: Redis, timeoutMs = 1000): Promise<boolean> {
  return (await pingProblem(redis, timeoutMs)) === undefined
}
