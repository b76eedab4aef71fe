/**
 * Sweeps as BullMQ flows, as the API sees them: start one (the parent job in queue `sweeps`, every
 * (trial, fold) a child training job in queue `training`), read its status and results table, list,
 * and cancel every unfinished child wherever it runs. The parent's work (ranking, retraining the best)
 * is sweep-processor.ts, in workers.
 */
import { FlowProducer, Queue, type FlowJobNode, type JobState } from 'bullmq'
import type { Redis } from 'ioredis'
import type { SweepResponseBody } from '../../schemas/sweep.js'
import type { JobStatus } from '../../schemas/training.js'
import { createKeys } from '../../store/keys.js'
import { ownerOf } from '../../security/tenancy.js'
import { rangeOf, type Page } from '../../store/page.js'
import { createSweepStore, type SweepRecord } from '../../store/sweeps.js'
import { CANCELLED_MESSAGE, cancelMarkOf, isFinal, markCancelled, TRAINING_QUEUE, unfinishedIdsIn, withoutCancelled, type TrainingQueue } from '../training-queue.js'
import { fairTags } from '../fair-share.js'
import { readSweepResults } from './sweep-results.js'

export const SWEEP_QUEUE = 'sweeps'

/** What the parent job carries: its sweep, and once the ranking is done, the best trial and the job retraining it. */
export interface SweepJobData { sweepId: string, bestTrial?: number, retrainJobId?: string }
/** The parent's result: the best trial, and the model retrained from it (none without refit). */
export interface SweepJobResult { bestTrial: number, modelId?: string }

/** As training jobs: a crash is retried; a child that fails for good is recorded and ignored by its parent. */
export const CHILD_JOB_OPTIONS = { attempts: 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false, ignoreDependencyOnFailure: true } as const

export type SweepView = Omit<SweepResponseBody, 'links'>
export type SweepCancelOutcome = { outcome: 'requested' | 'finished', sweep: SweepView } | null
export type SweepRemoveOutcome = { outcome: 'removed' | 'unfinished', sweep: SweepView } | null

export interface SweepQueue {
  readonly queue: Queue<SweepJobData, SweepJobResult>
  /** Stores the record, then adds the whole flow in one step (BullMQ adds a flow atomically). */
  start (record: SweepRecord): Promise<void>
  get (id: string, tenant?: string): Promise<SweepView | null>
  /** Newest first, without results tables. */
  list (tenant: string, page?: Page): Promise<Array<Omit<SweepView, 'results'>>>
  count (tenant: string): Promise<number>
  cancel (id: string, tenant?: string): Promise<SweepCancelOutcome>
  /**
   * Deletes a finished sweep and everything kept for it: its record, its BullMQ jobs (the parent, every
   * trial's children and the retraining job) and what is kept for each (training-queue.ts forget); not
   * the model it stored. 'unfinished' while it is queued or running. Null when there is no such sweep.
   */
  remove (id: string, tenant?: string): Promise<SweepRemoveOutcome>
  /** The ids of `tenant`'s sweeps not yet finished that search on `datasetId` (their retraining is still to come). */
  unfinishedOn (datasetId: string, tenant: string): Promise<string[]>
  close (): Promise<void>
}

const iso = (ms: number | undefined): string | undefined => (ms ? new Date(ms).toISOString() : undefined)

/** The sweep's status: its parent job's once final; before that running as soon as any child started. */
function sweepStatus (parent: JobState | 'unknown', cancelled: boolean, children: readonly JobStatus[]): JobStatus {
  if (parent === 'completed') return 'succeeded'
  if (parent === 'failed') return cancelled ? 'cancelled' : 'failed'
  return children.some((s) => s !== 'queued') ? 'running' : 'queued'
}

