/**
 * The error responses of each operation of the OpenAPI document, as the server really answers them:
 * - every status it can send, including the ones every route shares: 401 and 403 where a route needs a
 *   key (when API_KEYS is set), 429 (RATE_LIMIT_PER_MINUTE), 503 while Redis is unreachable, 413 and 415
 *   for a body, 400 for a query parameter no route reads (api/query-check.ts);
 * - one example per status written for that operation (a 404 of a dataset names a dataset, a 409 of a
 *   cancel says there is nothing to cancel), from the messages the routes throw.
 * Native routes answer application/problem+json; the serving protocols' routes (tags tf-serving and
 * open-inference) answer their own `{"error": …}` (protocols/protocol-errors.ts) with the same text.
 */
import {
  DATASET_NOT_FOUND, DATASET_TOO_LARGE, FORBIDDEN, quotedScopes, JOB_NOT_FOUND, MODEL_VERSION_REQUIRED, modelVersionNotFound, NETWORK_NOT_FOUND, NON_FINITE_MODEL,
  NOT_ACCEPTABLE, PAYLOAD_TOO_LARGE, REDIS_UNAVAILABLE, SWEEP_NOT_FOUND, TOO_MANY_FOLLOWERS, TOO_MANY_PARAMETERS, TOO_MANY_REQUESTS,
  TOO_MANY_SWEEP_FOLLOWERS, UNSUPPORTED_ENCODING, UNSUPPORTED_MEDIA_TYPE, problemType
} from '../../errors.js'
import { MAX_PARAM_LENGTH } from '../error-handler.js'
import { REDIS_RETRY_AFTER_S } from '../plugins/redis-guard.js'
import { NO_KEY } from '../plugins/auth.js'
import { PREDICTION_MEDIA_TYPES } from '../scoring/prediction-stream.js'
import * as D from './example-data.js'
import { loadConfig } from '../../config.js'
import { SWEEP_METRICS } from '../../schemas/sweep.js'
import { BODY_OPT_IN, IMPORT_OPT_IN } from '../../queue/model-signature.js'
import { grouped } from '../../queue/work-text.js'

type Json = unknown
interface Media { schema?: unknown, example?: Json }
interface Response { description?: string, content?: Record<string, Media> }
export interface Operation {
  tags?: string[]
  security?: Array<Record<string, string[]>>
  parameters?: Array<{ name: string, in?: string, example?: Json }>
  requestBody?: { content?: Record<string, Media> }
  responses?: Record<string, Response>
}

const PROBLEM = 'application/problem+json'
/** The settings' defaults (BODY_LIMIT, MAX_PARAMETERS): the limits a server started without them answers with. */
const DEFAULTS = loadConfig({})

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 406: 'Not Acceptable', 409: 'Conflict',
  413: 'Payload Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 503: 'Service Unavailable'
}

/** A problem body as error-handler.ts makes it. */
const problem = (status: number, code: string, detail: string, instance: string, extra: Record<string, Json> = {}): Json =>
  ({ type: problemType(code), title: TITLES[status], status, detail, instance, code, ...extra })

/** What each shared status means, for its description. */
const SHARED: Record<string, string> = {
  400: 'A query parameter the route does not read, or one it reads with a wrong value',
  401: 'No API key, or an unknown one (only when the server has API_KEYS)',
  403: 'The API key lacks the scope this route needs',
  413: 'The body is larger than BODY_LIMIT',
  414: `A path segment (an id or a name) longer than ${MAX_PARAM_LENGTH} characters: no id or name is`,
  415: 'The body is not JSON (send Content-Type: application/json), or its Content-Encoding is not gzip, deflate or br',
  429: 'Over RATE_LIMIT_PER_MINUTE for this key (or client address, when the API is open; RateLimit-* say how the bucket stands), or too many invalid keys from this address (AUTH_FAILURES_PER_MINUTE); Retry-After says when to retry',
  503: 'The data store (Redis) is unreachable; nothing was changed; Retry-After says when to retry'
}

