/**
 * Where an evaluation runs: a small one on the event loop (a thread would cost more to start than it
 * saves), a large one on a thread of its own, so that its forward passes and one sort per class never
 * stall other requests. Both run evaluation.ts, so the result does not depend on where it ran.
 */
import { parameterCount } from '../../nn/spec.js'
import type { KernelName } from '../../kernels/index.js'
import { evaluateModel, type Evaluation, type EvaluationData } from './evaluation.js'
import type { InferenceModel } from './model-inference.js'
import type { ScoringRequest } from './thread/protocol.js'
import { ThreadClient } from '../../threads/thread-client.js'

/** Multiply-adds (rows × parameters) above which a dataset is scored on a thread: ≈ 2 ms of forward passes. */
export const THREAD_WORK = 2 ** 22
/** Rows above which a dataset goes to a thread whatever the network: the per-class sorts grow as n log n. */
export const THREAD_ROWS = 20_000

const fromSource = import.meta.url.endsWith('.ts')
const entry = new URL(fromSource ? './thread/thread-from-source.mjs' : './thread/thread-main.js', import.meta.url)

export const scoresOnThread = (model: InferenceModel, rows: number): boolean =>
  rows > THREAD_ROWS || rows * parameterCount(model.spec) > THREAD_WORK

export async function scoreModel (model: InferenceModel, data: EvaluationData, kernels: KernelName, onThread = scoresOnThread(model, data.dataset.rows)): Promise<Evaluation> {
  if (!onThread) return evaluateModel(model, data, kernels)
  const request: ScoringRequest = { model, data, kernels }
  // the matrices move to the thread: the caller's copies are not used again
  const transfer = [data.dataset.x.buffer, data.dataset.y.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer)
  // a thread of its own per evaluation, as before: concurrent evaluations do not wait for each other
  const thread = new ThreadClient<ScoringRequest, Evaluation>({ entry, name: 'the scoring thread' })
  try {
    return await thread.request(request, [...new Set(transfer)])
  } finally {
    await thread.close()
  }
}
