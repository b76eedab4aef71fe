// Scoring thread entry: scores each model sent and posts the result, or the error's safe parts.
import { serveRequests } from '../../../threads/thread-server.js'
import { evaluateModel } from '../evaluation.js'
import type { ScoringRequest } from './protocol.js'

serveRequests((req: ScoringRequest) => evaluateModel(req.model, req.data, req.kernels))
