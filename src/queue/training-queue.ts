/**
 * The `training` BullMQ queue as the API sees it: enqueue, read a job as the API reports it (BullMQ
 * state + our epoch history + cancel mark), list, cancel, and follow a job's events. It never trains:
 * training-processor.ts does, in a worker.
 */
import { randomUUID } from 'node:crypto'
import { Queue, type Job, type JobState, type JobType } from 'bullmq'
import type { Redis } from 'ioredis'
import { createKeys, isValidId } from '../store/keys.js'
import { ownerOf, visibleTo } from '../security/tenancy.js'
import type { EpochRecord, JobStatus, TrainJobData } from '../schemas/training.js'
import { effectiveTraining } from './train-options.js'
import { rangeOf, type Page } from '../store/page.js'
import { readReport, type RunReport } from './run-report.js'
import { recordEpochsFenced, type AttemptFence } from './attempt-fence.js'
import { fairTags } from './fair-share.js'

export const TRAINING_QUEUE = 'training'

/** The newest jobs of a tenant a status filter reads, and how many at a time. */
export const STATUS_SCAN = 10_000
const STATUS_CHUNK = 200

export type { TrainJobData }
/** A sweep's child (TrainJobData.sweep) stores no model: it reports its scores on the rows it held out. */
export interface TrialOutcome { scores: Record<string, number>, metrics: Record<string, number>, heldOutRows: number }
export interface TrainJobResult { modelId?: string, trial?: TrialOutcome }
export type TrainingJob = Job<TrainJobData, TrainJobResult>

/** Published on keys.jobEvents(jobId): one per finished epoch, and `finished` once BullMQ has recorded the outcome. */
export type JobEvent = { type: 'epoch', stats: EpochRecord } | { type: 'finished' }

export interface TrainingJobView extends Partial<RunReport> {
  id: string
  status: JobStatus
  /** updatedAt: when the worker last reported (a running job only) */
  progress: { epoch: number, epochs: number, updatedAt?: string }
  history: EpochRecord[]
  datasetId: string
  /** what it trains and how, as admitted: so a job (and the model it made) says which options produced it */
  network: TrainJobData['network']
  networkId?: string
  initialModelId?: string
  training: TrainJobData['training']
  missing?: TrainJobData['missing']
  sweep?: { id: string, trial: number, fold?: { k: number, index: number } }
  modelName?: string
  modelId?: string
  error?: string
  createdAt: string
  /** when a cancel was asked for (a running job stops within a minibatch) */
  cancelRequestedAt?: string
  /** when a stop was asked for (a running job ends after the epoch it is in and stores its model) */
  stopRequestedAt?: string
  startedAt?: string
  finishedAt?: string
  /** the attempt that runs (or ran) it, when not the first, and the epoch that attempt resumed from (training-processor.ts attemptReport) */
  attempts?: number
  resumedFromEpoch?: number
  /** the engine threads the latest attempt trains (or trained) on */
  threads?: number
}

/** requested: marked (now or before); finished: the job had ended; stored: its model was stored before the cancel came (it ends succeeded). */
export type CancelOutcome = { outcome: 'requested' | 'finished' | 'stored', job: TrainingJobView } | null
/** requested: marked (now or before); finished: the job had ended; not-started: nothing trained yet to keep; in-sweep: a trial, whose epochs the sweep compares. */
export type StopOutcome = { outcome: 'requested' | 'finished' | 'not-started' | 'cancelling', job: TrainingJobView } | { outcome: 'in-sweep', job: TrainingJobView, sweepId: string } | null
export type RemoveOutcome = { outcome: 'removed' | 'unfinished', job: TrainingJobView } | { outcome: 'in-sweep', job: TrainingJobView, sweepId: string } | null

