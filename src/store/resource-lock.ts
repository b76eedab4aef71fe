/**
 * Short locks on a stored dataset or model, shared by every API replica through Redis, that make "is it in
 * use?" and "use it" one step each: a DELETE holds a resource's lock from its in-use check to its removal, and
 * a job or sweep holds the locks of what it reads from its last existence check to its enqueue. Without them,
 * a DELETE and a POST racing on one dataset could both succeed (the check saw no job; the job found no
 * dataset when it started and failed). Each lock is a key set with NX and an expiry (so a crashed holder frees
 * it), released only by the token that took it (the single-instance pattern of redis.io's SET docs).
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { CONFLICT } from '../errors.js'

/** A resource that can be locked: a dataset or a model, by id. */
export type LockedResource = `dataset:${string}` | `model:${string}`

/** The longest a holder keeps a lock if it never releases it (a crash between take and release). */
const EXPIRY_MS = 30_000
/** How long a request waits for a lock another request holds before a 409 says to retry. */
const WAIT_MS = 5_000
const RETRY_MS = 10

const RELEASE = 'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end'

export interface ResourceLocks {
  /** Runs `use` holding the locks of `resources` (taken in sorted order, so two holders never wait on each other). */
  holding<T> (resources: readonly LockedResource[], use: () => Promise<T>): Promise<T>
}

export function createResourceLocks (redis: Redis, prefix: string): ResourceLocks {
  const keyOf = (r: LockedResource): string => `${prefix}:lock:${r}`
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

  const take = async (key: string, token: string): Promise<void> => {
    for (const deadline = Date.now() + WAIT_MS; ;) {
      if ((await redis.set(key, token, 'PX', EXPIRY_MS, 'NX')) === 'OK') return
      if (Date.now() > deadline) throw new CONFLICT(`${key.slice(prefix.length + 6)} is being changed by another request; retry in a moment`)
      await sleep(RETRY_MS)
    }
  }

  return {
    async holding (resources, use) {
      const keys = [...new Set(resources.map(keyOf))].sort()
      const token = randomUUID()
      const taken: string[] = []
      try {
        for (const key of keys) { await take(key, token); taken.push(key) }
        return await use()
      } finally {
        await Promise.all(taken.map(async (key) => await redis.eval(RELEASE, 1, key, token).catch(() => undefined)))
      }
    }
  }
}
