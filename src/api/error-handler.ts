/**
 * Every error → application/problem+json (RFC 9457). Client errors keep their message, which says
 * what to fix; server errors are logged in full and answered with a generic text and the request id.
 */
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { EMPTY_BODY, HEADERS_TOO_LARGE, PAYLOAD_TOO_LARGE, REQUEST_TIMEOUT, UNSUPPORTED_MEDIA_TYPE, problemType, type ProblemExtras } from '../errors.js'
import type { Socket } from 'node:net'
import { PROBLEM_CONTENT_TYPE, type ProblemBody } from '../schemas/problem.js'
import { redisUnavailable } from './plugins/redis-guard.js'
import { isConnectionError, rateLimitedLog } from '../store/redis-health.js'
import { installNotFound } from './not-found.js'
import { whatToSend } from './json-body.js'
import { KEYS_HERE, unknownKeysMessage, type UnknownKeysParams } from '../schemas/messages.js'

type FieldIssue = NonNullable<ProblemBody['errors']>[number]

/** '/layers/0/units' → 'layers[0].units' (zod paths as a user would write them). */
export function fieldPath (pointer: string): string {
  return pointer.split('/').filter((s) => s !== '')
    .reduce((path, seg) => (/^\d+$/.test(seg) ? `${path}[${seg}]` : path === '' ? seg : `${path}.${seg}`), '')
}

/**
 * The subset of a zod issue we read; union issues nest one issue list per branch; unrecognized_keys
 * name theirs, and carry the keys their object accepts (schemas/messages.ts).
 */
interface RawIssue { path?: PropertyKey[], message?: string, code?: string, errors?: RawIssue[][], keys?: unknown, params?: Partial<UnknownKeysParams> }

/**
 * Unknown keys, one issue each at the key's own path (`training.epoch`, not `training`), so that a
 * client can mark the field; zod reports them as one issue of the object that holds them.
 */
function unknownKeyIssues (pointer: string, issue: RawIssue): Array<{ pointer: string, message: string }> | undefined {
  if (issue.code !== 'unrecognized_keys' || !Array.isArray(issue.keys) || issue.keys.length === 0) return undefined
  const known = issue.params?.accepted ?? []
  return issue.keys.map((key) => ({ pointer: `${pointer.replace(/\/$/, '')}/${String(key)}`, message: unknownKeysMessage([String(key)], known) }))
}

const depth = (branch: RawIssue[]): number => Math.max(0, ...branch.map((i) => i.path?.length ?? 0))

/**
 * A failed union (e.g. a JSON object or CSV text) reports "Invalid input" at its root. Report instead
 * the branch that got furthest (the deepest path), so the user reads which field to fix.
 */
function expandIssue (pointer: string, issue: RawIssue): { pointer: string, message: string }[] {
  const branches = issue.code === 'invalid_union' ? issue.errors ?? [] : []
  if (branches.length === 0) return unknownKeyIssues(pointer, issue) ?? [{ pointer, message: issue.message ?? 'invalid' }]
  const best = branches.reduce((a, b) => (depth(b) > depth(a) ? b : a))
  if (depth(best) === 0) {
    // a union that words its own failure (schemas/open-inference.ts's tensor values) says it whole
    if (issue.message !== undefined && !/^Invalid input/.test(issue.message)) return [{ pointer, message: issue.message }]
    const options = branches.map((b) => b[0]?.message?.replace(/^Invalid input: /, '')).filter((m): m is string => m !== undefined)
    return [{ pointer, message: alternatives(options) ?? `matches none of the accepted forms (${options.join('; ')})` }]
  }
  return best.flatMap((i) => expandIssue(`${pointer}/${(i.path ?? []).map(String).join('/')}`, i))
}

/** A root issue that says the body is not the kind of value the route takes. */
const WRONG_KIND = /^(expected an object(?: or [^,]+)?, got |matches none of the accepted forms)/

const BOUND = /^must be ([≤≥]) (-?[\d.e+]+), got /