/** `tenant` (the caller's): another tenant's job is null, as if unknown; undefined: any tenant. */
export interface TrainingQueue {
  readonly queue: Queue<TrainJobData, TrainJobResult>
  enqueue (data: TrainJobData): Promise<string>
  /** `withHistory` false: `history` empty, and not read (a job's history is one Redis list entry an epoch). */
  get (id: string, tenant?: string, withHistory?: boolean): Promise<TrainingJobView | null>
  /** Newest first. With a tenant: a page of its own index; without (internal use): the newest of every state. */
  list (limit?: number, tenant?: string, page?: Page): Promise<TrainingJobView[]>
  /**
   * A page of a tenant's jobs whose status is one of `statuses`, newest first, and how many match: among
   * its newest STATUS_SCAN jobs (the index orders jobs by time, not by status, so each is read).
   */
  listByStatus (tenant: string, statuses: readonly JobStatus[], page: Page): Promise<{ views: TrainingJobView[], total: number }>
  /** How many jobs a tenant has (its index). */
  count (tenant: string): Promise<number>
  /** The job's recorded epochs after the first `after` (0: all of them), in order. */
  history (id: string, after?: number): Promise<EpochRecord[]>
  /** Marks the job cancelled (a worker that picks it up later sees it) and tells the worker running it. */
  cancel (id: string, tenant?: string, withHistory?: boolean): Promise<CancelOutcome>
  /**
   * Marks a running job to end after the epoch it is in and store its model, and tells the worker running
   * it (a worker that resumes it later sees the mark). Not for a job that has not started, has ended, is
   * being cancelled, or is a sweep's.
   */
  stop (id: string, tenant?: string, withHistory?: boolean): Promise<StopOutcome>
  /**
   * Deletes a finished job and everything kept for it (BullMQ's record, its history, checkpoint and marks;
   * not its model): 'removed', or why not: it is still queued or running, or it is a sweep's child (whose
   * results are the sweep's). Null when there is no such job.
   */
  remove (id: string, tenant?: string): Promise<RemoveOutcome>
  /**
   * Deletes what is kept for these jobs beside BullMQ's records (their histories, checkpoints, marks and
   * index entries in `owner`'s job list), for a caller that removed the BullMQ jobs itself: a deleted sweep.
   */
  forget (ids: readonly string[], owner: string): Promise<void>
  /**
   * The ids of `tenant`'s jobs not yet finished (queued, running, retrying) that train on `datasetId` (only its
   * own jobs can: admission finds no other tenant's dataset). A sweep's trials are not in a tenant's job list:
   * SweepQueue.unfinishedOn answers for them.
   */
  unfinishedOn (datasetId: string, tenant: string): Promise<string[]>
  /**
   * The ids of `tenant`'s jobs not yet finished that fine-tune `modelId`: a queued one reads its weights when
   * it starts, and a running one again when another worker takes it over after a crash.
   */
  unfinishedFineTuning (modelId: string, tenant: string): Promise<string[]>
  /** Calls `listener` with each event of a job until the returned function is called. */
  follow (id: string, listener: (event: JobEvent) => void): Promise<() => Promise<void>>
  close (): Promise<void>
}

/** BullMQ's states of a job that may still run. */
export const UNFINISHED_STATES: JobType[] = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']

/** The failure reason of a job cancelled by request (the worker logs it as 'job cancelled'). */
export const CANCELLED_MESSAGE = 'cancelled by request'
/** BullMQ's failedReason of a job that stalled more than WORKER_MAX_STALLED_COUNT times, and what a job view says instead. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit'
const STALLED_TOO_OFTEN_SAID = 'its workers stopped or crashed while running it more often than WORKER_MAX_STALLED_COUNT allows ' +
  '(BullMQ: job stalled more than allowable limit); check the workers\' logs for why, then submit it again'

/** The abort reason of an attempt whose BullMQ lock could not be renewed: it stops and writes nothing more. */
export const LOCK_LOST = 'lock lost'

/** BullMQ state (+ our cancel mark) → the API's status. */
export function statusOf (state: JobState | 'unknown', cancelled: boolean): JobStatus {
  switch (state) {
    case 'active': return 'running'
    case 'completed': return 'succeeded'
    case 'failed': return cancelled ? 'cancelled' : 'failed'
    default: return cancelled ? 'cancelled' : 'queued'
  }
}

export const isFinal = (status: JobStatus): boolean => status === 'succeeded' || status === 'failed' || status === 'cancelled'

