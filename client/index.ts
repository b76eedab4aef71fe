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
 * A failed call of the API: its HTTP status, the problem's `code` (NN_ERR_…) and the whole body
 * (problem+json, or `{error}` on the /v2 and :predict routes). What waitForJob, followJob and uploadCsv throw.
 */
export class BackpropError extends Error {
  readonly status: number
  readonly code: string | undefined
  readonly body: unknown
  constructor (status: number, body: unknown) {
    const b = (typeof body === 'object' && body !== null ? body : {}) as { detail?: unknown, error?: unknown, code?: unknown }
    super(typeof b.detail === 'string' ? b.detail : typeof b.error === 'string' ? b.error : `HTTP ${status}`)
    this.name = 'BackpropError'
    this.status = status
    this.code = typeof b.code === 'string' ? b.code : undefined
    this.body = body
  }
}

/** Answers worth waiting out: the service or its Redis briefly away (503), a rate limit (429). */
const TRANSIENT = new Set([429, 502, 503, 504])
/** How long a transient answer asks to wait (its Retry-After, in seconds), at most `cap` ms. */
const retryAfterMs = (response: Response, fallback: number, cap: number): number => {
  const s = Number(response.headers.get('retry-after'))
  return Math.min(cap, Number.isFinite(s) && s > 0 ? s * 1000 : fallback)
}

function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason); return }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = (): void => { clearTimeout(timer); reject(signal!.reason) }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export interface WaitOptions {
  /** between polls (default 250 ms) */
  readonly intervalMs?: number
  /** give up after this long (default: never), rejecting with a TimeoutError */
  readonly timeoutMs?: number
  /** stop waiting (the job goes on; cancel it with POST /v1/training-jobs/{id}/cancel) */
  readonly signal?: AbortSignal
}

/** The job's final form, narrowed: a succeeded job has its modelId. */
export type FinishedJob = (TrainingJob & { status: 'succeeded', modelId: string }) | (TrainingJob & { status: 'failed' | 'cancelled' })

/**
 * The job once it is final (succeeded, failed or cancelled), with its history: polled every
 * `intervalMs` without the history (`?history=none`: a poll of a long job stays small), then read
 * whole once. A 429 or 503 (a rate limit, Redis briefly away) is waited out, as its Retry-After says;
 * any other HTTP error rejects with a BackpropError. `timeoutMs` and `signal` bound the wait: a job
 * that stays queued (no worker running) would otherwise be polled forever.
 */
export async function waitForJob (api: BackpropClient, id: string, { intervalMs = 250, timeoutMs, signal }: WaitOptions = {}): Promise<FinishedJob> {
  const bound = timeoutMs === undefined ? signal : AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])])
  const read = async (history: 'none' | undefined) => {
    for (;;) {
      // no `signal: undefined`: under exactOptionalPropertyTypes an absent option is not one set to undefined
      const { data, error, response } = await api.GET('/v1/training-jobs/{id}', { params: { path: { id }, query: history ? { history } : {} }, ...(bound ? { signal: bound } : {}) })
      if (error === undefined) return data
      if (!TRANSIENT.has(response.status)) throw new BackpropError(response.status, error)
      await sleep(retryAfterMs(response, intervalMs, 5_000), bound)
    }
  }
  for (;;) {
    const job = await read('none')
    if (job.status !== 'queued' && job.status !== 'running') break
    await sleep(intervalMs, bound)
  }
  const job = await read(undefined)
  if (!('history' in job)) throw new Error('the service answered a job without its history')
  return job as FinishedJob
}

export type EpochStats = components['schemas']['EpochStats']
/** What a job's event stream says: each epoch (the history first), then its end. */
export type JobEvent =
  | { readonly type: 'epoch', readonly stats: EpochStats }
  | { readonly type: 'end', readonly status: 'succeeded' | 'failed' | 'cancelled', readonly modelId?: string, readonly error?: string }

/** How often followJob connects again after its stream closed before the job's end, and how long it waits first. */
const RECONNECTS = 5
const RECONNECT_MS = 1_000

