/** Messages of the scoring thread: the whole request as workerData, one reply. */
import type { KernelName } from '../../../kernels/index.js'
import type { Evaluation, EvaluationData } from '../evaluation.js'
import type { InferenceModel } from '../model-inference.js'

export interface ScoringRequest { model: InferenceModel, data: EvaluationData, kernels: KernelName }

/** An error keeps what the problem handler needs (status, code, locating members), never a stack. */
export type ScoringReply =
  | { ok: Evaluation }
  | { error: { message: string, name: string, statusCode?: number, code?: string, problem?: Record<string, unknown> } }
