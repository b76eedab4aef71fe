/**
 * /v1/models: trained models (list, read, delete) and their portable JSON export and import. Training
 * creates models (routes/training-jobs.ts); predictions are routes/predict.ts and api/predictor.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { VALIDATION, withProblem } from '../../errors.js'
import { fromJsonForm, toJsonForm } from '../../nn/serialize.js'
import type { NetworkSpec } from '../../nn/spec.js'
import type { ModelRecord } from '../../store/models.js'
import { ModelRefParams, NoContent, listOf, problems } from '../../schemas/common.js'
import {
  ModelExport, ModelListQuery, ModelResponse, type ModelExportBody, type ModelResponseBody
} from '../../schemas/model.js'
import { checkNetwork } from './networks.js'
import { withModelRef } from '../model-ref.js'

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

  /** `use` with the model `ref` names now (model-ref.ts: re-resolved if deleted meanwhile; a miss names `ref`). */
  const withRef = <T>(ref: string, tenant: string, use: (id: string) => Promise<T | null>): Promise<T> => withModelRef(fastify.models, ref, tenant, use)

  fastify.get('/models/:id', {
    schema: { tags, summary: 'One model: network, metrics, lineage and labels (by id, or name@latest, or name@<version>)', params: ModelRefParams, response: { 200: ModelResponse, ...problems(404) } }
  }, async (request) => modelResponse(await withRef(request.params.id, request.tenant, (id) => fastify.models.get(id, request.tenant))))

  fastify.delete('/models/:id', {
    schema: { tags, summary: 'Delete a model (its predictions stop at once): by id, name@latest or name@<version>', params: ModelRefParams, response: { 204: NoContent, ...problems(404) } }
  }, async (request, reply) => {
    const removed = await withRef(request.params.id, request.tenant, async (id) => ((await fastify.models.remove(id, request.tenant)) ? id : null))
    // only the owner's delete evicts: another tenant must not be able to churn the shared cache
    fastify.predictor.invalidate(removed)
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
    const stored = await withRef(request.params.id, request.tenant, (id) => fastify.models.getWeights(id, request.tenant))
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
}

export default models
