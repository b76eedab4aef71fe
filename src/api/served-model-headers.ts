/**
 * Which model answered a prediction, in its answer's headers: a bare name (`iris`) moves to each new
 * version as it is stored, and an app that logs what served it needs the version without a second call.
 * KServe's body carries model_version; the native and TF Serving bodies have no place for it.
 */
import type { FastifyReply } from 'fastify'
import type { Predictor } from './predictor.js'

/** X-Model-Id always; X-Model-Name and X-Model-Version when the predictor still holds the model (it just ran it). */
export function markServedModel (reply: FastifyReply, predictor: Pick<Predictor, 'servedAs'>, id: string): void {
  reply.header('x-model-id', id)
  const served = predictor.servedAs(id)
  if (served !== undefined) reply.header('x-model-name', served.name).header('x-model-version', String(served.version))
}
