/**
 * Datasets in Redis: a metadata hash plus the float32 features and targets as binary chunks of
 * 1 MiB. The chunks are written one command at a time, each with an expiry (PENDING_CHUNK_TTL_S),
 * then one MULTI makes them permanent (PERSIST) and writes the hash last, so a reader sees the whole
 * dataset or none of it, and chunks left by a writer that died before its MULTI expire by themselves.
 * Not all in one MULTI: Redis holds a transaction's commands until EXEC and runs them at once, and an
 * 18 MB dataset that way kept a PING on another connection waiting 110–165 ms on a quiet machine
 * (over a second on a loaded one, which the API's watchdog reads as Redis gone: 503 for every
 * request); written chunk by chunk, 4–11 ms, and faster overall (50 against 190 ms; 2026-12-01).
 * No parsing here; data/build-dataset.ts does that.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Dataset } from '../nn/dataset.js'
import type { ColumnStats } from '../data/column-stats.js'
import { createKeys, isValidId } from './keys.js'
import { ownerOf, visibleTo } from '../security/tenancy.js'
import { rangeOf, type Page } from './page.js'
import type { BuiltDataset } from '../data/build-dataset.js'
import type { FeatureColumn } from '../data/feature-columns.js'
import type { MissingValues } from '../data/missing.js'
import type { MergedIntegers } from '../data/upload-warnings.js'

export const DEFAULT_CHUNK_BYTES = 1024 * 1024
/** How long a chunk written ahead of its dataset's commit lives if that commit never comes. */
export const PENDING_CHUNK_TTL_S = 3600

/** A built dataset (data/build-dataset.ts) with its name and owner. */
export interface NewDataset extends Omit<BuiltDataset, 'columns'> {
  /** Absent: every column numeric with no missing cells. */
  readonly columns?: BuiltDataset['columns']
  readonly name?: string
  /** The tenant that uploads it; only that tenant sees it. */
  readonly tenant?: string
}

export interface DatasetMeta {
  readonly id: string
  readonly tenant?: string
  readonly name: string
  readonly rows: number
  /** Stored feature columns (codes, data/feature-columns.ts); a network's input width is encodedWidth(columns). */
  readonly inputs: number
  readonly outputs: number
  readonly featureNames: string[]
  readonly targetNames: string[]
  readonly classes?: string[]
  /** A single numeric target column's distinct values (≤ MAX_CLASSES). */
  readonly targetValues?: number[]
  /** With targetValues: how many rows hold each (absent on datasets stored before it was kept). */
  readonly targetValueCounts?: number[]
  /** Each feature column's kind; absent on datasets stored before categories existed (all numeric, none missing). */
  readonly columns?: FeatureColumn[]
  readonly missing?: MissingValues
  readonly featureStats: ColumnStats[]
  readonly targetStats: ColumnStats[]
  /** A single numeric target column whose distinct integers float32 made one (data/upload-warnings.ts). */
  readonly targetMerged?: MergedIntegers
  /** What the upload holds that it most likely did not mean (data/upload-warnings.ts). */
  readonly warnings?: string[]
  /** sha256 of the features' then the targets' float32 bytes (little-endian). */
  readonly sha256: string
  readonly bytes: number
  readonly chunks: { readonly x: number, readonly y: number }
  readonly createdAt: string
}

/** Every read takes the caller's tenant: another tenant's dataset is null, as if unknown. Undefined: any tenant (the worker). */
export interface DatasetRepository {
  put (input: NewDataset): Promise<DatasetMeta>
  get (id: string, tenant?: string): Promise<DatasetMeta | null>
  /** Metadata and matrices; throws if the stored bytes no longer match the recorded hash. */
  getMatrices (id: string, tenant?: string): Promise<{ meta: DatasetMeta, dataset: Dataset } | null>
  /** Newest first; a tenant's list reads only its own index. */
  list (tenant?: string, page?: Page): Promise<DatasetMeta[]>
  count (tenant?: string): Promise<number>
  remove (id: string, tenant?: string): Promise<boolean>
}

const bytesOf = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

function chunk (buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size))
  return out.length > 0 ? out : [Buffer.alloc(0)]
}

/** Copies (aligned) the concatenated chunks into a fresh Float32Array of `length` values. */
function float32From (parts: Buffer[], length: number, what: string): Float32Array {
  const out = new Float32Array(length)
  const view = Buffer.from(out.buffer)
  let at = 0
  for (const p of parts) { p.copy(view, at); at += p.length }
  if (at !== view.length) throw new Error(`stored ${what} holds ${at} bytes; expected ${view.length}`)
  return out
}

