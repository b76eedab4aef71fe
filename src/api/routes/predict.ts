/**
 * POST /v1/models/:id/predict, the hot path, in a scope of its own. Bodies are read from their bytes
 * (predict-body.ts), else by JSON.parse without the prototype-poisoning scan of fastify's default
 * parser (≈3% of a prediction's CPU): the body is then accepted only as `{ inputs }` or
 * `{ instances }` (fast-path.ts or the strict zod schema) and never merged, and the one place a key
 * of the client's own lands, an instance record, is checked for "__proto__" here (hasPrototypeKey):
 * refused as on every other route, not dropped silently by the schema's copy. A large body (Predictor.readsOnThread) is not parsed on the event loop at all: it goes to a
 * forward thread whole, and only a body that thread cannot read comes back to the general path here.
 */
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { MODEL_NOT_FOUND, VALIDATION, withProblem } from '../../errors.js'
import { ModelRefParams, problems } from '../../schemas/common.js'
import { MAX_PREDICT_ROWS, PredictQuery, PredictRequest, PredictResponse, type PredictRequestBody } from '../../schemas/model.js'
import { flatRowsMessage, INPUTS, INSTANCES, type HandleUnknown } from '../prediction-input.js'
import { fastValidator, isModelRefParams, isPredictBody, jsonSerializer, lateBodyValidator } from '../fast-path.js'
import { readPredictBody, wasReadFromBytes } from '../predict-body.js'
import { parseModelRef, resolveModelRef, withModelRef } from '../../store/model-ref.js'
import { rowCapHook } from '../row-cap-stream.js'
import { prototypeKeyError, unreadableBody } from '../json-body.js'
import { readWhole } from '../body-scan.js'
import { notUtf8 } from '../utf8-body.js'
import type { FeatureRows, Prediction } from '../predictor.js'
import { markServedModel } from '../served-model-headers.js'

/** A large body, unread: the route hands its bytes to a forward thread. */
class UnreadBody {
  constructor (readonly bytes: Buffer) {}
}

const validateBody = lateBodyValidator<PredictRequestBody>(PredictRequest, '/v1/models/:id/predict', isPredictBody)

/**
 * One plain 400 for the common shape mistakes: a flat row where rows are expected (zod would say it
 * once per value), and one record where a list of them is expected (zod: "expected array").
 */
function flatRows (body: unknown): Error | undefined {
  const message = flatRowsMessage(body)
  if (message !== undefined) return withProblem(new VALIDATION(message), { field: (body as { inputs?: unknown }).inputs === undefined ? 'instances' : 'inputs' })
  if (typeof body !== 'object' || body === null) return undefined
  for (const key of ['instances', 'inputs'] as const) {
    const v = (body as Record<string, unknown>)[key]
    if (typeof v !== 'object' || v === null || Array.isArray(v)) continue
    const shown = JSON.stringify(v)
    return withProblem(new VALIDATION(`${key} must be a list, and got one record; ` +
      `send it as a list of records keyed by feature name: {"instances": [${shown.length > 120 ? `${shown.slice(0, 117)}...` : shown}]}`), { field: key })
  }
  return undefined
}

/** Exactly what PredictQuery accepts, without zod on the hot path: usually no query at all. */
function isPredictQuery (query: unknown): boolean {
  if (typeof query !== 'object' || query === null) return false
  for (const key in query) {
    const v = (query as Record<string, unknown>)[key]
    if (key !== 'handleUnknown' || (v !== 'ignore' && v !== 'error')) return false
  }
  return true
}

/** Whether an instance record of a parsed body has its own "__proto__" key (JSON.parse makes one; the schema's copy would drop it). */
function hasPrototypeKey (data: unknown): boolean {
  const instances = typeof data === 'object' && data !== null ? (data as { instances?: unknown }).instances : undefined
  return Array.isArray(instances) && instances.some((r) => typeof r === 'object' && r !== null && Object.hasOwn(r, '__proto__'))
}

/** The general path for a body the thread could not read: JSON.parse and the schema, with their usual 400s. */
function parseAndValidate (request: FastifyRequest, bytes: Buffer): PredictRequestBody {
  const notText = notUtf8(bytes)
  if (notText) throw notText
  const text = bytes.toString()
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw unreadableBody(request, text, err)
  }
  if (hasPrototypeKey(data)) throw prototypeKeyError()
  const flat = flatRows(data)
  if (flat) throw flat
  return validateBody(data)
}

