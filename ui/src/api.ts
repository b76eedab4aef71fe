/**
 * The console's only door to the service: same-origin fetches of the public /v1 API, with the API key
 * (kept in sessionStorage, so it dies with the tab) sent as a Bearer token. Errors arrive as RFC 9457
 * problem+json and are thrown as ApiError with the server's `detail`, which says what to fix.
 */
const KEY_STORAGE = 'backprop.apiKey'

export const apiKey = {
  get: (): string => sessionStorage.getItem(KEY_STORAGE) ?? '',
  set (key: string): void {
    if (key === '') sessionStorage.removeItem(KEY_STORAGE)
    else sessionStorage.setItem(KEY_STORAGE, key)
  }
}

export class ApiError extends Error {
  /** `problem`: the problem+json body's other members (field, line, changes, …), when the answer was one. */
  constructor (readonly status: number, readonly code: string, message: string, readonly problem: Readonly<Record<string, unknown>> = {}) { super(message) }
  /** A job or sweep refused because its model would change its name's inputs or outputs: it may opt in (allowSignatureChange). */
  get signatureChange (): boolean { return this.status === 409 && Array.isArray(this.problem.changes) }
  /** The route itself does not exist on this server (an older version): the feature is not available. */
  get routeMissing (): boolean { return this.status === 404 && this.code === 'NN_ERR_ROUTE_NOT_FOUND' }
  get notFound (): boolean { return this.status === 404 && !this.routeMissing }
  get needsKey (): boolean { return this.status === 401 }
}

export function authHeaders (): Record<string, string> {
  const key = apiKey.get()
  return key === '' ? {} : { authorization: `Bearer ${key}` }
}

async function toError (res: Response): Promise<ApiError> {
  const text = await res.text()
  try {
    const problem = JSON.parse(text) as { detail?: string, code?: string, title?: string }
    return new ApiError(res.status, problem.code ?? '', problem.detail ?? problem.title ?? `HTTP ${res.status}`, typeof problem === 'object' && problem !== null ? problem : {})
  } catch {
    return new ApiError(res.status, '', text === '' ? `HTTP ${res.status}` : text.slice(0, 300))
  }
}

export type ErrorListener = (err: ApiError) => void
const listeners: ErrorListener[] = []
/** Called for every failed request (the shell shows "needs an API key" from here). */
export const onApiError = (fn: ErrorListener): void => { listeners.push(fn) }

/** Any method; `body` is JSON unless it is a string or a Blob (a File: its bytes as they are), which `type` names, e.g. text/csv. */
export async function request (method: string, path: string, body?: unknown, type = 'application/json'): Promise<Response> {
  const init: RequestInit = { method, headers: { accept: 'application/json', ...authHeaders() } }
  if (body !== undefined) {
    init.headers = { ...init.headers, 'content-type': type }
    init.body = typeof body === 'string' || body instanceof Blob ? body : JSON.stringify(body)
  }
  const res = await fetch(path, init)
  if (!res.ok) {
    const err = await toError(res)
    for (const fn of listeners) fn(err)
    throw err
  }
  return res
}

export async function getJson<T> (path: string): Promise<T> {
  return await (await request('GET', path)).json() as T
}

/** The most items a list route gives in one page (PageQuery's limit ≤ 1000). */
const MOST_A_PAGE = 1000

/** Every item of a paged list (`path` without offset or limit), page after page: a picker must offer them all. */
export async function allItems<T> (path: string): Promise<T[]> {
  const items: T[] = []
  for (;;) {
    const page = await getJson<{ items: T[], total?: number }>(`${path}${path.includes('?') ? '&' : '?'}offset=${items.length}&limit=${MOST_A_PAGE}`)
    items.push(...page.items)
    if (page.items.length < MOST_A_PAGE || (page.total !== undefined && items.length >= page.total)) return items
  }
}

export async function sendJson<T> (method: string, path: string, body?: unknown, type?: string): Promise<T> {
  const res = await request(method, path, body, type)
  return (res.status === 204 ? undefined : await res.json()) as T
}

/** True when a HEAD of `path` answers 2xx with a content type matching `accept` (e.g. ONNX export). */
export async function available (path: string, accept: RegExp): Promise<boolean> {
  try {
    const res = await fetch(path, { method: 'HEAD', headers: authHeaders() })
    return res.ok && accept.test(res.headers.get('content-type') ?? '')
  } catch {
    return false
  }
}

/** Fetches with the key and saves the body as a file (a plain link could not send the key). */
export async function download (path: string, filename: string): Promise<void> {
  const blob = await (await request('GET', path)).blob()
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
