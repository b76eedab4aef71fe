/**
 * TensorFlow Serving's REST API under /v1: `POST /v1/models/{name}[/versions/{v}]:predict` and
 * `GET /v1/models/{name}/versions/{v}` (the model's status), and `GET /v1/models/{name}[/versions/{v}]/metadata`
 * (its signature, protocols/tfs-signature.ts). `GET /v1/models/{name}` is the native
 * route (routes/models.ts), whose answer carries the same `model_version_status`. Predictions run the
 * native predict's paths (protocols/predict-rows.ts: the same checks, kernels, normalisation,
 * micro-batching and row cap); errors are `{"error": …}` as TF Serving's.
 * The `:predict` suffix: find-my-way reads `::` as a literal colon, but only after a parameter's regex
 * ends it (`:name(^[^:]+)::predict`); `:name::predict` would be one parameter named `name::predict`.
 */
import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ServedModelParams, ServedVersionParams, protocolErrors } from '../../schemas/open-inference.js'
import { ModelStatusResponse, TFS_INPUT, TfsModelMetadataResponse, TfsPredictRequest, TfsPredictResponse, availableStatus, type TfsPredictRequestBody } from '../../schemas/tf-serving.js'
import { MAX_PREDICT_ROWS } from '../../schemas/model.js'
import { VALIDATION, withProblem } from '../../errors.js'
import type { Prediction } from '../predictor.js'
import { INPUTS, INSTANCES, oneFlatRowMessage, pathsOf, type RawRow, type RowPaths } from '../prediction-input.js'
import { columnsOf } from '../protocols/model-columns.js'
import { rowCapHook } from '../row-cap-stream.js'
import { withServedModel } from '../protocols/served-model.js'
import { answerErrorsAsProtocol } from '../protocols/protocol-errors.js'
import { readJsonWhateverContentType } from '../protocols/any-content-type.js'
import { predictRows } from '../protocols/predict-rows.js'
import { isServedParams, isTfsRowsBody } from '../protocols/fast-checks.js'
import { fastValidator, jsonSerializer } from '../fast-path.js'
import { modelResponse } from './models.js'
import { tfsMetadataOf } from '../protocols/tfs-signature.js'
import { bodyHints, tfsBodyMessage } from '../protocols/body-hints.js'
import { markServedModel } from '../served-model-headers.js'

const tags = ['tf-serving']

type Cell = number | string | null

/** The columnar form's named columns as records; every column must hold one value per row. */
function recordsOfColumns (columns: Readonly<Record<string, readonly Cell[]>>): Array<Record<string, Cell>> {
  const names = Object.keys(columns)
  if (names.length === 0) throw withProblem(new VALIDATION('inputs: name at least one feature column'), { field: 'inputs' })
  const n = columns[names[0]].length
  for (const name of names) {
    if (columns[name].length !== n) throw withProblem(new VALIDATION(`inputs.${name}: every column needs one value per row: ${names[0]} has ${n}, ${name} has ${columns[name].length}`), { field: `inputs.${name}` })
  }
  return Array.from({ length: n }, (_, r) => Object.fromEntries(names.map((name) => [name, columns[name][r]])))
}

/**
 * Where a value of the columnar form's records sits in the request: row r of column `name` is
 * `inputs.name[r]`. Its rows are records (recordsOfColumns), so `member` is the path used; a record
 * has no width of its own to be wrong.
 */
const COLUMNS: RowPaths = {
  row: () => 'inputs',
  cell: (r, c) => `inputs[${r}][${c}]`,
  member: (r, name) => `inputs.${name}[${r}]`,
  column: (name) => `inputs.${name}`
}

/** An instance, or the columnar inputs, in the named form of the one input: {"input": rows or a row}. */
const isNamed = (v: unknown): v is Readonly<Record<typeof TFS_INPUT, unknown[]>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && Array.isArray((v as Record<string, unknown>)[TFS_INPUT])

/** Where the named forms' values sit: `instances[r].input[c]`, `inputs.input[r][c]`. */
const NAMED_INSTANCES = pathsOf((r) => `instances[${r}].${TFS_INPUT}`)
const NAMED_COLUMNS = pathsOf((r) => `inputs.${TFS_INPUT}[${r}]`)

/** The row form's rows: all named ({"input": […]}) or none, as TF Serving takes one form per request. */
function instanceRows (instances: NonNullable<TfsPredictRequestBody['instances']>): { rows: RawRow[], at: RowPaths } {
  const named = instances.filter(isNamed).length
  if (named === 0) return { rows: instances as RawRow[], at: INSTANCES }
  if (named < instances.length) {
    const r = instances.findIndex((i) => !isNamed(i))
    throw withProblem(new VALIDATION(`instances[${r}]: send every instance the same way: instances[${instances.findIndex(isNamed)}] is {"${TFS_INPUT}": […]}, this one is not`), { field: `instances[${r}]` })
  }
  return { rows: instances.map((i) => (i as Record<typeof TFS_INPUT, RawRow>)[TFS_INPUT]), at: NAMED_INSTANCES }
}

