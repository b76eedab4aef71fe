// Faults with real worker processes (node --import tsx src/bin/worker.ts): a worker killed with SIGKILL
// mid-job is replaced by another that resumes from the checkpoint and ends with bit-identical weights;
// SIGTERM checkpoints, hands the job back to the queue and exits 0. Short stalled-job timings via env.
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { createKeys } from '../../src/store/keys.js'
import { createModelRepository } from '../../src/store/models.js'
import { createTrainingQueue, type TrainJobData, type TrainingQueue } from '../../src/queue/training-queue.js'
import { decodeCheckpoint } from '../../src/queue/checkpoint.js'
import { testRedis } from '../store/redis-helper.js'
import { storeDigits } from '../support/digits-dataset.js'
import { killWorkers, spawnWorker as spawnWorkerWith, until, type WorkerProcess } from '../support/worker-process.js'

const { redis, prefix, cleanup } = testRedis('worker-faults')
const keys = createKeys(prefix)
let queue: TrainingQueue
let data: TrainJobData

const spawnWorker = async (): Promise<WorkerProcess> => await spawnWorkerWith({
  REDIS_URL: process.env.REDIS_URL,
  REDIS_PREFIX: prefix,
  TRAIN_THREADS: '1',
  CHECKPOINT_EVERY_EPOCHS: '2',
  WORKER_LOCK_DURATION_MS: '1000',
  WORKER_STALLED_INTERVAL_MS: '500'
})

const historyLength = async (jobId: string): Promise<number> => await redis.llen(keys.jobHistory(jobId))

async function finished (jobId: string): Promise<string> {
  await until(`job ${jobId} finished`, async () => ['completed', 'failed'].includes(await queue.queue.getJobState(jobId)))
  return await queue.queue.getJobState(jobId)
}

const modelBits = async (jobId: string): Promise<Uint32Array> => {
  const job = await queue.queue.getJob(jobId)
  const model = await createModelRepository(redis, prefix).getWeights(job!.returnvalue.modelId!)
  return new Uint32Array(model!.params.buffer.slice(0))
}

let reference: Uint32Array

beforeAll(async () => {
  queue = createTrainingQueue(redis, prefix)
  data = {
    datasetId: await storeDigits(redis, prefix),
    network: { inputs: 64, layers: [{ units: 32, activation: 'relu' }], output: { units: 10, activation: 'softmax' } },
    training: { epochs: 40, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.005 }, validationSplit: 0.2, earlyStopping: false, seed: 3, normalize: 'standard' }
  }
})

afterAll(async () => {
  killWorkers()
  await queue?.close()
  await cleanup()
})

describe('worker processes', () => {
  it('SIGKILL mid-job: another worker resumes from the checkpoint; the weights are bit-identical to an uninterrupted run', async () => {
    const a = await spawnWorker()
    const crashed = await queue.enqueue(data)
    // kill once a checkpoint exists and at least one epoch after it has run (so that epoch is re-run)
    await until('a checkpoint and an epoch past it', async () => {
      const text = await redis.getBuffer(keys.jobCheckpoint(crashed))
      return text !== null && (await historyLength(crashed)) > decodeCheckpoint(text).epoch
    })
    const startedAt = (await queue.get(crashed))?.startedAt
    expect(startedAt).toBeDefined()
    a.child.kill('SIGKILL')
    expect((await a.exited).signal).toBe('SIGKILL')
    const killedAt = await historyLength(crashed)
    expect(killedAt).toBeLessThan(40)

    const trainedBefore = Number(await redis.get(keys.trainedEpochs()))
    const stalledBefore = Number(await redis.get(keys.stalledJobs()))
    const b = await spawnWorker()
    const st = await finished(crashed)
    if (st !== 'completed') console.log('A', a.logs.join('\n'), '\nB', b.logs.join('\n'))
    expect(st).toBe('completed')
    // the job's start is its first attempt's, not the resuming one's
    expect((await queue.get(crashed))?.startedAt).toBe(startedAt)
    const resumed = b.logs.map((l) => JSON.parse(l) as { msg?: string, epoch?: number }).find((l) => l.msg === 'resuming from checkpoint')
    expect(resumed?.epoch).toBeGreaterThan(0)
    // and the job's record says so, not only the worker's log: the second attempt, from the checkpoint's epoch
    expect(await queue.get(crashed)).toMatchObject({ attempts: 2, resumedFromEpoch: resumed!.epoch })
    // the worker that found the stall counted it once, for /metrics' backprop_training_jobs_stalled_total
    expect(Number(await redis.get(keys.stalledJobs())) - stalledBefore).toBe(1)
    // the second worker trained only the epochs after the checkpoint, not the whole job again
    expect(Number(await redis.get(keys.trainedEpochs())) - trainedBefore).toBe(40 - resumed!.epoch!)
    // every epoch once: the history was trimmed back to the checkpoint before the re-run
    const history = (await redis.lrange(keys.jobHistory(crashed), 0, -1)).map((s) => JSON.parse(s) as { epoch: number })
    expect(history.map((h) => h.epoch)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect(await redis.exists(keys.jobCheckpoint(crashed))).toBe(0)

    const whole = await queue.enqueue(data)
    expect(await finished(whole)).toBe('completed')
    const once = await queue.get(whole)
    expect([once?.attempts, once?.resumedFromEpoch]).toEqual([undefined, undefined]) // one attempt ran it
    reference = await modelBits(whole)
    expect(await modelBits(crashed)).toEqual(reference)
    // the resumed run's history (the epochs before its checkpoint read back from the job's list, as
    // checkpoints carry none) gives the same metrics as the whole run's
    const metricsOf = async (jobId: string): Promise<Record<string, number> | undefined> =>
      (await createModelRepository(redis, prefix).get((await queue.queue.getJob(jobId))!.returnvalue.modelId!))?.metrics
    expect((await metricsOf(crashed))?.epochs).toBe(40)
    expect(await metricsOf(crashed)).toEqual(await metricsOf(whole))
    b.child.kill('SIGTERM')
    expect(await b.exited).toEqual({ code: 0, signal: null })
  })

  it('SIGTERM mid-job: checkpoints, hands the job back (not stuck in running) and exits 0; the next worker finishes it identically', async () => {
    const c = await spawnWorker()
    const jobId = await queue.enqueue(data)
    await until('two epochs', async () => (await historyLength(jobId)) >= 2)
    c.child.kill('SIGTERM')
    expect(await c.exited).toEqual({ code: 0, signal: null })
    // back in the queue with its fair-share tag (queue/fair-share.ts), at the front of its round: BullMQ's prioritized set
    expect(await queue.queue.getJobState(jobId)).toBe('prioritized')
    expect((await queue.get(jobId))?.status).toBe('queued')
    const checkpoint = decodeCheckpoint((await redis.getBuffer(keys.jobCheckpoint(jobId)))!)
    expect(checkpoint.epoch).toBeGreaterThanOrEqual(1)
    expect(checkpoint.epoch).toBeLessThan(40)

    const d = await spawnWorker()
    expect(await finished(jobId)).toBe('completed')
    expect(d.logs.some((l) => l.includes('"resuming from checkpoint"'))).toBe(true)
    expect(await queue.get(jobId)).toMatchObject({ attempts: 2, resumedFromEpoch: checkpoint.epoch })
    expect(await modelBits(jobId)).toEqual(reference)
    d.child.kill('SIGTERM')
    expect((await d.exited).code).toBe(0)
  })
})