export function createDatasetRepository (redis: Redis, prefix: string, { chunkBytes = DEFAULT_CHUNK_BYTES } = {}): DatasetRepository {
  const keys = createKeys(prefix)
  const chunkSize = Math.max(4, chunkBytes - (chunkBytes % 4))

  const get = async (id: string, tenant?: string): Promise<DatasetMeta | null> => {
    if (!isValidId(id)) return null
    const json = await redis.hget(keys.dataset(id), 'meta')
    const meta = json === null ? null : JSON.parse(json) as DatasetMeta
    return meta && visibleTo(meta, tenant) ? meta : null
  }

  const chunkKeys = (meta: Pick<DatasetMeta, 'id' | 'chunks'>): string[] => [
    ...Array.from({ length: meta.chunks.x }, (_, i) => keys.datasetChunk(meta.id, 'x', i)),
    ...Array.from({ length: meta.chunks.y }, (_, i) => keys.datasetChunk(meta.id, 'y', i))
  ]

  return {
    async put (input) {
      const { dataset } = input
      const id = `ds_${randomUUID().replaceAll('-', '')}`
      const x = chunk(bytesOf(dataset.x), chunkSize)
      const y = chunk(bytesOf(dataset.y), chunkSize)
      const sha256 = createHash('sha256').update(bytesOf(dataset.x)).update(bytesOf(dataset.y)).digest('hex')
      const createdAt = new Date()
      const meta: DatasetMeta = {
        id,
        ...(input.tenant === undefined ? {} : { tenant: input.tenant }),
        name: input.name ?? id,
        rows: dataset.rows,
        inputs: dataset.inputs,
        outputs: dataset.outputs,
        featureNames: input.featureNames,
        targetNames: input.targetNames,
        ...(input.classes ? { classes: input.classes } : {}),
        ...(input.targetValues ? { targetValues: input.targetValues } : {}),
        ...(input.targetValueCounts ? { targetValueCounts: input.targetValueCounts } : {}),
        ...(input.columns ? { columns: input.columns } : {}),
        ...(input.missing ? { missing: input.missing } : {}),
        featureStats: input.featureStats,
        targetStats: input.targetStats,
        ...(input.targetMerged ? { targetMerged: input.targetMerged } : {}),
        ...(input.warnings ? { warnings: input.warnings } : {}),
        sha256,
        bytes: dataset.x.byteLength + dataset.y.byteLength,
        chunks: { x: x.length, y: y.length },
        createdAt: createdAt.toISOString()
      }
      const pending = chunkKeys(meta)
      const undo = async (): Promise<void> => {
        // Redis does not roll back a transaction whose commands failed (e.g. OOM): undo by hand (what
        // this cannot reach expires: every chunk was written with PENDING_CHUNK_TTL_S)
        await redis.del(keys.dataset(id), ...pending).catch(() => undefined)
        await redis.multi().zrem(keys.datasets(), id).zrem(keys.datasets(ownerOf(meta)), id).exec().catch(() => undefined)
      }
      try {
        for (const [i, b] of [...x, ...y].entries()) await redis.set(pending[i], b, 'EX', PENDING_CHUNK_TTL_S)
      } catch (err) {
        await undo()
        throw new Error(`storing dataset failed: ${err instanceof Error ? err.message : String(err)}`)
      }
      const tx = redis.multi()
      for (const key of pending) tx.persist(key)
      // the hash is the existence marker: written last, after every chunk is made permanent
      tx.hset(keys.dataset(id), { meta: JSON.stringify(meta), sha256 })
      tx.zadd(keys.datasets(), createdAt.getTime(), id)
      tx.zadd(keys.datasets(ownerOf(meta)), createdAt.getTime(), id)
      const results = await tx.exec()
      const failed = results?.find(([err]) => err !== null)
      // PERSIST answers 0 for a key that is gone (expired, or deleted by someone else): the dataset would be missing chunks
      const lost = results?.slice(0, pending.length).findIndex(([, kept]) => kept !== 1) ?? -1
      if (!results || failed || lost >= 0) {
        await undo()
        throw new Error(`storing dataset failed: ${failed?.[0]?.message ?? (lost >= 0 ? `chunk ${pending[lost]} was gone before the commit` : 'transaction aborted')}`)
      }
      return meta
    },

    get,

    async getMatrices (id, tenant) {
      const meta = await get(id, tenant)
      if (!meta) return null
      const parts = await redis.mgetBuffer(...chunkKeys(meta))
      if (parts.some((p) => p === null)) throw new Error(`dataset ${id} is missing chunks`)
      const buffers = parts as Buffer[]
      const xv = float32From(buffers.slice(0, meta.chunks.x), meta.rows * meta.inputs, 'features')
      const yv = float32From(buffers.slice(meta.chunks.x), meta.rows * meta.outputs, 'targets')
      const sha = createHash('sha256').update(bytesOf(xv)).update(bytesOf(yv)).digest('hex')
      if (sha !== meta.sha256) throw new Error(`dataset ${id} is corrupt: content hash ${sha} ≠ recorded ${meta.sha256}`)
      return { meta, dataset: { x: xv, y: yv, rows: meta.rows, inputs: meta.inputs, outputs: meta.outputs } }
    },

    async count (tenant) { return await redis.zcard(keys.datasets(tenant)) },

    async list (tenant, page) {
      const ids = await redis.zrevrange(keys.datasets(tenant), ...rangeOf(page))
      if (ids.length === 0) return []
      const tx = redis.multi()
      ids.forEach((id) => tx.hget(keys.dataset(id), 'meta'))
      const rows = (await tx.exec()) ?? []
      return rows.map(([, json]) => json).filter((j): j is string => typeof j === 'string').map((j) => JSON.parse(j) as DatasetMeta)
        .filter((meta) => visibleTo(meta, tenant))
    },

    async remove (id, tenant) {
      const meta = await get(id, tenant)
      if (!meta) return false
      const tx = redis.multi()
      tx.del(keys.dataset(id), ...chunkKeys(meta))
      tx.zrem(keys.datasets(), id)
      tx.zrem(keys.datasets(ownerOf(meta)), id)
      const results = await tx.exec()
      return Number(results?.[0]?.[1] ?? 0) > 0
    }
  }
}
