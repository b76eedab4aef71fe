/**
 * Saved network definitions (the NetworkSpec a user posted, with a name), so training jobs can
 * refer to one by id. A definition has no weights; trained weights are models (models.ts).
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { NetworkSpec } from '../nn/spec.js'
import { createKeys, isValidId } from './keys.js'
import { ownerOf, visibleTo } from '../security/tenancy.js'
import { rangeOf, type Page } from './page.js'

export interface NetworkRecord {
  readonly id: string
  readonly name: string
  readonly spec: NetworkSpec
  readonly createdAt: string
  readonly tenant?: string
}

/** Reads take the caller's tenant: another tenant's definition is null, as if unknown. Undefined: any tenant. */
export interface NetworkRepository {
  put (input: { name?: string, spec: NetworkSpec, tenant?: string }): Promise<NetworkRecord>
  get (id: string, tenant?: string): Promise<NetworkRecord | null>
  /** Newest first; a tenant's list reads only its own index. */
  list (tenant?: string, page?: Page): Promise<NetworkRecord[]>
  count (tenant?: string): Promise<number>
  remove (id: string, tenant?: string): Promise<boolean>
}

export function createNetworkRepository (redis: Redis, prefix: string): NetworkRepository {
  const keys = createKeys(prefix)
  const get = async (id: string, tenant?: string): Promise<NetworkRecord | null> => {
    if (!isValidId(id)) return null
    const json = await redis.get(keys.network(id))
    const record = json === null ? null : JSON.parse(json) as NetworkRecord
    return record && visibleTo(record, tenant) ? record : null
  }
  return {
    async put ({ name, spec, tenant }) {
      const id = `net_${randomUUID().replaceAll('-', '')}`
      const createdAt = new Date()
      const record: NetworkRecord = { id, name: name ?? id, spec, createdAt: createdAt.toISOString(), ...(tenant === undefined ? {} : { tenant }) }
      await redis.multi()
        .set(keys.network(id), JSON.stringify(record))
        .zadd(keys.networks(), createdAt.getTime(), id)
        .zadd(keys.networks(ownerOf(record)), createdAt.getTime(), id)
        .exec()
      return record
    },
    get,
    async count (tenant) { return await redis.zcard(keys.networks(tenant)) },
    async list (tenant, page) {
      const ids = await redis.zrevrange(keys.networks(tenant), ...rangeOf(page))
      if (ids.length === 0) return []
      const values = await redis.mget(...ids.map((id) => keys.network(id)))
      return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as NetworkRecord)
        .filter((record) => visibleTo(record, tenant))
    },
    async remove (id, tenant) {
      const record = await get(id, tenant)
      if (!record) return false
      const results = await redis.multi().del(keys.network(id)).zrem(keys.networks(), id).zrem(keys.networks(ownerOf(record)), id).exec()
      return Number(results?.[0]?.[1] ?? 0) > 0
    }
  }
}