/** A 400 of the body, per operation: the mistake a first request most often makes there. */
const BODY_400: Record<string, { field: string, message: string }> = {
  'POST /v1/datasets': { field: 'features', message: 'required: send a list' },
  'POST /v1/networks': { field: 'layers[0].activation', message: 'the string "rellu" is not one of "sigmoid", "tanh", "relu", "leaky_relu", "abs", "softplus", "identity", "step", "maxout" (did you mean "relu"?)' },
  'POST /v1/models': { field: 'format', message: 'required: send "backprop.model"' },
  'POST /v1/models/{id}/predict': { field: 'inputs', message: 'empty: send at least one item' },
  'POST /v1/training-jobs': { field: 'training.optimizer.type', message: 'optimizer type "adagrad" is not one of: sgd, momentum, nesterov, adam, adamw (names are lower case)' },
  'POST /v1/sweeps': { field: 'metric', message: `required: send one of ${SWEEP_METRICS.map((m) => JSON.stringify(m)).join(', ')}` },
  'POST /v1/models/{id}/evaluate': { field: 'datasetId', message: 'required: send a string' },
  'POST /v1/models/{id}/predictions': { field: 'datasetId', message: 'required: send a string' },
  'POST /v1/models/{id}/backprop': { field: 'targets', message: 'required: send a list' }
}

/** The resource a path's id names, for its 404. */
function notFound (method: string, path: string): { code: string, detail: string } {
  const [, , resource] = path.split('/')
  const e = (() => {
    // a new job or sweep names its dataset in the body
    if (method === 'POST' && (path === '/v1/training-jobs' || path === '/v1/sweeps')) return new DATASET_NOT_FOUND(D.DATASET.id)
    switch (resource) {
      case 'datasets': return new DATASET_NOT_FOUND(D.DATASET.id)
      case 'networks': return new NETWORK_NOT_FOUND(D.NETWORK.id)
      case 'training-jobs': return new JOB_NOT_FOUND(D.CREATED_JOB.id)
      case 'sweeps': return new SWEEP_NOT_FOUND('swp_5a2a7a96a5894d958fb48e44defc6336')
      // two versions of iris-example exist, as the other examples have
      default: return modelVersionNotFound('iris-example', '7', 2)
    }
  })()
  return { code: e.code, detail: e.message }
}

/** The 409 of a name's new version that would change its signature (queue/model-signature.ts), for `subject`. */
const signature409 = (subject: string, { field, optIn }: { field: string, optIn: string }): string =>
  `${subject}, stored as the next version of 'iris-example', would change the signature of its newest (version 1, ${D.MODEL.id}): ` +
  `output units: 3 → 1. Clients that call iris-example or iris-example@latest would then get a model that takes other inputs or answers other outputs: use another ${field}, or ${optIn} to change it on purpose`

/** A 409 per operation. */
function conflict (method: string, path: string): string {
  const key = `${method} ${path}`
  if (key === 'POST /v1/training-jobs/{id}/cancel') return `training job '${D.CREATED_JOB.id}' has already succeeded; there is nothing to cancel`
  if (key === 'POST /v1/sweeps/{id}/cancel') return "sweep 'swp_5a2a7a96a5894d958fb48e44defc6336' has already succeeded; there is nothing to cancel"
  if (key === 'DELETE /v1/models/{id}') {
    return new MODEL_VERSION_REQUIRED('iris-example', `it has 2 versions; name the one to delete: iris-example@2 (or iris-example@latest, or its id ${D.MODEL.id}) ` +
      'for the newest, iris-example@<version> for another (list them with GET /v1/models?name=iris-example)').message
  }
  if (key === 'GET /v1/models/{id}/export') return new NON_FINITE_MODEL("'iris-example@3'", 'weight layers.0.linear.weight[2] is NaN').message
  if (key === 'POST /v1/models') return signature409('this import', IMPORT_OPT_IN)
  if (key === 'POST /v1/sweeps') return signature409('this sweep\'s best model', BODY_OPT_IN)
  return signature409('this job\'s model', BODY_OPT_IN)
}

