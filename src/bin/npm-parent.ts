/**
 * `npm start` (and `npm run start:api` / `start:worker`) runs its entry as `exec node …`, so npm is
 * the entry's parent and forwards SIGINT and SIGTERM to it. npm does not forward SIGHUP: it dies of
 * it, and the entry ran on as an orphan, with the embedded redis-server. So an entry that npm
 * launched shuts down when its parent goes away, as it would on the signal itself.
 */

export interface NpmParentOptions {
  /** How often the parent is checked (ms): the shutdown begins at most this long after npm died. */
  readonly everyMs?: number
  /** npm sets npm_lifecycle_event for the scripts it runs; without it (node run by hand, systemd) nothing is watched. */
  readonly env?: NodeJS.ProcessEnv
}

/** Calls `stop(reason)` once when this process, launched by npm, finds that npm (its parent) has exited. */
export function stopWhenNpmExits (stop: (reason: string) => void, { everyMs = 500, env = process.env }: NpmParentOptions = {}): void {
  if (env.npm_lifecycle_event === undefined) return
  const parent = process.ppid
  const timer = setInterval(() => {
    // an orphan is re-parented (to init or a subreaper): process.ppid asks the OS each time
    if (process.ppid === parent) return
    clearInterval(timer)
    stop(`npm (pid ${parent}) exited`)
  }, everyMs)
  timer.unref()
}
