// A sweep's results table read from its children on the test Redis: real BullMQ jobs in every state a
// child can be in (succeeded with scores, failed with a reason, running, queued, cancelled, removed),
// brought there by a real in-process BullMQ worker. The table is right, and it is read in one MULTI:
// no per-child getJob or getState round trip, however many children.
import { Job, Worker } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { readSweepResults } from '../../src/queue/sweeps/sweep-results.js'
import { TRAINING_QUEUE, createTrainingQueue, markCancelled, type TrainJobData, type TrainJobResult, type TrainingQueue } from '../../src/queue/training-queue.js'
import { createKeys } from '../../src/store/keys.js'
import type { SweepRecord } from '../../src/store/sweeps.js'
import { testRedis } from '../store/redis-helper.js'
import { until } from '../support/worker-process.js'

const { redis, prefix, cleanup } = testRedis('sweep-results')
let queue: TrainingQueue
let worker: Worker<TrainJobData, TrainJobResult>
let releaseRunning: () => void = () => undefined

const data = (what: string): TrainJobData => ({
  datasetId: what,
  network: { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } },
  training: { epochs: 1, normalize: 'standard', optimizer: { type: 'sgd', learningRate: 0.1 }, validationSplit: 0, earlyStopping: false, seed: 0 }
} as unknown as TrainJobData)

const ids: Record<string, string> = {}

beforeAll(async () => {
  queue = createTrainingQueue(redis, prefix)
  const running = new Promise<void>((resolve) => { releaseRunning = resolve })
  // what each child does is named by its datasetId: score 0.25 or 0.75, fail, or run until released
  worker = new Worker<TrainJobData, TrainJobResult>(TRAINING_QUEUE, async (job) => {
    const what = job.data.datasetId
    if (what === 'fail') throw new Error('the fold diverged')
    if (what === 'run') { await running; return { trial: { scores: { log_loss: 1 }, metrics: {}, heldOutRows: 1 } } }
    return { trial: { scores: { log_loss: Number(what) }, metrics: {}, heldOutRows: 10 } }
  }, { connection: redis.duplicate(), prefix: createKeys(prefix).bullPrefix(), concurrency: 4 })
  for (const what of ['0.25', '0.75', 'fail', 'run']) ids[what] = (await queue.queue.add('train', data(what), { attempts: 1 })).id!
  await until('children settled', async () => {
    const states = await Promise.all(['0.25', '0.75', 'fail', 'run'].map(async (w) => await queue.queue.getJobState(ids[w])))
    return states.join() === 'completed,completed,failed,active'
  }, 10_000)
  // delayed an hour, so that no worker takes them (a paused worker may still hold a fetch in flight):
  // queued as the API reports it; one is cancelled before it starts
  for (const what of ['queued', 'cancelled']) ids[what] = (await queue.queue.add('train', data(what), { delay: 3_600_000 })).id!
  await markCancelled(redis, prefix, [ids.cancelled])
}, 20_000)

afterAll(async () => {
  releaseRunning()
  await worker?.close(true)
  await queue?.close()
  await cleanup()
})

const record = (trials: string[][]): SweepRecord => ({
  id: 'sweep-1', datasetId: 'd', metric: 'log_loss', greaterIsBetter: false, folds: 2, seed: 1, modelName: 'm',
  trials: trials.map((jobIds, i) => ({ params: { 'training.epochs': i + 1 }, jobIds })),
  createdAt: new Date(0).toISOString()
} as unknown as SweepRecord)

describe('a sweep\'s results table', () => {
  it('reads every child in one MULTI, none one at a time, and reports each state, score and reason', async () => {
    const sweep = record([[ids['0.25'], ids['0.75']], [ids.fail, ids.run], [ids.queued, ids.cancelled], [ids['0.75'], 'removed-job']])
    const getJob = vi.spyOn(queue.queue, 'getJob')
    const getState = vi.spyOn(Job.prototype, 'getState')
    const multi = vi.spyOn(redis, 'multi')
    const results = await readSweepResults(redis, prefix, queue.queue, sweep)
    expect(multi).toHaveBeenCalledTimes(1)
    expect(getJob).not.toHaveBeenCalled()
    expect(getState).not.toHaveBeenCalled()
    vi.restoreAllMocks()

    const folds = results.trials.map((t) => t.folds.map((f) => f.status))
    expect(folds).toEqual([['succeeded', 'succeeded'], ['failed', 'running'], ['queued', 'cancelled'], ['succeeded', 'queued']])
    expect(results.trials.map((t) => t.status)).toEqual(['succeeded', 'failed', 'cancelled', 'running'])
    expect(results.trials[0].folds.map((f) => f.score)).toEqual([0.25, 0.75])
    expect(results.trials[0]).toMatchObject({ mean: 0.5, rank: 1 })
    expect(results.trials[1].folds[0].error).toMatch(/the fold diverged/)
    expect(results.trials[2].error).toMatch(/cancel/)
    // ran to their end: both folds of trial 0, the failed fold, and trial 3's succeeded fold; the cancelled one apart
    expect(results.jobsDone).toBe(4)
    expect(results.jobsCancelled).toBe(1)
    expect(results.ranking.map((r) => r.trial)).toEqual([0])
  })
})
