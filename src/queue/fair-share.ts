/**
 * The training queue's order across tenants: start-time fair queuing (Goyal, Vin and Cheng, SIGCOMM 1996) with
 * every job one unit. A job's tag is one past the later of the current round and its tenant's last tag, and the
 * queue takes the lowest tag first (BullMQ's job priority: lower runs first, FIFO among equals). So a tenant that
 * queues 15 jobs at once takes rounds 1..15, another that queues 10 a moment later takes rounds 2..11, and the
 * two alternate; each tenant's own jobs keep their order. One queue in arrival order had held one tenant's ten
 * 20 ms jobs 100 s behind another's burst (an ops trial).
 *
 * The current round is the highest tag a worker has started (tagStarted). A job a worker loses (a stall) goes to
 * BullMQ's wait list, which is taken before any tagged job; one it hands back (SIGTERM) keeps its tag, at the front
 * of its round (BullMQ's pushBackJobWithPriority). Either runs ahead of the jobs that came after it. When no tagged job waits, the rounds start again from 0, so tags stay far below BullMQ's
 * largest priority (2^21 - 1), past which they would read as it (FIFO for what is past it).
 */
import type { Redis } from 'ioredis'
import { createKeys } from '../store/keys.js'

/** BullMQ's largest job priority. */
export const MAX_TAG = 2 ** 21 - 1

// KEYS: 1 the current round, 2 the tenants' last tags (hash), 3 BullMQ's prioritized set. ARGV: tenant, jobs, MAX_TAG.
// The first of `jobs` consecutive tags for the tenant's new jobs.
const TAGS = `
local round = tonumber(redis.call('GET', KEYS[1]) or '0')
if round > 0 and redis.call('ZCARD', KEYS[3]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  round = 0
end
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local first = math.min(math.max(round, last) + 1, tonumber(ARGV[3]))
redis.call('HSET', KEYS[2], ARGV[1], math.min(first + tonumber(ARGV[2]) - 1, tonumber(ARGV[3])))
return first
`

// KEYS: 1 the current round. ARGV: the tag of a job a worker starts.
const STARTED = `
local round = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > round then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`

/** Tags for `jobs` new jobs of `tenant`, in order: tag i is `first + i` (clamped to MAX_TAG). `prioritized`: BullMQ's set of tagged waiting jobs. */
export async function fairTags (redis: Redis, prefix: string, prioritized: string, tenant: string, jobs: number): Promise<number[]> {
  const keys = createKeys(prefix)
  const first = Number(await redis.eval(TAGS, 3, keys.fairRound(), keys.fairLastTags(), prioritized, tenant, jobs, MAX_TAG))
  return Array.from({ length: jobs }, (_, i) => Math.min(first + i, MAX_TAG))
}

/** A worker starts a job of this tag: the round moves on to it. Untagged jobs (priority 0: handed back, or queued before tags) move nothing. */
export async function tagStarted (redis: Redis, prefix: string, tag: number | undefined): Promise<void> {
  if (tag === undefined || tag <= 0) return
  await redis.eval(STARTED, 1, createKeys(prefix).fairRound(), tag)
}
