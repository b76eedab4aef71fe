/**
 * What a request that no route answers gets, by what the path is:
 * - a path some route serves, asked with another method: 405 with an Allow header naming the methods
 *   it takes (RFC 9110 §15.5.6); OPTIONS on it: 204 with the same Allow;
 * - a TensorFlow Serving verb (`/v1/models/{name}[/versions/{v}]:{verb}`): `:predict` takes POST only
 *   (405 otherwise), `:classify` and `:regress` are TF Serving's but not served here (501), any other
 *   verb is unknown (404); TF Serving's version labels (`…/labels/{label}`, its `:{verb}` and `/metadata`) are
 *   not served (404 saying to name the version). A model name never holds ':', so without this `GET …/iris:predict` read as
 *   the native route for a model named "iris:predict" (404 "model not found");
 * - anything else: 404.
 * The serving protocols' paths (/v2…, the TF Serving verbs, versions, labels and metadata) answer as those protocols do, `{"error": …}`;
 * the rest with problem+json, as every other error.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { METHOD_NOT_ALLOWED, ROUTE_NOT_FOUND, TFS_LABELS_NOT_SERVED, TFS_VERB_NOT_SERVED, TFS_VERB_UNKNOWN } from '../errors.js'
import { PROBLEM_CONTENT_TYPE, type ProblemBody } from '../schemas/problem.js'
import { PROTOCOL_JSON } from './protocols/protocol-errors.js'

/** The methods a route of ours may take (HEAD where GET is: Fastify adds it), in the order an Allow header lists them. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/** `/v1/models/{name}[/versions/{v} | /labels/{label}]:{verb}`: the verb, or null for any other path. */
const TFS_VERB = /^\/v1\/models\/[^/:]+(?:\/(?:versions|labels)\/[^/:]+)?:([^/]*)$/
const tfsVerbOf = (path: string): string | null => TFS_VERB.exec(path)?.[1] ?? null
/** TF Serving's version label (`/v1/models/{name}/labels/{label}`, then `:{verb}` or `/metadata`, or nothing): [name, label], or null. */
const TFS_LABEL = /^\/v1\/models\/([^/:]+)\/labels\/([^/:]+)(?::|\/metadata$|$)/
const tfsLabelOf = (path: string): [string, string] | null => { const m = TFS_LABEL.exec(path); return m ? [decodeURIComponent(m[1]), decodeURIComponent(m[2])] : null }
/** TensorFlow Serving's REST verbs that this server does not serve. */
const UNSERVED_VERBS = new Set(['classify', 'regress'])

/** Paths of TF Serving's alone: a version or label of a model, or its metadata (`/v1/models/{name}` itself is the native route's too). */
const TFS_ONLY = /^\/v1\/models\/[^/:]+\/(?:versions|labels|metadata)(?:\/|$)/
/** Whether a path is one of the serving protocols', whose errors are `{"error": …}` (also before routing: app.ts frameworkErrors). */
export const isProtocolPath = (path: string): boolean => path === '/v2' || path.startsWith('/v2/') || tfsVerbOf(path) !== null || TFS_ONLY.test(path)

type ProblemOf = (status: number, code: string, detail: string, instance: string) => ProblemBody

/**
 * Installs the not-found handler, and sends the TF Serving verb paths that no route takes (any method
 * but POST …:predict) to it before a native route reads them as a model id.
 */
export function installNotFound (app: FastifyInstance, problemBody: ProblemOf): void {
  // a callback hook: no promise per request (every request passes here)
  app.addHook('onRequest', (request, reply, done) => {
    // no route matched (the handler below answers it anyway), or no ':' that could start a verb
    if (request.is404 || !request.url.includes(':')) { done(); return }
    const verb = tfsVerbOf(request.url.split('?')[0])
    if (verb !== null && !(verb === 'predict' && request.method === 'POST')) { reply.callNotFound(); return }
    done()
  })
  app.setNotFoundHandler((request, reply) => answerUnrouted(request, reply, problemBody))
}

function answerUnrouted (request: FastifyRequest, reply: FastifyReply, problemBody: ProblemOf): FastifyReply {
  const path = request.url.split('?')[0]
  const verb = tfsVerbOf(path)
  const send = (status: number, code: string, detail: string): FastifyReply => isProtocolPath(path)
    ? reply.code(status).type(PROTOCOL_JSON).send(Buffer.from(JSON.stringify({ error: detail }))) // bytes: Fastify adds '; charset=utf-8' to a JSON type for an object or a string
    : reply.code(status).type(PROBLEM_CONTENT_TYPE).send(problemBody(status, code, detail, path))
  const label = tfsLabelOf(path)
  if (label !== null) {
    const e = new TFS_LABELS_NOT_SERVED(label[1], label[0])
    return send(404, e.code, e.message)
  }
  if (verb !== null && verb !== 'predict') {
    const e = UNSERVED_VERBS.has(verb) ? new TFS_VERB_NOT_SERVED(verb) : new TFS_VERB_UNKNOWN(verb)
    return send(e.statusCode ?? 404, e.code, e.message)
  }
  const allowed: string[] = verb === 'predict' ? ['POST'] : METHODS.filter((method) => request.server.findRoute({ method, url: path }) !== null)
  // a route takes this method here, and answered 404 itself (a static file that is not there)
  if (allowed.length === 0 || allowed.includes(request.method)) {
    const e = new ROUTE_NOT_FOUND(request.method, path)
    return send(404, e.code, e.message)
  }
  const allow = allowed.join(', ')
  if (request.method === 'OPTIONS') return reply.code(204).header('allow', `${allow}, OPTIONS`).send()
  const e = new METHOD_NOT_ALLOWED(request.method, path, allow)
  void reply.header('allow', allow)
  return send(405, e.code, e.message)
}
