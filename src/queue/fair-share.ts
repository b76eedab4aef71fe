/**
 * The training queue's order across tenants: start-time fair queuing (Goyal, Vin and Cheng, SIGCOMM 1996) with
 * every job one unit. A job's tag is one past the later of the current round and its tenant's last tag, and the
 * queue takes the lowest tag first (BullMQ's job priority: lower runs first, FIFO among equals). So a tenant that
 * queues 15 jobs at once takes rounds 1..15, another that queues 10 a moment later takes rounds 2..11, and the
 * two alternate; each tenant's own jobs keep their order. One queue in arrival order had held one tenant's ten
 * 20 ms jobs 100 s behind another's burst (an ops trial).
 *
 * Each tenant's backlog is the highest tag among its jobs still queued and not cancelled. The current round is the
 * highest tag a worker has started (tagStarted). A job a worker loses (a stall) goes to BullMQ's wait list, which is
 * taken before any tagged job; one it hands back (SIGTERM) keeps its tag, at the front of its round (BullMQ's
 * pushBackJobWithPriority). Either runs ahead of the jobs that came after it. When no tagged job waits, the rounds
 * start again from 0, so tags stay far below BullMQ's largest priority (2^21 - 1), past which they would read as it
 * (FIFO for what is past it).
 */
import type { Redis } from 'ioredis'
import { createKeys } from '../store/keys.js'

/** BullMQ's largest job priority. */
export const MAX_TAG = 2 ** 21 - 1

// KEYS: 1 the current round, 2 the tenant's queued jobs by tag (sorted set), 3 BullMQ's prioritized set, 4 the cancel
// marks. ARGV: MAX_TAG, then the new jobs' ids. Their tags, consecutive from the first, returned.
// The tenant's backlog ends at its highest-tagged job still queued and not cancelled: entries of jobs started, cancelled
// or gone are dropped on the way (a tenant that queued 60 jobs and cancelled them had its next one wait behind every
// later burst of the others: a hostile retrial).
const TAGS = `
local round = tonumber(redis.call('GET', KEYS[1]) or '0')
if round > 0 and redis.call('ZCARD', KEYS[3]) == 0 then
  redis.call('DEL', KEYS[1])
  round = 0
end
local last = 0
for i = 1, 1000 do
  local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  if #top == 0 then break end
  if redis.call('ZSCORE', KEYS[3], top[1]) and redis.call('HEXISTS', KEYS[4], top[1]) == 0 then
    last = tonumber(top[2])
    break
  end
  redis.call('ZREM', KEYS[2], top[1])
end
local max = tonumber(ARGV[1])
local first = math.min(math.max(round, last) + 1, max)
for i = 2, #ARGV do redis.call('ZADD', KEYS[2], math.min(first + i - 2, max), ARGV[i]) end
return first
`

// KEYS: 1 the current round, 2 the job's tenant's queued jobs by tag. ARGV: the tag of a job a worker starts, its id.
const STARTED = `
local round = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > round then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
`

/** Tags for the new jobs `jobIds` of `tenant`, in order (clamped to MAX_TAG). `prioritized`: BullMQ's set of tagged waiting jobs. */
export async function fairTags (redis: Redis, prefix: string, prioritized: string, tenant: string, jobIds: readonly string[]): Promise<number[]> {
  const keys = createKeys(prefix)
  const first = Number(await redis.eval(TAGS, 4, keys.fairRound(), keys.fairTenantTags(tenant), prioritized, keys.jobCancel(), MAX_TAG, ...jobIds))
  return jobIds.map((_, i) => Math.min(first + i, MAX_TAG))
}

/** A worker starts a job of this tag: the round moves on to it, and it is no longer its tenant's backlog. Untagged jobs (priority 0: lost, or queued before tags) move nothing. */
export async function tagStarted (redis: Redis, prefix: string, tag: number | undefined, tenant: string, jobId: string): Promise<void> {
  if (tag === undefined || tag <= 0) return
  const keys = createKeys(prefix)
  await redis.eval(STARTED, 2, keys.fairRound(), keys.fairTenantTags(tenant), tag, jobId)
}
