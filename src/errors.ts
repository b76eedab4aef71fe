/**
 * The coded error catalogue (@fastify/error): every failure a client can cause, with its HTTP
 * status and a message that says what to fix. It renders nothing; api/app.ts turns these into problem+json.
 */
import createError, { type FastifyError } from '@fastify/error'

/** One fault of several, as schema validation lists them: the problem's `errors` member. */
export interface FieldFault { readonly field: string, readonly in?: 'body' | 'querystring' | 'params' | 'headers', readonly message: string }

/** Extra problem+json members (RFC 9457 extensions) that locate the fault: field, line, column, row, errors. */
export type ProblemExtras = Record<string, string | number | readonly string[] | readonly FieldFault[] | undefined>

export interface ProblemError extends FastifyError { problem?: ProblemExtras }

/** Attaches locating members to an error; the error handler copies them into the problem body. */
export function withProblem<E extends Error> (err: E, extras: ProblemExtras): E & { problem: ProblemExtras } {
  const previous = (err as { problem?: ProblemExtras }).problem
  return Object.assign(err, { problem: { ...previous, ...extras } })
}

/** The RFC 9457 `type` URI of a code: NN_ERR_DATASET_NOT_FOUND → urn:backprop:problem:dataset-not-found. */
export function problemType (code: string | undefined): string {
  if (!code) return 'about:blank'
  return `urn:backprop:problem:${code.replace(/^(NN|FST)_ERR_/, '').toLowerCase().replaceAll('_', '-')}`
}

/** Every code of the catalogue with its status, in the order defined: the Problem schema lists them (schemas/problem.ts). */
const CATALOGUE = new Map<string, number>()
/** createError, with the code recorded in the catalogue. */
function coded<A extends unknown[] = [unknown?, unknown?, unknown?]> (code: string, message: string, status: number) {
  CATALOGUE.set(code, status)
  return createError<A>(code, message, status)
}
/** The catalogue's codes and statuses; NN_ERR_BAD_REQUEST is a 4xx of Fastify's own that the catalogue has no entry for. */
export const errorCodes = (): ReadonlyMap<string, number> => new Map([...CATALOGUE, ['NN_ERR_BAD_REQUEST', 400]])

// ---- 400: the request itself is wrong
export const VALIDATION = coded<[string]>('NN_ERR_VALIDATION', '%s', 400)
export const BAD_CSV = coded<[string]>('NN_ERR_BAD_CSV', 'CSV %s', 400)
// a JSON body no route can read (api/json-body.ts): the parser's message and where; or what to send instead of nothing
export const INVALID_JSON = coded<[string]>('NN_ERR_INVALID_JSON', 'the body is not valid JSON: %s', 400)
// a JSON body whose bytes are not UTF-8 (api/utf8-body.ts): which byte, where, and to re-save it as UTF-8
export const NOT_UTF8 = coded<[string]>('NN_ERR_NOT_UTF8', 'the body is not valid UTF-8: %s', 400)
export const EMPTY_BODY = coded<[string]>('NN_ERR_EMPTY_BODY', 'the body is empty: send %s', 400)
export const BAD_DATASET = coded<[string]>('NN_ERR_BAD_DATASET', '%s', 400)
export const BAD_NETWORK = coded<[string]>('NN_ERR_BAD_NETWORK', '%s', 400)
// the last argument: '' or a hint that starts with '; '
/** args: the inputs a row needs, counted ("1 input", "4 inputs": nn/counted.ts), what a row held, its index, a hint */
export const INPUT_WIDTH = coded<[string, number, number, string]>('NN_ERR_INPUT_WIDTH', 'expected %s per row, got %d in row %d%s', 400)

// ---- 401, 403, 429: who may call, and how often (api/plugins/auth.ts, rate-limit.ts)
export const UNAUTHORIZED = coded<[string]>('NN_ERR_UNAUTHORIZED', '%s', 401)
/** The scopes any one of which opens the route, quoted: `'read'`, or `'read' or 'predict'` (route-scopes.ts ALSO_SCOPES). */
export const quotedScopes = (scopes: readonly string[]): string => scopes.map((s) => `'${s}'`).join(' or ')
export const FORBIDDEN = coded<[string, string]>('NN_ERR_FORBIDDEN', 'this API key lacks the %s scope that %s needs; ask for a key with it (or with admin)', 403)
// the second argument names whose limit: "this API key", or "this tenant" when the API is open
export const TOO_MANY_REQUESTS = coded<[number, string, number]>('NN_ERR_TOO_MANY_REQUESTS', 'rate limit of %d requests per minute for %s exceeded; retry in %d s', 429)
export const TOO_MANY_FOLLOWERS = coded<[string]>('NN_ERR_TOO_MANY_FOLLOWERS', "too many event streams open on training job '%s' or for this tenant (SSE_MAX_FOLLOWERS_PER_JOB, SSE_MAX_FOLLOWERS_PER_TENANT); close some, or poll GET /v1/training-jobs/{id}", 429)
export const TOO_MANY_SWEEP_FOLLOWERS = coded<[string]>('NN_ERR_TOO_MANY_SWEEP_FOLLOWERS', "too many event streams open on sweep '%s' or for this tenant (SSE_MAX_FOLLOWERS_PER_JOB, SSE_MAX_FOLLOWERS_PER_TENANT); close some, or poll GET /v1/sweeps/{id}", 429)
export const TOO_MANY_AUTH_FAILURES = coded<[number, number]>('NN_ERR_TOO_MANY_AUTH_FAILURES', 'more than %d invalid API keys per minute from this address; retry in %d s', 429)

