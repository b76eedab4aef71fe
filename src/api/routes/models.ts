/**
 * /v1/models: trained models (list, read, delete), their portable JSON export and import, and
 * predictions. Training creates models (routes/training-jobs.ts); prediction logic is api/predictor.ts.
 */
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod'
import { MODEL_NOT_FOUND, VALIDATION, withProblem } from '../../errors.js'
import { fromJsonForm, toJsonForm } from '../../nn/serialize.js'
import type { NetworkSpec } from '../../nn/spec.js'
import type { ModelRecord } from '../../store/models.js'
import { IdParams, ModelRefParams, NoContent, listOf, problems } from '../../schemas/common.js'
import {
  MAX_PREDICT_ROWS, ModelExport, ModelListQuery, ModelResponse, PredictRequest, PredictResponse, type ModelExportBody, type ModelResponseBody
} from '../../schemas/model.js'
import { checkNetwork } from './networks.js'
import { fastValidator, isModelRefParams, isPredictBody, jsonSerializer } from '../fast-path.js'
import { readPredictBody, wasReadFromBytes } from '../predict-body.js'
import type { FeatureRows } from '../predictor.js'

const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

export function modelResponse (m: ModelRecord): ModelResponseBody {
  return {
    id: m.id,
    name: m.name,
    version: m.version,
    network: m.network,
    parameterCount: m.parameterCount,
    metrics: m.metrics ?? {},
    ...(m.datasetId === undefined ? {} : { datasetId: m.datasetId }),
    ...(m.jobId === undefined ? {} : { jobId: m.jobId }),
    ...(m.parentModelId === undefined ? {} : { parentModelId: m.parentModelId }),
    ...(m.classes === undefined ? {} : { classes: m.classes }),
    featureNames: m.featureNames ?? names('x', m.network.inputs),
    targetNames: m.targetNames ?? names('y', m.network.output.units),
    createdAt: m.createdAt
  }
}

const invalid = (field: string, message: string): Error => withProblem(new VALIDATION(`${field}: ${message}`), { field })

/** What zod cannot see: widths that must agree with the network. */
function checkImport (body: ModelExportBody, spec: NetworkSpec): void {
  const widths = { normalization: spec.inputs, targetNormalization: spec.output.units }
  for (const key of ['normalization', 'targetNormalization'] as const) {
    const norm = body[key]
    if (!norm) continue
    const want = widths[key]
    if (norm.offset.length !== want || norm.scale.length !== want) {
      throw invalid(key, `needs ${want} offsets and ${want} scales (one per ${key === 'normalization' ? 'input' : 'output'}); got ${norm.offset.length} and ${norm.scale.length}`)
    }
    const zero = norm.scale.findIndex((s) => s === 0)
    if (zero >= 0) throw invalid(`${key}.scale[${zero}]`, 'a scale of 0 would divide by zero')
  }
  const { classes } = body
  if (classes) {
    const { units, activation } = spec.output
    const want = activation === 'sigmoid' && units === 1 ? 2 : units
    if (activation === 'identity') throw invalid('classes', 'a regression model (identity output) has no classes')
    if (classes.length !== want) throw invalid('classes', `the output has ${units} ${activation} unit(s), so it needs ${want} classes; got ${classes.length}`)
  }
  if (body.featureNames && body.featureNames.length !== spec.inputs) {
    throw invalid('featureNames', `needs ${spec.inputs} names, one per input; got ${body.featureNames.length}`)
  }
  if (body.targetNames && body.targetNames.length === 0) throw invalid('targetNames', 'must not be empty')
}

const MODEL_ALIAS = /^(.+)@(latest|[1-9]\d*)$/

