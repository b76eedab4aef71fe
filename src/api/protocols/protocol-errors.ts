/**
 * Errors in the serving protocols' own form, `{"error": "…"}` (KServe v2, TF Serving REST), for the
 * routes of one scope. Every error is still made, logged and counted by the one error handler
 * (error-handler.ts: status, headers such as Retry-After, Redis outages); this only rewrites its
 * problem+json body on the way out, keeping the status and the detail text.
 */
import type { FastifyInstance } from 'fastify'
import { PROBLEM_CONTENT_TYPE, type ProblemBody } from '../../schemas/problem.js'

/** Adds the onSend hook to `scope`: register it inside the plugin that holds the protocol's routes. */
export function answerErrorsAsProtocol (scope: FastifyInstance): void {
  scope.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type')
    if (typeof type !== 'string' || !type.startsWith(PROBLEM_CONTENT_TYPE) || typeof payload !== 'string') return payload
    const problem = JSON.parse(payload) as ProblemBody
    void reply.type('application/json; charset=utf-8')
    return JSON.stringify({ error: problem.detail })
  })
}
