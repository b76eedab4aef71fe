/**
 * The Open Inference Protocol (KServe v2 / Triton) over HTTP/REST, at /v2: server health and metadata,
 * model metadata and readiness, and inference. A model is named by its name (the newest version) or
 * name and version, as in `models/{name}[/versions/{v}]` (protocols/served-model.ts). Inference runs
 * the native predict's paths (protocols/predict-rows.ts: the same checks, kernels, normalisation and
 * micro-batching) and answers its outputs as tensors (protocols/tensors.ts). Errors are `{"error": …}`.
 * Spec: https://github.com/kserve/open-inference-protocol (specification/protocol/inference_rest.md).
 */
import type { preValidationAsyncHookHandler } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { NOT_READY } from '../../errors.js'
import { sharedPing } from '../../store/redis.js'
import { redisUnavailable } from '../plugins/redis-guard.js'
import type { ModelRecord } from '../../store/models.js'
import {
  InferRequest, InferResponse, ModelConfigResponse, ModelMetadataResponse, ModelReadyResponse, ServedModelParams,
  ServedVersionParams, ServerLiveResponse, ServerMetadataResponse, ServerReadyResponse, type InferRequestBody, type InferResponseBody, protocolErrors
} from '../../schemas/open-inference.js'
import { OPENAPI_INFO } from '../app.js'
import { hasLabels } from '../../inference/model-inference.js'
import { withServedModel } from '../protocols/served-model.js'
import { answerErrorsAsProtocol } from '../protocols/protocol-errors.js'
import { readJsonWhateverContentType } from '../protocols/any-content-type.js'
import { isInferBody, isServedParams } from '../protocols/fast-checks.js'
import { predictRows } from '../protocols/predict-rows.js'
import { bodyHints, inferBodyMessage } from '../protocols/body-hints.js'
import { fastValidator, jsonSerializer } from '../fast-path.js'
import { LABEL_NAME, OUTPUT_NAME, checkInputs, inputsOf, outputTensors, rowsOfInputs } from '../protocols/tensors.js'
import { columnsOf } from '../protocols/model-columns.js'
import { tensorCapHook } from '../protocols/tensor-cap-stream.js'
import { MAX_PREDICT_ROWS } from '../../schemas/model.js'
import { binaryOutputChoice, frameBinaryOutputs, HEADER_LENGTH_HEADER, readFramedBody, restoreFramedBody } from '../protocols/binary-tensors.js'
import type { FastifyReply } from 'fastify'

const tags = ['open-inference']

/**
 * Metadata of a model: its inputs (protocols/tensors.ts: one FP32 `[-1, features]`, or one per feature column
 * when it has categorical ones), `output` `[-1, units]`, and `label` for classifiers.
 */
function metadataOf (record: ModelRecord, versions: string[]) {
  const units = record.network.output.units
  return {
    name: record.name,
    versions,
    platform: 'backprop',
    inputs: inputsOf(columnsOf(record)),
    outputs: [
      { name: OUTPUT_NAME, datatype: 'FP32', shape: [-1, units] },
      ...(hasLabels(record.network, record.classes) ? [{ name: LABEL_NAME, datatype: 'BYTES', shape: [-1] }] : [])
    ]
  }
}