const iso = (ms: number | undefined): string | undefined => (ms ? new Date(ms).toISOString() : undefined)

/** The later of the worker's last report and the time BullMQ handed the job to a worker (processedOn), as ISO text. */
function lastReport (reported: unknown, processedOn: number | undefined): string | undefined {
  const times = [typeof reported === 'string' ? Date.parse(reported) : NaN, processedOn ?? NaN].filter(Number.isFinite)
  return times.length === 0 ? undefined : new Date(Math.max(...times)).toISOString()
}

/**
 * `cancelMark`: when a cancel was asked for (the job's entry in the cancel hash), or null. `firstStart`:
 * when its first attempt started (keys.jobStarted), or null (a job that has not started, or one from
 * before the hash: BullMQ's processedOn, the latest attempt's, stands in).
 */
function viewOf (job: TrainingJob, state: JobState | 'unknown', cancelMark: string | null, history: EpochRecord[], firstStart: string | null = null): TrainingJobView {
  const status = statusOf(state, cancelMark !== null)
  const progress = job.progress as { epoch?: unknown, updatedAt?: unknown, batchSize?: unknown, attempt?: unknown, resumedFromEpoch?: unknown, threads?: unknown } | number
  const epoch = typeof progress === 'object' && typeof progress.epoch === 'number' ? progress.epoch : history.length
  // a running job says when its worker last reported: a clock that stops says the worker is gone, before BullMQ notices
  // (the attempt's own start stands in until its first report, and replaces an earlier attempt's last one)
  const updatedAt = status === 'running' ? lastReport(typeof progress === 'object' ? progress.updatedAt : undefined, job.processedOn) : undefined
  const view: TrainingJobView = {
    id: job.id!,
    status,
    progress: { epoch, epochs: job.data.training.epochs, ...(updatedAt === undefined ? {} : { updatedAt }) },
    history,
    datasetId: job.data.datasetId,
    network: job.data.network,
    ...(job.data.networkId !== undefined ? { networkId: job.data.networkId } : {}),
    ...(job.data.initialModelId !== undefined ? { initialModelId: job.data.initialModelId } : {}),
    // every option written out; the batch size once the worker has resolved it on the rows it trains on
    training: effectiveTraining(job.data.training, typeof progress === 'object' && typeof progress.batchSize === 'number' ? progress.batchSize : undefined),
    ...(job.data.missing !== undefined ? { missing: job.data.missing } : {}),
    ...(job.data.sweep !== undefined ? { sweep: sweepOf(job.data.sweep) } : {}),
    createdAt: iso(job.timestamp)!
  }
  if (typeof progress === 'object' && typeof progress.threads === 'number') view.threads = progress.threads
  if (typeof progress === 'object' && typeof progress.attempt === 'number') {
    view.attempts = progress.attempt
    if (typeof progress.resumedFromEpoch === 'number') view.resumedFromEpoch = progress.resumedFromEpoch
  }
  if (job.data.modelName !== undefined) view.modelName = job.data.modelName
  if (status === 'succeeded' && job.returnvalue?.modelId) view.modelId = job.returnvalue.modelId
  if (status === 'failed' && job.failedReason) view.error = job.failedReason === STALLED_TOO_OFTEN ? STALLED_TOO_OFTEN_SAID : job.failedReason
  if (status === 'cancelled') view.error = CANCELLED_MESSAGE
  // a running job keeps 'running' until its worker stops it (within a minibatch): this says the cancel is on its way
  if (cancelMark !== null) view.cancelRequestedAt = cancelMark
  // the worker's report of how the run ended rides in the progress object (run-report.ts)
  // a job cancelled before it ran has no report: it stopped at epoch 0 with nothing best
  const { weightsEpoch: _kept, ...reported } = readReport(progress) // a cancelled job keeps no weights
  const cancelledReport = { bestEpoch: null, stoppedEpoch: epoch, warnings: [], ...reported, stopReason: 'cancelled' as const }
  Object.assign(view, status === 'cancelled' ? cancelledReport : readReport(progress))
  const startedAt = firstStart ?? iso(job.processedOn)
  if (startedAt && status !== 'queued') view.startedAt = startedAt
  // a job cancelled while queued is final before any worker has failed it in BullMQ: it finished when cancelled
  const finishedAt = iso(job.finishedOn) ?? (status === 'cancelled' ? cancelMark ?? undefined : undefined)
  if (finishedAt && isFinal(status)) view.finishedAt = finishedAt
  return view
}