// ---- 404: unknown ids and routes
export const DATASET_NOT_FOUND = coded<[string]>('NN_ERR_DATASET_NOT_FOUND', "dataset '%s' not found; list datasets with GET /v1/datasets", 404)
export const NETWORK_NOT_FOUND = coded<[string]>('NN_ERR_NETWORK_NOT_FOUND', "network '%s' not found; list networks with GET /v1/networks", 404)
export const MODEL_NOT_FOUND = coded<[string]>('NN_ERR_MODEL_NOT_FOUND', "model '%s' not found; list models with GET /v1/models", 404)
/**
 * A DELETE of something that still runs (a training job, a sweep): cancel it first, or, when its cancel is
 * already on its way, wait until it reads cancelled. `what` names it ("training job 'job_…'"), `self` is its URL.
 */
export function deleteBeforeFinished (what: string, self: string, { status, cancelRequestedAt }: { status: string, cancelRequestedAt?: string }): ProblemError {
  return new CONFLICT(cancelRequestedAt !== undefined
    ? `${what} is ${status}, and its cancel (asked at ${cancelRequestedAt}) is on its way: delete it once it reads cancelled`
    : `${what} is ${status}; cancel it first (POST ${self}/cancel), then delete it`)
}

/**
 * A DELETE of something that work not yet finished still needs (a dataset a job trains on, a model a job
 * fine-tunes from): the 409 names up to three of `users` ("training job 'job_…'") and what to do.
 */
export function inUseByUnfinished (what: string, users: readonly string[]): ProblemError {
  const named = users.length > 3 ? `${users.slice(0, 3).join(', ')} and ${users.length - 3} more` : users.join(', ')
  const many = users.length > 1
  return new CONFLICT(`${what} is in use by ${named}, not finished; cancel ${many ? 'them' : 'it'} or wait until ${many ? 'they finish' : 'it finishes'}, then delete it`)
}

/**
 * A name that exists without the version asked for (`iris@7`, `/v2/models/iris/versions/7`): a MODEL_NOT_FOUND
 * that names the newest version and where the others are listed, with `newestVersion` in the problem.
 */
export function modelVersionNotFound (name: string, version: string, newest: number): ProblemError & { problem: ProblemExtras } {
  const err = new MODEL_NOT_FOUND(name)
  err.message = `model '${name}' has no version ${version}; its newest is version ${newest} (list its versions with GET /v1/models?name=${encodeURIComponent(name)})`
  return withProblem(err, { newestVersion: newest })
}
export const JOB_NOT_FOUND = coded<[string]>('NN_ERR_JOB_NOT_FOUND', "training job '%s' not found; list jobs with GET /v1/training-jobs", 404)
export const SWEEP_NOT_FOUND = coded<[string]>('NN_ERR_SWEEP_NOT_FOUND', "sweep '%s' not found; list sweeps with GET /v1/sweeps", 404)
export const ROUTE_NOT_FOUND = coded<[string, string]>('NN_ERR_ROUTE_NOT_FOUND', 'no route for %s %s; see GET /docs for the API', 404)

export const TFS_VERB_UNKNOWN = coded<[string]>('NN_ERR_ROUTE_NOT_FOUND', "TensorFlow Serving's REST API has no ':%s'; predictions are POST /v1/models/{name}[/versions/{v}]:predict", 404)

export const TFS_LABELS_NOT_SERVED = coded<[string, string]>('NN_ERR_ROUTE_NOT_FOUND', "version labels are not served here (no '%s' for model '%s'): name the version instead, /v1/models/{name}/versions/{v} (then :predict or /metadata), or leave it out for the newest", 404)

