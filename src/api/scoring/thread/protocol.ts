/** The request a scoring thread answers (inside the ThreadClient envelopes, threads/thread-protocol.ts) with an Evaluation. */
import type { KernelName } from '../../../kernels/index.js'
import type { EvaluationData } from '../evaluation.js'
import type { InferenceModel } from '../model-inference.js'

export interface ScoringRequest { model: InferenceModel, data: EvaluationData, kernels: KernelName }