const openInference: FastifyPluginAsyncZod = async (fastify) => {
  answerErrorsAsProtocol(fastify)
  readJsonWhateverContentType(fastify)
  // references and records resolved as remembered through a Redis outage (remembered-models.ts)
  const { servingModels: models, predictor } = fastify

  fastify.get('/v2', {
    schema: { tags, summary: 'Server metadata', response: { 200: ServerMetadataResponse } }
  }, async () => ({ name: OPENAPI_INFO.title, version: OPENAPI_INFO.version, extensions: ['binary_tensor_data', 'classification', 'model_configuration'] }))

  // the specification's bodies; probes that read only the status (Triton's clients, Kubernetes) get 200 too
  fastify.get('/v2/health/live', {
    schema: { tags, summary: 'Server liveness: 200 while the process answers', response: { 200: ServerLiveResponse } }
  }, async () => ({ live: true }))

  fastify.get('/v2/health/ready', {
    schema: { tags, summary: 'Server readiness: 200 when Redis answers (as /readyz), else 503', response: { 200: ServerReadyResponse, ...protocolErrors(503) } }
  }, async () => {
    const problem = await sharedPing(fastify.redis, 1000)
    if (problem !== undefined) throw new NOT_READY(problem)
    return { ready: true }
  })

  /** The model record a URL names (the newest version without one). */
  const recordOf = (name: string, version: string | undefined, tenant: string): Promise<ModelRecord> =>
    withServedModel(models, name, version, tenant, (id) => models.get(id, tenant))

  /** Every version of the model's name (the tenant's own), lowest first, as strings. */
  const versionsOf = async (record: ModelRecord, tenant: string): Promise<string[]> =>
    (await models.list({ name: record.name, tenant, offset: 0, limit: 1000 })).map((m) => String(m.version)).reverse()

  const metadata = async (name: string, version: string | undefined, tenant: string) => {
    const record = await recordOf(name, version, tenant)
    return metadataOf(record, version === undefined ? await versionsOf(record, tenant) : [String(record.version)])
  }
  const metadataSchema = { tags, response: { 200: ModelMetadataResponse, ...protocolErrors(404) } }
  fastify.get('/v2/models/:name', {
    schema: { ...metadataSchema, summary: 'Model metadata: its versions, input and output tensors', params: ServedModelParams }
  }, async (request) => metadata(request.params.name, undefined, request.tenant))
  fastify.get('/v2/models/:name/versions/:version', {
    schema: { ...metadataSchema, summary: 'Model metadata of one version', params: ServedVersionParams }
  }, async (request) => metadata(request.params.name, request.params.version, request.tenant))

  /**
   * Triton's model configuration (GET …/config, tritonclient's get_model_config) of the fields clients read:
   * max_batch_size (the row cap) and each tensor's datatype and per-row dims, from the same tensors as the metadata.
   */
  const config = async (name: string, version: string | undefined, tenant: string) => {
    const record = await recordOf(name, version, tenant)
    const { inputs, outputs } = metadataOf(record, [])
    const tritonType = (datatype: string): 'TYPE_FP32' | 'TYPE_STRING' => (datatype === 'BYTES' ? 'TYPE_STRING' : 'TYPE_FP32')
    // a row's dims: the metadata's shape without its batch dimension. A per-row scalar (a label, a feature column: [-1] in the
    // metadata) is dims [1] with reshape [], as Triton writes a tensor of the batch dimension alone: [rows], not [rows, 1]
    const tensor = (t: { name: string, datatype: string, shape: number[] }) => ({
      name: t.name,
      data_type: tritonType(t.datatype),
      ...(t.shape.length > 1 ? { dims: t.shape.slice(1) } : { dims: [1], reshape: { shape: [] } })
    })
    return {
      name: record.name,
      platform: 'backprop',
      backend: 'backprop',
      max_batch_size: MAX_PREDICT_ROWS,
      input: inputs.map(tensor),
      output: outputs.map(tensor)
    }
  }
  const configSchema = { tags, response: { 200: ModelConfigResponse, ...protocolErrors(404) } }
  fastify.get('/v2/models/:name/config', {
    schema: { ...configSchema, summary: 'Model configuration, as Triton\'s (max_batch_size, input and output tensors with per-row dims)', params: ServedModelParams }
  }, async (request) => config(request.params.name, undefined, request.tenant))
  fastify.get('/v2/models/:name/versions/:version/config', {
    schema: { ...configSchema, summary: 'Model configuration of one version', params: ServedVersionParams }
  }, async (request) => config(request.params.name, request.params.version, request.tenant))

  /**
   * Ready where infer answers: through a Redis outage, a model whose reference and weights this process holds is ready
   * (infer serves it from memory), any other is a 503, as infer's.
   */
  const ready = async (name: string, version: string | undefined, tenant: string) => {
    const record = await recordOf(name, version, tenant)
    if (fastify.redisDown() && predictor.servedAs(record.id) === undefined) throw redisUnavailable()
    return { name: record.name, ready: true }
  }
  const readySchema = { tags, response: { 200: ModelReadyResponse, ...protocolErrors(404, 503) } }
  fastify.get('/v2/models/:name/ready', {
    schema: { ...readySchema, summary: 'Model readiness: 200 when the model exists and can be served (through a Redis outage: when infer would answer it from memory), else 404 (503 through an outage)', params: ServedModelParams },
    config: { servesThroughOutage: true }
  }, async (request) => ready(request.params.name, undefined, request.tenant))
  fastify.get('/v2/models/:name/versions/:version/ready', {
    schema: { ...readySchema, summary: 'Readiness of one version of a model', params: ServedVersionParams },
    config: { servesThroughOutage: true }
  }, async (request) => ready(request.params.name, request.params.version, request.tenant))

  /** Inference: the body's checks first (a bad body is a 400 before an unknown model is a 404), then the prediction. */
  const infer = async (name: string, version: string | undefined, body: InferRequestBody, tenant: string): Promise<InferResponseBody> => {
    checkInputs(body.inputs)
    const { record, prediction } = await withServedModel(models, name, version, tenant, async (id) => {
      const found = await models.get(id, tenant)
      if (!found) return found
      const { rows, at } = rowsOfInputs(body.inputs, columnsOf(found), found.name)
      return { record: found, prediction: await predictRows(predictor, id, rows, at, tenant) }
    })
    return {
      model_name: record.name,
      model_version: String(record.version),
      ...(body.id === undefined ? {} : { id: body.id }),
      // category names a categorical column does not know are encoded as all zeros and reported, as the native predict's
      // JSON text: the protocol's parameter values are strings, numbers or booleans (KServe's typed clients refuse a list)
      ...(prediction.unknownCategories ? { parameters: { unknown_categories: JSON.stringify(prediction.unknownCategories) } } : {}),
      outputs: outputTensors(prediction, body.outputs, record.classes)
    }
  }
  /** The answer as JSON, or framed when the request asks for binary outputs (protocols/binary-tensors.ts). */
  const answer = (reply: FastifyReply, body: InferRequestBody, response: InferResponseBody): InferResponseBody | FastifyReply => {
    const framed = frameBinaryOutputs(response, binaryOutputChoice(body))
    if (framed === null) return response
    return reply.header(HEADER_LENGTH_HEADER, framed.headerLength).type('application/octet-stream').send(framed.body)
  }
  const inferSchema = {
    tags,
    description: 'Tensors come and go as JSON, or with the binary tensor data extension (as tritonclient.http sends by default): ' +
      'the header Inference-Header-Content-Length gives the byte length of the JSON request at the start of the body, and each input with ' +
      'parameters.binary_data_size has that many little-endian bytes after it, in the order of inputs (BYTES: a 4-byte length before each element). ' +
      'Outputs asked for with parameters.binary_data (or all, with the request\'s parameters.binary_data_output) are answered the same way: ' +
      'application/octet-stream, Inference-Header-Content-Length, and binary_data_size in place of data.',
    body: InferRequest, response: { 200: InferResponse, ...protocolErrors(400, 404, 422) } }
  // as the native predict: plain checks before zod for the common bodies, answers written by JSON.stringify
  // and a tensor over the row cap is refused while its bytes arrive, not after JSON.parse on the event loop
  const fast = {
    validatorCompiler: fastValidator({ body: isInferBody, params: isServedParams }), serializerCompiler: jsonSerializer(),
    preValidation: [restoreFramedBody, optionalNullsAsAbsent, bodyHints(inferBodyMessage)],
    // a body framed by the binary tensor extension is decoded first; a JSON body's rows are capped as they arrive
    preParsing: [readFramedBody, tensorCapHook(MAX_PREDICT_ROWS)],
    config: { servesThroughOutage: true }
  }
  fastify.post('/v2/models/:name/infer', {
    schema: { ...inferSchema, summary: 'Inference: one numeric input [rows, features] (or one per feature column, for a model with categorical columns) → output [rows, units] and label [rows]; tensors as JSON or binary (binary tensor extension)', params: ServedModelParams },
    ...fast
  }, async (request, reply) => answer(reply, request.body, await infer(request.params.name, undefined, request.body, request.tenant)))
  fastify.post('/v2/models/:name/versions/:version/infer', {
    schema: { ...inferSchema, summary: 'Inference on one version of a model', params: ServedVersionParams },
    ...fast
  }, async (request, reply) => answer(reply, request.body, await infer(request.params.name, request.params.version, request.body, request.tenant)))
}

/**
 * `null` in an optional member of an infer request (`id`, `parameters`, `outputs`; an input's or an output's
 * `parameters`) reads as the member left out: clients that serialise typed models without dropping unset fields
 * send them so (MLServer's pydantic InferenceRequest: Optional fields default to None), and the specification
 * only marks them optional (a trial). Nulls elsewhere, a tensor's values among them, are still refused.
 */
const optionalNullsAsAbsent: preValidationAsyncHookHandler = async (request) => {
  const body = request.body
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return
  const drop = (o: unknown, keys: readonly string[]): void => {
    if (typeof o !== 'object' || o === null) return
    const record = o as Record<string, unknown>
    for (const k of keys) if (record[k] === null) delete record[k]
  }
  drop(body, ['id', 'parameters', 'outputs'])
  const { inputs, outputs } = body as { inputs?: unknown, outputs?: unknown }
  for (const list of [inputs, outputs]) if (Array.isArray(list)) for (const tensor of list) drop(tensor, ['parameters'])
}

export default openInference
