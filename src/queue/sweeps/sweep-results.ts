/**
 * A sweep's results table, read from its child jobs: each fold's status and score, each trial's
 * status, mean ± std and rank (sweeps/ranking.ts). The API's view and the parent job's ranking both
 * read it here, so they cannot disagree.
 */
import { Job, type JobJson, type JobState, type Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import type { JobStatus, TrainJobData } from '../../schemas/training.js'
import type { TrialResultBody } from '../../schemas/sweep.js'
import { createKeys } from '../../store/keys.js'
import type { SweepRecord } from '../../store/sweeps.js'
import { rankTrials, type RankedTrial } from '../../sweeps/ranking.js'
import { CANCELLED_MESSAGE, isFinal, statusOf, type TrainJobResult } from '../training-queue.js'

export interface SweepResults {
  readonly trials: TrialResultBody[]
  /** complete trials, best first */
  readonly ranking: RankedTrial[]
  /** children that ran to their end: succeeded or failed */
  readonly jobsDone: number
  /** children cancelled (with the sweep, or before they ran) */
  readonly jobsCancelled: number
}

/** A trial is as far as its least advanced fold; a failed or cancelled fold fails (cancels) it. */
function trialStatus (folds: readonly JobStatus[]): JobStatus {
  if (folds.includes('failed')) return 'failed'
  if (folds.includes('cancelled')) return 'cancelled'
  if (folds.every((s) => s === 'succeeded')) return 'succeeded'
  return folds.some((s) => s !== 'queued') ? 'running' : 'queued'
}

/**
 * Each child's BullMQ state as statusOf needs it (active, completed, failed, or else queued), its job
 * hash, and its cancel mark, for every child in one MULTI: one round trip and one consistent moment,
 * however many children (a worker moving a child from active to completed cannot be seen in neither).
 * The order of the checks is BullMQ's getState script's: completed, then failed, then active.
 */
async function readChildren (redis: Redis, prefix: string, training: Queue<TrainJobData, TrainJobResult>, ids: readonly string[]):
Promise<{ jobs: Array<Job<TrainJobData, TrainJobResult> | undefined>, states: Array<JobState | 'unknown'>, marks: Array<string | null> }> {
  if (ids.length === 0) return { jobs: [], states: [], marks: [] }
  const multi = redis.multi()
  for (const id of ids) {
    multi.hgetall(training.toKey(id))
    multi.zscore(training.toKey('completed'), id)
    multi.zscore(training.toKey('failed'), id)
    multi.lpos(training.toKey('active'), id)
  }
  multi.hmget(createKeys(prefix).jobCancel(), ...ids)
  const replies = await multi.exec()
  if (!replies) throw new Error('the sweep\'s children could not be read: the transaction was aborted')
  const failed = replies.find(([err]) => err)
  if (failed) throw failed[0]!
  const at = (i: number): unknown => replies[i][1]
  const jobs = ids.map((id, i) => {
    const hash = at(4 * i) as Record<string, string>
    // the raw hash, as BullMQ's own Job.fromId hands it to fromJSON
    return Object.keys(hash).length === 0 ? undefined : Job.fromJSON(training, hash as unknown as JobJson, id) as Job<TrainJobData, TrainJobResult>
  })
  const states = ids.map((_, i): JobState | 'unknown' => {
    if (jobs[i] === undefined) return 'unknown'
    if (at(4 * i + 1) !== null) return 'completed'
    if (at(4 * i + 2) !== null) return 'failed'
    return at(4 * i + 3) !== null ? 'active' : 'waiting'
  })
  return { jobs, states, marks: at(4 * ids.length) as Array<string | null> }
}

export async function readSweepResults (redis: Redis, prefix: string, training: Queue<TrainJobData, TrainJobResult>, record: SweepRecord): Promise<SweepResults> {
  const ids = record.trials.flatMap((t) => t.jobIds)
  const { jobs, states, marks } = await readChildren(redis, prefix, training, ids)
  let at = 0
  const trials: TrialResultBody[] = record.trials.map((t, trial) => {
    const folds = t.jobIds.map((jobId, f) => {
      const i = at++
      const job = jobs[i]
      const status = statusOf(states[i], marks[i] !== null)
      const scores = status === 'succeeded' ? job?.returnvalue?.trial?.scores : undefined
      const error = status === 'cancelled' ? CANCELLED_MESSAGE : status === 'failed' ? job?.failedReason : undefined
      return {
        fold: record.folds === null ? null : f,
        jobId,
        status,
        ...(scores?.[record.metric] !== undefined ? { score: scores[record.metric] } : {}),
        ...(scores ? { scores } : {}),
        ...(error !== undefined ? { error } : {})
      }
    })
    const status = trialStatus(folds.map((f) => f.status))
    const error = folds.find((f) => f.error !== undefined)?.error
    return { trial, params: t.params, status, ...(error !== undefined && status !== 'succeeded' ? { error } : {}), folds }
  })
  const ranking = rankTrials(trials.map((t) => ({ trial: t.trial, scores: t.folds.map((f) => f.score ?? null) })), record.greaterIsBetter)
  for (const r of ranking) Object.assign(trials[r.trial], { mean: r.mean, std: r.std, rank: r.rank })
  // done: ran to their end (succeeded or failed); a cancelled child is counted apart, so a cancelled sweep does not read as complete
  const count = (which: (status: JobStatus) => boolean): number => trials.reduce((n, t) => n + t.folds.filter((f) => which(f.status)).length, 0)
  return { trials, ranking, jobsDone: count((s) => isFinal(s) && s !== 'cancelled'), jobsCancelled: count((s) => s === 'cancelled') }
}