// ---- 501: TensorFlow Serving's, not served here
export const TFS_VERB_NOT_SERVED = coded<[string]>('NN_ERR_NOT_IMPLEMENTED', "TensorFlow Serving's ':%s' is not served here: POST /v1/models/{name}[/versions/{v}]:predict answers with the model's outputs (and, for a classifier, its labels via the native predict)", 501)

// ---- 405: a known path, another method (RFC 9110 §15.5.6: with an Allow header)
export const METHOD_NOT_ALLOWED = coded<[string, string, string]>('NN_ERR_METHOD_NOT_ALLOWED', '%s is not a method of %s; it takes %s (see GET /docs)', 405)

// ---- 409, 413, 415, 422: well-formed but not acceptable here
export const CONFLICT = coded<[string]>('NN_ERR_CONFLICT', '%s', 409)
// the last argument says which references would name one version
export const MODEL_VERSION_REQUIRED = coded<[string, string]>('NN_ERR_MODEL_VERSION_REQUIRED', "'%s' is a model name, and DELETE removes one version, never every version of a name: %s", 409)
export const PAYLOAD_TOO_LARGE = coded<[number]>('NN_ERR_PAYLOAD_TOO_LARGE', 'request body exceeds %d bytes (BODY_LIMIT); send a smaller body or raise the limit', 413)
// what was counted ("dataset has 201 rows"; a CSV read no further than the limit says where it stopped: data/csv.ts)
export const DATASET_TOO_LARGE = coded<[string, number]>('NN_ERR_DATASET_TOO_LARGE', '%s; the limit is %d (MAX_DATASET_ROWS)', 413)
export const DATASET_TOO_WIDE = coded<[string, number]>('NN_ERR_DATASET_TOO_LARGE', 'the dataset has %s; the limit is %d (MAX_FEATURE_COLUMNS): drop the columns that carry nothing, or reduce them (PCA) before upload', 413)
export const NOT_ACCEPTABLE = coded<[string, string]>('NN_ERR_NOT_ACCEPTABLE', "cannot answer in any of '%s'; send Accept: %s", 406)
export const UNSUPPORTED_MEDIA_TYPE = coded<[string, string]>('NN_ERR_UNSUPPORTED_MEDIA_TYPE', "content type '%s' is not accepted here; send %s", 415)
// a Content-Encoding other than gzip, deflate, br (api/request-decompression.ts): the same code, as RFC 9110 answers it (415)
export const UNSUPPORTED_ENCODING = coded<[string]>('NN_ERR_UNSUPPORTED_MEDIA_TYPE', "Content-Encoding '%s' is not read here; send the body as it is, or compressed with gzip, deflate or br", 415)
export const UNSUPPORTED_CHARSET = coded<[string, string]>('NN_ERR_UNSUPPORTED_CHARSET', "charset '%s' cannot be decoded; %s", 415)
export const UNPROCESSABLE = coded<[string]>('NN_ERR_UNPROCESSABLE', '%s', 422)
export const NON_FINITE_OUTPUT = coded<[number, string]>('NN_ERR_NON_FINITE_OUTPUT', "the model's output for row %d is %s: that row is far outside the data the model was trained on (or the model is broken); check the row's units", 422)
export const NON_FINITE_MODEL = coded<[string, string]>('NN_ERR_NON_FINITE_MODEL', 'model %s is not usable: %s; train it again with a lower learning rate', 409)
// the counts grouped (queue/work-text.ts), as the job-size message writes them: 55,451,692 against 50,000,000
export const TOO_MANY_PARAMETERS = coded<[string, string]>('NN_ERR_TOO_MANY_PARAMETERS', 'the network has %s parameters; the limit is %s (MAX_PARAMETERS)', 422)

// ---- 5xx: the service is at fault; details are logged, never sent
export const NOT_READY = coded<[string]>('NN_ERR_NOT_READY', 'not ready: %s', 503)
export const CONSOLE_NOT_BUILT = coded('NN_ERR_CONSOLE_NOT_BUILT', 'the console is not built: run `npm run build` (or `npm run build:ui`), then restart', 503)
export const REDIS_UNAVAILABLE = coded<[number]>('NN_ERR_REDIS_UNAVAILABLE', 'the data store (Redis) is unavailable; nothing was changed; retry in %d s', 503)
export const INTERNAL = coded('NN_ERR_INTERNAL', 'internal server error', 500)
// bytes Node's HTTP parser refused (api/error-handler.ts answerUnparsable)
export const REQUEST_TIMEOUT = coded('NN_ERR_REQUEST_TIMEOUT', 'the request did not arrive in time', 408)
export const HEADERS_TOO_LARGE = coded('NN_ERR_HEADERS_TOO_LARGE', 'the request\'s headers are too large', 431)
