// The training queue's order across tenants (queue/fair-share.ts): each tenant's jobs take consecutive rounds from
// the current one, so two tenants' bursts alternate and each keeps its own order; a worker moves the round on.
// Checked in BullMQ's own order of the queued jobs, and with a real worker process taking them one at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { columnStats } from '../../src/data/column-stats.js'
import { datasetFromRows } from '../../src/nn/dataset.js'
import { createDatasetRepository } from '../../src/store/datasets.js'
import { createKeys } from '../../src/store/keys.js'
import { createTrainingQueue, type TrainJobData, type TrainingQueue } from '../../src/queue/training-queue.js'
import { fairTags, tagStarted, MAX_TAG } from '../../src/queue/fair-share.js'
import { testRedis } from '../store/redis-helper.js'
import { killWorkers, spawnWorker, until } from '../support/worker-process.js'

const { redis, prefix, cleanup } = testRedis('fair-share')
const keys = createKeys(prefix)
let queue: TrainingQueue
let base: Omit<TrainJobData, 'tenant' | 'datasetId'>
/** Each tenant's own copy of the dataset: a job reads only its tenant's records. */
const datasetOf = new Map<string, string>()

beforeAll(async () => {
  queue = createTrainingQueue(redis, prefix)
  const dataset = datasetFromRows([[0], [1], [2], [3]], [[0], [1], [2], [3]])
  for (const tenant of ['alice', 'bob']) {
    const meta = await createDatasetRepository(redis, prefix).put({
      name: 'line', tenant, dataset, featureNames: ['x'], targetNames: ['y'],
      featureStats: columnStats(dataset.x, dataset.rows, dataset.inputs), targetStats: columnStats(dataset.y, dataset.rows, dataset.outputs)
    })
    datasetOf.set(tenant, meta.id)
  }
  base = {
    network: { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } },
    training: { epochs: 3, batchSize: 4, optimizer: { type: 'sgd', learningRate: 0.01 }, validationSplit: 0, seed: 1, normalize: 'standard', earlyStopping: false }
  }
})

afterAll(async () => {
  killWorkers()
  await queue?.close()
  await cleanup()
})

const enqueue = async (tenant: string, n: number): Promise<string[]> => {
  const ids: string[] = []
  for (let i = 0; i < n; i++) ids.push(await queue.enqueue({ ...base, tenant, datasetId: datasetOf.get(tenant) ?? 'ds_none' }))
  return ids
}
/** The queued jobs in the order a worker takes them. */
const runOrder = async (): Promise<string[]> => await redis.zrange(queue.queue.keys.prioritized, 0, -1)

describe('the queue\'s order across tenants', () => {
  it('alternates two tenants\' bursts, each in its own order; a tenant arriving later starts at the current round, not before it', async () => {
    const a = await enqueue('alice', 5)
    const b = await enqueue('bob', 3)
    expect(await runOrder()).toEqual([a[0], b[0], a[1], b[1], a[2], b[2], a[3], a[4]])
    // a worker has started round 3 (alice's third job): carol's first job comes after what is queued for rounds 1..3,
    // alongside alice's 4th
    await tagStarted(redis, prefix, 3, 'alice', a[2])
    const c = await enqueue('carol', 2)
    expect(await runOrder()).toEqual([a[0], b[0], a[1], b[1], a[2], b[2], a[3], c[0], a[4], c[1]])
    // alice's next job follows her own last one, whatever the round
    const a6 = await enqueue('alice', 1)
    expect((await runOrder()).at(-1)).toBe(a6[0])
    // cancelled while queued, jobs hold no place: bob queues six and cancels them, and his next one comes in the first
    // round, not after the six (it had waited behind every later burst of the others: a hostile retrial)
    await redis.del(queue.queue.keys.prioritized, keys.fairRound())
    const x = await enqueue('alice', 2)
    const y = await enqueue('bob', 6)
    for (const id of y) expect((await queue.cancel(id))?.outcome).toBe('requested')
    const y7 = await enqueue('bob', 1)
    expect((await runOrder()).filter((id) => !y.includes(id))).toEqual([x[0], y7[0], x[1]])
    // nothing tagged waits any more: the rounds start again from 1
    await redis.del(queue.queue.keys.prioritized)
    expect(await fairTags(redis, prefix, queue.queue.keys.prioritized, 'dave', ['d1', 'd2'])).toEqual([1, 2])
    expect(await redis.get(keys.fairRound())).toBeNull()
    // past BullMQ's largest priority, tags stay at it (FIFO from there)
    await redis.zadd(queue.queue.keys.prioritized, 1, 'erin0')
    await redis.zadd(keys.fairTenantTags('erin'), MAX_TAG - 1, 'erin0')
    expect(await fairTags(redis, prefix, queue.queue.keys.prioritized, 'erin', ['e1', 'e2', 'e3'])).toEqual([MAX_TAG, MAX_TAG, MAX_TAG])
    await redis.del(queue.queue.keys.prioritized, keys.fairRound(), keys.fairTenantTags('erin'), keys.fairTenantTags('dave'))
    await queue.queue.obliterate({ force: true })
  })

  it('one worker takes a burst of one tenant and a few jobs of another alternately: the few are not held behind the burst (an ops trial)', async () => {
    const a = await enqueue('alice', 4)
    const b = await enqueue('bob', 2)
    const worker = await spawnWorker({ REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: prefix, TRAIN_THREADS: '1', WORKER_CONCURRENCY: '1' })
    await until('every job finished', async () => (await Promise.all([...a, ...b].map(async (id) => (await queue.get(id))?.status))).every((s) => s === 'succeeded'), 60_000)
    const started = await Promise.all([...a, ...b].map(async (id) => [id, (await queue.queue.getJob(id))!.processedOn!] as const))
    expect(started.sort((x, y) => x[1] - y[1]).map(([id]) => id)).toEqual([a[0], b[0], a[1], b[1], a[2], a[3]])
    worker.child.kill('SIGTERM')
    expect((await worker.exited).code).toBe(0)
  }, 90_000)
})
