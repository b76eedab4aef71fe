// One evaluation per thread: score the model sent in workerData and post the result, or the error's safe parts.
import { parentPort, workerData } from 'node:worker_threads'
import { evaluateModel } from '../evaluation.js'
import type { ScoringRequest, ScoringReply } from './protocol.js'

const req = workerData as ScoringRequest
let reply: ScoringReply
try {
  reply = { ok: evaluateModel(req.model, req.data, req.kernels) }
} catch (err) {
  const e = err as Error & { statusCode?: number, code?: string, problem?: Record<string, unknown> }
  reply = { error: { message: e.message, name: e.name, statusCode: e.statusCode, code: e.code, problem: e.problem } }
}
parentPort!.postMessage(reply)
