/**
 * /v1/models: trained models (list, read, delete) and their portable JSON export and import. Training
 * creates models (routes/training-jobs.ts); predictions are routes/predict.ts and api/predictor.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { inUseByUnfinished, MODEL_NOT_FOUND, MODEL_VERSION_REQUIRED, NON_FINITE_MODEL, UNPROCESSABLE, VALIDATION, withProblem } from '../../errors.js'
import { firstNonFinite, nonFiniteReason, parameterName } from '../../nn/finite.js'
import { createNetwork, predict } from '../../nn/network.js'
import { probeRows } from '../../nn/probe-rows.js'
import { denormalizeRows, type Normalization } from '../../data/normalize.js'
import { headOf } from '../../nn/heads.js'
import { fromJsonForm, toJsonForm } from '../../nn/serialize.js'
import type { NetworkSpec } from '../../nn/spec.js'
import type { ModelRecord } from '../../store/models.js'
import { ModelRefParams, NoContent, listOf, problems } from '../../schemas/common.js'
import {
  ModelExport, ModelImport, ModelImportQuery, ModelListQuery, ModelResponse, type ModelExportBody, type ModelResponseBody
} from '../../schemas/model.js'
import { RunReportShape, TrainingOptionsSchema } from '../../schemas/training.js'
import { z } from 'zod'
import { ModelExportQuery } from '../../schemas/model-export-query.js'
import { exportOnnx, ONNX_MEDIA_TYPE } from '../../onnx/export-model.js'
import { checkNetwork } from './networks.js'
import { encodedWidth } from '../../data/feature-columns.js'
import { NUMBER } from '../../data/cells.js'
import { parseModelRef, withModelRef } from '../../store/model-ref.js'
import { readReport } from '../../queue/run-report.js'
import { IMPORT_OPT_IN, checkSignatureKept, signatureOfModel } from '../../queue/model-signature.js'
import { ModelStatusResponse, availableStatus } from '../../schemas/tf-serving.js'
import { counted } from '../../nn/counted.js'

const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

/** Only the finite metrics: models stored before the divergence guard may hold NaN or ±∞, which JSON cannot carry. */
const finiteMetrics = (metrics: ModelRecord['metrics']): Record<string, number> =>
  Object.fromEntries(Object.entries(metrics ?? {}).filter(([, v]) => Number.isFinite(v)))

/**
 * The training options inside a stored model's `training` (which also holds how the run ended, and its
 * message), or nothing: an imported model has none, and a record that does not read as options is left out
 * rather than answered half-right.
 */
function trainingOptionsOf (stored: ModelRecord['training']): { training?: ModelResponseBody['training'] } {
  if (stored === undefined) return {}
  // the run's report is stored beside the options (queue/run-report.ts): every key of it, and the message
  const options = Object.fromEntries(Object.entries(stored).filter(([key]) => !Object.hasOwn(RunReportShape, key) && key !== 'message'))
  const parsed = TrainingOptionsSchema.safeParse(options)
  return parsed.success ? { training: parsed.data } : {}
}

export function modelResponse (m: ModelRecord): ModelResponseBody {
  return {
    id: m.id,
    name: m.name,
    version: m.version,
    network: m.network,
    parameterCount: m.parameterCount,
    metrics: finiteMetrics(m.metrics),
    ...(m.datasetId === undefined ? {} : { datasetId: m.datasetId }),
    ...(m.jobId === undefined ? {} : { jobId: m.jobId }),
    ...(m.parentModelId === undefined ? {} : { parentModelId: m.parentModelId }),
    ...(m.classes === undefined ? {} : { classes: m.classes }),
    featureNames: m.featureNames ?? m.preprocessing?.columns.map((c) => c.name) ?? names('x', m.network.inputs),
    // a classifier predicts one label column, however many units it has
    targetNames: m.targetNames ?? (m.classes !== undefined ? ['y'] : names('y', m.network.output.units)),
    ...(m.preprocessing === undefined ? {} : { preprocessing: m.preprocessing as ModelResponseBody['preprocessing'] }),
    ...trainingOptionsOf(m.training),
    // how training ended (absent on imported models)
    ...readReport(m.training),
    createdAt: m.createdAt
  }
}