const tfServing: FastifyPluginAsyncZod = async (fastify) => {
  answerErrorsAsProtocol(fastify)
  // TF Serving takes NaN in its JSON (Python's json.dumps writes it): here, a missing value, as null is
  readJsonWhateverContentType(fastify, { nanAsNull: true })
  // references resolved as remembered through a Redis outage (remembered-models.ts)
  const { servingModels: models, predictor } = fastify

  /** Whether model `id` has a feature column `name` (read only for a body that could be either form). */
  const hasColumn = async (id: string, name: string, tenant: string): Promise<boolean> => {
    const record = await models.get(id, tenant)
    return record === null || columnsOf(record).some((c) => c.name === name) // gone meanwhile: predict answers its 404
  }

  const predict = async (name: string, version: string | undefined, body: TfsPredictRequestBody, tenant: string, reply: FastifyReply) => {
    // TF Serving's answer has no place to report a category the model never saw (the native predict's
    // unknownCategories, /v2's parameters): encoding it as all zeros would be a silent guess, so it is a 400
    const run = async (id: string): Promise<Prediction> => {
      if (body.instances !== undefined) {
        const { rows, at } = instanceRows(body.instances)
        return predictRows(predictor, id, rows, at, tenant, 'error')
      }
      const inputs = body.inputs!
      if (Array.isArray(inputs)) return predictRows(predictor, id, inputs, INPUTS, tenant, 'error')
      if (isNamed(inputs)) {
        const values = inputs[TFS_INPUT]
        if (values.length === 0 || values.some(Array.isArray)) return predictRows(predictor, id, values as RawRow[], NAMED_COLUMNS, tenant, 'error')
        // values alone: a feature column that happens to share the input's name, or else one row sent flat
        if (!(await hasColumn(id, TFS_INPUT, tenant))) {
          throw withProblem(new VALIDATION(oneFlatRowMessage(`inputs.${TFS_INPUT}`, values, (rows) => `{"inputs": {"${TFS_INPUT}": ${rows}}}`)), { field: `inputs.${TFS_INPUT}` })
        }
      }
      return predictRows(predictor, id, recordsOfColumns(inputs as Record<string, readonly Cell[]>), COLUMNS, tenant, 'error')
    }
    const { outputs } = await withServedModel(models, name, version, tenant, async (id) => {
      const prediction = await run(id)
      markServedModel(reply, predictor, id)
      return prediction
    })
    return body.instances !== undefined ? { predictions: outputs } : { outputs }
  }

  const predictSchema = { tags, body: TfsPredictRequest, response: { 200: TfsPredictResponse, ...protocolErrors(400, 404, 422) } }
  // over the row cap: refused while the bytes arrive, as the native predict's (row-cap-stream.ts)
  const preParsing = rowCapHook(MAX_PREDICT_ROWS)
  // as the native predict: plain checks before zod for the common bodies, answers written by JSON.stringify
  const validatorCompiler = fastValidator({ body: isTfsRowsBody, params: isServedParams })
  const serializerCompiler = jsonSerializer()
  // a flat list, a misnamed member: one message that says what to send (body-hints.ts)
  const preValidation = bodyHints(tfsBodyMessage)
  fastify.post('/models/:name(^[^:/]+)::predict', {
    schema: { ...predictSchema, summary: 'TensorFlow Serving predict: instances (rows or records) → predictions; inputs (columnar) → outputs', params: ServedModelParams },
    preParsing,
    preValidation,
    validatorCompiler,
    serializerCompiler,
    config: { servesThroughOutage: true }
  }, async (request, reply) => predict(request.params.name, undefined, request.body, request.tenant, reply))
  fastify.post('/models/:name/versions/:version(^[^:/]+)::predict', {
    schema: { ...predictSchema, summary: 'TensorFlow Serving predict on one version of a model', params: ServedVersionParams },
    preParsing,
    preValidation,
    validatorCompiler,
    serializerCompiler,
    config: { servesThroughOutage: true }
  }, async (request, reply) => predict(request.params.name, request.params.version, request.body, request.tenant, reply))

  fastify.get('/models/:name/versions/:version', {
    schema: {
      tags,
      summary: 'One version of a model, with TensorFlow Serving\'s model_version_status',
      params: ServedVersionParams,
      response: { 200: ModelStatusResponse, ...protocolErrors(404) }
    }
  }, async (request) => {
    const { name, version } = request.params
    const record = await withServedModel(models, name, version, request.tenant, (id) => models.get(id, request.tenant))
    return { ...modelResponse(record), model_version_status: availableStatus(record.version) }
  })

  const metadataSchema = { tags, response: { 200: TfsModelMetadataResponse, ...protocolErrors(404) } }
  const metadata = async (name: string, version: string | undefined, tenant: string) =>
    tfsMetadataOf(await withServedModel(models, name, version, tenant, (id) => models.get(id, tenant)))
  fastify.get('/models/:name/metadata', {
    schema: { ...metadataSchema, summary: 'TensorFlow Serving model metadata: the serving_default signature\'s inputs and outputs (dtype, tensor_shape)', params: ServedModelParams }
  }, async (request) => metadata(request.params.name, undefined, request.tenant))
  fastify.get('/models/:name/versions/:version/metadata', {
    schema: { ...metadataSchema, summary: 'TensorFlow Serving model metadata of one version', params: ServedVersionParams }
  }, async (request) => metadata(request.params.name, request.params.version, request.tenant))
}

export default tfServing
