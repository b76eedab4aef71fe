/**
 * An attempt's writes, fenced by its BullMQ lock: each lands only while the job's lock still holds this
 * attempt's token, checked in the same Lua script as the write. A worker whose process was paused past the
 * lock's duration (SIGSTOP, a VM frozen, a GC pause of a minute) wakes up still training a job that another
 * worker has taken over, or finished; BullMQ refuses its moves of the job (they check the token), but not the
 * service's own writes. Unfenced, such a worker had put its epochs into the live attempt's history (an epoch
 * twice, another missing), set a finished job's progress back and wiped its report, and left a checkpoint
 * behind (an ops trial). A fenced write that finds the lock gone throws LockLostError, and the attempt stops.
 *
 * The job's progress is BullMQ's (the job hash's `progress` field and a `progress` event, as Job.updateProgress
 * writes them: BullMQ 6's updateProgress-3.lua, whose key layout `{prefix}:{queue}:{id}[:lock]` this reads).
 */
import type { Redis } from 'ioredis'
import type { Job } from 'bullmq'

/** What an attempt's writes are fenced by: the job's lock key, and the token the attempt took it with. */
export interface AttemptFence {
  readonly jobKey: string
  readonly lockKey: string
  /** BullMQ's events stream and meta hash of the queue (for the progress event) */
  readonly eventsKey: string
  readonly metaKey: string
  readonly jobId: string
  readonly token: string
}

export function fenceOf (job: Pick<Job, 'id' | 'queueQualifiedName'>, token: string): AttemptFence {
  const jobKey = `${job.queueQualifiedName}:${job.id!}`
  return { jobKey, lockKey: `${jobKey}:lock`, eventsKey: `${job.queueQualifiedName}:events`, metaKey: `${job.queueQualifiedName}:meta`, jobId: job.id!, token }
}

/** A fenced write found that the attempt no longer holds the job's lock: another worker runs it, or it has ended. */
export class LockLostError extends Error {
  constructor (jobId: string, what: string) {
    super(`job '${jobId}': this attempt no longer holds the job's lock (another worker has taken it over, or it has ended); its ${what} was not written`)
    this.name = 'LockLostError'
  }
}

// KEYS: 1 the lock, 2 the job's epoch list, 3 and 4 the trained-epochs and trained-samples totals. ARGV: token, samples, the epochs' JSON…
// (pushed a thousand at a time: unpack's stack holds about 8,000, and a fast job's coalesced write can carry more)
const RECORD_EPOCHS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 3, #ARGV, 1000 do redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
redis.call('INCRBY', KEYS[3], #ARGV - 2)
redis.call('INCRBY', KEYS[4], ARGV[2])
return 1
`

// KEYS: 1 the lock, 2 the job hash, 3 the queue's events stream, 4 its meta hash. ARGV: token, job id, progress JSON.
// As BullMQ's updateProgress-3.lua, behind the lock's check (its events stream capped as its getOrSetMaxEvents caps it).
const UPDATE_PROGRESS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
local maxEvents = redis.call('HGET', KEYS[4], 'opts.maxLenEvents')
if not maxEvents then maxEvents = 10000 end
redis.call('HSET', KEYS[2], 'progress', ARGV[3])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxEvents, '*', 'event', 'progress', 'jobId', ARGV[2], 'data', ARGV[3])
return 1
`

// KEYS: 1 the lock, then the keys to delete (or 2 a written key and 3 its name, to RENAME). ARGV: token, 'rename' or 'del'.
const KEYED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  if ARGV[2] == 'rename' then redis.call('DEL', KEYS[2]) end
  return 0
end
if ARGV[2] == 'rename' then redis.call('RENAME', KEYS[2], KEYS[3]) else redis.call('DEL', unpack(KEYS, 2)) end
return 1
`

const landed = (result: unknown): boolean => result === 1

/** Appends `epochs` (JSON) to the job's list and adds them to the totals, while the attempt holds the lock; else LockLostError. */
export async function recordEpochsFenced (redis: Redis, fence: AttemptFence, keys: { history: string, epochs: string, samples: string }, epochs: readonly string[], samples: number): Promise<void> {
  if (!landed(await redis.eval(RECORD_EPOCHS, 4, fence.lockKey, keys.history, keys.epochs, keys.samples, fence.token, samples, ...epochs))) throw new LockLostError(fence.jobId, 'epochs')
}

/** The job's progress (BullMQ's), while the attempt holds the lock; else LockLostError. */
export async function updateProgressFenced (redis: Redis, fence: AttemptFence, progress: object): Promise<void> {
  if (!landed(await redis.eval(UPDATE_PROGRESS, 4, fence.lockKey, fence.jobKey, fence.eventsKey, fence.metaKey, fence.token, fence.jobId, JSON.stringify(progress)))) {
    throw new LockLostError(fence.jobId, 'progress')
  }
}

/** RENAMEs `written` to `key` while the attempt holds the lock; else deletes `written` and throws LockLostError. */
export async function renameFenced (redis: Redis, fence: AttemptFence, written: string, key: string, what: string): Promise<void> {
  if (!landed(await redis.eval(KEYED, 3, fence.lockKey, written, key, fence.token, 'rename'))) throw new LockLostError(fence.jobId, what)
}

/** Deletes `keys` while the attempt holds the lock; else LockLostError (and nothing is deleted). */
export async function deleteFenced (redis: Redis, fence: AttemptFence, keys: readonly string[], what: string): Promise<void> {
  if (!landed(await redis.eval(KEYED, 1 + keys.length, fence.lockKey, ...keys, fence.token, 'del'))) throw new LockLostError(fence.jobId, what)
}
