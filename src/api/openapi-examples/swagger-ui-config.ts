/**
 * Swagger UI's configuration: "Try it out" chains the example flow. The examples name "the dataset (job,
 * network, model, sweep) last created from this page" by placeholders (example-data.ts LAST); these two
 * interceptors, which @fastify/swagger-ui serialises into the page as source (so they repeat LAST's
 * names; test/api/openapi-examples.test.ts checks they agree), remember the ids the API
 * answers and put them in place of the placeholders in later requests. Nothing else is changed, and a
 * placeholder that reaches the API (nothing created yet, or a client other than this page) is a plain 404.
 */
import type { FastifySwaggerUiConfigOptions } from '@fastify/swagger-ui'

interface UiRequest { url: string, body?: unknown }
interface UiResponse { body?: unknown }

// Both run in the browser, from their source text: they may use only their arguments and browser globals.
function responseInterceptor (res: UiResponse): UiResponse {
  const g = globalThis as unknown as { backpropLastIds?: Record<string, string> }
  const last = (g.backpropLastIds ??= {})
  const body = res.body as Record<string, unknown> | undefined
  const kinds: Record<string, string> = { ds_: 'last-dataset', job_: 'last-job', net_: 'last-network', mdl_: 'last-model', swp_: 'last-sweep' }
  for (const value of [body?.id, body?.modelId]) {
    if (typeof value !== 'string') continue
    for (const prefix of Object.keys(kinds)) if (value.startsWith(prefix)) last[kinds[prefix]] = value
  }
  return res
}

function requestInterceptor (req: UiRequest): UiRequest {
  const last = (globalThis as unknown as { backpropLastIds?: Record<string, string> }).backpropLastIds ?? {}
  for (const placeholder of Object.keys(last)) {
    req.url = req.url.split(placeholder).join(last[placeholder])
    if (typeof req.body === 'string') req.body = req.body.split(`"${placeholder}"`).join(`"${last[placeholder]}"`)
  }
  return req
}

export const SWAGGER_UI_CONFIG: FastifySwaggerUiConfigOptions = {
  // try-it-out open on every operation: the examples are meant to be sent as they are
  tryItOutEnabled: true,
  displayRequestDuration: true,
  // swagger-ui's Request and Response are open records with at least these members
  requestInterceptor: requestInterceptor as unknown as FastifySwaggerUiConfigOptions['requestInterceptor'],
  responseInterceptor: responseInterceptor as unknown as FastifySwaggerUiConfigOptions['responseInterceptor']
}