/**
 * Keeps a field's issue of a bound unless another issue of that field says a tighter one: an integer
 * with a maximum of its own fails zod's safe-integer bound too, and `seed: 1e300` read "must be ≤
 * 9007199254740991" beside "must be ≤ 4294967295". (A filter callback over the field's issues.)
 */
function tightestBound (issue: FieldIssue, _i: number, all: readonly FieldIssue[]): boolean {
  const mine = BOUND.exec(issue.message)
  if (mine === null) return true
  const [, side, bound] = mine
  return !all.some((other) => {
    if (other === issue || other.field !== issue.field) return false
    const theirs = BOUND.exec(other.message)
    return theirs !== null && theirs[1] === side && (side === '≤' ? Number(theirs[2]) < Number(bound) : Number(theirs[2]) > Number(bound))
  })
}

/**
 * A union of single values (`version: 1 | 2`), said as one message: `required: send 1 or 2`, `expected 1
 * or 2, got 3`; undefined when the options say other things.
 */
function alternatives (options: readonly string[]): string | undefined {
  const required = options.map((m) => /^required: send (.+)$/.exec(m)?.[1])
  if (options.length > 1 && required.every((v) => v !== undefined)) return `required: send ${orList(required as string[])}`
  const expected = options.map((m) => /^expected (.+), got (.+)$/.exec(m))
  if (options.length > 1 && expected.every((m) => m !== null && m[2] === expected[0]![2])) return `expected ${orList(expected.map((m) => m![1]))}, got ${expected[0]![2]}`
  return undefined
}

/** Unknown keys of one object in a row: the keys it takes are said after the last of them only. */
function sharedKeysOnce (message: string, next: string | undefined): string {
  const keys = KEYS_HERE.exec(message)
  return keys !== null && next?.endsWith(keys[0]) === true ? message.slice(0, keys.index) : message
}

/** `a or b`, `a, b or c`; each once (a union of two kinds of list read "expected a list or a list"). */
function orList (all: readonly string[]): string {
  const xs = [...new Set(all)]
  return xs.length <= 2 ? xs.join(' or ') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`
}

/** The longest detail a problem says whole; a longer one (a message quoting 30 MB of a client's cell) is cut, saying so. */
const MAX_DETAIL = 4000

/** `detail`, cut to MAX_DETAIL characters with how long it was: the answer, the protocols' `{"error"}` and the log line all carry it. */
export const boundedDetail = (detail: string): string => detail.length <= MAX_DETAIL
  ? detail
  : `${detail.slice(0, MAX_DETAIL - 100)}… (${detail.length} characters in all; the rest is not shown)`

/** The most field issues a problem lists (a body of 3,000 unknown keys had answered 532 KB), and the longest field path or issue message it says whole. */
const MAX_ISSUES = 50
const MAX_FIELD = 300

const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 60)}… (${text.length} characters)`)

/** `field` and `errors` bounded as `detail` is: a key of 1 MB had come back three times over in them. */
function boundedExtras (extras: Record<string, unknown>): Record<string, unknown> {
  const out = { ...extras }
  if (typeof out.field === 'string') out.field = cut(out.field, MAX_FIELD)
  if (Array.isArray(out.errors)) {
    out.errors = (out.errors as FieldIssue[]).slice(0, MAX_ISSUES).map((e) => ({ ...e, field: cut(e.field, MAX_FIELD), message: cut(e.message, MAX_DETAIL / 4) }))
  }
  return out
}

function problemBody (status: number, code: string | undefined, detail: string, instance: string, extras: Record<string, unknown> = {}): ProblemBody {
  return { type: problemType(code), title: STATUS_CODES[status] ?? 'Error', status, detail: boundedDetail(detail), instance, ...(code ? { code } : {}), ...boundedExtras(extras) }
}

type AnyError = FastifyError & { problem?: ProblemExtras }

/** The longest path segment the router takes (Fastify's maxParamLength): ids are 36–40 characters, names at most 200. */
export const MAX_PARAM_LENGTH = 200

