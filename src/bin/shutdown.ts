/**
 * Close-with-grace for the entry files: the first SIGTERM/SIGINT/SIGHUP runs the ordered close once and
 * exits; a second signal (not a copy of the first: SAME_SIGNAL_MS), or a close that overruns its
 * deadline, exits at once. No business logic.
 */
import type { Logger } from '../logger.js'

export interface ShutdownOptions {
  /** After this, the process exits with code 1 even if close() has not finished. */
  readonly timeoutMs?: number
}

/** The same signal again within this long is another copy of the first (a process group's and npm's), not a second request. */
export const SAME_SIGNAL_MS = 500

/** Installs the handlers and returns `shutdown(reason, code)`, which entries also call on fatal errors. */
export function onShutdown (logger: Logger, close: () => Promise<void>, { timeoutMs = 30_000 }: ShutdownOptions = {}):
  (reason: string, code?: number) => Promise<void> {
  let closing: Promise<void> | undefined

  const shutdown = (reason: string, code = 0): Promise<void> => {
    if (closing) return closing
    logger.info({ reason, timeoutMs }, 'shutting down')
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown overran its deadline; exiting')
      process.exit(1)
    }, timeoutMs)
    timer.unref()
    closing = close().then(
      () => { logger.info('shut down') },
      (err: unknown) => { logger.error({ err }, 'shutdown failed'); code = 1 }
    ).finally(() => {
      clearTimeout(timer)
      logger.flush()
      process.exitCode = code
      // let pending writes (stdout) drain, then leave even if a handle is still open
      setImmediate(() => process.exit(code))
    })
    return closing
  }

  // SIGHUP: the terminal that started us closed; shut down as for SIGTERM (its default would kill us mid-way)
  let first: { signal: NodeJS.Signals, at: number } | undefined
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => {
      const now = Date.now()
      if (closing) {
        // one Ctrl-C arrives twice under npm: the terminal signals the whole foreground group, and
        // npm passes its own copy on, milliseconds later; a person's second Ctrl-C comes later than that
        if (first?.signal === signal && now - first.at < SAME_SIGNAL_MS) return
        logger.warn({ signal }, 'second signal: exiting now')
        process.exit(1)
      }
      first = { signal, at: now }
      void shutdown(signal)
    })
  }
  return shutdown
}