/** A 422 per operation: its code and detail. */
function unprocessable (method: string, path: string): { code: string, detail: string } {
  if (`${method} ${path}` === 'POST /v1/networks') {
    const e = new TOO_MANY_PARAMETERS(grouped(50_070_003), grouped(DEFAULTS.MAX_PARAMETERS)) // 4-10000-5000-3
    return { code: e.code, detail: e.message }
  }
  return { code: 'NN_ERR_UNPROCESSABLE', detail: unprocessableDetail(method, path) }
}

function unprocessableDetail (method: string, path: string): string {
  switch (`${method} ${path}`) {
    case 'POST /v1/models': return 'the model is not usable: for an input at the normalisation offsets the output for it is NaN; export it again from a model that trained without diverging'
    case 'POST /v1/training-jobs':
    case 'POST /v1/sweeps': return 'training.epochs is 200000; the limit is 100000 (MAX_EPOCHS)'
    case 'POST /v1/models/{id}/predict': return "the model's output for row 0 is NaN: that row is far outside the data the model was trained on (or the model is broken); check the row's units"
    case 'POST /v1/models/{id}/backprop': return 'the pass is not finite: layers.0.z is Infinity in row 0; the rows are far outside the data the model was trained on (check their units), or the model overflows on them'
    default: return `dataset '${D.DATASET.id}' has 10 feature columns; the model takes 4 (sepal_length, sepal_width, petal_length, petal_width)`
  }
}

/** The example of `status` for one operation (native: a problem; a protocol's: its `{"error"}` with the same text). */
function errorExample (status: number, method: string, path: string, op: Operation): Json {
  // the scopes that open the operation: its security lists each as a bearer and an API-key alternative (plugins/auth.ts)
  const scopes = [...new Set((op.security ?? []).flatMap((s) => s.bearerAuth ?? []))]
  const detail = (code: string, text: string, extra: Record<string, Json> = {}): { code: string, detail: string, extra: Record<string, Json> } => ({ code, detail: text, extra })
  const made = ((): { code: string, detail: string, extra: Record<string, Json> } => {
    switch (status) {
      case 400: {
        const body = BODY_400[`${method} ${path}`]
        if (body && op.requestBody) return detail('NN_ERR_VALIDATION', `invalid body: ${body.field}: ${body.message}`, { field: body.field, errors: [{ field: body.field, in: 'body', message: body.message }] })
        const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)
        if (query.includes('limit')) return detail('NN_ERR_VALIDATION', 'invalid querystring: limit: must be ≤ 1000, got 5000', { field: 'limit', errors: [{ field: 'limit', in: 'querystring', message: 'must be ≤ 1000, got 5000' }] })
        if (query.length > 0) {
          const message = `the string "xml" is not one of ${query[0] === 'format' ? '"json", "onnx"' : '"all", "none"'}`
          return detail('NN_ERR_VALIDATION', `invalid querystring: ${query[0]}: ${message}`, { field: query[0], errors: [{ field: query[0], in: 'querystring', message }] })
        }
        return detail('NN_ERR_VALIDATION', `unknown query parameter "foo": ${method} ${fastifyPath(path)} takes none`, { field: 'foo' })
      }
      case 401: return detail('NN_ERR_UNAUTHORIZED', NO_KEY)
      case 403: { const e = new FORBIDDEN(quotedScopes(scopes), `${method} ${fastifyPath(path)}`); return detail(e.code, e.message) }
      case 404: { const e = notFound(method, path); return detail(e.code, e.detail) }
      case 406: { const e = new NOT_ACCEPTABLE('application/xml', Object.values(PREDICTION_MEDIA_TYPES).join(' or ')); return detail(e.code, e.message) }
      case 409: return detail(method === 'DELETE' ? 'NN_ERR_MODEL_VERSION_REQUIRED' : path.endsWith('/export') ? 'NN_ERR_NON_FINITE_MODEL' : 'NN_ERR_CONFLICT', conflict(method, path))
      case 413: {
        const e = path === '/v1/datasets' ? new DATASET_TOO_LARGE('dataset has 2000000 rows', 1_000_000) : new PAYLOAD_TOO_LARGE(DEFAULTS.BODY_LIMIT)
        return detail(e.code, e.message)
      }
      case 414: return detail('NN_ERR_BAD_REQUEST', `a path segment is longer than ${MAX_PARAM_LENGTH} characters, which no id or name is: check the path (${path.replace(/\{(\w+)\}/, 'x'.repeat(201)).length} characters)`)
      case 415: {
        const e = isProtocol(op) ? new UNSUPPORTED_ENCODING('zstd') : new UNSUPPORTED_MEDIA_TYPE('text/plain', 'application/json (or text/csv where a route accepts CSV)')
        return detail(e.code, e.message)
      }
      case 422: { const e = unprocessable(method, path); return detail(e.code, e.detail) }
      case 429: {
        const e = path.endsWith('/events')
          ? (path.startsWith('/v1/sweeps') ? new TOO_MANY_SWEEP_FOLLOWERS('swp_5a2a7a96a5894d958fb48e44defc6336') : new TOO_MANY_FOLLOWERS(D.CREATED_JOB.id))
          : new TOO_MANY_REQUESTS(600, 'this API key', 7)
        return detail(e.code, e.message)
      }
      default: {
        if (path === '/readyz') return detail('NN_ERR_NOT_READY', 'not ready: redis is unreachable')
        const e = new REDIS_UNAVAILABLE(REDIS_RETRY_AFTER_S)
        return detail(e.code, e.message)
      }
    }
  })()
  return isProtocol(op) ? { error: made.detail } : problem(status, made.code, made.detail, path, made.extra)
}

