/**
 * A sweep's results table, read from its child jobs: each fold's status and score, each trial's
 * status, mean ± std and rank (sweeps/ranking.ts). The API's view and the parent job's ranking both
 * read it here, so they cannot disagree.
 */
import type { Job, JobState, Queue } from 'bullmq'
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
  readonly jobsDone: number
}

/** A trial is as far as its least advanced fold; a failed or cancelled fold fails (cancels) it. */
function trialStatus (folds: readonly JobStatus[]): JobStatus {
  if (folds.includes('failed')) return 'failed'
  if (folds.includes('cancelled')) return 'cancelled'
  if (folds.every((s) => s === 'succeeded')) return 'succeeded'
  return folds.some((s) => s !== 'queued') ? 'running' : 'queued'
}

export async function readSweepResults (redis: Redis, prefix: string, training: Queue<TrainJobData, TrainJobResult>, record: SweepRecord): Promise<SweepResults> {
  const ids = record.trials.flatMap((t) => t.jobIds)
  const jobs = await Promise.all(ids.map(async (id) => await training.getJob(id) as Job<TrainJobData, TrainJobResult> | undefined))
  const states = await Promise.all(jobs.map(async (job): Promise<JobState | 'unknown'> => (job ? await job.getState() : 'unknown')))
  const marks = ids.length > 0 ? await redis.hmget(createKeys(prefix).jobCancel(), ...ids) : []
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
  return { trials, ranking, jobsDone: trials.reduce((n, t) => n + t.folds.filter((f) => isFinal(f.status)).length, 0) }
}
