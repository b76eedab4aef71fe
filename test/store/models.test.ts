import { afterAll, describe, it, expect } from 'vitest'
import { parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import { CancelledBeforeStore, createModelRepository } from '../../src/store/models.js'
import { markCancelled } from '../../src/queue/training-queue.js'
import { createKeys } from '../../src/store/keys.js'
import { testRedis } from './redis-helper.js'

const { redis, prefix, cleanup } = testRedis('models')
afterAll(cleanup)

const spec: NetworkSpec = { inputs: 3, layers: [{ units: 4, activation: 'tanh' }], output: { units: 2, activation: 'softmax' } }
const params = Float32Array.from({ length: parameterCount(spec) }, (_, i) => Math.fround(Math.cos(i)))

describe('model repository', () => {
  it('saves weights and metadata and reads them back exactly', async () => {
    const repo = createModelRepository(redis, prefix)
    const rec = await repo.save({ spec, params, meta: { name: 'iris', classes: ['a', 'b'], metrics: { accuracy: 0.9 } } })
    expect(rec).toMatchObject({ name: 'iris', version: 1, parameterCount: 26, classes: ['a', 'b'] })
    const stored = await repo.getWeights(rec.id)
    expect(stored?.spec).toEqual(spec)
    expect(stored?.params).toEqual(params)
    expect(stored?.meta).toEqual(rec)
    expect(await repo.get(rec.id)).toEqual(rec)
  })

  it('counts versions per name, resolves latest, and lists versions highest first', async () => {
    const repo = createModelRepository(redis, prefix)
    const v1 = await repo.save({ spec, params, meta: { name: 'digits' } })
    const v2 = await repo.save({ spec, params, meta: { name: 'digits' } })
    const other = await repo.save({ spec, params })
    expect([v1.version, v2.version]).toEqual([1, 2])
    expect(other.name).toBe(other.id)
    expect((await repo.latest('digits'))?.id).toBe(v2.id)
    expect((await repo.list({ name: 'digits' })).map((m) => m.version)).toEqual([2, 1])
    expect((await repo.list()).map((m) => m.id)).toEqual(expect.arrayContaining([v1.id, v2.id, other.id]))
    expect(await repo.remove(v2.id)).toBe(true)
    expect((await repo.latest('digits'))?.id).toBe(v1.id)
    expect(await repo.getWeights(v2.id)).toBeNull()
    expect(await repo.remove(v2.id)).toBe(false)
    expect(await repo.latest('nobody')).toBeNull()
    // a name's counter outlives its versions (no number is given twice); an unnamed model's goes with it
    const counters = async (): Promise<string[]> => (await redis.keys(`${prefix}:model-name:*:counter`)).filter((k) => k.includes(other.id) || k.includes(':digits:'))
    expect((await counters()).length).toBe(2)
    expect(await repo.remove(v1.id)).toBe(true)
    expect(await repo.remove(other.id)).toBe(true)
    const left = await counters()
    expect([left.length, left[0]?.includes(':digits:')]).toEqual([1, true])
  })

  it('stores one model per job: a second save of the same job, even concurrent, returns the first model', async () => {
    const repo = createModelRepository(redis, prefix)
    const other = Float32Array.from(params, (v) => v + 1)
    const first = await repo.save({ spec, params, meta: { name: 'once', jobId: 'job_once' } })
    const again = await repo.save({ spec, params: other, meta: { name: 'once', jobId: 'job_once' } })
    expect(again).toEqual(first)
    expect((await repo.getWeights(first.id))?.params).toEqual(params)
    // two attempts racing: both pass the fast check, the script lets one write
    const raced = await Promise.all([1, 2, 3].map(() => repo.save({ spec, params: other, meta: { name: 'raced', jobId: 'job_raced' } })))
    expect(new Set(raced.map((r) => r.id)).size).toBe(1)
    expect(await repo.count({ name: 'raced' })).toBe(1)
    expect(await repo.count({ name: 'once' })).toBe(1)
    // models without a job are never deduplicated
    const a = await repo.save({ spec, params, meta: { name: 'free' } })
    const b = await repo.save({ spec, params, meta: { name: 'free' } })
    expect(a.id).not.toBe(b.id)
  })

  it('a cancel and a job\'s model write: whichever comes first wins, never both', async () => {
    const repo = createModelRepository(redis, prefix)
    const keys = createKeys(prefix)
    // cancel first: the write stores nothing, and says so
    expect(await markCancelled(redis, prefix, ['job_cancel_first'])).toEqual([true])
    await expect(repo.save({ spec, params, meta: { name: 'cancel-first', jobId: 'job_cancel_first' } })).rejects.toThrow(CancelledBeforeStore)
    expect(await repo.count({ name: 'cancel-first' })).toBe(0)
    expect(await redis.get(keys.jobModel('job_cancel_first'))).toBeNull()
    expect(await redis.keys(`${prefix}:model:*:staged`)).toEqual([])
    // the model first: the cancel marks nothing
    const stored = await repo.save({ spec, params, meta: { name: 'model-first', jobId: 'job_model_first' } })
    expect(await markCancelled(redis, prefix, ['job_model_first'])).toEqual([false])
    expect(await redis.hexists(keys.jobCancel(), 'job_model_first')).toBe(0)
    expect((await repo.get(stored.id))?.id).toBe(stored.id)
    // racing: each pair ends one way or the other, never with a model and a mark
    for (let i = 0; i < 20; i++) {
      const jobId = `job_race_${i}`
      const [saved, [marked]] = await Promise.all([
        repo.save({ spec, params, meta: { name: `race-${i}`, jobId } }).then(() => true, (err: unknown) => { if (err instanceof CancelledBeforeStore) return false; throw err }),
        markCancelled(redis, prefix, [jobId])
      ])
      expect(saved !== marked, `pair ${i}: saved ${saved}, marked ${marked}`).toBe(true)
    }
  })

  it('a repeated cancel keeps the first cancel\'s time', async () => {
    const keys = createKeys(prefix)
    await markCancelled(redis, prefix, ['job_twice'])
    const first = await redis.hget(keys.jobCancel(), 'job_twice')
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(await markCancelled(redis, prefix, ['job_twice'])).toEqual([true])
    expect(await redis.hget(keys.jobCancel(), 'job_twice')).toBe(first)
  })
})
