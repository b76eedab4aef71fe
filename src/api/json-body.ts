/**
 * How every route answers a JSON body it cannot read: 400 NN_ERR_INVALID_JSON with JSON.parse's message
 * and where (position, and line and column when the body spans lines), or 400 NN_ERR_EMPTY_BODY with
 * what to send, sketched from the route's own OpenAPI example. Fastify's parser, which still does the
 * reading here (prototype-poisoning checks and all), says only FST_ERR_CTP_INVALID_JSON_BODY.
 * Bodies are read as bytes: bytes that are not UTF-8 are a 400 NN_ERR_NOT_UTF8 (utf8-body.ts), never
 * U+FFFD in a stored name or class. The routes that read their bodies themselves (predict, large
 * dataset uploads) answer through unreadableBody() and notUtf8() too; the serving protocols rewrite
 * the problem into their {"error"} form.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { EMPTY_BODY, INVALID_JSON, VALIDATION, withProblem } from '../errors.js'
import { EXAMPLES } from './openapi-examples/examples.js'
import { notUtf8 } from './utf8-body.js'

type Done = (err: Error | null, body?: unknown) => void
export type JsonBodyParser = (request: FastifyRequest, body: Buffer, done: Done) => void

/** JSON's white space: a body of nothing else is empty, not malformed. */
const isBlank = (text: string): boolean => /^[ \t\n\r]*$/.test(text)

/**
 * The parser for `scope`: Fastify's own, with our errors. A route without a body schema (a cancel) takes
 * an empty body as no body: `curl -X POST -H 'content-type: application/json' …/cancel` sends one.
 */
export function jsonBodyParser (scope: FastifyInstance, { nanAsNull = false }: { nanAsNull?: boolean } = {}): JsonBodyParser {
  const secure = scope.getDefaultJsonParser('error', 'error')
  return (request, body, done) => {
    const notText = notUtf8(body)
    if (notText) { done(notText); return }
    const text = body.toString()
    if (isBlank(text) && request.routeOptions.schema?.body === undefined) { done(null, undefined); return }
    secure(request, text, (err: Error | null, value?: unknown) => {
      if (!err) { done(null, value); return }
      // only once JSON itself failed: a body without NaN pays nothing for it
      const nulled = nanAsNull ? nanTokensAsNull(text) : undefined
      if (nulled === undefined) { done(unreadableBody(request, text)); return }
      secure(request, nulled, (again: Error | null, read?: unknown) => {
        if (again) done(unreadableBody(request, nulled))
        else done(null, read)
      })
    })
  }
}

/**
 * The text with each NaN token outside strings written as null, or undefined when it has none. TensorFlow
 * Serving's REST API takes NaN in its JSON ("JSON conformance", api_rest.md), and Python's json.dumps writes
 * float('nan') so; a row's NaN is its missing value, as null is (and as the ONNX export reads NaN). Infinity stays
 * an error: no finite value stands for it.
 */
export function nanTokensAsNull (text: string): string | undefined {
  let out: string | undefined
  let from = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // a backslash escapes the next character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x4e && text.startsWith('NaN', i) && !/[\w$]/.test(text[i + 3] ?? '') && !/[\w$.]/.test(text[i - 1] ?? '')) {
      out = (out ?? '') + text.slice(from, i) + 'null'
      from = i + 3
      i += 2
    }
  }
  return out === undefined ? undefined : out + text.slice(from)
}

/** The 400 for a body with a prototype key, which every route refuses (Fastify's parser; the predict route's own check). */
export const prototypeKeyError = (): Error => withProblem(new VALIDATION('the body holds a "__proto__" member, or "constructor" with "prototype" in it, which is refused ' +
  '(prototype poisoning); rename the member'), { field: '__proto__' })

/**
 * The 400 for a body that did not parse. `cause`: JSON.parse's own error when the caller has it (a
 * second parse is then saved); without it, JSON.parse is run again for its message, which Fastify's
 * parser does not pass on.
 */
export function unreadableBody (request: FastifyRequest, text: string, cause?: unknown): Error {
  if (isBlank(text)) return new EMPTY_BODY(whatToSend(request))
  const syntax = cause instanceof SyntaxError ? cause : syntaxError(text)
  // JSON.parse reads it: what Fastify's parser refused is a prototype key
  if (syntax === undefined) return prototypeKeyError()
  return new INVALID_JSON(located(syntax.message, text, missingHint(request)) + csvHint(request, text))
}

/**
 * What to send instead of NaN or Infinity: null for a missing value where the route takes one; the Open
 * Inference Protocol's tensors carry none (schemas/open-inference.ts refuses null).
 */
