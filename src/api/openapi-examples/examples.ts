/**
 * An example for every operation of the OpenAPI document: request bodies (JSON and CSV), parameters and
 * every documented response, so that Swagger UI shows real values and "Try it out" on upload → train →
 * predict succeeds as pre-filled. Added to the generated document (app.ts), never to the zod schemas,
 * so validation is untouched. test/api/openapi-examples.test.ts checks each example against its schema.
 */
import * as D from './example-data.js'
import { MODEL_WITH_STATUS, PROTOCOL_EXAMPLES } from './protocol-examples.js'
import { SWEEP_EXAMPLES } from './sweep-examples.js'

type Json = unknown
interface OperationExamples {
  /** request body by media type */
  body?: Record<string, Json>
  /** path and query parameters by name */
  params?: Record<string, Json>
  /** response bodies by status, then media type (a bare value: the status's only media type) */
  responses?: Record<string, Json>
}

const problem = (status: number, title: string, code: string, detail: string, instance: string, extra: Record<string, Json> = {}) =>
  ({ type: `urn:backprop:problem:${code.replace(/^NN_ERR_/, '').toLowerCase().replaceAll('_', '-')}`, title, status, detail, instance, code, ...extra })

const list = (items: Json[]) => ({ items, total: items.length, offset: 0, limit: 100 })

const QUERY_400 = (i: string) => problem(400, 'Bad Request', 'NN_ERR_VALIDATION', 'invalid querystring: limit: must be ≤ 1000, got 5000', i,
  { errors: [{ field: 'limit', in: 'querystring', message: 'must be ≤ 1000, got 5000' }] })

const PROBLEMS: Record<string, (instance: string) => Json> = {
  400: (i) => problem(400, 'Bad Request', 'NN_ERR_VALIDATION', 'invalid body: training.optimizer.type: optimizer needs a type, one of: sgd, momentum, nesterov, adam, adamw', i,
    { errors: [{ field: 'training.optimizer.type', in: 'body', message: 'optimizer needs a type, one of: sgd, momentum, nesterov, adam, adamw' }] }),
  404: (i) => problem(404, 'Not Found', 'NN_ERR_MODEL_NOT_FOUND', "model 'iris-example@7' not found; list models with GET /v1/models", i),
  406: (i) => problem(406, 'Not Acceptable', 'NN_ERR_NOT_ACCEPTABLE', "cannot answer in any of 'application/xml'; send Accept: application/x-ndjson or text/csv", i),
  409: (i) => problem(409, 'Conflict', 'NN_ERR_CONFLICT', "training job 'job_5a2a7a96a5894d958fb48e44defc6336' has already succeeded; there is nothing to cancel", i),
  413: (i) => problem(413, 'Payload Too Large', 'NN_ERR_DATASET_TOO_LARGE', 'dataset has 2000000 rows; the limit is 1000000 (MAX_DATASET_ROWS)', i),
  415: (i) => problem(415, 'Unsupported Media Type', 'NN_ERR_UNSUPPORTED_MEDIA_TYPE', "content type 'text/plain' is not accepted here; send application/json or text/csv", i),
  422: (i) => problem(422, 'Unprocessable Entity', 'NN_ERR_UNPROCESSABLE', "dataset 'ds_9f8e7d6c5b4a39281706f5e4d3c2b1a0' has 10 feature columns; the model takes 4 (sepal_length, sepal_width, petal_length, petal_width)", i),
  429: (i) => problem(429, 'Too Many Requests', 'NN_ERR_TOO_MANY_FOLLOWERS', "too many event streams open on training job 'job_5a2a7a96a5894d958fb48e44defc6336' or for this tenant (SSE_MAX_FOLLOWERS_PER_JOB, SSE_MAX_FOLLOWERS_PER_TENANT); close some, or poll GET /v1/training-jobs/{id}", i),
  503: (i) => problem(503, 'Service Unavailable', 'NN_ERR_NOT_READY', 'not ready: redis is unreachable', i)
}

const METRICS_TEXT = '# HELP backprop_models Stored models\n# TYPE backprop_models gauge\nbackprop_models 1\n'
const EVENTS_TEXT = 'event: epoch\nid: 1\ndata: {"epoch":1,"loss":1.0195,"valLoss":0.9924,"learningRate":0.01}\n\n' +
  'event: end\ndata: {"status":"succeeded","modelId":"mdl_a625c00432c54b0b88863673c6072274"}\n\n'

const datasetId = { id: D.LAST.dataset }
const jobId = { id: D.LAST.job }
const networkId = { id: D.LAST.network }
const modelRef = { id: 'iris-example@latest' }
const page = { offset: 0, limit: 100 }