const predict: FastifyPluginAsyncZod = async (fastify) => {
  // references resolved as remembered through a Redis outage: a model served before keeps answering
  const { predictor, servingModels: models } = fastify
  const resolve = (ref: string, tenant: string): Promise<string> => resolveModelRef(models, ref, tenant)
  /** Names the model that answered (a bare name moves to each new version): X-Model-Id, -Name, -Version. */
  const servedBy = (reply: FastifyReply, id: string) => (prediction: Prediction): Prediction => {
    markServedModel(reply, predictor, id)
    return prediction
  }

  /** Rows or records as sent, on the general path (prediction-input.ts checks every value). */
  const predictRaw = (id: string, body: PredictRequestBody, tenant: string, handleUnknown?: HandleUnknown): Promise<Prediction> =>
    body.instances !== undefined
      ? predictor.predictRaw(id, body.instances, INSTANCES, tenant, handleUnknown)
      : predictor.predictRaw(id, body.inputs!, INPUTS, tenant, handleUnknown)

  // a body JSON.parse refuses, or an empty one, is answered as on every route (json-body.ts)
  const parse = (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void => {
    if (body.length === 0) { done(unreadableBody(request, '')); return }
    if (typeof body !== 'string' && predictor.readsOnThread(body.length)) { done(null, new UnreadBody(body)); return }
    const read = typeof body === 'string' ? undefined : readPredictBody(body, MAX_PREDICT_ROWS)
    if (read) { done(null, read); return }
    // only off the byte reader's path (which takes ASCII alone): a record's "café" in Latin-1 is a 400, not U+FFFD
    const notText = typeof body === 'string' ? undefined : notUtf8(body)
    if (notText) { done(notText); return }
    const text = body.toString()
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch (err) {
      done(unreadableBody(request, text, err))
      return
    }
    if (hasPrototypeKey(data)) { done(prototypeKeyError()); return }
    done(null, data)
  }

  /** A large body: on a forward thread, or, where that cannot decide, parsed and validated here first. */
  const predictUnread = async (request: FastifyRequest, reply: FastifyReply, ref: string, bytes: Buffer, handleUnknown?: HandleUnknown): Promise<Prediction> => {
    const { tenant } = request
    try {
      const id = await resolve(ref, tenant)
      const prediction = await predictor.predictBody(id, bytes, tenant)
      if (prediction) return servedBy(reply, id)(prediction)
    } catch (err) {
      // as for every body: a bad body is a 400 before an unknown model is a 404, which names the
      // reference as sent (withModelRef below), never an id it resolved to
      if (err instanceof MODEL_NOT_FOUND) { /* answered below */ } else if ((err as { statusCode?: number }).statusCode === 400) throw err // a row of the wrong width
      // the thread failed (it is replaced on the next use): the request is answered here instead
      else request.log.warn({ err }, 'reading a prediction body on a forward thread failed; reading it on the event loop')
    }
    const body = parseAndValidate(request, bytes)
    return await withModelRef(models, ref, tenant, (id) => predictRaw(id, body, tenant, handleUnknown).then(servedBy(reply, id)))
  }

  await fastify.register(async (scope) => {
    scope.removeContentTypeParser('application/json')
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, readWhole(parse))
    scope.withTypeProvider<ZodTypeProvider>().post('/models/:id/predict', {
      schema: {
        tags: ['models'],
        summary: 'Predict from raw feature rows or records: probabilities and class labels, or regression values',
        params: ModelRefParams,
        querystring: PredictQuery,
        body: PredictRequest,
        response: { 200: PredictResponse, ...problems(400, 404, 422) }
      },
      validatorCompiler: fastValidator({
        body: (body) => wasReadFromBytes(body) || body instanceof UnreadBody || isPredictBody(body),
        params: isModelRefParams,
        querystring: isPredictQuery
      }, { body: flatRows }),
      serializerCompiler: jsonSerializer(),
      // over the row cap: refused while the bytes arrive, never parsed (row-cap-stream.ts)
      preParsing: rowCapHook(MAX_PREDICT_ROWS),
      config: { servesThroughOutage: true }
    }, (request, reply) => {
      const ref = request.params.id
      const body: unknown = request.body
      const { handleUnknown } = request.query
      if (body instanceof UnreadBody) return predictUnread(request, reply, ref, body.bytes, handleUnknown)
      if (!wasReadFromBytes(body)) {
        // anything but the canonical numeric body: every value checked as an upload's (prediction-input.ts)
        return withModelRef(models, ref, request.tenant, (id) => predictRaw(id, request.body, request.tenant, handleUnknown).then(servedBy(reply, id)))
      }
      // read from the bytes (predict-body.ts): Float64Array rows of numbers; on a model with categorical
      // columns they are checked as category names, so the unknown-category policy goes along
      const rows = (body as { inputs: FeatureRows }).inputs
      // an id (the hot path) needs no lookup: no extra promise; a name, bare or with a version, is resolved
      if (parseModelRef(ref).kind === 'id') return predictor.predict(ref, rows, request.tenant, handleUnknown).then(servedBy(reply, ref))
      return withModelRef(models, ref, request.tenant, (id) => predictor.predict(id, rows, request.tenant, handleUnknown).then(servedBy(reply, id)))
    })
  })
}

export default predict