export function toProblem (err: AnyError, request: FastifyRequest, bodyLimit: number): ProblemBody {
  const instance = request.url.split('?')[0]
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err.validationContext ?? 'body') as FieldIssue['in']
    // no body at all (no content-type either, so no parser ran): as an empty one, what to send
    if (where === 'body' && request.body === undefined) {
      const e = new EMPTY_BODY(whatToSend(request))
      return problemBody(400, e.code, e.message, instance)
    }
    const errors: FieldIssue[] = err.validation
      .flatMap((v) => expandIssue(v.instancePath, { ...(v.params as RawIssue), code: v.keyword, message: v.message }))
      .map((e) => ({ field: fieldPath(e.pointer), in: where, message: e.message }))
      .filter(tightestBound)
      // a field named by a key of a megabyte is said by its start, in the detail too
      .map((e) => ({ ...e, field: cut(e.field, MAX_FIELD) }))
    // a body of the wrong kind altogether (a list, a string where an object goes): say what to send, as for an empty one
    if (where === 'body' && errors.length === 1 && errors[0].field === '' && WRONG_KIND.test(errors[0].message)) {
      errors[0] = { ...errors[0], message: `${errors[0].message}; send ${whatToSend(request)}` }
    }
    // an issue of the whole body has no field: its message stands alone after "invalid <where>:"
    const detail = errors.map((e, i) => `${e.field === '' ? '' : `${e.field}: `}${sharedKeysOnce(e.message, errors[i + 1]?.message)}`).join('; ')
    // `field` at the top, as every other problem has it: the first issue's (errors lists them all)
    const field = errors.find((e) => e.field !== '')?.field
    // a form's text fields are checked as the query string (api/dataset-form.ts): the message says either may hold it
    const said = where === 'querystring' && /^multipart\/form-data/i.test(String(request.headers['content-type'] ?? '')) ? 'querystring or form fields' : where
    return problemBody(400, 'NN_ERR_VALIDATION', `invalid ${said}: ${detail}`, instance, { ...(field === undefined ? {} : { field }), errors })
  }
  switch (err.code) {
    // the router's maxParamLength (app.ts): Fastify's message quotes the whole path, long as it is
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problemBody(414, 'NN_ERR_BAD_REQUEST', `a path segment is longer than ${MAX_PARAM_LENGTH} characters, which no id or name is: check the path (${instance.length} characters)`, instance.slice(0, 256))
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const e = new PAYLOAD_TOO_LARGE(bodyLimit)
      return problemBody(413, e.code, e.message, instance)
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = String(request.headers['content-type'] ?? '')
      // a form (curl -F, an HTML form) is read by the dataset upload alone (api/dataset-form.ts): elsewhere the body is JSON
      const wanted = /^multipart\/form-data/i.test(type)
        ? 'application/json (or text/csv where a route accepts CSV); a form (curl -F) is read only by POST /v1/datasets, where it carries a dataset\'s file'
        : 'application/json (or text/csv where a route accepts CSV)'
      const e = new UNSUPPORTED_MEDIA_TYPE(type.split(';')[0], wanted)
      return problemBody(415, e.code, e.message, instance)
    }
  }
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500) {
    // the catalogue's codes only (errors.ts errorCodes): a 4xx of Fastify's own keeps its message, not its FST_ERR code
    return problemBody(status, err.code?.startsWith('NN_ERR_') === true ? err.code : 'NN_ERR_BAD_REQUEST', err.message, instance, err.problem)
  }
  // our own 5xx codes (e.g. NN_ERR_NOT_READY) carry safe text; anything else may leak internals
  if (status !== 500 && err.code?.startsWith('NN_ERR_')) return problemBody(status, err.code, err.message, instance)
  return problemBody(status >= 500 && status < 600 ? status : 500, 'NN_ERR_INTERNAL',
    `the server failed to handle this request; quote request id ${request.id} when reporting it`, instance)
}

