/**
 * Errors in the serving protocols' own form, `{"error": "…"}` (KServe v2, TF Serving REST), for the
 * routes of one scope. Every error is still made, logged and counted by the one error handler
 * (error-handler.ts: status, headers such as Retry-After, Redis outages); this rewrites its problem+json
 * body on the way out, keeping the status and the detail text, and gives every JSON answer the protocols' type.
 */
import type { FastifyInstance } from 'fastify'
import { PROBLEM_CONTENT_TYPE, type ProblemBody } from '../../schemas/problem.js'

/**
 * The protocols' JSON content type, exactly as Triton and KServe's server send it: KServe's Python client
 * (InferenceRESTClient) reads an error's `{"error"}` only when the type is exactly `application/json`, and
 * raised "400 Bad Request" without the reason on Fastify's `; charset=utf-8` (RFC 8259 defines no charset
 * parameter for JSON; it is always UTF-8).
 */
export const PROTOCOL_JSON = 'application/json'

/**
 * Adds the onSend hook to `scope`: register it inside the plugin that holds the protocol's routes. Besides the
 * errors' bodies, it sets every JSON answer's type to PROTOCOL_JSON (Fastify's serialiser adds a charset).
 */
export function answerErrorsAsProtocol (scope: FastifyInstance): void {
  scope.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type')
    if (typeof type !== 'string') return payload
    if (type.startsWith(PROBLEM_CONTENT_TYPE) && typeof payload === 'string') {
      const problem = JSON.parse(payload) as ProblemBody
      void reply.type(PROTOCOL_JSON)
      return JSON.stringify({ error: problem.detail })
    }
    if (type.startsWith('application/json')) void reply.type(PROTOCOL_JSON)
    return payload
  })
}