/** The route as Fastify names it, as messages do (auth.ts, query-check.ts): /v1/models/:id for /v1/models/{id}. */
const fastifyPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1')

const isProtocol = (op: Operation): boolean => (op.tags ?? []).some((t) => t === 'tf-serving' || t === 'open-inference')

/** The statuses every route of this kind can answer, beyond those it declares. */
function sharedStatuses (path: string, op: Operation): number[] {
  const statuses: number[] = []
  const keyed = (op.security ?? []).length > 0
  if (keyed) statuses.push(401, 403, 429)
  if (path.startsWith('/v1/') || path.startsWith('/v2/models')) statuses.push(503)
  // a path segment past the router's maxParamLength (app.ts): answered before any route
  if (path.includes('{')) statuses.push(414)
  // every body may come compressed: a Content-Encoding other than gzip, deflate or br is a 415 on the protocols' routes too,
  // which read any Content-Type as JSON (request-decompression.ts)
  if (op.requestBody) statuses.push(413, 415)
  // every /v1 and /v2 route refuses a query parameter it does not read (query-check.ts), the protocols' too
  if (path.startsWith('/v1/') || path.startsWith('/v2')) statuses.push(400)
  return statuses
}

/**
 * Adds the shared error statuses to every operation (in place) and gives every error response of the
 * document its own example; returns the document. `problemSchema` and `protocolSchema` are the
 * document's schemas of the two error bodies.
 */
export function addErrorResponses<T extends { paths?: object }> (doc: T): T {
  const problemSchema = { $ref: '#/components/schemas/Problem' }
  const protocolSchema = { $ref: '#/components/schemas/ProtocolError' }
  for (const [path, operations] of Object.entries(doc.paths ?? {}) as Array<[string, Record<string, Operation>]>) {
    for (const [method, op] of Object.entries(operations)) {
      op.responses ??= {}
      const protocol = isProtocol(op)
      for (const status of sharedStatuses(path, op)) {
        if (op.responses[String(status)] !== undefined) continue
        op.responses[String(status)] = protocol
          ? { description: `${SHARED[status]} (the protocol's error body)`, content: { 'application/json': { schema: protocolSchema } } }
          : { description: SHARED[status], content: { [PROBLEM]: { schema: problemSchema } } }
      }
      for (const [status, response] of Object.entries(op.responses)) {
        const code = Number(status)
        if (code < 400) continue
        const type = protocol ? 'application/json' : PROBLEM
        const media = response.content?.[type]
        if (media === undefined) continue
        // a copy per operation: the generator shares one response object between routes, so the last example would win them all
        op.responses[status] = { ...response, content: { ...response.content, [type]: { ...media, example: errorExample(code, method.toUpperCase(), path, op) } } }
      }
    }
  }
  return doc
}