export function createSweepQueue (redis: Redis, prefix: string, training: TrainingQueue): SweepQueue {
  const keys = createKeys(prefix)
  const store = createSweepStore(redis, prefix)
  const queue = new Queue<SweepJobData, SweepJobResult>(SWEEP_QUEUE, { connection: redis, prefix: keys.bullPrefix() })
  queue.on('error', () => undefined) // the connection's owner logs outages (store/redis-health.ts)
  const flows = new FlowProducer({ connection: redis, prefix: keys.bullPrefix() })
  flows.on('error', () => undefined)

  const view = async (record: SweepRecord, withResults: boolean): Promise<SweepView> => {
    // the sweep's own state first, its children's after: it ends only once they have, so a sweep read as ended is never
    // shown beside a child read an instant earlier, still running (a clean-clone CI run saw 'succeeded' with 5 of 6 done)
    const [read, cancelMark] = await Promise.all([queue.getJob(record.id), cancelMarkOf(redis, prefix, record.id)])
    const cancelled = cancelMark !== null
    const state = read ? await read.getState() : 'unknown'
    const results = await readSweepResults(redis, prefix, training.queue, record)
    // it may have finished between reading it and reading its state: read it again, or a 'succeeded' view would lack its model
    const parent = (state === 'completed' || state === 'failed') && read?.finishedOn === undefined ? (await queue.getJob(record.id)) ?? read : read
    const status = sweepStatus(state, cancelled, results.trials.flatMap((t) => t.folds.map((f) => f.status)))
    const bestTrial = parent?.returnvalue?.bestTrial ?? parent?.data.bestTrial ?? results.ranking[0]?.trial
    const best = results.ranking.find((r) => r.trial === bestTrial)
    const jobs = record.trials.reduce((n, t) => n + t.jobIds.length, 0)
    const error = status === 'cancelled' ? CANCELLED_MESSAGE : status === 'failed' ? parent?.failedReason : undefined
    const finishedAt = isFinal(status) ? iso(parent?.finishedOn) : undefined
    return {
      id: record.id,
      status,
      datasetId: record.datasetId,
      metric: record.metric,
      greaterIsBetter: record.greaterIsBetter,
      folds: record.folds,
      refit: record.refit !== false,
      ...(record.modelName !== undefined ? { modelName: record.modelName } : {}),
      progress: {
        trialsDone: results.trials.filter((t) => isFinal(t.status) && t.status !== 'cancelled').length, trials: record.trials.length,
        jobsDone: results.jobsDone, jobsCancelled: results.jobsCancelled, jobs
      },
      ...(best ? { best: { trial: best.trial, params: record.trials[best.trial].params, mean: best.mean, std: best.std } } : {}),
      ...(parent?.data.retrainJobId !== undefined ? { retrainJobId: parent.data.retrainJobId } : {}),
      ...(status === 'succeeded' && parent?.returnvalue?.modelId ? { modelId: parent.returnvalue.modelId } : {}),
      ...(error !== undefined ? { error } : {}),
      results: withResults ? results.trials : [],
      createdAt: record.createdAt,
      ...(finishedAt !== undefined ? { finishedAt } : {}),
      ...(cancelMark !== null ? { cancelRequestedAt: cancelMark } : {})
    }
  }

  const get = async (id: string, tenant?: string): Promise<SweepView | null> => {
    const record = await store.get(id, tenant)
    return record ? await view(record, true) : null
  }

  return {
    queue,

    async start (record) {
      await store.save(record)
      // each child its place among every tenant's jobs, in the sweep's order (fair-share.ts): a sweep of a thousand
      // children takes a thousand rounds, and other tenants' jobs alternate with them
      const tags = await fairTags(redis, prefix, training.queue.keys.prioritized, ownerOf(record), record.trials.flatMap((t) => t.jobIds))
      let next = 0
      const children: FlowJobNode[] = record.trials.flatMap((t, trial) => t.jobIds.map((jobId, index) => ({
        name: 'train',
        queueName: TRAINING_QUEUE,
        data: { ...t.job, sweep: { id: record.id, trial, ...(record.folds === null ? { holdout: { fraction: t.job.training.validationSplit, seed: record.seed } } : { fold: { k: record.folds, index, seed: record.seed } }) } },
        opts: { jobId, ...CHILD_JOB_OPTIONS, priority: tags[next++] }
      })))
      await flows.add({ name: 'sweep', queueName: SWEEP_QUEUE, data: { sweepId: record.id } satisfies SweepJobData, opts: { jobId: record.id, attempts: 3, backoff: { type: 'fixed', delay: 1000 } }, children })
    },

    get,

    async list (tenant, page) {
      const ids = await redis.zrevrange(keys.sweeps(tenant), ...rangeOf(page ?? {}))
      const records = await Promise.all(ids.map(async (id) => await store.get(id, tenant)))
      const views = await Promise.all(records.filter((r): r is SweepRecord => r !== null).map(async (r) => await view(r, false)))
      return views.map(({ results: _r, ...rest }) => rest)
    },

    count: async (tenant) => await store.count(tenant),

    async cancel (id, tenant) {
      const record = await store.get(id, tenant)
      if (!record) return null
      const before = await view(record, true)
      if (isFinal(before.status)) return { outcome: 'finished', sweep: before }
      // the sweep's own mark first (its parent then ends cancelled), then every child not yet final
      const unfinished = before.results.flatMap((t) => t.folds).filter((f) => !isFinal(f.status)).map((f) => f.jobId)
      await markCancelled(redis, prefix, [record.id, ...unfinished, ...(before.retrainJobId !== undefined ? [before.retrainJobId] : [])])
      return { outcome: 'requested', sweep: await view(record, true) }
    },

    async remove (id, tenant) {
      const record = await store.get(id, tenant)
      if (!record) return null
      const sweep = await view(record, false)
      if (!isFinal(sweep.status)) return { outcome: 'unfinished', sweep }
      const children = [...record.trials.flatMap((t) => t.jobIds), ...(sweep.retrainJobId !== undefined ? [sweep.retrainJobId] : [])]
      // the parent takes its children with it (BullMQ's removeChildren); any it did not know of go one by one
      await (await queue.getJob(record.id))?.remove()
      for (const child of children) await (await training.queue.getJob(child))?.remove()
      await training.forget(children, ownerOf(record))
      await redis.hdel(keys.jobCancel(), record.id)
      await store.remove(record)
      return { outcome: 'removed', sweep }
    },

    async unfinishedOn (datasetId, tenant) {
      // the unfinished parents of the tenant's own sweeps alone are read
      const mine = await unfinishedIdsIn(queue, redis, keys.sweeps(tenant))
      const records = await Promise.all(mine.map(async (id) => await store.get(id)))
      return await withoutCancelled(redis, prefix, records.filter((r): r is SweepRecord => r !== null && r.datasetId === datasetId).map((r) => r.id))
    },

    async close () {
      await flows.close()
      await queue.close()
    }
  }
}
