/**
 * Trained models in Redis: a metadata hash plus the weights as one encodeModel blob (which also
 * carries the metadata, so an exported blob stands alone). Versions count up per model name; the
 * highest is `latest`. Training and prediction live elsewhere.
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { decodeModel, encodeModel } from '../nn/serialize.js'
import { trainableParameterCount, type NetworkSpec } from '../nn/spec.js'
import type { Normalization } from '../data/normalize.js'
import type { Preprocessing } from '../data/model-inputs.js'
import { createKeys, isValidId } from './keys.js'
import { LOCAL_TENANT, ownerOf, visibleTo } from '../security/tenancy.js'
import { rangeOf, type Page } from './page.js'
import { writeModel } from './model-write.js'
import { MODEL_ID_PREFIX } from '../schemas/model-name.js'

/** What the caller knows about a model: lineage, metrics and everything predict needs besides weights. */
export interface ModelInfo {
  /** The model name that versions are counted under; default: the model id. */
  readonly name?: string
  readonly datasetId?: string
  readonly jobId?: string
  /** The model this one was fine-tuned from. */
  readonly parentModelId?: string
  readonly metrics?: Record<string, number>
  /** Applied to raw inputs before the network (fitted on the training data). */
  readonly normalization?: Normalization
  /** Raw rows → network inputs before the normalisation: column kinds, categories, the fitted imputer. */
  readonly preprocessing?: Preprocessing
  /** Inverse-applied to regression outputs, when targets were scaled for training. */
  readonly targetNormalization?: Normalization
  readonly classes?: string[]
  readonly featureNames?: string[]
  readonly targetNames?: string[]
  /** The training options, as sent. */
  readonly training?: Record<string, unknown>
  /** The tenant that owns it; only that tenant sees it, and names are versioned per tenant. */
  readonly tenant?: string
}

export interface ModelRecord extends ModelInfo {
  readonly id: string
  readonly name: string
  readonly version: number
  readonly network: NetworkSpec
  readonly parameterCount: number
  readonly createdAt: string
}

export interface StoredModel { readonly spec: NetworkSpec, readonly params: Float32Array, readonly meta: ModelRecord }

/** Reads take the caller's tenant: another tenant's model is null, as if unknown. Undefined: any tenant (the worker). */
/** A job's model was not stored: the job's cancel was asked for before its model could be (model-write.ts). */
export class CancelledBeforeStore extends Error {
  constructor (readonly jobId: string) {
    super(`job ${jobId} was cancelled before its model was stored`)
    this.name = 'CancelledBeforeStore'
  }
}

export interface ModelRepository {
  /**
   * Stores a model; with meta.jobId, at most one per job: a later call returns the model stored first;
   * and none once the job's cancel was asked for (throws CancelledBeforeStore).
   */
  save (model: { spec: NetworkSpec, params: Float32Array, meta?: ModelInfo }): Promise<ModelRecord>
  get (id: string, tenant?: string): Promise<ModelRecord | null>
  getWeights (id: string, tenant?: string): Promise<StoredModel | null>
  /** All models, newest first; or the versions of one name (the tenant's own, default `local`), highest first. */
  /** Newest first (or one name's versions, highest first); a tenant's list reads only its own index. */
  list (options?: { name?: string, tenant?: string } & Page): Promise<ModelRecord[]>
  count (options?: { name?: string, tenant?: string }): Promise<number>
  latest (name: string, tenant?: string): Promise<ModelRecord | null>
  /** Version `version` (1, 2, …) of a model name, or null. */
  version (name: string, version: number, tenant?: string): Promise<ModelRecord | null>
  remove (id: string, tenant?: string): Promise<boolean>
}

