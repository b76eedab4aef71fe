/**
 * Saved network definitions (the NetworkSpec a user posted, with a name), so training jobs can
 * refer to one by id. A definition has no weights; trained weights are models (models.ts).
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { NetworkSpec } from '../nn/spec.js'
import { createKeys, isValidId } from './keys.js'

export interface NetworkRecord {
  readonly id: string
  readonly name: string
  readonly spec: NetworkSpec
  readonly createdAt: string
}

export interface NetworkRepository {
  put (input: { name?: string, spec: NetworkSpec }): Promise<NetworkRecord>
  get (id: string): Promise<NetworkRecord | null>
  /** Newest first. */
  list (): Promise<NetworkRecord[]>
  remove (id: string): Promise<boolean>
}

export function createNetworkRepository (redis: Redis, prefix: string): NetworkRepository {
  const keys = createKeys(prefix)
  const get = async (id: string): Promise<NetworkRecord | null> => {
    if (!isValidId(id)) return null
    const json = await redis.get(keys.network(id))
    return json === null ? null : JSON.parse(json) as NetworkRecord
  }
  return {
    async put ({ name, spec }) {
      const id = `net_${randomUUID().replaceAll('-', '')}`
      const createdAt = new Date()
      const record: NetworkRecord = { id, name: name ?? id, spec, createdAt: createdAt.toISOString() }
      await redis.multi()
        .set(keys.network(id), JSON.stringify(record))
        .zadd(keys.networks(), createdAt.getTime(), id)
        .exec()
      return record
    },
    get,
    async list () {
      const ids = await redis.zrevrange(keys.networks(), 0, -1)
      if (ids.length === 0) return []
      const values = await redis.mget(...ids.map((id) => keys.network(id)))
      return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as NetworkRecord)
    },
    async remove (id) {
      if (!isValidId(id)) return false
      const results = await redis.multi().del(keys.network(id)).zrem(keys.networks(), id).exec()
      return Number(results?.[0]?.[1] ?? 0) > 0
    }
  }
}
