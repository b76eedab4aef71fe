/**
 * The one write that stores a model: its weights blob, metadata hash and index entries in one Lua
 * script, so a model is all there or not at all. A model trained by a job is stored at most once per
 * job: the script first reads the job's claim (keys.jobModel) and, if another attempt of the same job
 * already stored a model, writes nothing and answers that model's id. A job that BullMQ ran twice (a
 * lost lock, a crashed worker) therefore ends with one model, whichever attempt saved first.
 */
import type { Redis } from 'ioredis'

// KEYS: 1 job claim ('' slot unused when the model has no job), 2 weights, 3 meta hash, 4 all models,
// 5 the tenant's models, 6 the name's versions. ARGV: id, blob, meta JSON, name, version, createdAt (ms), hasJob.
const WRITE = `
if ARGV[7] == '1' then
  local existing = redis.call('GET', KEYS[1])
  if existing then return existing end
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], 'meta', ARGV[3], 'name', ARGV[4], 'version', ARGV[5])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[6], ARGV[1])
redis.call('ZADD', KEYS[6], ARGV[5], ARGV[1])
return ARGV[1]
`

declare module 'ioredis' {
  interface RedisCommander {
    backpropModelWrite (jobKey: string, weightsKey: string, metaKey: string, allKey: string, tenantKey: string, versionsKey: string,
      id: string, blob: Buffer, meta: string, name: string, version: string, createdAt: string, hasJob: '0' | '1'): Promise<string>
  }
}

export interface ModelWrite {
  readonly keys: { job: string | null, weights: string, meta: string, all: string, tenant: string, versions: string }
  readonly id: string
  readonly blob: Buffer
  readonly meta: string
  readonly name: string
  readonly version: number
  readonly createdAt: number
}

/** Writes the model, or (a job's model already stored) nothing: resolves to the id of the model that exists. */
export async function writeModel (redis: Redis, w: ModelWrite): Promise<string> {
  // defineCommand sends EVALSHA and falls back to EVAL when Redis lost the script (e.g. after a restart)
  if (typeof redis.backpropModelWrite !== 'function') redis.defineCommand('backpropModelWrite', { numberOfKeys: 6, lua: WRITE })
  const k = w.keys
  return await redis.backpropModelWrite(k.job ?? k.weights, k.weights, k.meta, k.all, k.tenant, k.versions,
    w.id, w.blob, w.meta, w.name, String(w.version), String(w.createdAt), k.job === null ? '0' : '1')
}