export function createModelRepository (redis: Redis, prefix: string): ModelRepository {
  const keys = createKeys(prefix)
  // `local` keeps the key shape from before tenancy; other tenants' names live apart (':' is encoded in both parts)
  const nameKey = (name: string, tenant = LOCAL_TENANT): string =>
    tenant === LOCAL_TENANT ? encodeURIComponent(name) : `${encodeURIComponent(tenant)}:${encodeURIComponent(name)}`

  const get = async (id: string, tenant?: string): Promise<ModelRecord | null> => {
    if (!isValidId(id)) return null
    const json = await redis.hget(keys.model(id), 'meta')
    const record = json === null ? null : JSON.parse(json) as ModelRecord
    return record && visibleTo(record, tenant) ? record : null
  }

  const many = async (ids: string[]): Promise<ModelRecord[]> => {
    if (ids.length === 0) return []
    const tx = redis.multi()
    ids.forEach((id) => tx.hget(keys.model(id), 'meta'))
    const rows = (await tx.exec()) ?? []
    return rows.map(([, json]) => json).filter((j): j is string => typeof j === 'string').map((j) => JSON.parse(j) as ModelRecord)
  }

  return {
    async save ({ spec, params, meta = {} }) {
      // a job's second attempt finds the first attempt's model (model-write.ts), before spending a version number
      if (meta.jobId !== undefined) {
        const existing = await redis.get(keys.jobModel(meta.jobId))
        const found = existing === null ? null : await get(existing)
        if (found) return found
      }
      // the prefix is what tells an id from a name in a reference (store/model-ref.ts), so names may not start with it
      const id = `${MODEL_ID_PREFIX}${randomUUID().replaceAll('-', '')}`
      const name = meta.name ?? id
      // two attempts racing past the check above leave a gap in the version numbers, never a duplicate
      const version = await redis.incr(keys.modelVersionCounter(nameKey(name, meta.tenant)))
      const createdAt = new Date()
      const record: ModelRecord = { ...meta, id, name, version, network: spec, parameterCount: trainableParameterCount(spec), createdAt: createdAt.toISOString() }
      const blob = encodeModel({ spec, params, meta: { ...record } })
      const stored = await writeModel(redis, {
        keys: {
          job: meta.jobId === undefined ? null : keys.jobModel(meta.jobId),
          weights: keys.modelWeights(id),
          meta: keys.model(id),
          all: keys.models(),
          tenant: keys.models(ownerOf(record)),
          versions: keys.modelVersions(nameKey(name, meta.tenant)),
          cancel: keys.jobCancel()
        },
        jobId: meta.jobId ?? '',
        id, blob: Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength), meta: JSON.stringify(record), name, version, createdAt: createdAt.getTime()
      })
      if (stored === id) return record
      if (stored === '') throw new CancelledBeforeStore(meta.jobId ?? '')
      const first = await get(stored)
      if (!first) throw new Error(`job ${meta.jobId} stored model ${stored}, which has since been deleted`)
      return first
    },

    get,

    async getWeights (id, tenant) {
      if (!isValidId(id)) return null
      const [blob, json] = await Promise.all([redis.getBuffer(keys.modelWeights(id)), redis.hget(keys.model(id), 'meta')])
      if (blob === null || json === null) return null
      const meta = JSON.parse(json) as ModelRecord
      if (!visibleTo(meta, tenant)) return null
      const { spec, params } = decodeModel(new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength))
      return { spec, params, meta }
    },

    async count ({ name, tenant } = {}) {
      return await redis.zcard(name === undefined ? keys.models(tenant) : keys.modelVersions(nameKey(name, tenant)))
    },

    async list ({ name, tenant, ...page } = {}) {
      const index = name === undefined ? keys.models(tenant) : keys.modelVersions(nameKey(name, tenant))
      const ids = await redis.zrevrange(index, ...rangeOf(page))
      return (await many(ids)).filter((record) => visibleTo(record, tenant))
    },

    async latest (name, tenant) {
      // a delete takes the version out of the index and its record in one transaction: if the record
      // read next is gone, the index read again names the version that is latest now
      for (let attempt = 0; attempt < 3; attempt++) {
        const [id] = await redis.zrevrange(keys.modelVersions(nameKey(name, tenant)), 0, 0)
        if (id === undefined) return null
        const record = await get(id, tenant)
        if (record) return record
      }
      return null
    },

    async version (name, version, tenant) {
      const [id] = await redis.zrangebyscore(keys.modelVersions(nameKey(name, tenant)), version, version)
      return id === undefined ? null : await get(id, tenant)
    },

    async remove (id, tenant) {
      const record = await get(id, tenant)
      if (!record) return false
      const tx = redis.multi()
      tx.del(keys.model(id), keys.modelWeights(id))
      tx.zrem(keys.models(), id)
      tx.zrem(keys.models(ownerOf(record)), id)
      tx.zrem(keys.modelVersions(nameKey(record.name, record.tenant)), id)
      // a name's counter outlives its versions, so that a number is never given twice; an unnamed model's
      // name is its own id, which no later model can take: its counter goes with it
      if (record.name === id) tx.del(keys.modelVersionCounter(nameKey(record.name, record.tenant)))
      tx.publish(keys.modelEvents(), id)
      const results = await tx.exec()
      return Number(results?.[0]?.[1] ?? 0) > 0
    }
  }
}
