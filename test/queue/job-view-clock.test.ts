// A running job's progress.updatedAt (the worker's clock) from the moment BullMQ hands it to a worker:
// before the worker's first report, the attempt's start (processedOn) stands in, and a later attempt's
// start replaces an earlier attempt's last report. Real Redis and BullMQ; the "worker" here is a
// BullMQ Worker that takes the job and holds it without training, as a worker still loading a
// large dataset does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Worker } from 'bullmq'
import { createKeys } from '../../src/store/keys.js'
import { TRAINING_QUEUE, createTrainingQueue, type TrainJobData, type TrainingQueue } from '../../src/queue/training-queue.js'
import { testRedis } from '../store/redis-helper.js'

const { redis, prefix, cleanup } = testRedis('job-view-clock')
let queue: TrainingQueue
let worker: Worker

const data = {
  datasetId: 'ds_0123456789abcdef0123456789abcdef',
  network: { inputs: 4, layers: [{ units: 8, activation: 'relu' }], output: { units: 3, activation: 'softmax' } },
  training: { epochs: 5, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 } }
} as unknown as TrainJobData

beforeAll(() => {
  queue = createTrainingQueue(redis, prefix)
  worker = new Worker(TRAINING_QUEUE, null, { connection: redis.duplicate(), prefix: createKeys(prefix).bullPrefix(), autorun: false })
})

afterAll(async () => {
  await worker?.close(true)
  await queue?.close()
  await cleanup()
})

describe('a running job\'s clock', () => {
  it('starts when a worker takes the job, before its first report, and a new attempt\'s start replaces an old report', async () => {
    const id = await queue.enqueue(data)
    expect((await queue.get(id))?.progress.updatedAt).toBeUndefined() // queued: no clock
    const before = Date.now()
    const taken = await worker.getNextJob('token-1')
    expect(taken?.id).toBe(id)
    const running = await queue.get(id)
    expect(running?.status).toBe('running')
    expect(running?.progress.updatedAt).toBe(new Date(taken!.processedOn!).toISOString())
    expect(Date.parse(running!.progress.updatedAt!)).toBeGreaterThanOrEqual(before - 1000)

    // a report from an earlier attempt, older than this attempt's start, does not hold the clock back
    await taken!.updateProgress({ epoch: 1, epochs: 5, updatedAt: new Date(taken!.processedOn! - 60_000).toISOString() })
    expect((await queue.get(id))?.progress.updatedAt).toBe(new Date(taken!.processedOn!).toISOString())
    // a newer report moves it
    const reported = new Date(taken!.processedOn! + 1234).toISOString()
    await taken!.updateProgress({ epoch: 2, epochs: 5, updatedAt: reported })
    expect((await queue.get(id))?.progress.updatedAt).toBe(reported)
  })

  it('a repeated cancel of a job still running is asked again, keeping the first time (not "already cancelled")', async () => {
    const id = await queue.enqueue(data)
    expect((await worker.getNextJob('token-2'))?.id).toBe(id)
    const first = await queue.cancel(id, undefined, false)
    expect(first).toMatchObject({ outcome: 'requested', job: { status: 'running' } })
    const again = await queue.cancel(id, undefined, false)
    expect(again).toMatchObject({ outcome: 'requested', job: { status: 'running', cancelRequestedAt: first!.job.cancelRequestedAt } })
  })
})