/**
 * A job's server-sent events (GET /v1/training-jobs/{id}/events) as typed values: every epoch, the ones
 * already finished first, then one `end`, after which the iteration stops. A stream that closes before
 * the end (a restarted API, a proxy's timeout) is opened again where it stopped (Last-Event-ID), up to 5
 * times in a row over about 15 s, and a 429 or 503 is waited out likewise; past that it rejects, so a loop never ends
 * as if the job had. Breaking out of the loop, or `signal`, closes the stream. Another HTTP error rejects
 * with a BackpropError. (openapi-fetch's own GET of this route would parse the stream as JSON.)
 */
export async function * followJob (api: BackpropClient, id: string, { signal }: { signal?: AbortSignal } = {}): AsyncGenerator<JobEvent, void, undefined> {
  signal?.throwIfAborted()
  let lastEpoch = 0
  for (let failures = 0; ; failures++) {
    if (failures > RECONNECTS) throw new Error(`the event stream of training job '${id}' closed before the job ended, ${RECONNECTS} reconnects in a row; read it with GET /v1/training-jobs/${id}`)
    if (failures > 0) await sleep(RECONNECT_MS * failures, signal)
    const ours = new AbortController()
    const onAbort = (): void => ours.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      let opened
      try {
        opened = await api.GET('/v1/training-jobs/{id}/events', {
          params: { path: { id } }, parseAs: 'stream', signal: ours.signal, headers: lastEpoch > 0 ? { 'last-event-id': String(lastEpoch) } : {}
        })
      } catch (err) {
        if (signal?.aborted === true) throw err
        continue // the service is not answering (restarting): try again
      }
      const { data, error, response } = opened
      if (error !== undefined) {
        if (TRANSIENT.has(response.status)) continue
        throw new BackpropError(response.status, error)
      }
      if (data === null) continue
      try {
        for await (const { event, payload } of serverSentEvents(data as unknown as AsyncIterable<Uint8Array>)) {
          if (event === 'epoch') {
            const stats = JSON.parse(payload) as EpochStats
            lastEpoch = stats.epoch
            failures = -1 // an event arrived: the next close starts the count again
            yield { type: 'epoch', stats }
          } else if (event === 'end') {
            yield { type: 'end', ...(JSON.parse(payload) as Omit<Extract<JobEvent, { type: 'end' }>, 'type'>) }
            return
          }
        }
      } catch (err) {
        if (signal?.aborted === true) throw err
        // the connection broke mid-stream: open it again after the last epoch seen
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      ours.abort() // closes the stream when the caller stopped early
    }
  }
}

/** A text/event-stream body's events, as `event:` name and `data:` line; comments (": keep-alive") carry none. */
async function * serverSentEvents (body: AsyncIterable<Uint8Array>): AsyncGenerator<{ event: string, payload: string }, void, undefined> {
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true })
    // an event ends at a blank line
    for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
      const block = buffered.slice(0, end)
      buffered = buffered.slice(end + 2)
      const event = /^event: (.*)$/m.exec(block)?.[1]
      const payload = /^data: (.*)$/m.exec(block)?.[1]
      if (event !== undefined && payload !== undefined) yield { event, payload }
    }
  }
}

export type Dataset = components['schemas']['DatasetResponse']
type CsvQuery = NonNullable<NonNullable<paths['/v1/datasets']['post']['parameters']['query']>>

/**
 * Uploads CSV text as a dataset (POST /v1/datasets, text/csv), with the upload's query options (`name`,
 * `target`, `categorical`, …). The text is sent as it is: openapi-fetch's default would send it
 * JSON-encoded, one quoted line the service cannot read as CSV. Rejects with a BackpropError.
 */
export async function uploadCsv (api: BackpropClient, csv: string, query: CsvQuery = {}): Promise<Dataset> {
  const { data, error, response } = await api.POST('/v1/datasets', { params: { query }, body: csv, headers: { 'content-type': 'text/csv' }, bodySerializer: (text) => text })
  if (error !== undefined) throw new BackpropError(response.status, error)
  return data as Dataset
}