/** A child's place in its sweep, without the fold's seed (the sweep's own). */
const sweepOf = ({ id, trial, fold }: NonNullable<TrainJobData['sweep']>): NonNullable<TrainingJobView['sweep']> =>
  ({ id, trial, ...(fold ? { fold: { k: fold.k, index: fold.index } } : {}) })

const parseHistory = (items: string[]): EpochRecord[] => items.map((s) => JSON.parse(s) as EpochRecord)

export function createTrainingQueue (redis: Redis, prefix: string): TrainingQueue {
  const keys = createKeys(prefix)
  const queue = new Queue<TrainJobData, TrainJobResult>(TRAINING_QUEUE, {
    connection: redis,
    prefix: keys.bullPrefix(),
    // a crash or a lost thread is retried from the last checkpoint; bad input is an UnrecoverableError and is not
    defaultJobOptions: { attempts: 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false }
  })
  // BullMQ prints an 'error' nobody listens to as a raw stack trace; the connection's owner logs outages (store/redis-health.ts)
  queue.on('error', () => undefined)
  let subscriber: Redis | undefined
  const listeners = new Map<string, Set<(event: JobEvent) => void>>()

  const cancelMark = (id: string): Promise<string | null> => cancelMarkOf(redis, prefix, id)
  const history = (id: string, after = 0): Promise<EpochRecord[]> => readEpochs(redis, prefix, id, after)

  const get = async (id: string, tenant?: string, withHistory = true): Promise<TrainingJobView | null> => {
    if (!isValidId(id)) return null
    let job = await queue.getJob(id) as TrainingJob | undefined
    if (!job || !visibleTo(job.data, tenant)) return null
    const [state, mark, epochs, firstStart] = await Promise.all([job.getState(), cancelMark(id), withHistory ? history(id) : [], redis.hget(keys.jobStarted(), id)])
    // the job may have finished between reading it and reading its state: read it again, or a
    // 'succeeded' view would lack its modelId (and a 'failed' one its reason)
    if ((state === 'completed' || state === 'failed') && job.finishedOn === undefined) job = (await queue.getJob(id) as TrainingJob | undefined) ?? job
    const view = viewOf(job, state, mark, epochs, firstStart)
    const stopMark = await redis.hget(keys.jobStop(), id)
    if (stopMark !== null) view.stopRequestedAt = stopMark
    return view
  }

  const subscriberConnection = (): Redis => {
    if (subscriber) return subscriber
    subscriber = redis.duplicate()
    subscriber.on('error', () => undefined) // the connection it duplicates reports the outage; no raw stack traces
    subscriber.on('message', (channel: string, message: string) => {
      const set = listeners.get(channel)
      if (!set) return
      const event = JSON.parse(message) as JobEvent
      for (const l of set) l(event)
    })
    return subscriber
  }

  const forget = async (ids: readonly string[], owner: string): Promise<void> => {
    if (ids.length === 0) return
    await redis.multi()
      .del(...ids.flatMap((id) => [keys.jobHistory(id), keys.jobCheckpoint(id), keys.jobModel(id)]))
      .hdel(keys.jobCancel(), ...ids)
      .hdel(keys.jobStop(), ...ids)
      .hdel(keys.jobStarted(), ...ids)
      .zrem(keys.jobs(owner), ...ids)
      .exec()
  }

  /** BullMQ's own lists of what is not final, less the cancelled: the tenant's own jobs alone are read (unfinishedIdsIn). */
  const unfinishedWhere = async (tenant: string, matches: (data: TrainJobData) => boolean): Promise<string[]> => {
    const mine = await unfinishedIdsIn(queue, redis, keys.jobs(tenant))
    const jobs = await Promise.all(mine.map(async (id) => await queue.getJob(id)))
    const ids = jobs.filter((j) => j?.data !== undefined && j.id !== undefined && matches(j.data)).map((j) => j!.id!)
    return await withoutCancelled(redis, prefix, ids)
  }

  return {
    queue,

    async enqueue (data) {
      const id = `job_${randomUUID().replaceAll('-', '')}`
      // its place among every tenant's jobs (fair-share.ts)
      const [priority] = await fairTags(redis, prefix, queue.keys.prioritized, ownerOf(data), [id])
      await queue.add('train', data, { jobId: id, priority })
      await redis.zadd(keys.jobs(ownerOf(data)), Date.now(), id)
      return id
    },

    get,
    history,

    async count (tenant) { return await redis.zcard(keys.jobs(tenant)) },

    async listByStatus (tenant, statuses, { offset = 0, limit = 100 }) {
      const wanted = new Set(statuses)
      const matches: TrainingJobView[] = []
      let total = 0
      for (let from = 0; from < STATUS_SCAN; from += STATUS_CHUNK) {
        const ids = await redis.zrevrange(keys.jobs(tenant), from, Math.min(STATUS_SCAN, from + STATUS_CHUNK) - 1)
        const views = await Promise.all(ids.map(async (id) => await get(id, tenant, false)))
        for (const view of views) {
          if (view === null || !wanted.has(view.status)) continue
          if (total >= offset && matches.length < limit) matches.push(view)
          total++
        }
        if (ids.length < STATUS_CHUNK) break
      }
      return { views: matches, total }
    },

    async list (limit = 100, tenant, page) {
      if (tenant !== undefined) {
        const ids = await redis.zrevrange(keys.jobs(tenant), ...rangeOf(page ?? { limit }))
        const views = await Promise.all(ids.map(async (id) => await get(id, tenant, false)))
        // jobs BullMQ has since removed drop out of the index too
        const gone = ids.filter((_, i) => views[i] === null)
        if (gone.length > 0) await redis.zrem(keys.jobs(tenant), ...gone)
        return views.filter((v): v is TrainingJobView => v !== null)
      }
      const states: JobState[] = ['active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed']
      const perState = await Promise.all(states.map(async (state) =>
        (await queue.getJobs([state], 0, limit - 1) as TrainingJob[]).map((job) => ({ job, state }))))
      const all = perState.flat().filter(({ job }) => job?.id && visibleTo(job.data, tenant))
      if (all.length === 0) return []
      const ids = all.map(({ job }) => job.id!)
      const [marks, starts] = await Promise.all([redis.hmget(keys.jobCancel(), ...ids), redis.hmget(keys.jobStarted(), ...ids)])
      return all.map(({ job, state }, i) => viewOf(job, state, marks[i], [], starts[i]))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    },

    async cancel (id, tenant, withHistory = true) {
      const before = await get(id, tenant, false)
      if (!before) return null
      if (isFinal(before.status)) return { outcome: 'finished', job: before }
      const [marked] = await markCancelled(redis, prefix, [id])
      const after = (await get(id, undefined, withHistory)) ?? before
      return marked ? { outcome: 'requested', job: after } : { outcome: 'stored', job: after }
    },

    async stop (id, tenant, withHistory = true) {
      const job = await queue.getJob(id) as TrainingJob | undefined
      const before = job ? await get(id, tenant, false) : null
      if (!job || !before) return null
      if (isFinal(before.status)) return { outcome: 'finished', job: before }
      const sweepId = job.data.sweep?.id ?? job.parent?.id
      if (sweepId !== undefined) return { outcome: 'in-sweep', job: before, sweepId }
      if (before.cancelRequestedAt !== undefined) return { outcome: 'cancelling', job: before }
      // a job handed back between attempts is queued with epochs behind it: it stops once resumed
      if (before.status === 'queued' && before.progress.epoch === 0) return { outcome: 'not-started', job: before }
      // mark first, then publish (one script): a worker that resumes the job after the message still sees the mark
      await redis.eval(MARK_STOPPED, 1, keys.jobStop(), id, new Date().toISOString())
      const after = (await get(id, undefined, withHistory)) ?? before
      // the job ended on its own meanwhile: the stop changed nothing, and is not kept on its record (a 202 then read as stopped)
      if (isFinal(after.status) && after.stopReason !== 'stopped') {
        await redis.hdel(keys.jobStop(), id)
        const { stopRequestedAt: _unkept, ...job } = after
        return { outcome: 'finished', job }
      }
      return { outcome: 'requested', job: after }
    },

    async remove (id, tenant) {
      const job = await queue.getJob(id) as TrainingJob | undefined
      const view = job ? await get(id, tenant, false) : null
      if (!job || !view) return null
      // a trial's child, or the retraining of the best (a child of the sweep's BullMQ job): the sweep names both,
      // finished or not (its own DELETE takes them)
      const sweepId = job.data.sweep?.id ?? job.parent?.id
      if (sweepId !== undefined) return { outcome: 'in-sweep', job: view, sweepId }
      if (!isFinal(view.status)) return { outcome: 'unfinished', job: view }
      await job.remove()
      await forget([id], ownerOf(job.data))
      return { outcome: 'removed', job: view }
    },

    forget,

    unfinishedOn: (datasetId, tenant) => unfinishedWhere(tenant, (data) => data.datasetId === datasetId),
    unfinishedFineTuning: (modelId, tenant) => unfinishedWhere(tenant, (data) => data.initialModelId === modelId),

    async follow (id, listener) {
      const channel = keys.jobEvents(id)
      const sub = subscriberConnection()
      let set = listeners.get(channel)
      if (!set) {
        listeners.set(channel, (set = new Set()))
        await sub.subscribe(channel)
      }
      set.add(listener)
      return async () => {
        set.delete(listener)
        if (set.size === 0 && listeners.get(channel) === set) {
          listeners.delete(channel)
          await sub.unsubscribe(channel).catch(() => undefined)
        }
      }
    },

    async close () {
      await queue.close()
      if (subscriber) await subscriber.quit().catch(() => undefined)
    }
  }
}

