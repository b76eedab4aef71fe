/**
 * How the service behaves while Redis is away. Each connection reports its outage as a few
 * structured lines (lost, still down every `everyMs` with a count, back) instead of an error, or
 * ioredis's raw "Unhandled error event" stack trace, per reconnect attempt. redisOutage() says whether
 * a connection that has been up is down now, which the API answers with 503 at once (api/plugins/redis-guard.ts).
 */
import type { Logger } from '../logger.js'
import type { Redis } from './redis.js'

/** A function that logs at most once per `everyMs`; the next line carries how many were left out. */
export function rateLimitedLog (everyMs: number): (write: (suppressed: number) => void) => void {
  let last = 0
  let suppressed = 0
  return (write) => {
    const now = Date.now()
    if (now - last < everyMs) { suppressed++; return }
    last = now
    write(suppressed)
    suppressed = 0
  }
}

/** Logs a connection's outage (rate-limited) and its recovery; also installs the 'error' listener ioredis needs. */
export function watchRedis (redis: Redis, logger: Logger, connection: string, { everyMs = 10_000 } = {}): void {
  const log = logger.child({ redisConnection: connection })
  const limited = rateLimitedLog(everyMs)
  let down: number | null = null
  redis.on('error', (err: Error) => {
    limited((suppressed) => log.warn({ err: { message: err.message, code: (err as { code?: string }).code }, suppressed }, 'redis unavailable'))
  })
  redis.on('close', () => {
    // ioredis decides within this 'close' whether it reconnects: a connection closed on purpose (quit
    // or disconnect, e.g. at shutdown) is 'end' by the next turn, and is not a lost one
    setImmediate(() => {
      if (redis.status === 'end' || down !== null) return
      down = Date.now()
      log.warn('redis connection lost; reconnecting')
    })
  })
  redis.on('ready', () => {
    if (down !== null) log.info({ downMs: Date.now() - down }, 'redis connection restored')
    down = null
  })
}

/** True while a connection that has been ready is not: requests should fail fast rather than wait. */
export function redisOutage (redis: Redis): () => boolean {
  let seenReady = redis.status === 'ready'
  redis.on('ready', () => { seenReady = true })
  return () => seenReady && redis.status !== 'ready'
}

/**
 * When the connection was last lost and has not come back since (epoch ms), or null while it is up or has
 * never been up. A connection closed on purpose (quit, disconnect) is not away.
 */
export function awaySince (redis: Redis): () => number | null {
  let since: number | null = null
  redis.on('close', () => { if (redis.status !== 'end') since ??= Date.now() })
  redis.on('end', () => { since = null })
  redis.on('ready', () => { since = null })
  return () => since
}

/**
 * Resolves true once the connection has been away for `ms` without a break (counted from when it went),
 * or false when `stop` aborts first. Polls every `everyMs`.
 */
export async function awayFor (away: () => number | null, ms: number, stop: AbortSignal, everyMs = 250): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const timer = setInterval(() => {
      const since = away()
      if (since !== null && Date.now() - since >= ms) { clearInterval(timer); resolve(true) }
    }, everyMs)
    timer.unref()
    stop.addEventListener('abort', () => { clearInterval(timer); resolve(false) }, { once: true })
  })
}

/** ioredis's errors for a command that gave up on a lost connection. */
export function isConnectionError (err: unknown): boolean {
  if (!(err instanceof Error)) return false
  return err.name === 'MaxRetriesPerRequestError' || err.message === 'Connection is closed.' ||
    err.message.startsWith("Stream isn't writeable") || /ECONNREFUSED|ECONNRESET|EPIPE/.test(err.message)
}
