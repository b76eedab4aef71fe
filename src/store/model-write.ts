/**
 * The one write that stores a model: its weights blob, metadata hash and index entries, made visible
 * by one Lua script, so a model is all there or not at all. A model trained by a job is stored at
 * most once per job: the script first reads the job's claim (keys.jobModel) and, if another attempt
 * of the same job already stored a model, writes nothing and answers that model's id. A job that
 * BullMQ ran twice (a lost lock, a crashed worker) therefore ends with one model, whichever attempt
 * saved first. The blob (megabytes for a large network) goes up first in pieces of at most 4 MiB,
 * one command each, so the event loop never copies more than a piece at once.
 */
import type { Redis } from 'ioredis'

// KEYS: 1 job claim (the staged blob's key when the model has no job), 2 staged blob, 3 weights,
// 4 meta hash, 5 all models, 6 the tenant's models, 7 the name's versions, 8 the cancel marks.
// ARGV: id, meta JSON, name, version, createdAt (ms), hasJob, jobId.
// Answers the id of the model that exists, or '' when the job's cancel was asked for first.
const WRITE = `
if ARGV[6] == '1' then
  local existing = redis.call('GET', KEYS[1])
  if existing then
    redis.call('DEL', KEYS[2])
    return existing
  end
  if redis.call('HEXISTS', KEYS[8], ARGV[7]) == 1 then
    redis.call('DEL', KEYS[2])
    return ''
  end
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('RENAME', KEYS[2], KEYS[3])
redis.call('HSET', KEYS[4], 'meta', ARGV[2], 'name', ARGV[3], 'version', ARGV[4])
redis.call('ZADD', KEYS[5], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[6], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[7], ARGV[4], ARGV[1])
return ARGV[1]
`

const PIECE = 4 * 1024 * 1024

declare module 'ioredis' {
  interface RedisCommander {
    backpropModelWrite (jobKey: string, stagedKey: string, weightsKey: string, metaKey: string, allKey: string, tenantKey: string, versionsKey: string, cancelKey: string,
      id: string, meta: string, name: string, version: string, createdAt: string, hasJob: '0' | '1', jobId: string): Promise<string>
  }
}

export interface ModelWrite {
  /** job: the job's claim on its one model (null: an import, no job); cancel: the hash of cancel marks by job id */
  readonly keys: { job: string | null, weights: string, meta: string, all: string, tenant: string, versions: string, cancel: string }
  /** the job that trained it, whose cancel mark (keys.cancel) stops the write; '' without one */
  readonly jobId: string
  readonly id: string
  readonly blob: Buffer
  readonly meta: string
  readonly name: string
  readonly version: number
  readonly createdAt: number
}

/**
 * Writes the model, or nothing: resolves to the id of the model that exists (a job's model already
 * stored), or to '' when the job's cancel was asked for before this write. The check and the claim are
 * one script, and the cancel's mark is set by one too (training-queue.ts markCancelled), so a cancel
 * either comes first (no model) or finds the model stored (nothing to cancel): never both.
 */
export async function writeModel (redis: Redis, w: ModelWrite): Promise<string> {
  // defineCommand sends EVALSHA and falls back to EVAL when Redis lost the script (e.g. after a restart)
  if (typeof redis.backpropModelWrite !== 'function') redis.defineCommand('backpropModelWrite', { numberOfKeys: 8, lua: WRITE })
  const k = w.keys
  const staged = `${k.weights}:staged`
  try {
    await redis.set(staged, w.blob.subarray(0, PIECE))
    for (let at = PIECE; at < w.blob.length; at += PIECE) await redis.append(staged, w.blob.subarray(at, at + PIECE))
    return await redis.backpropModelWrite(k.job ?? staged, staged, k.weights, k.meta, k.all, k.tenant, k.versions, k.cancel,
      w.id, w.meta, w.name, String(w.version), String(w.createdAt), k.job === null ? '0' : '1', w.jobId)
  } catch (err) {
    await redis.del(staged).catch(() => undefined)
    throw err
  }
}
