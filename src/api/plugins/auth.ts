/**
 * API keys: who is calling (request.tenant, request.principal) and whether the key holds the route's
 * scope (route-scopes.ts). With no keys configured every request is tenant `local`. Not rate limits
 * (rate-limit.ts) and not tenancy of records (the repositories and the queue filter by tenant).
 */
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { FORBIDDEN, quotedScopes, TOO_MANY_AUTH_FAILURES, UNAUTHORIZED } from '../../errors.js'
import { createRateLimiter } from '../../store/rate-limits.js'
import { withTimeout } from '../with-timeout.js'
import type { ApiKeyEntry } from '../../security/api-keys.js'
import { LOCAL_TENANT } from '../../security/tenancy.js'
import { allows, createKeyMatcher, type Principal } from '../../security/key-matcher.js'
import { alsoScopesOf, scopeOf, type RouteScope } from '../route-scopes.js'
import { routeLabel } from '../route-label.js'

declare module 'fastify' {
  interface FastifyContextConfig { scope?: RouteScope }
  interface FastifyRequest {
    /** The caller's tenant: records are created under it and only its records are visible. '' on public routes. */
    tenant: string
    /** The matched API key; null when the API is open or the route is public. */
    principal: Principal | null
  }
}

export const SECURITY_SCHEMES = {
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
  apiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The API key in a header of its own' }
} as const

const CHALLENGE = 'Bearer realm="backprop"'

/**
 * The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>` (or both, holding the same
 * key); undefined when neither is sent. `{ refused }` when what is sent is ambiguous: an Authorization header
 * that is not a Bearer key, or two headers with two different keys. A gateway that adds one header while the
 * client sends the other must not have the request run as whichever tenant the API happened to read first.
 */
export function presentedKey (headers: FastifyRequest['headers'], rawHeaders: readonly string[] = []): string | { refused: string } | undefined {
  // Node keeps the first of two Authorization headers and joins two X-API-Key ones: either way two keys, refused
  if (countOf(rawHeaders, 'authorization') > 1 || countOf(rawHeaders, 'x-api-key') > 1) {
    return { refused: 'the request has more than one Authorization or X-API-Key header: send one key, in one header' }
  }
  const auth = headers.authorization
  let bearer: string | undefined
  if (typeof auth === 'string' && auth.trim() !== '') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    if (!m) return { refused: "the Authorization header is not 'Bearer <key>': send the API key as 'Authorization: Bearer <key>' or as 'X-API-Key: <key>'" }
    bearer = m[1]
  }
  const header = headers['x-api-key']
  const value = Array.isArray(header) ? header[0] : header
  const apiKey = typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) {
    return { refused: 'Authorization and X-API-Key hold two different API keys: send one key, in one of them' }
  }
  return bearer ?? apiKey
}

/** How many of the raw headers (name, value, name, value, …) are named `name` (lower case). */
function countOf (rawHeaders: readonly string[], name: string): number {
  let n = 0
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].length === name.length && rawHeaders[i].toLowerCase() === name) n++
  return n
}

function unauthorized (reply: FastifyReply, message: string): Error {
  reply.header('www-authenticate', CHALLENGE)
  return new UNAUTHORIZED(message)
}

/** The 401 of a request without a key (also the OpenAPI document's example of it). */
export const NO_KEY = "this route needs an API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"

export interface AuthOptions {
  readonly keys: readonly ApiKeyEntry[]
  /** Redis key prefix of the failed-authentication buckets (shared by all API replicas). */
  readonly prefix: string
  /** Invalid keys allowed per minute from one address before it gets 429s (a burst of a third of it). */
  readonly failuresPerMinute?: number
}

export default fp<AuthOptions>(async function auth (fastify, { keys, prefix, failuresPerMinute = 30 }) {
  const matcher = createKeyMatcher(keys)
  const open = matcher.size === 0
  // Guessing keys: invalid keys are counted per client address; past the limit that address gets 429s
  // (a valid key is never refused, so a shared address cannot lock out its legitimate users)
  const failures = open ? null : createRateLimiter(fastify.redis, prefix, { perMinute: failuresPerMinute, burst: Math.max(1, Math.ceil(failuresPerMinute / 3)) })
  fastify.decorateRequest('tenant', '')
  fastify.decorateRequest('principal', null)

  // Every route registered after this plugin gets its scope in config and in the OpenAPI document.
  fastify.addHook('onRoute', (route) => {
    const method = Array.isArray(route.method) ? route.method[0] : route.method
    const scope = route.config?.scope ?? scopeOf(method, route.url)
    route.config = { ...route.config, scope }
    if (route.schema && !route.schema.hide) {
      // OpenAPI 3.1 lets non-OAuth requirements list role names: here, the scope the key needs, each one that opens the route an alternative
      const scopes = scope === 'public' ? [] : [scope, ...alsoScopesOf(method, route.url)]
      const security = scopes.flatMap((s): Array<Record<string, string[]>> => [{ bearerAuth: [s] }, { apiKeyAuth: [s] }])
      route.schema = { ...route.schema, security }
    }
  })

  // A callback hook: a request with a valid key (or an open API) goes on synchronously, with no
  // promise; only an invalid key waits, for the per-address failure count in Redis.
  fastify.addHook('onRequest', (request, reply, done) => {
    const url = request.routeOptions.url
    // an unknown route answers 404 to anyone: the route list is public in /openapi.json anyway
    if (url === undefined) { done(); return }
    const scope = request.routeOptions.config.scope ?? scopeOf(request.method, url)
    if (scope === 'public') { done(); return }
    if (open) {
      request.tenant = LOCAL_TENANT
      done()
      return
    }
    const key = presentedKey(request.headers, request.raw.rawHeaders)
    if (key === undefined) {
      done(unauthorized(reply, NO_KEY))
      return
    }
    if (typeof key !== 'string') {
      done(unauthorized(reply, key.refused))
      return
    }
    const principal = matcher.match(key)
    if (!principal) {
      withTimeout(failures!.take(`auth-failures:${request.ip}`), 1000).catch(() => null).then((decision) => { // Redis down: plain 401
        if (decision && !decision.allowed) {
          reply.header('retry-after', decision.retryAfterSeconds)
          done(new TOO_MANY_AUTH_FAILURES(failuresPerMinute, decision.retryAfterSeconds))
        } else {
          done(unauthorized(reply, 'the API key is not valid'))
        }
      }, done)
      return
    }
    // the route's own scope, or one that also opens it (route-scopes.ts ALSO_SCOPES: a protocol's model description for a predict key)
    const scopes = [scope, ...alsoScopesOf(request.method, url)]
    if (!scopes.some((s) => allows(principal, s))) { done(new FORBIDDEN(quotedScopes(scopes), `${request.method} ${routeLabel(url)}`)); return }
    request.principal = principal
    request.tenant = principal.tenant
    done()
  })
}, { name: 'auth', dependencies: ['redis'] })
