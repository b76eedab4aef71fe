/**
 * The typed client of the backprop API: openapi-fetch over the types openapi-typescript generates from
 * openapi/openapi.json (client/openapi.ts, `npm run openapi`). Every path, parameter, body and answer
 * is typed from the document; calls return `{ data, error, response }` (openapi-fetch), with `error`
 * the problem+json body (or `{error}` on the /v2 and :predict routes).
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch'
import type { components, paths } from './openapi.js'

export type { components, paths }
export type BackpropClient = Client<paths>
export type TrainingJob = components['schemas']['TrainingJobResponse']

export interface BackpropClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the API answers, e.g. http://127.0.0.1:3000 */
  readonly baseUrl: string
  /** Sent as `Authorization: Bearer <key>` when the service has API_KEYS */
  readonly apiKey?: string
}

export function createBackpropClient ({ baseUrl, apiKey, headers, ...options }: BackpropClientOptions): BackpropClient {
  return createClient<paths>({ baseUrl, ...options, headers: { ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }), ...headers } })
}

/**
 * The job once it is final (succeeded, failed or cancelled), with its history: polled every
 * `intervalMs` without the history (`?history=none`: a poll of a long job stays small), then read
 * whole once. An HTTP error throws its body's detail.
 */
export async function waitForJob (api: BackpropClient, id: string, { intervalMs = 250 } = {}): Promise<TrainingJob> {
  for (;;) {
    const { data, error } = await api.GET('/v1/training-jobs/{id}', { params: { path: { id }, query: { history: 'none' } } })
    if (error !== undefined) throw new Error(error.detail)
    if (data.status !== 'queued' && data.status !== 'running') break
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  const { data, error } = await api.GET('/v1/training-jobs/{id}', { params: { path: { id } } })
  if (error !== undefined) throw new Error(error.detail)
  if (!('history' in data)) throw new Error('the service answered a job without its history')
  return data
}
