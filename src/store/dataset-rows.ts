/**
 * Reads a block of a stored dataset's feature rows without reading the rest: GETRANGE on the chunks
 * (store/datasets.ts) that hold the block's bytes, so a reader of any dataset size holds one block.
 * It cannot check the dataset's content hash (that needs every byte): getMatrices does, for whole reads.
 */
import type { Redis } from 'ioredis'
import { createKeys } from './keys.js'
import type { DatasetMeta } from './datasets.js'

export interface FeatureRowReader {
  /** Rows [from, to) of the features, row-major (to − from) × inputs; a fresh array. */
  read (from: number, to: number): Promise<Float32Array>
}

export function createFeatureRowReader (redis: Redis, prefix: string, meta: Pick<DatasetMeta, 'id' | 'rows' | 'inputs' | 'chunks'>): FeatureRowReader {
  const keys = createKeys(prefix)
  const rowBytes = meta.inputs * 4
  // every chunk but the last is full, so the first one's length is the chunk size the dataset was written with
  let chunkBytes: Promise<number> | undefined
  const chunkSize = (): Promise<number> => (chunkBytes ??= meta.chunks.x === 1 ? Promise.resolve(meta.rows * rowBytes) : redis.strlen(keys.datasetChunk(meta.id, 'x', 0)))

  return {
    async read (from, to) {
      if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && from <= to && to <= meta.rows)) {
        throw new RangeError(`rows [${from}, ${to}) are not within the dataset's ${meta.rows} rows`)
      }
      const out = new Float32Array((to - from) * meta.inputs)
      if (to === from) return out
      const size = await chunkSize()
      const view = Buffer.from(out.buffer)
      const start = from * rowBytes, end = to * rowBytes
      const reads: Array<Promise<void>> = []
      for (let c = Math.floor(start / size); c * size < end; c++) {
        const lo = Math.max(start, c * size), hi = Math.min(end, (c + 1) * size)
        reads.push(redis.getrangeBuffer(keys.datasetChunk(meta.id, 'x', c), lo - c * size, hi - c * size - 1).then(async (part) => {
          if (part.length !== hi - lo) {
            // a DELETE while a long read streams (the README's cut-off stream) is not a damaged dataset: say which it is
            const deleted = (await redis.exists(keys.dataset(meta.id))) === 0
            throw new Error(deleted ? `dataset ${meta.id} was deleted while its rows were being read` : `dataset ${meta.id} is missing bytes of chunk ${c}`)
          }
          part.copy(view, lo - start)
        }))
      }
      await Promise.all(reads)
      return out
    }
  }
}
