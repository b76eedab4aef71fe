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
  stopReason: RunStopReason
  warnings: string[]
  /** rows the weights were fitted on, and the rows validationSplit held out of them (scored each epoch) */
  trainRows?: number
  validationRows?: number
}

/** The split of a run's rows: trained on, and held out for validation. */
export interface RowSplit { readonly trainRows: number, readonly validationRows: number }

export function reportOf (result: Pick<TrainResult, 'bestEpoch' | 'stoppedEpoch' | 'stopReason' | 'warnings'>, split?: RowSplit): RunReport {
  return {
    bestEpoch: result.bestEpoch,
    stoppedEpoch: result.stoppedEpoch,
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
  if (isReason(s.stopReason)) report.stopReason = s.stopReason
  if (Array.isArray(s.warnings)) report.warnings = s.warnings.filter((w): w is string => typeof w === 'string')
  if (typeof s.trainRows === 'number') report.trainRows = s.trainRows
  if (typeof s.validationRows === 'number') report.validationRows = s.validationRows
  return report
}