/** `METHOD path` (as in the document) → its examples. */
export const EXAMPLES: Record<string, OperationExamples> = {
  'GET /healthz': { responses: { 200: { status: 'ok' } } },
  'GET /readyz': { responses: { 200: { status: 'ready', kernels: 'blas' } } },
  'GET /metrics': { responses: { 200: METRICS_TEXT } },

  'POST /v1/datasets': {
    // no query examples: Swagger UI sends them with whichever body is chosen, and with JSON they are a 400
    // (CSV-only parameters); the CSV example's target is its last column, the default
    body: { 'text/csv': D.IRIS_CSV, 'application/csv': D.IRIS_CSV, 'application/json': D.IRIS_JSON },
    responses: { 201: D.DATASET }
  },
  'GET /v1/datasets': { params: page, responses: { 200: list([D.DATASET]) } },
  'GET /v1/datasets/{id}': { params: datasetId, responses: { 200: D.DATASET } },
  'DELETE /v1/datasets/{id}': { params: datasetId },

  'POST /v1/networks': { body: { 'application/json': { name: 'iris-mlp', ...D.IRIS_NETWORK } }, responses: { 201: D.NETWORK } },
  'GET /v1/networks': { params: page, responses: { 200: list([D.NETWORK]) } },
  'GET /v1/networks/{id}': { params: networkId, responses: { 200: D.NETWORK } },
  'DELETE /v1/networks/{id}': { params: networkId },

  'POST /v1/training-jobs': {
    // every training option has a default (scikit-learn's); these two make a 45-row example learn quickly and reproducibly
    body: { 'application/json': { datasetId: D.LAST.dataset, network: D.IRIS_NETWORK, modelName: 'iris-example', training: { optimizer: { type: 'adam', learningRate: 0.01 }, seed: 1 } } },
    responses: { 202: D.CREATED_JOB }
  },
  'GET /v1/training-jobs': { params: page, responses: { 200: list([D.JOB_SUMMARY]) } },
  'GET /v1/training-jobs/{id}': { params: jobId, responses: { 200: D.JOB } },
  'GET /v1/training-jobs/{id}/events': { params: jobId, responses: { 200: EVENTS_TEXT } },
  'POST /v1/training-jobs/{id}/cancel': { params: jobId, responses: { 202: { ...D.JOB, status: 'running', modelId: undefined, finishedAt: undefined } } },
  ...SWEEP_EXAMPLES,

  'GET /v1/models': { params: { ...page, name: 'iris-example' }, responses: { 200: list([D.MODEL]) } },
  'POST /v1/models': { body: { 'application/json': D.EXPORTED }, responses: { 201: { ...D.MODEL, name: 'iris-logistic', network: D.EXPORTED.network, parameterCount: 15, metrics: D.EXPORTED.metrics } } },
  'GET /v1/models/{id}': { params: modelRef, responses: { 200: MODEL_WITH_STATUS } },
  'DELETE /v1/models/{id}': { params: { id: D.LAST.model } },
  'GET /v1/models/{id}/export': {
    params: { ...modelRef, format: 'json' },
    // format=onnx answers bytes, which an example cannot show
    responses: { 200: { 'application/json': D.EXPORTED, 'application/octet-stream': '(binary: the ONNX ModelProto, protobuf-encoded; save it as iris-example-v1.onnx)' } }
  },
  'POST /v1/models/{id}/predict': { params: modelRef, body: { 'application/json': D.PREDICT_BODY }, responses: { 200: D.PREDICTION } },
  'POST /v1/models/{id}/evaluate': { params: modelRef, body: { 'application/json': { datasetId: D.LAST.dataset } }, responses: { 200: D.EVALUATION } },
  'POST /v1/models/{id}/backprop': {
    params: modelRef,
    body: { 'application/json': { inputs: [[5.1, 3.5, 1.4, 0.2]], targets: ['setosa'], mode: 'train' } },
    responses: { 200: D.BACKPROP }
  },
  'POST /v1/models/{id}/predictions': {
    params: modelRef,
    body: { 'application/json': { datasetId: D.LAST.dataset } },
    responses: { 200: { 'application/x-ndjson': D.PREDICTIONS_NDJSON, 'text/csv': D.PREDICTIONS_CSV, 'application/json': D.PREDICTIONS_JSON } }
  },
  ...PROTOCOL_EXAMPLES
}

interface Media { example?: Json, schema?: unknown }
interface Operation {
  parameters?: Array<{ name: string, example?: Json }>
  requestBody?: { content?: Record<string, Media> }
  responses?: Record<string, { content?: Record<string, Media> }>
}

const drop = (v: Json): Json => JSON.parse(JSON.stringify(v)) as Json // undefined members out
const isByMediaType = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).every((k) => k.includes('/'))

/** Puts the examples into an OpenAPI document (in place) and returns it; problem+json responses get one per status. */
export function addExamples<T extends { paths?: object }> (doc: T): T {
  for (const [path, operations] of Object.entries(doc.paths ?? {}) as Array<[string, Record<string, unknown>]>) {
    for (const [method, value] of Object.entries(operations)) {
      const op = value as Operation
      const ex = EXAMPLES[`${method.toUpperCase()} ${path}`] ?? {}
      for (const p of op.parameters ?? []) if (ex.params?.[p.name] !== undefined) p.example = ex.params[p.name]
      // the generator may share one media object between content types: each gets its own copy, or the last example wins them all
      const content = op.requestBody?.content ?? {}
      for (const [type, media] of Object.entries(content)) if (ex.body?.[type] !== undefined) content[type] = { ...media, example: drop(ex.body[type]) }
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const content = response.content ?? {}
        for (const [type, media] of Object.entries(content)) {
          const given = ex.responses?.[status]
          // a 400 of an operation without a body is about its querystring
          const problemOf = status === '400' && !op.requestBody ? QUERY_400 : PROBLEMS[status]
          const example = type === 'application/problem+json' ? problemOf?.(path) : isByMediaType(given) ? given[type] : given
          if (example !== undefined) content[type] = { ...media, example: drop(example) }
        }
      }
    }
  }
  return doc
}
