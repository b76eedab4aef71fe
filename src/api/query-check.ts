/**
 * A query parameter that no route reads is a 400 naming it, not silently ignored: `GET
 * /v1/training-jobs?status=running` listed every job, and `GET /v1/models?nam=iris` every model. Routes
 * that take parameters declare them in a strict schema (PageQuery and the others), whose unknown keys
 * are refused with the keys accepted; this hook covers the API's routes that declare none. The console
 * and Swagger UI's static files are left alone: a browser or a proxy may add a cache-busting parameter.
 */
import type { FastifyInstance } from 'fastify'
import { VALIDATION, withProblem } from '../errors.js'
import { routeLabel } from './route-label.js'

const API_PATH = /^\/(v1|v2)([/?]|$)/

export function refuseUnreadQueries (app: FastifyInstance): void {
  // a callback hook: no promise per request (every request passes here)
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.routeOptions.schema?.querystring !== undefined || !request.url.includes('?') || !API_PATH.test(request.url)) { done(); return }
    const keys = Object.keys(request.query as Record<string, unknown>)
    if (keys.length === 0) { done(); return }
    const listed = keys.map((k) => `"${k}"`).join(', ')
    done(withProblem(new VALIDATION(`unknown query parameter${keys.length > 1 ? 's' : ''} ${listed}: ${request.method} ${routeLabel(request.routeOptions.url ?? request.url.split('?')[0])} takes none`), { field: keys[0] }))
  })
}
