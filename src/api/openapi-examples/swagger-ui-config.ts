/**
 * Swagger UI's configuration: "Try it out" chains the example flow. The examples name "the dataset (job,
 * network, model, sweep) last created from this page" by placeholders (example-data.ts LAST); these two
 * interceptors, which @fastify/swagger-ui serialises into the page as source (so they repeat LAST's
 * names; test/api/openapi-examples.test.ts checks they agree), remember the ids the API
 * answers and put them in place of the placeholders in later requests. A placeholder the page has not
 * seen yet (a fresh tab, a reload: the ids lived in the page's memory) stands for the newest stored one
 * of its kind, read from its list (newest first) with the request's own credentials. Nothing else is
 * changed, and a placeholder with nothing stored of its kind reaches the API as a plain 404.
 */
import type { FastifySwaggerUiConfigOptions } from '@fastify/swagger-ui'

interface UiRequest { url: string, body?: unknown, headers?: Record<string, string> }
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

async function requestInterceptor (req: UiRequest): Promise<UiRequest> {
  const g = globalThis as unknown as { backpropLastIds?: Record<string, string> }
  const last = (g.backpropLastIds ??= {})
  const lists: Record<string, string> = { 'last-dataset': 'datasets', 'last-job': 'training-jobs', 'last-network': 'networks', 'last-model': 'models', 'last-sweep': 'sweeps' }
  for (const placeholder of Object.keys(lists)) {
    const named = req.url.includes(placeholder) || (typeof req.body === 'string' && req.body.includes(`"${placeholder}"`))
    if (!named) continue
    if (last[placeholder] === undefined) {
      try {
        const answer = await fetch(`${new URL(req.url).origin}/v1/${lists[placeholder]}?limit=1`, { headers: req.headers ?? {} })
        const newest = answer.ok ? ((await answer.json()) as { items?: Array<{ id?: unknown }> }).items?.[0]?.id : undefined
        if (typeof newest === 'string') last[placeholder] = newest
      } catch { /* the request goes as it is, and its 404 says what is missing */ }
    }
    const id = last[placeholder]
    if (id === undefined) continue
    req.url = req.url.split(placeholder).join(id)
    if (typeof req.body === 'string') req.body = req.body.split(`"${placeholder}"`).join(`"${id}"`)
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