const invalid = (field: string, message: string): Error => withProblem(new VALIDATION(`${field}: ${message}`), { field })

/**
 * Names that become keys (a class a label stands for, a column a record names): each once, none
 * empty, and no two class labels that spell one number two ways — as uploads are held to
 * (data/cells.ts). An import naming two output units "a" answered the label "a" for both.
 */
function checkNames (field: string, names: readonly string[] | undefined, what: string): void {
  if (!names) return
  const first = new Map<string, number>()
  // class labels are compared trimmed, as every path reads them (data/name-index.ts), and as numbers too where they are numbers ("1" and "1.0")
  const key = (name: string): string => field !== 'classes' ? name : NUMBER.test(name.trim()) ? String(Number(name)) : name.trim()
  names.forEach((name, i) => {
    if (name.trim() === '') throw invalid(`${field}[${i}]`, `is empty; every ${what} needs a name`)
    const j = first.get(key(name))
    if (j !== undefined) {
      throw invalid(`${field}[${i}]`, names[j] === name
        ? `${JSON.stringify(name)} is also ${field}[${j}]; every ${what} needs its own name`
        : names[j].trim() === name.trim()
          ? `${JSON.stringify(name)} and ${field}[${j}] ${JSON.stringify(names[j])} differ only by spaces, and names are read trimmed; every ${what} needs its own name`
        : `${JSON.stringify(name)} and ${field}[${j}] ${JSON.stringify(names[j])} are the same number written two ways; write each ${what} one way`)
    }
    first.set(key(name), i)
  })
}

/** What zod cannot see: widths that must agree with the network, and names that must be distinct. */
function checkImport (body: ModelExportBody, spec: NetworkSpec): void {
  checkNames('classes', body.classes, 'class')
  checkNames('featureNames', body.featureNames, 'feature column')
  checkNames('targetNames', body.targetNames, 'target')
  checkNames('preprocessing.columns', body.preprocessing?.columns.map((c) => c.name), 'column')
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
    // applied in float32 as every weight is: 1e39 would be ∞ there
    for (const part of ['offset', 'scale'] as const) {
      const bad = norm[part].findIndex((v) => !Number.isFinite(Math.fround(v)))
      if (bad >= 0) throw invalid(`${key}.${part}[${bad}]`, `must be a finite number that fits a 32-bit float (at most ±3.4e38), got ${norm[part][bad]}`)
    }
  }
  const { classes } = body
  if (classes) {
    const { units, activation } = spec.output
    const head = headOf(spec)
    if (head.task(units) === 'regression') throw invalid('classes', `a regression model (${activation} output) has no classes`)
    // one class per row (softmax, one sigmoid unit on two), else one name per label (multi-label)
    const want = head.classCount(units) || units
    if (classes.length !== want) throw invalid('classes', `the output has ${counted(units, `${activation} unit`)}, so it needs ${want} classes; got ${classes.length}`)
  }
  const pre = body.preprocessing
  if (pre) checkPreprocessing(pre, spec)
  const rawWidth = pre ? pre.columns.length : spec.inputs
  if (body.featureNames && body.featureNames.length !== rawWidth) {
    throw invalid('featureNames', `needs ${counted(rawWidth, 'name')}, one per raw feature column; got ${body.featureNames.length}`)
  }
  // with preprocessing, its columns are the names predict reads: featureNames saying others would be answered by neither
  const differs = pre && body.featureNames ? body.featureNames.findIndex((name, c) => name !== pre.columns[c].name) : -1
  if (pre && differs >= 0) {
    throw invalid(`featureNames[${differs}]`, `is ${JSON.stringify(body.featureNames![differs])}, but preprocessing.columns[${differs}] is ${JSON.stringify(pre.columns[differs].name)}; ` +
      'the two name the same columns: make them agree, or leave featureNames out')
  }
  if (body.targetNames && body.targetNames.length === 0) throw invalid('targetNames', 'must not be empty')
}

