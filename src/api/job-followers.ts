/**
 * Server-sent-event followers of training jobs, shared per job: the followers of one job hold one
 * Redis subscription (TrainingQueue.follow) and one end check between them, so N clients cost the
 * same Redis traffic as one, and nothing at all while the job is quiet. The end is read once per
 * `finished` message, or every CHECK_MS in case one was missed (a worker died). Caps: followers
 * per job and per tenant (stream-caps.ts, shared with sweep streams), so one caller cannot hold
 * thousands of sockets. No HTTP: the route (routes/training-jobs.ts) writes the events.
 */
import type { JobEvent, TrainingJobView, TrainingQueue } from '../queue/training-queue.js'
import { isFinal } from '../queue/training-queue.js'
import type { StreamCaps } from './stream-caps.js'

/** How often a job with followers is read, should its `finished` message have been missed. */
const CHECK_MS = 10_000

export type FollowerEvent = JobEvent | { type: 'end', job: TrainingJobView | null }
export type Follower = (event: FollowerEvent) => void

interface Watch { followers: Set<Follower>, ready: Promise<void>, unfollow?: () => Promise<void>, timer?: NodeJS.Timeout, checking: boolean }

export interface JobFollowers {
  /** Adds a follower; null when a cap is reached. The returned function removes it (idempotent). */
  add (jobId: string, tenant: string, follower: Follower): { ready: Promise<void>, remove: () => void } | null
  /** Followers now, for tests and metrics. */
  count (): number
  /** Ends every stream (shutdown): each follower gets `end` with no job, and the subscriptions go. */
  endAll (): void
}

export function createJobFollowers (queue: TrainingQueue, caps: StreamCaps): JobFollowers {
  const watches = new Map<string, Watch>()
  let total = 0

  const unwatch = (jobId: string, watch: Watch): void => {
    if (watch.followers.size > 0 || watches.get(jobId) !== watch) return
    watches.delete(jobId)
    clearInterval(watch.timer)
    // unsubscribe once the subscription that `ready` waits for is in place
    void watch.ready.then(() => watch.unfollow?.()).catch(() => undefined)
  }

  const check = async (jobId: string, watch: Watch): Promise<void> => {
    if (watch.checking) return
    watch.checking = true
    try {
      const job = await queue.get(jobId)
      if (job && !isFinal(job.status)) return
      for (const f of [...watch.followers]) f({ type: 'end', job })
    } catch {
      // Redis away: the next `finished` message or check will tell
    } finally {
      watch.checking = false
    }
  }

  const watchOf = (jobId: string): Watch => {
    const watch = watches.get(jobId)
    if (watch) return watch
    const created: Watch = { followers: new Set(), ready: Promise.resolve(), checking: false }
    const deliver = (event: JobEvent): void => {
      if (event.type === 'finished') void check(jobId, created)
      else for (const f of [...created.followers]) f(event)
    }
    created.ready = queue.follow(jobId, deliver).then((unfollow) => { created.unfollow = unfollow })
    created.timer = setInterval(() => { void check(jobId, created) }, CHECK_MS)
    created.timer.unref()
    watches.set(jobId, created)
    return created
  }

  return {
    add (jobId, tenant, follower) {
      const giveBack = caps.take(`job:${jobId}`, tenant)
      if (!giveBack) return null
      const watch = watchOf(jobId)
      watch.followers.add(follower)
      total++
      let removed = false
      return {
        ready: watch.ready,
        remove () {
          if (removed) return
          removed = true
          watch.followers.delete(follower)
          giveBack()
          total--
          unwatch(jobId, watch)
        }
      }
    },
    count: () => total,
    endAll () {
      for (const watch of [...watches.values()]) for (const f of [...watch.followers]) f({ type: 'end', job: null })
    }
  }
}