export function setErrorHandling (app: FastifyInstance, bodyLimit: number): void {
  // an outage fails every request alike: one line per 10 s says so, with how many it stood for
  const outageLine = rateLimitedLog(10_000)
  app.setErrorHandler((caught: AnyError, request: FastifyRequest, reply: FastifyReply) => {
    // an upload the client cut off (Node's 'aborted'): its own doing, not a server fault. It was logged at error with a
    // stack and counted as a 500, so a client resetting mid-body flooded the error log (a hostile trial's)
    if (caught.message === 'aborted' && caught.code === 'ECONNRESET') {
      request.log.info({ code: caught.code }, 'request cut off by the client before its body ended')
      const problem = problemBody(400, 'NN_ERR_BAD_REQUEST', 'the request body was cut off before its end: the client closed the connection', request.url.split('?')[0])
      return reply.code(400).type(PROBLEM_CONTENT_TYPE).send(problem)
    }
    // a Redis command that gave up because Redis went away: the client may retry, nothing is wrong with the request
    const gaveUp = (caught.statusCode ?? 500) >= 500 && !(caught.code ?? '').startsWith('NN_ERR_') &&
      (isConnectionError(caught) || request.server.redisDown())
    // or the guard's own 503 (plugins/redis-guard.ts), or /readyz's: no server fault either
    const outage = gaveUp || caught.code === 'NN_ERR_REDIS_UNAVAILABLE' || caught.code === 'NN_ERR_NOT_READY'
    const err = gaveUp ? redisUnavailable() as AnyError : caught
    if (outage) outageLine((suppressed) => request.log.warn({ err: { message: caught.message }, suppressed }, 'request failed: Redis unavailable'))
    const headers = (err as { headers?: Record<string, string> }).headers
    if (headers) void reply.headers(headers)
    const problem = toProblem(err, request, bodyLimit)
    if (outage) return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem)
    if (problem.status >= 500) request.log.error({ err }, 'request failed')
    else request.log.info({ code: problem.code, status: problem.status, detail: problem.detail }, 'request rejected')
    return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem)
  })
  installNotFound(app, problemBody)
}

/** llhttp's codes for a body whose framing is wrong (both or neither of its length headers, a broken chunk). */
const FRAMING = new Set(['HPE_UNEXPECTED_CONTENT_LENGTH', 'HPE_INVALID_TRANSFER_ENCODING', 'HPE_INVALID_CONTENT_LENGTH', 'HPE_INVALID_CHUNK_SIZE', 'HPE_CHUNK_EXTENSIONS_OVERFLOW'])

/**
 * Bytes Node's HTTP parser refuses before Fastify sees a request (both Transfer-Encoding and
 * Content-Length, a broken header line, headers past the size limit): answered as problem+json too.
 * Fastify's own handler answered `{"error":"Bad Request","message":"Client Error"}` as plain JSON.
 * The connection is closed after it, as HTTP/1.1 requires once the framing is lost.
 */
export function answerUnparsable (this: { log?: { info: (o: object, msg: string) => void } } | undefined, err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  // no request exists to log it: the parser's code and the peer, so a client sending broken requests can be found
  this?.log?.info({ code: err.code, remoteAddress: socket.remoteAddress }, 'unparsable request refused')
  const [status, code, detail] = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? [408, new REQUEST_TIMEOUT().code, 'the request did not arrive in time; send it again']
    : err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, new HEADERS_TOO_LARGE().code, 'the request\'s headers are too large; send fewer or shorter ones']
      : [400, 'NN_ERR_BAD_REQUEST', `the request is not valid HTTP/1.1 (${err.code ?? 'unparsable'}: ${err.message})${FRAMING.has(err.code ?? '') ? '; check its framing headers (Transfer-Encoding and Content-Length are not sent together)' : ''}`]
  const { instance: _none, ...problem } = problemBody(status, code, detail, '')
  const body = JSON.stringify(problem)
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  }
  socket.destroy(err)
}