/** One row of a dataset's predictions (POST /v1/models/{id}/predictions): its outputs, label and unknown categories. */
export type DatasetPrediction = paths['/v1/models/{id}/predictions']['post']['responses'][200]['content']['application/json'][number]

/**
 * Every row of a stored dataset through a model (POST /v1/models/{ref}/predictions), as one array. Asks for
 * JSON: the route's default answer is NDJSON, a line per row, which openapi-fetch's own call would read as
 * one JSON document and throw on. `model`: an id, `name@<version>`, `name@latest` or a bare name. Rejects with
 * a BackpropError.
 */
export async function predictDataset (api: BackpropClient, model: string, datasetId: string): Promise<DatasetPrediction[]> {
  const { data, error, response } = await api.POST('/v1/models/{id}/predictions', { params: { path: { id: model } }, body: { datasetId }, headers: { accept: 'application/json' } })
  if (error !== undefined) throw new BackpropError(response.status, error)
  return data as DatasetPrediction[]
}

/**
 * A model as an ONNX file's bytes (GET /v1/models/{ref}/export?format=onnx), to save or hand to an ONNX
 * runtime. openapi-fetch's own call would read the bytes as JSON and throw. Rejects with a BackpropError.
 */
export async function exportOnnx (api: BackpropClient, model: string): Promise<ArrayBuffer> {
  const { data, error, response } = await api.GET('/v1/models/{id}/export', { params: { path: { id: model }, query: { format: 'onnx' } }, parseAs: 'arrayBuffer' })
  if (error !== undefined) throw new BackpropError(response.status, error)
  return data
}

/** An input of inferBinary: numbers as a typed array of the tensor's datatype, or the strings of a BYTES tensor (a categorical column's). */
export type BinaryInput =
  | { readonly name: string, readonly shape: readonly number[], readonly datatype: 'FP32', readonly data: Float32Array }
  | { readonly name: string, readonly shape: readonly number[], readonly datatype: 'FP64', readonly data: Float64Array }
  | { readonly name: string, readonly shape: readonly number[], readonly datatype: 'BYTES', readonly data: readonly string[] }

/** An output as inferBinary returns it: FP32 values as a Float32Array (a model's probabilities or values), BYTES as strings (`label`). */
export interface BinaryOutput {
  readonly name: string
  readonly shape: number[]
  readonly datatype: string
  readonly data: Float32Array | Float64Array | string[]
  readonly parameters?: Record<string, unknown>
}

export interface BinaryInferResult {
  readonly model_name: string
  readonly model_version?: string
  readonly id?: string
  readonly parameters?: Record<string, unknown>
  readonly outputs: BinaryOutput[]
}

export interface BinaryInferOptions {
  /** a version of the model (default: its newest) */
  readonly version?: string
  /** the outputs to answer, by name (default: every output) */
  readonly outputs?: readonly string[]
  /** echoed in the answer */
  readonly id?: string
  readonly signal?: AbortSignal
}

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

/** A tensor's little-endian bytes, as the binary tensor data extension carries them (BYTES: a 4-byte length before each string). */
function tensorBytes (input: BinaryInput): Uint8Array {
  if (input.datatype !== 'BYTES') {
    const out = new Uint8Array(input.data.byteLength)
    const view = new DataView(out.buffer)
    input.data.forEach((v, i) => { if (input.datatype === 'FP32') view.setFloat32(4 * i, v, true); else view.setFloat64(8 * i, v, true) })
    return out
  }
  const strings = input.data.map((s) => utf8.encode(s))
  const out = new Uint8Array(strings.reduce((n, s) => n + 4 + s.byteLength, 0))
  const view = new DataView(out.buffer)
  let at = 0
  for (const s of strings) {
    view.setUint32(at, s.byteLength, true)
    out.set(s, at + 4)
    at += 4 + s.byteLength
  }
  return out
}