const models: FastifyPluginAsyncZod = async (fastify) => {
  const tags = ['models']

  fastify.get('/models', {
    schema: { tags, summary: 'All models, newest first; or the versions of one name', querystring: ModelListQuery, response: { 200: listOf(ModelResponse), ...problems(400) } }
  }, async (request) => {
    const { name, offset, limit } = request.query
    const [items, total] = await Promise.all([
      fastify.models.list({ name, offset, limit, tenant: request.tenant }),
      fastify.models.count({ name, tenant: request.tenant })
    ])
    return { items: items.map(modelResponse), total, offset, limit }
  })

  // `name@latest` / `name@<version>` → the model's id (ids never contain '@'); unknown → 404
  const resolve = async (ref: string, tenant: string): Promise<string> => {
    const alias = MODEL_ALIAS.exec(ref)
    if (!alias) return ref
    const [, name, version] = alias
    const record = version === 'latest' ? await fastify.models.latest(name, tenant) : await fastify.models.version(name, Number(version), tenant)
    if (!record) throw new MODEL_NOT_FOUND(ref)
    return record.id
  }

  fastify.get('/models/:id', {
    schema: { tags, summary: 'One model: network, metrics, lineage and labels (by id, or name@latest, or name@<version>)', params: ModelRefParams, response: { 200: ModelResponse, ...problems(404) } }
  }, async (request) => {
    const record = await fastify.models.get(await resolve(request.params.id, request.tenant), request.tenant)
    if (!record) throw new MODEL_NOT_FOUND(request.params.id)
    return modelResponse(record)
  })

  fastify.delete('/models/:id', {
    schema: { tags, summary: 'Delete a model (its predictions stop at once)', params: IdParams, response: { 204: NoContent, ...problems(404) } }
  }, async (request, reply) => {
    const removed = await fastify.models.remove(request.params.id, request.tenant)
    // only the owner's delete evicts: another tenant must not be able to churn the shared cache
    if (!removed) throw new MODEL_NOT_FOUND(request.params.id)
    fastify.predictor.invalidate(request.params.id)
    return reply.code(204).send()
  })

  fastify.get('/models/:id/export', {
    schema: {
      tags,
      summary: 'The model as portable JSON: network, weights W[out][in] and b[out], normalisation, classes',
      params: ModelRefParams,
      response: { 200: ModelExport, ...problems(404) }
    }
  }, async (request) => {
    const stored = await fastify.models.getWeights(await resolve(request.params.id, request.tenant), request.tenant)
    if (!stored) throw new MODEL_NOT_FOUND(request.params.id)
    const { meta } = stored
    const pick = <K extends keyof ModelRecord>(k: K) => (meta[k] === undefined ? {} : { [k]: meta[k] })
    return {
      ...toJsonForm(stored.spec, stored.params),
      name: meta.name,
      ...pick('normalization'),
      ...pick('targetNormalization'),
      ...pick('classes'),
      ...pick('featureNames'),
      ...pick('targetNames'),
      ...pick('metrics')
    } as ModelExportBody
  })

  fastify.post('/models', {
    schema: {
      tags,
      summary: 'Import a model from its JSON export (a new id; versioned under its name)',
      body: ModelExport,
      response: { 201: ModelResponse, ...problems(400, 422) }
    }
  }, async (request, reply) => {
    const body = request.body
    let model: { spec: NetworkSpec, params: Float32Array }
    try {
      model = fromJsonForm(body)
    } catch (err) {
      if (err instanceof RangeError) throw new VALIDATION(err.message)
      throw err
    }
    checkNetwork(model.spec, fastify.config.MAX_PARAMETERS)
    checkImport(body, model.spec)
    const { format: _f, version: _v, network: _n, layers: _l, ...meta } = body
    // the owner comes from the key, after the spread: an imported body cannot name one
    const record = await fastify.models.save({ ...model, meta: { ...meta, tenant: request.tenant } })
    return reply.code(201).header('location', `/v1/models/${record.id}`).send(modelResponse(record))
  })

  // The hot path gets a scope of its own: the body read from its bytes (predict-body.ts), else JSON.parse
  // without the prototype-poisoning scan of fastify's default parser (≈3% of a prediction's CPU), which
  // is safe here because the body is then accepted only as `{ inputs: number[][] }` (fast-path.ts or
  // the strict zod schema), with no other key, and never merged.
  await fastify.register(async (scope) => {
    scope.removeContentTypeParser('application/json')
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, parsePredictBody)
    scope.withTypeProvider<ZodTypeProvider>().post('/models/:id/predict', {
      schema: {
        tags,
        summary: 'Predict from raw feature rows: probabilities and class labels, or regression values',
        params: ModelRefParams,
        body: PredictRequest,
        response: { 200: PredictResponse, ...problems(400, 404) }
      },
      validatorCompiler: fastValidator({ body: (body) => wasReadFromBytes(body) || isPredictBody(body), params: isModelRefParams }),
      serializerCompiler: jsonSerializer()
    }, (request) => {
      const ref = request.params.id
      // zod's number[][] or, read from the bytes (predict-body.ts), Float64Array rows: read only as ArrayLike
      const rows: FeatureRows = request.body.inputs
      // a plain id (the hot path) needs no lookup: no extra promise
      if (!ref.includes('@')) return fastify.predictor.predict(ref, rows, request.tenant)
      return resolve(ref, request.tenant).then((id) => fastify.predictor.predict(id, rows, request.tenant))
    })
  })
}

function parsePredictBody (_request: unknown, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void {
  if (body.length === 0) { done(Object.assign(new Error('the body is empty: send {"inputs": [[…], …]}'), { statusCode: 400 })); return }
  const read = typeof body === 'string' ? undefined : readPredictBody(body, MAX_PREDICT_ROWS)
  if (read) { done(null, read); return }
  try {
    done(null, JSON.parse(body.toString()))
  } catch (err) {
    done(Object.assign(err as Error, { statusCode: 400 }))
  }
}

export default models
