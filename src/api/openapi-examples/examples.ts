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

const list = (items: Json[]) => ({ items, total: items.length, offset: 0, limit: 100 })

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
  'POST /v1/training-jobs/{id}/stop': { params: jobId, responses: { 202: { ...D.JOB, status: 'running', modelId: undefined, finishedAt: undefined, stopReason: undefined, stopRequestedAt: '2026-11-28T10:15:03.000Z' } } },
  'DELETE /v1/training-jobs/{id}': { params: jobId },
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

/** Puts the examples into an OpenAPI document (in place) and returns it. */
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
          // problems have theirs from error-responses.ts; an operation's own example of a status wins
          const given = ex.responses?.[status]
          const example = isByMediaType(given) ? given[type] : given
          if (example !== undefined) content[type] = { ...media, example: drop(example) }
        }
      }
    }
  }
  return doc
}