/** An output's values from its bytes (FP32, FP64 or BYTES, the datatypes a model answers). */
function outputData (datatype: string, bytes: Uint8Array): Float32Array | Float64Array | string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (datatype === 'FP32') return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true))
  if (datatype === 'FP64') return Float64Array.from({ length: bytes.byteLength / 8 }, (_, i) => view.getFloat64(8 * i, true))
  if (datatype !== 'BYTES') throw new Error(`inferBinary reads FP32, FP64 and BYTES outputs; got ${datatype}`)
  const strings: string[] = []
  for (let at = 0; at < bytes.byteLength;) {
    const length = view.getUint32(at, true)
    strings.push(fromUtf8.decode(bytes.subarray(at + 4, at + 4 + length)))
    at += 4 + length
  }
  return strings
}

/**
 * Inference through the Open Inference Protocol with its binary tensor data extension (POST
 * /v2/models/{name}[/versions/{v}]/infer), as tritonclient.http sends it: each input's values go as their
 * little-endian bytes after the JSON request, and every output comes back the same way, decoded here. Saves
 * the JSON text of each number both ways, which for a 784-wide row is most of a request. openapi-fetch's own
 * call can send neither the frame nor read the answer. Outputs keep the request's order of `outputs`
 * (default: the model's). Rejects with a BackpropError (the protocol's `{error}` body).
 */
export async function inferBinary (api: BackpropClient, model: string, inputs: readonly BinaryInput[], { version, outputs, id, signal }: BinaryInferOptions = {}): Promise<BinaryInferResult> {
  const tensors = inputs.map(tensorBytes)
  const header = utf8.encode(JSON.stringify({
    ...(id === undefined ? {} : { id }),
    inputs: inputs.map((t, i) => ({ name: t.name, shape: t.shape, datatype: t.datatype, parameters: { binary_data_size: tensors[i]?.byteLength } })),
    ...(outputs === undefined ? {} : { outputs: outputs.map((name) => ({ name, parameters: { binary_data: true } })) }),
    parameters: { binary_data_output: true }
  }))
  const body = new Uint8Array(header.byteLength + tensors.reduce((n, t) => n + t.byteLength, 0))
  body.set(header, 0)
  let offset = header.byteLength
  for (const t of tensors) {
    body.set(t, offset)
    offset += t.byteLength
  }
  const init = {
    // the frame as it is: its type is no JSON body's, and openapi-fetch would JSON-encode it
    body: body as never,
    bodySerializer: () => body,
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.byteLength) },
    parseAs: 'arrayBuffer' as const,
    ...(signal ? { signal } : {})
  }
  const { data, error, response } = version === undefined
    ? await api.POST('/v2/models/{name}/infer', { params: { path: { name: model } }, ...init })
    : await api.POST('/v2/models/{name}/versions/{version}/infer', { params: { path: { name: model, version } }, ...init })
  if (error !== undefined) throw new BackpropError(response.status, error)
  const bytes = new Uint8Array(data)
  const length = Number(response.headers.get('inference-header-content-length') ?? bytes.byteLength)
  const answer = JSON.parse(new TextDecoder().decode(bytes.subarray(0, length))) as Omit<BinaryInferResult, 'outputs'> & {
    outputs: Array<{ name: string, shape: number[], datatype: string, data?: unknown[], parameters?: Record<string, unknown> & { binary_data_size?: number } }>
  }
  let at = length
  return {
    ...answer,
    outputs: answer.outputs.map(({ parameters, data: values, ...output }) => {
      const size = parameters?.binary_data_size
      if (size === undefined) return { ...output, data: values as string[], ...(parameters ? { parameters } : {}) }
      const { binary_data_size: _size, ...rest } = parameters!
      const decoded = outputData(output.datatype, bytes.subarray(at, at + size))
      at += size
      return { ...output, data: decoded, ...(Object.keys(rest).length > 0 ? { parameters: rest } : {}) }
    })
  }
}