/**
 * A job's recorded epochs after the first `after`, in order (the worker's side writes them: recordEpochs).
 * The list holds epoch i + 1 at index i (a resumed run trims it back to its checkpoint first), so the
 * epochs a follower lacks are read, not the whole history again.
 */
export async function readEpochs (redis: Redis, prefix: string, jobId: string, after = 0): Promise<EpochRecord[]> {
  return parseHistory(await redis.lrange(createKeys(prefix).jobHistory(jobId), after, -1))
}

/**
 * The worker's side of events. Appends epochs to a job's history (in order; it is what late
 * subscribers replay), counts them in the service-wide totals GET /metrics reports, then publishes
 * one event per epoch to the job's followers: one round trip for any number of epochs, so a writer
 * that fell behind fast epochs catches up in one go (queue/progress-writer.ts).
 */
export async function recordEpochs (redis: Redis, prefix: string, fence: AttemptFence, epochs: readonly EpochRecord[], rows: number): Promise<void> {
  if (epochs.length === 0) return
  const keys = createKeys(prefix)
  const { jobId } = fence
  // only while the attempt holds the job's lock (attempt-fence.ts): a stale attempt's epochs are neither listed nor counted nor followed
  await recordEpochsFenced(redis, fence, { history: keys.jobHistory(jobId), epochs: keys.trainedEpochs(), samples: keys.trainedSamples() },
    epochs.map((stats) => JSON.stringify(stats)), rows * epochs.length)
  const events = redis.pipeline()
  for (const stats of epochs) events.publish(keys.jobEvents(jobId), JSON.stringify({ type: 'epoch', stats } satisfies JobEvent))
  await events.exec()
}