/** The encoding must give the network's input width; an imputer needs a statistic per column, and categories their names. */
function checkPreprocessing (pre: NonNullable<ModelExportBody['preprocessing']>, spec: NetworkSpec): void {
  pre.columns.forEach((col, c) => {
    if ((col.kind === 'categorical') !== (col.categories !== undefined)) {
      throw invalid(`preprocessing.columns[${c}]`, 'a categorical column needs its categories, and only a categorical column has them')
    }
    // trimmed, as every path reads a category's name (data/name-index.ts): " red" and "red" would be one
    if (col.categories && new Set(col.categories.map((k) => k.trim())).size !== col.categories.length) {
      throw invalid(`preprocessing.columns[${c}].categories`, 'holds a category twice (names are read trimmed: " red" is "red")')
    }
    const untrained = col.untrainedCategories
    if (untrained) {
      const own = new Set(col.categories)
      const stray = untrained.findIndex((k) => !own.has(k))
      if (stray >= 0) throw invalid(`preprocessing.columns[${c}].untrainedCategories[${stray}]`, `${JSON.stringify(untrained[stray])} is not one of the column's categories; list only categories it has`)
      if (new Set(untrained).size !== untrained.length) throw invalid(`preprocessing.columns[${c}].untrainedCategories`, 'holds a category twice')
    }
  })
  const width = encodedWidth(pre.columns)
  if (width !== spec.inputs) throw invalid('preprocessing.columns', `encode into ${counted(width, 'input')}; the network takes ${spec.inputs}`)
  const imputer = pre.imputer
  if (!imputer) return
  if (imputer.statistics.length !== pre.columns.length) throw invalid('preprocessing.imputer.statistics', `needs ${counted(pre.columns.length, 'value')}, one per column; got ${imputer.statistics.length}`)
  imputer.statistics.forEach((v, c) => {
    const K = pre.columns[c].categories?.length
    if (K === undefined ? !Number.isFinite(Math.fround(v)) : !(Number.isInteger(v) && v >= -1 && v < K)) {
      throw invalid(`preprocessing.imputer.statistics[${c}]`, K === undefined ? 'must be a finite float32 number' : `must be a category index 0..${K - 1} or -1`)
    }
  })
}

/**
 * Finite weights can still overflow in float32 on the way through: rows that look like ordinary data (nn/probe-rows.ts:
 * the means, every input at ±1 and ±3 standard deviations, rows drawn from the data's spread) must come out finite, in
 * the network's units and, scaled back, in the targets' units.
 */
