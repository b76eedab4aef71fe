/**
 * Sweep records in Redis: what was asked and what each trial is (its parameters, the training job it
 * trains, its child job ids), one JSON value per sweep plus each tenant's index. The sweep's progress
 * and results are not stored here: they are read from its BullMQ jobs (queue/sweeps/sweep-queue.ts).
 */
import type { Redis } from 'ioredis'
import type { TrainJobData } from '../schemas/training.js'
import type { SweepMetric } from '../schemas/sweep.js'
import { ownerOf, visibleTo } from '../security/tenancy.js'
import { createKeys, isValidId } from './keys.js'
import { rangeOf, type Page } from './page.js'

export interface SweepTrial {
  /** the searched fields: path → value */
  readonly params: Record<string, unknown>
  /** the admitted job of this configuration (without the sweep's child marks) */
  readonly job: TrainJobData
  /** one child job id per fold (one without folds) */
  readonly jobIds: readonly string[]
}

export interface SweepRecord {
  readonly id: string
  readonly tenant?: string
  readonly datasetId: string
  readonly metric: SweepMetric
  readonly greaterIsBetter: boolean
  readonly folds: number | null
  readonly seed: number
  /** false: the trials are ranked, and no model retrained (absent on sweeps stored before it: true) */
  readonly refit?: boolean
  /** With refit: where the retrained best is stored */
  readonly modelName?: string
  readonly trials: readonly SweepTrial[]
  readonly createdAt: string
}

export interface SweepStore {
  save (record: SweepRecord): Promise<void>
  /** `tenant`: another tenant's sweep is null, as if unknown; undefined: any tenant (workers). */
  get (id: string, tenant?: string): Promise<SweepRecord | null>
  /** Ids, newest first. */
  ids (tenant: string, page?: Page): Promise<string[]>
  count (tenant: string): Promise<number>
  /** Deletes the record and its entry in its tenant's index. */
  remove (record: SweepRecord): Promise<void>
}

export function createSweepStore (redis: Redis, prefix: string): SweepStore {
  const keys = createKeys(prefix)
  return {
    async save (record) {
      await redis.multi()
        .set(keys.sweep(record.id), JSON.stringify(record))
        .zadd(keys.sweeps(ownerOf(record)), Date.parse(record.createdAt), record.id)
        .exec()
    },
    async get (id, tenant) {
      if (!isValidId(id)) return null
      const text = await redis.get(keys.sweep(id))
      if (text === null) return null
      const record = JSON.parse(text) as SweepRecord
      return visibleTo(record, tenant) ? record : null
    },
    async ids (tenant, page) { return await redis.zrevrange(keys.sweeps(tenant), ...rangeOf(page)) },
    async count (tenant) { return await redis.zcard(keys.sweeps(tenant)) },
    async remove (record) {
      await redis.multi().del(keys.sweep(record.id)).zrem(keys.sweeps(ownerOf(record)), record.id).exec()
    }
  }
}
