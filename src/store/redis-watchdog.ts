/**
 * A Redis that holds its connections open but answers nothing (its process stopped or frozen, the
 * network between us dropping packets) never closes them, so ioredis never gives up on a command:
 * requests waited for the whole outage (one for 17 minutes, about when TCP gives up). The watchdog
 * PINGs on a connection of its own; a PING unanswered for `unresponsiveMs` marks Redis unresponsive
 * (the API then answers 503 at once, api/plugins/redis-guard.ts) and drops the watched connection's
 * socket, so the commands waiting on it fail now (createApiRedis flushes them at each lost connection)
 * and their requests are answered 503 too. While Redis stays silent the socket is dropped again each
 * `unresponsiveMs`, for commands issued meanwhile. The first PONG ends it. A PING's wait is counted while this
 * process's event loop runs: one held by a long synchronous task does not read as a silent Redis.
 */
import type { Redis } from './redis.js'

export interface RedisWatchdog {
  /** True while a PING has gone unanswered for `unresponsiveMs` or more. */
  unresponsive (): boolean
  close (): void
}

export interface WatchdogOptions {
  /** How often to PING (ms). */
  readonly everyMs?: number
  /** How long a PING may go unanswered before Redis counts as unresponsive (ms). */
  readonly unresponsiveMs?: number
}

/** The two lines it logs: when Redis falls silent, and when it answers again. */
export interface WatchdogLog {
  warn (fields: object, msg: string): void
  info (fields: object, msg: string): void
}

export function watchResponsiveness (watched: Redis, logger: WatchdogLog, { everyMs = 250, unresponsiveMs = 1000 }: WatchdogOptions = {}): RedisWatchdog {
  // its own connection: a PING on the watched one would wait behind a large reply there (a model's
  // weights), which is slow, not silent. No offline queue: a PING while it reconnects fails at once
  // (the connection's state already says Redis is away), and does not count as unanswered.
  const probe = watched.duplicate({ maxRetriesPerRequest: 0, enableOfflineQueue: false })
  probe.on('error', () => undefined) // reported by watchRedis on the watched connection
  let sent: number | null = null // when the PING still unanswered was sent
  let silentSince: number | null = null
  let lastDrop = 0

  const dropWatchedSocket = (now: number): void => {
    // 'ready' or 'connect' (a reconnect whose ready check Redis does not answer): commands wait there
    if (watched.status !== 'ready' && watched.status !== 'connect') return
    if (now - lastDrop < unresponsiveMs) return
    lastDrop = now
    watched.stream?.destroy()
  }

  let lastTick = Date.now()
  const timer = setInterval(() => {
    const now = Date.now()
    // a tick a whole period late: this process's event loop was held (a request's long synchronous work), and the
    // PONG may be waiting unread in the socket. The PING's wait counts from now: a held loop is not a silent Redis,
    // and declaring one had answered every tenant 503 while Redis was fine (a hostile retrial)
    const held = now - lastTick >= 2 * everyMs
    lastTick = now
    if (held && sent !== null && silentSince === null) sent = now
    if (sent !== null) {
      if (now - sent < unresponsiveMs) return
      if (silentSince === null) {
        silentSince = sent
        logger.warn({ unansweredMs: now - sent }, 'redis not answering; failing requests fast until it does')
      }
      dropWatchedSocket(now)
      return
    }
    if (probe.status !== 'ready') return
    const at = now
    sent = at
    probe.ping().then(() => {
      if (silentSince !== null) logger.info({ silentMs: Date.now() - silentSince }, 'redis answering again')
      silentSince = null
    }, () => undefined).finally(() => { if (sent === at) sent = null })
  }, everyMs)
  timer.unref()

  return {
    unresponsive: () => silentSince !== null,
    close () {
      clearInterval(timer)
      probe.disconnect()
    }
  }
}