function checkImportFinite (spec: NetworkSpec, params: Float32Array, targetNormalization: Normalization | undefined): void {
  const net = createNetwork(spec, { params })
  const probe = probeRows(spec.inputs)
  const why = nonFiniteReason(net, probe)
  if (why !== null) {
    const row = Number(/row (\d+)/.exec(why)?.[1] ?? 0)
    throw new UNPROCESSABLE(`the model is not usable: for ${probe.describe(row)} ${why.replace(/row \d+/, 'it')}; export it again from a model that trained without diverging`)
  }
  if (!targetNormalization) return
  const K = spec.output.units
  const values = denormalizeRows(predict(net, probe.x, probe.rows), targetNormalization)
  const bad = firstNonFinite(values)
  if (bad >= 0) {
    throw new UNPROCESSABLE(`the model is not usable: for ${probe.describe(Math.floor(bad / K))}, output ${bad % K} is ${values[bad]} once scaled back by targetNormalization ` +
      '(its float32 range ends at ±3.4e38); rescale the target and train again')
  }
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

  /** `use` with the model `ref` names now (store/model-ref.ts: re-resolved if deleted meanwhile; a miss names `ref`). */
  const withRef = <T>(ref: string, tenant: string, use: (id: string) => Promise<T | null>): Promise<T> => withModelRef(fastify.models, ref, tenant, use)

  /**
   * DELETE of a bare name: reading it as name@latest would delete the newest version only, and leave
   * the name answering with the one before (a surprise either way), so it is refused with the
   * references that name one version. An unknown name is a 404, as on every route.
   */
  const refuseBareName = async (name: string, tenant: string): Promise<never> => {
    const [newest, versions] = await Promise.all([fastify.models.latest(name, tenant), fastify.models.count({ name, tenant })])
    if (!newest) throw new MODEL_NOT_FOUND(name)
    throw new MODEL_VERSION_REQUIRED(name, `it has ${versions} version${versions === 1 ? '' : 's'}; name the one to delete: ` +
      `${name}@${newest.version} (or ${name}@latest, or its id ${newest.id}) for the newest, ${name}@<version> for another (list them with GET /v1/models?name=${encodeURIComponent(name)})`)
  }

  // the answer carries TF Serving's model_version_status: a TensorFlow Serving client's
  // GET /v1/models/{name} (a bare name: the newest version) reads this route (routes/tf-serving.ts)
  fastify.get('/models/:id', {
    schema: { tags, summary: 'One model: network, metrics, lineage and labels (by id, name@<version>, name@latest, or a bare name: its newest version). Also TensorFlow Serving\'s model status: a 404 carries its `error` beside the problem\'s members', params: ModelRefParams, response: { 200: ModelStatusResponse, ...problems(404) } }
  }, async (request) => {
    // TF Serving's GET /v1/models/{name} is this route: its clients read a failure's `error`, ours the problem's detail
    const record = await withRef(request.params.id, request.tenant, (id) => fastify.models.get(id, request.tenant))
      .catch((err: unknown) => { throw err instanceof Error ? withProblem(err, { error: err.message }) : err })
    return { ...modelResponse(record), model_version_status: availableStatus(record.version) }
  })

  fastify.delete('/models/:id', {
    schema: {
      tags,
      summary: 'Delete one version of a model (its predictions stop at once): by id, name@<version> or name@latest; a bare name is refused (409), since it names every version, ' +
        'and so is a model that a training job not yet finished fine-tunes (409 naming the jobs: a queued job reads its weights when it starts)',
      params: ModelRefParams,
      response: { 204: NoContent, ...problems(404, 409) }
    }
  }, async (request, reply) => {
    const ref = parseModelRef(request.params.id)
    if (ref.kind === 'latest' && ref.bare) await refuseBareName(ref.name, request.tenant)
    // the check and the removal under the lock a fine-tune holds from its check to its enqueue (store/resource-lock.ts)
    const removed = await withRef(request.params.id, request.tenant, async (id) => {
      // another tenant's model is not found before any lock or scan: its delete must neither hold the owner's requests on the lock nor name the owner's jobs
      if ((await fastify.models.get(id, request.tenant)) === null) return null
      return await fastify.resourceLocks.holding([`model:${id}`], async () => {
        const jobs = await fastify.trainingQueue.unfinishedFineTuning(id, request.tenant)
        if (jobs.length > 0) throw inUseByUnfinished(`model '${id}'`, jobs.map((j) => `training job '${j}' (fine-tuning it)`))
        return (await fastify.models.remove(id, request.tenant)) ? id : null
      })
    })
    // only the owner's delete evicts: another tenant must not be able to churn the shared cache
    fastify.predictor.invalidate(removed)
    request.log.info({ modelId: removed, tenant: request.tenant }, 'model deleted')
    return reply.code(204).send()
  })

  fastify.get('/models/:id/export', {
    schema: {
      tags,
      summary: 'The model as portable JSON (network, every parameter under its torch.nn state_dict name and shape: Linear weight [out, in], bias [out]; normalisation, classes), or as ONNX (?format=onnx)',
      description: 'format=onnx answers an ONNX model (IR version 8, opset 17) of the whole prediction path: input `input` float [N × columns] ' +
        '(raw rows: numbers, a categorical column\'s category index, NaN for a missing cell) → imputation → one-hot encoding → normalisation → ' +
        'layers (every block kind: Gemm per Linear, LayerNormalization, BatchNormalization on the running statistics, maxout as Reshape + ReduceMax, ' +
        'residual Add with a bias-free projection Gemm across widths; dropout is nothing at inference; initializers under the JSON export\'s ' +
        'state_dict names) → head. Outputs: classifiers `probabilities` float [N × K] and `label` int64 [N] (an index into the classes); regression ' +
        '`variable` float [N × K] in the targets\' units. metadata_props hold feature_names, categories, classes and target_names (JSON). ' +
        'Any ONNX runtime gives what POST /v1/models/{ref}/predict answers, to float32 precision.',
      params: ModelRefParams,
      querystring: ModelExportQuery,
      response: {
        200: {
          description: 'The model: JSON (format=json), or the ONNX file\'s bytes (format=onnx)',
          content: { 'application/json': { schema: ModelExport }, [ONNX_MEDIA_TYPE]: { schema: z.string().meta({ format: 'binary' }) } }
        },
        ...problems(400, 404, 409)
      }
    }
  }, async (request, reply) => {
    const stored = await withRef(request.params.id, request.tenant, (id) => fastify.models.getWeights(id, request.tenant))
    // stored before the divergence guard existed: JSON cannot carry NaN or ∞, so say why instead of failing
    const bad = firstNonFinite(stored.params)
    if (bad >= 0) throw new NON_FINITE_MODEL(request.params.id, `weight ${parameterName(createNetwork(stored.spec, { params: stored.params }), bad)} is ${stored.params[bad]}`)
    const { meta } = stored
    const fileName = (ext: string): string => `${meta.name}-v${meta.version}.${ext}`.replace(/[^\w.@-]/g, '_')
    if (request.query.format === 'onnx') {
      const bytes = exportOnnx(stored)
      const file = fileName('onnx')
      // fastify sends a Buffer as it is; the type provider only knows the JSON body
      const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ModelExportBody
      return reply.type(ONNX_MEDIA_TYPE).header('content-disposition', `attachment; filename="${file}"`).send(body)
    }
    const pick = <K extends keyof ModelRecord>(k: K) => (meta[k] === undefined ? {} : { [k]: meta[k] })
    // inline (a browser shows it; Swagger UI reads it), with the name `curl -OJ` and a browser's Save As use
    void reply.header('content-disposition', `inline; filename="${fileName('json')}"`)
    return {
      ...toJsonForm(stored.spec, stored.params),
      // a model stored without a name is named by its id: the export leaves it out, so that its import
      // (a new id) is named by its own id too, not versioned under an id (which names may not look like)
      ...(meta.name === meta.id ? {} : { name: meta.name }),
      ...pick('preprocessing'),
      ...pick('normalization'),
      ...pick('targetNormalization'),
      ...pick('classes'),
      ...pick('featureNames'),
      ...pick('targetNames'),
      ...(meta.metrics === undefined ? {} : { metrics: finiteMetrics(meta.metrics) })
    } as ModelExportBody
  })

  fastify.post('/models', {
    schema: {
      tags,
      summary: 'Import a model from its JSON export (a new id; versioned under its name)',
      querystring: ModelImportQuery,
      body: ModelImport,
      response: { 201: ModelResponse, ...problems(400, 409, 422) }
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
    checkImportFinite(model.spec, model.params, body.targetNormalization)
    const { format: _f, version: _v, network: _n, layers: _l, parameters: _p, ...meta } = body
    if (meta.name !== undefined) {
      // another version of an existing name: as a training job's, it keeps the name's signature unless asked (queue/model-signature.ts)
      await checkSignatureKept({
        models: fastify.models, tenant: request.tenant, name: meta.name, allowChange: request.query.allowSignatureChange === 'true', subject: 'this import', ...IMPORT_OPT_IN
      }, [{ signature: signatureOfModel({ ...meta, network: model.spec }) }])
    }
    // the owner comes from the key, after the spread: an imported body cannot name one
    const record = await fastify.models.save({ ...model, meta: { ...meta, tenant: request.tenant } })
    return reply.code(201).header('location', `/v1/models/${record.id}`).send(modelResponse(record))
  })
}

export default models