export async function publishFinished (redis: Redis, prefix: string, jobId: string): Promise<void> {
  await redis.publish(createKeys(prefix).jobEvents(jobId), JSON.stringify({ type: 'finished' } satisfies JobEvent))
}

/**
 * Cancels jobs wherever they run: marks them, then tells every worker. Mark first, then publish: a
 * worker that starts a job after the message still sees the mark and fails it as cancelled.
 */
// KEYS: 1 the cancel marks, 2 the job's model claim (store/model-write.ts). ARGV: job id, now (ISO).
// 0: the job has stored its model already, nothing is marked; 1: marked now; 2: marked before (the first time kept).
const MARK_CANCELLED = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local fresh = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', KEYS[1], ARGV[1])
if fresh == 1 then return 1 end
return 2
`

declare module 'ioredis' {
  interface RedisCommander {
    backpropMarkCancelled (cancelKey: string, modelClaimKey: string, jobId: string, now: string): Promise<number>
  }
}

/**
 * Marks jobs cancelled and tells the workers (the cancel channel), each in one script with the check
 * that its model is not stored yet: a job's model write checks the mark in one script too
 * (store/model-write.ts), so a cancel comes either first (the job stores nothing and ends cancelled) or
 * after the model (nothing is marked). A repeated cancel keeps the first mark's time. Answers, per id,
 * whether it is marked (now or before): false for a job whose model was stored.
 */
export async function markCancelled (redis: Redis, prefix: string, ids: readonly string[]): Promise<boolean[]> {
  if (ids.length === 0) return []
  if (typeof redis.backpropMarkCancelled !== 'function') redis.defineCommand('backpropMarkCancelled', { numberOfKeys: 2, lua: MARK_CANCELLED })
  const keys = createKeys(prefix)
  const now = new Date().toISOString()
  const answers = await Promise.all(ids.map((id) => redis.backpropMarkCancelled(keys.jobCancel(), keys.jobModel(id), id, now)))
  return answers.map((a) => a !== 0)
}

// KEYS: 1 the stop marks (and channel). ARGV: job id, now (ISO). A repeated stop keeps the first mark's time.
const MARK_STOPPED = `
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
`

/** The stop channel (and mark hash) that workers listen on: a stop ends a running job after its epoch, keeping its model. */
export const stopChannel = (prefix: string): string => createKeys(prefix).jobStop()
export const isStopMarked = async (redis: Redis, prefix: string, jobId: string): Promise<boolean> =>
  (await redis.hexists(createKeys(prefix).jobStop(), jobId)) === 1

/** The cancel channel (and mark hash) that workers listen on. */
export const cancelChannel = (prefix: string): string => createKeys(prefix).jobCancel()
export const isCancelMarked = async (redis: Redis, prefix: string, jobId: string): Promise<boolean> =>
  (await redis.hexists(createKeys(prefix).jobCancel(), jobId)) === 1
/** When the cancel of a job (or sweep) was first asked for, or null. */
export const cancelMarkOf = (redis: Redis, prefix: string, id: string): Promise<string | null> => redis.hget(createKeys(prefix).jobCancel(), id)

/**
 * The ids of `queue`'s jobs not yet final that a tenant's index (a sorted set of its ids) lists: BullMQ's
 * lists give every tenant's ids, and only the tenant's own are worth reading. Reading every unfinished job
 * let one tenant's thousands of queued jobs slow every other tenant's deletes and fine-tunes (0.68 s a delete
 * with 1,474 queued, in a hostile trial).
 */
export async function unfinishedIdsIn (queue: Pick<Queue, 'getRanges'>, redis: Redis, index: string): Promise<string[]> {
  // every one: BullMQ's range defaults to 0..1, the first two of each list, which had let a dataset a third queued job needs be deleted (an ops trial)
  const all = [...new Set(await queue.getRanges(UNFINISHED_STATES, 0, -1))]
  if (all.length === 0) return []
  const listed = await redis.zmscore(index, ...all)
  return all.filter((_, i) => listed[i] !== null)
}

/** The ids among `ids` without a cancel mark: a cancelled job still waiting in BullMQ's list will not train. */
export async function withoutCancelled (redis: Redis, prefix: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return []
  const marks = await redis.hmget(createKeys(prefix).jobCancel(), ...ids)
  return ids.filter((_, i) => marks[i] === null)
}