function missingHint (request: FastifyRequest): string {
  const url = request.routeOptions.url ?? ''
  if (url.startsWith('/v2/')) return 'NaN and Infinity are not JSON, and an Open Inference tensor carries no missing values: fill the value in, or send the row to POST /v1/models/{name}/predict or TF Serving\'s :predict, which take null for a missing value'
  // TF Serving's :predict reads NaN as a missing value (nanTokensAsNull): what is left is an Infinity
  if (url.endsWith(':predict')) return 'Infinity is not JSON, and no number stands for it here: send a finite number, or NaN or null for a missing value'
  return 'NaN and Infinity are not JSON: send null for a missing value'
}

/**
 * A dataset upload whose JSON does not parse because it is CSV, sent without its media type (curl -d
 * and fetch default to JSON here): said, with the header to send.
 */
function csvHint (request: FastifyRequest, text: string): string {
  if (request.routeOptions.url !== '/v1/datasets') return ''
  const first = text.trimStart().split('\n', 1)[0]
  if (/^[[{"]/.test(first) || !/[,;\t]/.test(first) || !text.trim().includes('\n')) return ''
  return "; this looks like CSV: send it with Content-Type: text/csv (curl --data-binary @data.csv -H 'content-type: text/csv')"
}

function syntaxError (text: string): SyntaxError | undefined {
  try {
    JSON.parse(text)
    return undefined
  } catch (err) {
    return err as SyntaxError
  }
}

/**
 * V8's message with a position wherever V8 leaves it out (an early end; an unexpected token, which it
 * shows in context instead), the line and column on a body of several lines (newer V8s give them
 * themselves), and what to send for NaN and Infinity, which Python's json.dumps writes.
 */
function located (message: string, text: string, nanHint: string): string {
  const given = /at position (\d+)/.exec(message)
  const position = given !== null ? Number(given[1]) : message === 'Unexpected end of JSON input' ? text.length : tokenPosition(message, text)
  let shown = given === null && position !== undefined ? `${message} at position ${position}` : message
  if (position !== undefined && text.includes('\n') && !/\(line \d+/.test(message)) {
    const before = text.slice(0, position)
    shown += ` (line ${before.split('\n').length}, column ${position - before.lastIndexOf('\n')})`
  }
  if (position !== undefined && (text.startsWith('NaN', position) || text.startsWith('Infinity', position))) {
    shown += `; ${nanHint}`
  }
  return shown
}

/**
 * V8 shows the text around an unexpected token (10 characters either side, "..." where it cut): the
 * token's position. A body short enough to be shown whole is searched: the shortest prefix of it that
 * already fails on an unexpected token ends with it.
 */
function tokenPosition (message: string, text: string): number | undefined {
  const shown = /^Unexpected token .*?, (\.\.\.)?"(.*)"(\.\.\.)? is not valid JSON$/s.exec(message)
  if (shown === null) return undefined
  const [, cutBefore, context, cutAfter] = shown
  if (cutBefore === undefined && cutAfter === undefined) {
    for (let end = 1; end <= text.length && end <= 64; end++) {
      if (syntaxError(text.slice(0, end))?.message.startsWith('Unexpected token') === true) return end - 1
    }
    return undefined
  }
  if (cutBefore === undefined) return context.length - 10
  if (cutAfter === undefined) return text.length - context.length + 10
  const start = text.indexOf(context)
  return start < 0 ? undefined : start + 10
}

/** A route's URL as the OpenAPI document writes it: `:id` → `{id}`, `:name(^[^:/]+)::predict` → `{name}:predict`. */
export function openApiPath (url: string): string {
  return url.replaceAll('::', '\0').replace(/:(\w+)(\([^)]*\))?/g, '{$1}').replaceAll('\0', ':')
}

const SHOWN_STRING = 24

/** An example in brief: every top-level member, and of each value only its shape (`{"inputs": [[…], …]}`). */
export function sketch (value: unknown, depth = 0): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    if (depth >= 2) return '[…]'
    return `[${sketch(value[0], depth + 1)}${value.length > 1 ? ', …' : ''}]`
  }
  if (typeof value === 'object' && value !== null) {
    if (depth >= 1) return '{…}'
    const members = Object.entries(value).filter(([, v]) => v !== undefined)
    // an id is the caller's own: the example's would mislead
    const shown = (k: string, v: unknown): string => (typeof v === 'string' && /^id$|Id$/.test(k) ? '"…"' : sketch(v, depth + 1))
    return `{${members.map(([k, v]) => `${JSON.stringify(k)}: ${shown(k, v)}`).join(', ')}}`
  }
  if (typeof value === 'string' && value.length > SHOWN_STRING) return '"…"'
  return JSON.stringify(value)
}

/** What an empty body (or one of the wrong kind) should have held: the route's example in brief (openapi-examples/ has one for every route with a body). */
export function whatToSend (request: FastifyRequest): string {
  const operation = `${request.method} ${openApiPath(request.routeOptions.url ?? request.url.split('?')[0])}`
  const example = EXAMPLES[operation]?.body?.['application/json']
  return example === undefined
    ? `the JSON body that GET /docs describes for ${operation}`
    : `a JSON object like ${sketch(example)} (GET /docs has ${operation}'s schema and a full example)`
}
