/**
 * The BullMQ worker of the `sweeps` queue, started next to each training worker (worker-runner.ts):
 * it runs sweep parents (sweep-processor.ts), which are light (they read results and add one job),
 * and announces each parent's end on the sweep's event channel, as training jobs do on theirs.
 */
import { Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from '../../logger.js'
import { createKeys } from '../../store/keys.js'
import { createTrainingQueue, publishFinished } from '../training-queue.js'
import { createSweepProcessor } from './sweep-processor.js'
import { SWEEP_QUEUE, type SweepJobData, type SweepJobResult } from './sweep-queue.js'

/** Parents only rank and enqueue: a few at once cost a worker nothing. */
const SWEEP_CONCURRENCY = 4

export interface SweepWorker { close (): Promise<void> }

export function startSweepWorker (redis: Redis, prefix: string, log: Logger,
  locks: { lockDuration: number, stalledInterval: number, maxStalledCount: number }): SweepWorker {
  const training = createTrainingQueue(redis, prefix)
  const worker = new Worker<SweepJobData, SweepJobResult>(SWEEP_QUEUE, createSweepProcessor(redis, prefix, training, log), {
    connection: redis, prefix: createKeys(prefix).bullPrefix(), concurrency: SWEEP_CONCURRENCY, ...locks
  })
  // outages are reported by the training worker on the same connection
  worker.on('error', () => undefined)
  const finished = (id: string | undefined): void => {
    if (id) publishFinished(redis, prefix, id).catch((err: Error) => log.warn({ err, sweepId: id }, 'publishing the end of a sweep failed'))
  }
  worker.on('completed', (job) => finished(job.id))
  worker.on('failed', (job, err) => {
    log.warn({ sweepId: job?.id, reason: err.message }, 'sweep failed')
    finished(job?.id)
  })
  return {
    async close () {
      await worker.close()
      await training.close()
    }
  }
}
