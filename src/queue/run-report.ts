/**
 * How a training run ended, as jobs and models report it: the best epoch, the last epoch run, why it
 * stopped, and warnings about options that did not apply as asked. The worker writes it into the
 * job's progress (which BullMQ keeps with the job, so reading a job costs no extra round trip) and
 * into the model's training record; the API reads it back from either.
 */
import type { TrainResult } from '../nn/train.js'
import { STOP_REASONS } from '../schemas/training.js'

export type RunStopReason = (typeof STOP_REASONS)[number]

export interface RunReport {
  /** epoch (1-based) of the lowest monitored loss: validation loss, else training loss */
  bestEpoch: number | null
  /** the last epoch that ran to its end */
  stoppedEpoch: number
  /** the epoch whose end-of-epoch weights the model holds (bestEpoch when early stopping restored them, else stoppedEpoch); absent when no model was stored, and in records older than it */
  weightsEpoch?: number
  stopReason: RunStopReason
  warnings: string[]
  /** rows the weights were fitted on, and the rows validationSplit held out of them (scored each epoch) */
  trainRows?: number
  validationRows?: number
}

/** The split of a run's rows: trained on, and held out for validation. */
export interface RowSplit { readonly trainRows: number, readonly validationRows: number }

export function reportOf (result: Pick<TrainResult, 'bestEpoch' | 'stoppedEpoch' | 'weightsEpoch' | 'stopReason' | 'warnings'>, split?: RowSplit): RunReport {
  // a diverged or cancelled run stores no model: no weights to date
  const stored = result.stopReason !== 'diverged' && result.stopReason !== 'aborted' && result.weightsEpoch > 0
  return {
    bestEpoch: result.bestEpoch,
    stoppedEpoch: result.stoppedEpoch,
    ...(stored ? { weightsEpoch: result.weightsEpoch } : {}),
    stopReason: result.stopReason === 'aborted' ? 'cancelled' : result.stopReason,
    warnings: [...result.warnings],
    ...(split ? { trainRows: split.trainRows, validationRows: split.validationRows } : {})
  }
}

const isReason = (v: unknown): v is RunStopReason => typeof v === 'string' && (STOP_REASONS as readonly string[]).includes(v)

/** The report inside a stored record (a job's progress, a model's training options), or {} when there is none. */
export function readReport (source: unknown): Partial<RunReport> {
  if (typeof source !== 'object' || source === null) return {}
  const s = source as Record<string, unknown>
  const report: Partial<RunReport> = {}
  if (typeof s.bestEpoch === 'number' || s.bestEpoch === null) report.bestEpoch = s.bestEpoch
  if (typeof s.stoppedEpoch === 'number') report.stoppedEpoch = s.stoppedEpoch
  if (typeof s.weightsEpoch === 'number') report.weightsEpoch = s.weightsEpoch
  if (isReason(s.stopReason)) report.stopReason = s.stopReason
  if (Array.isArray(s.warnings)) report.warnings = s.warnings.filter((w): w is string => typeof w === 'string')
  if (typeof s.trainRows === 'number') report.trainRows = s.trainRows
  if (typeof s.validationRows === 'number') report.validationRows = s.validationRows
  return report
}
