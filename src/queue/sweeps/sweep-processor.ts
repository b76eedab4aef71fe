/**
 * The parent job of a sweep, in workers. BullMQ runs it once every child has finished (a child that
 * failed for good is ignored, not fatal: ignoreDependencyOnFailure). Step 1 ranks the trials and adds
 * a child that retrains the best configuration on all rows under the sweep's modelName, then waits
 * for it (BullMQ's moveToWaitingChildren); step 2 reports that model. Without refit, step 1 reports the best
 * trial alone. A cancelled sweep ends cancelled.
 */
import { UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from '../../logger.js'
import { ownerOf } from '../../security/tenancy.js'
import { createKeys } from '../../store/keys.js'
import { createSweepStore } from '../../store/sweeps.js'
import { CANCELLED_MESSAGE, isCancelMarked, type TrainingQueue } from '../training-queue.js'
import { fairTags } from '../fair-share.js'
import { readSweepResults } from './sweep-results.js'
import { CHILD_JOB_OPTIONS, type SweepJobData, type SweepJobResult } from './sweep-queue.js'

export type SweepProcessor = (job: Job<SweepJobData, SweepJobResult>, token?: string) => Promise<SweepJobResult>

/** The retraining job's id follows from the sweep's, so a parent retried after a crash adds it only once. */
export const retrainJobIdOf = (sweepId: string): string => `job_${sweepId.replace(/^swp_/, '')}_best`

export function createSweepProcessor (redis: Redis, prefix: string, training: TrainingQueue, logger: Logger): SweepProcessor {
  const store = createSweepStore(redis, prefix)
  const keys = createKeys(prefix)

  return async function processSweep (job, token) {
    const { sweepId } = job.data
    const log = logger.child({ sweepId })
    const record = await store.get(sweepId)
    if (!record) throw new UnrecoverableError(`sweep '${sweepId}' has no record; it was deleted`)
    if (await isCancelMarked(redis, prefix, sweepId)) throw new UnrecoverableError(CANCELLED_MESSAGE)

    if (job.data.retrainJobId === undefined) {
      const results = await readSweepResults(redis, prefix, training.queue, record)
      const best = results.ranking[0]
      if (!best) {
        const reason = results.trials.find((t) => t.error !== undefined)?.error
        // every child succeeded and none has the metric: it was undefined on the rows each was scored on (scikit-learn's NaN)
        throw new UnrecoverableError(reason !== undefined
          ? `no trial succeeded; the first failure: ${reason}`
          : `no trial has a ${record.metric} score: it is undefined on the rows the trials were scored on (a ROC AUC without every class among them, R² of one row); rank by another metric, or use folds`)
      }
      // scikit-learn's refit=False: the ranking is the result
      if (record.refit === false) {
        log.info({ bestTrial: best.trial, mean: best.mean, std: best.std }, 'sweep ranked; no refit')
        return { bestTrial: best.trial }
      }
      const retrainJobId = retrainJobIdOf(sweepId)
      log.info({ bestTrial: best.trial, mean: best.mean, std: best.std }, 'sweep ranked; retraining the best configuration')
      const [priority] = await fairTags(redis, prefix, training.queue.keys.prioritized, ownerOf(record), [retrainJobId])
      await training.queue.add('train', { ...record.trials[best.trial].job, modelName: record.modelName },
        { jobId: retrainJobId, parent: { id: job.id!, queue: job.queueQualifiedName }, ...CHILD_JOB_OPTIONS, priority })
      await redis.zadd(keys.jobs(ownerOf(record)), Date.now(), retrainJobId)
      await job.updateData({ ...job.data, bestTrial: best.trial, retrainJobId })
      // false: the retraining already finished (a fast job), so carry on at once
      if (await job.moveToWaitingChildren(token!)) throw new WaitingChildrenError()
    }

    const retrainJobId = job.data.retrainJobId ?? retrainJobIdOf(sweepId)
    if (await isCancelMarked(redis, prefix, sweepId)) throw new UnrecoverableError(CANCELLED_MESSAGE)
    const retrain = await training.queue.getJob(retrainJobId)
    const modelId = retrain?.returnvalue?.modelId
    const bestTrial = job.data.bestTrial ?? 0
    if (!retrain || (await retrain.getState()) !== 'completed' || !modelId) {
      throw new UnrecoverableError(`retraining the best configuration (trial ${bestTrial}) on all rows failed: ${retrain?.failedReason ?? 'the job is gone'}`)
    }
    log.info({ bestTrial, modelId }, 'sweep finished')
    return { bestTrial, modelId }
  }
}
