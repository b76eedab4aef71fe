import { afterAll, describe, it, expect } from 'vitest'
import { buildDataset } from '../../src/data/build-dataset.js'
import { createDatasetRepository } from '../../src/store/datasets.js'
import { createKeys } from '../../src/store/keys.js'
import { createFeatureRowReader } from '../../src/store/dataset-rows.js'
import { testRedis } from './redis-helper.js'

const { redis, prefix, cleanup } = testRedis('datasets')
afterAll(cleanup)

function sample (rows: number, cols: number) {
  const features = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => Math.fround(Math.sin(r * cols + c))))
  return { name: 'sample', ...buildDataset({ features, targets: features.map((f) => (f[0] > 0 ? 'pos' : 'neg')) }) }
}

describe('dataset repository', () => {
  it('stores and reads back matrices bit for bit across many chunks', async () => {
    // 64-byte chunks force the multi-chunk path that real datasets take at 1 MiB
    const repo = createDatasetRepository(redis, prefix, { chunkBytes: 64 })
    const input = sample(37, 5)
    const meta = await repo.put(input)
    expect(meta).toMatchObject({ name: 'sample', rows: 37, inputs: 5, outputs: 2, classes: ['neg', 'pos'] })
    expect(meta.chunks.x).toBe(Math.ceil((37 * 5 * 4) / 64))
    expect(meta.sha256).toMatch(/^[0-9a-f]{64}$/)
    const back = await repo.getMatrices(meta.id)
    expect(back?.dataset.x).toEqual(input.dataset.x)
    expect(back?.dataset.y).toEqual(input.dataset.y)
    expect(await repo.get(meta.id)).toEqual(meta)
    // written ahead with an expiry, then made permanent by the commit: a stored dataset's chunks never expire
    const ttls = await Promise.all(Array.from({ length: meta.chunks.x }, (_, i) => redis.ttl(createKeys(prefix).datasetChunk(meta.id, 'x', i))))
    expect(ttls.every((t) => t === -1)).toBe(true)
  })

  it('a row reader says a dataset deleted during its read was deleted, and a damaged one damaged', async () => {
    const repo = createDatasetRepository(redis, prefix, { chunkBytes: 64 })
    const input = sample(37, 5)
    const gone = await repo.put(input)
    const reader = createFeatureRowReader(redis, prefix, gone)
    expect(await reader.read(0, 3)).toEqual(input.dataset.x.subarray(0, 15))
    await repo.remove(gone.id)
    await expect(reader.read(10, 20)).rejects.toThrow(`dataset ${gone.id} was deleted while its rows were being read`)
    const damaged = await repo.put(input)
    await redis.del(createKeys(prefix).datasetChunk(damaged.id, 'x', 2))
    await expect(createFeatureRowReader(redis, prefix, damaged).read(0, 37)).rejects.toThrow(`dataset ${damaged.id} is missing bytes of chunk 2`)
  })

  it('stores nothing when a chunk is gone before the commit, and leaves no key behind', async () => {
    const repo = createDatasetRepository(redis, prefix, { chunkBytes: 64 })
    const k = createKeys(prefix)
    const datasetKeys = async (): Promise<string[]> => (await redis.keys(`${prefix}*`)).filter((key) => key.includes(':dataset:'))
    const before = new Set(await datasetKeys())
    const listed = await redis.zcard(k.datasets())
    // another client deletes the dataset's first chunk while the others are still being written
    const watcher = redis.duplicate()
    await watcher.ping() // connected and past its ready check before it turns subscriber
    const [, events] = await redis.config('GET', 'notify-keyspace-events') as [string, string]
    await redis.config('SET', 'notify-keyspace-events', 'K$')
    let deleted = false
    await watcher.psubscribe(`__keyspace@*__:${k.datasetChunk('*', 'x', 1)}`)
    watcher.on('pmessage', (_p, channel: string) => {
      if (deleted) return
      deleted = true
      const key = channel.slice(channel.indexOf(':') + 1).replace(/:x:1$/, ':x:0')
      void redis.del(key)
    })
    try {
      await expect(repo.put(sample(200, 3))).rejects.toThrow(/storing dataset failed: chunk .*:x:0 was gone before the commit/)
    } finally {
      await redis.config('SET', 'notify-keyspace-events', events)
      watcher.disconnect()
    }
    expect(deleted).toBe(true)
    expect(await redis.zcard(k.datasets())).toBe(listed)
    expect((await datasetKeys()).filter((key) => !before.has(key))).toEqual([])
  })

  it('detects corrupted chunks through the content hash', async () => {
    const repo = createDatasetRepository(redis, prefix, { chunkBytes: 64 })
    const meta = await repo.put(sample(10, 3))
    const key = createKeys(prefix).datasetChunk(meta.id, 'x', 0)
    const buf = await redis.getBuffer(key)
    buf![0] ^= 0xff
    await redis.set(key, buf!)
    await expect(repo.getMatrices(meta.id)).rejects.toThrow(/corrupt/)
  })

  it('lists newest first, removes every key, and treats unknown or malformed ids as absent', async () => {
    const repo = createDatasetRepository(redis, prefix, { chunkBytes: 64 })
    const a = await repo.put(sample(4, 2))
    await new Promise((resolve) => setTimeout(resolve, 5))
    const b = await repo.put(sample(4, 2))
    const ids = (await repo.list()).map((m) => m.id)
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id))
    expect(await repo.remove(a.id)).toBe(true)
    expect(await repo.remove(a.id)).toBe(false)
    expect(await repo.get(a.id)).toBeNull()
    expect(await redis.keys(`${createKeys(prefix).dataset(a.id)}*`)).toEqual([])
    expect((await repo.list()).map((m) => m.id)).not.toContain(a.id)
    expect(await repo.getMatrices('no-such-id')).toBeNull()
    expect(await repo.get('../../etc')).toBeNull()
  })
})
