/**
 * Predictions in the API process: a cache of models by id (model-cache.ts). Raw rows in, through
 * each model's one inference path (inference/model-inference.ts), probabilities or target-unit values
 * and class labels out. One-row requests are micro-batched (micro-batch.ts). Forward passes run here on
 * the event loop with the model's own kernels and workspace, except large multi-row requests, which go
 * to the forward threads when there are any (forward-thread/): measured on 2 cores, handing a
 * micro-batch to a thread and back cost more CPU (≈60 µs a round trip) than its rows' products save.
 * It trains nothing and stores nothing.
 */
import { INPUT_WIDTH, MODEL_NOT_FOUND, withProblem } from '../errors.js'
import type { NetworkSpec } from '../nn/spec.js'
import { identityNormalization, type Normalization } from '../data/normalize.js'
import type { InputPipeline } from '../data/model-inputs.js'
import { createModelInference, type ModelInference } from '../inference/model-inference.js'
import { createModelCache, type CacheEntry } from './model-cache.js'
import { createMicroBatch, type MicroBatch } from './micro-batch.js'
import { codesOf, INPUTS, widthHint, type HandleUnknown, type RawRow, type RowPaths } from './prediction-input.js'
import { predictionOf, type Prediction } from './prediction-output.js'
import type { ModelRecord, ModelRepository } from '../store/models.js'
import { visibleTo } from '../security/tenancy.js'
import type { KernelName } from '../kernels/index.js'
import type { ForwardThreads } from './forward-thread/forward-threads.js'
import { MAX_PREDICT_ROWS } from '../schemas/model.js'
import { counted } from '../nn/counted.js'

export type { Prediction }

/** Raw feature rows: arrays of numbers (zod's output) or Float64Arrays (read from the body's bytes, predict-body.ts). */
export type FeatureRows = readonly ArrayLike<number>[]

export interface Predictor {
  /**
   * Rejects with MODEL_NOT_FOUND (404; also for another tenant's model, cached or not) or INPUT_WIDTH (400,
   * naming the row and the expected width). `tenant` undefined: any tenant. On a model with categorical
   * columns the rows go through predictRaw's checks: a number names a category only in a column whose
   * categories are numbers, and is a 400 elsewhere (`handleUnknown` as there; `at` names the rows' values
   * in messages, default INPUTS).
   */
  predict (modelId: string, rows: FeatureRows, tenant?: string, handleUnknown?: HandleUnknown, at?: RowPaths): Promise<Prediction>
  /**
   * The general path: rows or records with numbers, category strings and nulls (prediction-input.ts),
   * each value checked; unknown categories are reported (or refused, handleUnknown 'error'). `at`: where
   * the request holds each value, as messages and unknownCategories name it.
   */
  predictRaw (modelId: string, rows: readonly RawRow[], at: RowPaths, tenant?: string, handleUnknown?: HandleUnknown): Promise<Prediction>
  /** Whether a body of this many bytes is better read on a forward thread than on the event loop. */
  readsOnThread (bodyBytes: number): boolean
  /**
   * A raw prediction body read, checked and run on a forward thread. Undefined where the general path
   * must decide (a body not in the canonical form, an unknown or hidden model): parse and validate it
   * there, then predict(). Rejects with INPUT_WIDTH like predict().
   */
  predictBody (modelId: string, bytes: Uint8Array, tenant?: string): Promise<Prediction | undefined>
  /**
   * The name and version of a model this predictor holds (after a prediction of it), for the answer's
   * X-Model-* headers; undefined when it is not held. No read of Redis.
   */
  servedAs (modelId: string): { readonly name: string, readonly version: number } | undefined
  invalidate (modelId: string): void
  /** Forgets every cached network (e.g. after missing deletions while cut off from Redis). */
  clear (): void
  readonly size: number
  /** Rows predicted so far, by where their forward pass ran (for /metrics). */
  readonly rows: { readonly loop: number, readonly thread: number }
}

export interface PredictorOptions {
  /** Models kept in memory; the least recently used is dropped first. */
  capacity?: number
  /** Rows per forward pass: the most one-row requests batched together, and the chunk of a multi-row request. */
  batch?: number
  /** GEMM kernels (config KERNELS) of in-process forward passes; default 'auto' */
  kernels?: KernelName
  /** Where the forward passes of large multi-row requests run; without, on the event loop. */
  threads?: ForwardThreads
  /** Multiply-adds (rows × parameters) from which a request goes to the threads; default 2^24 (≈0.5 ms of W1). */
  threadWork?: number
  /** Body size from which a body is read on a thread; default 256 KiB (≈80 rows of 784 integers, ≈0.4 ms to read). */
  threadBodyBytes?: number
}

interface Loaded {
  readonly id: string
  readonly spec: NetworkSpec
  readonly params: Float32Array
  readonly meta: ModelRecord
  /** what the forward threads apply to a body's rows */
  readonly norm: Normalization
  /** the model's inference path on the event loop: its network, own kernels (wasm: weights packed once) and workspace */
  readonly inference: ModelInference
  /** raw rows → the network's inputs (impute → encode → normalise): inference.inputs */
  readonly inputs: InputPipeline
  /** one-row requests, run together */
  readonly oneRow: MicroBatch
}

/** INPUT_WIDTH (400) naming the first row whose width is not the model's raw columns. */
function checkWidths (model: Loaded, rows: FeatureRows, at: RowPaths): void {
  const I = model.inputs.rawWidth
  for (let r = 0; r < rows.length; r++) {
    if (rows[r].length !== I) throw withProblem(new INPUT_WIDTH(counted(I, 'input'), rows[r].length, r, widthHint(model.inputs, rows[r].length)), { field: at.row(r), row: r })
  }
}

/** Where a multi-row request runs: `batch` rows a pass, on a forward thread past `threadWork`; `counts` tallies the rows of each. */
interface ChunkRun { readonly batch: number, readonly threads: ForwardThreads | undefined, readonly threadWork: number, readonly counts: { loop: number, thread: number } }

/**
 * A multi-row request (rows of codes) in chunks of `batch` rows. A large one (rows × parameters ≥
 * threadWork) runs on a forward thread, chunk after chunk, so the event loop and other requests'
 * passes go on between them.
 */
async function forwardInChunks (model: Loaded, rows: FeatureRows, { batch, threads, threadWork, counts }: ChunkRun): Promise<Prediction> {
  const I = model.spec.inputs
  const K = model.spec.output.units
  const n = rows.length
  // a row's forward pass is about one multiply-add per parameter
  const onThread = threads !== undefined && n * model.params.length >= threadWork
  if (onThread) counts.thread += n
  const out = new Float32Array(n * K)
  for (let start = 0; start < n; start += batch) {
    const m = Math.min(batch, n - start)
    const x = new Float32Array(m * I)
    for (let r = 0; r < m; r++) model.inputs.rowInto(rows[start + r], x, r)
    if (!onThread) counts.loop += m
    // a thread is handed x (transferred); here the chunk's outputs are copied before the next pass
    out.set((onThread ? await threads.run(model, x, m) : model.inference.forward(x, m)).subarray(0, m * K), start * K)
  }
  return predictionOf(model.inference, out, n)
}

export function createPredictor (models: ModelRepository, { capacity = 32, batch = 64, kernels = 'auto', threads, threadWork = 2 ** 24, threadBodyBytes = 256 * 1024 }: PredictorOptions = {}): Predictor {
  const rowsRun = { loop: 0, thread: 0 }
  const countLoop = (rows: number): void => { rowsRun.loop += rows }

  const load = (id: string, spec: NetworkSpec, params: Float32Array, meta: ModelRecord): Loaded => {
    const inference = createModelInference(spec, params, meta, { kernels, batch })
    const norm = meta.normalization ?? identityNormalization(spec.inputs)
    return { id, spec, params, meta, norm, inference, inputs: inference.inputs, oneRow: createMicroBatch(inference, batch, countLoop) }
  }
  const cache = createModelCache<Loaded>(capacity,
    (id) => models.getWeights(id).then((stored) => (stored ? load(id, stored.spec, stored.params, stored.meta) : null)),
    (id) => threads?.drop(id))

  /**
   * The cache entry of a model `tenant` may see. The cache is shared by tenants, so another tenant's id is
   * answered as an id this process never held: Redis decides (not found, or unavailable while it is away),
   * and the model is neither loaded nor moved up. Otherwise a tenant could push another's models out of the
   * cache, and, through an outage, tell the ids held (404) from the rest (503). A miss reads the model's
   * record in the tenant first, a hit of the tenant's own costs nothing.
   */
  const entryFor = (id: string, tenant: string | undefined): CacheEntry<Loaded> => {
    const held = cache.peek(id)
    if (held !== undefined && visibleTo(held.meta, tenant)) return cache.fetch(id)
    return { promise: models.get(id, tenant).then((record) => (record === null ? null : cache.fetch(id).promise)) }
  }

  /** The model, or MODEL_NOT_FOUND for a missing one or another tenant's: the cache is shared by tenants, the owner recorded in the model decides. */
  const visible = (id: string, model: Loaded | null, tenant: string | undefined): Loaded => {
    if (!model || !visibleTo(model.meta, tenant)) throw new MODEL_NOT_FOUND(id)
    return model
  }
  /** Rows of numbers of a read model (or its error, as a rejection): width checked here, or (numbers naming categories) read as the general path reads them. */
  const predictNumbers = (id: string, read: Loaded | null, rows: FeatureRows, tenant: string | undefined, handleUnknown: HandleUnknown = 'ignore', at: RowPaths = INPUTS): Promise<Prediction> => {
    try {
      const model = visible(id, read, tenant)
      if (!model.inputs.numericOnly) return runRaw(model, rows, at, handleUnknown)
      checkWidths(model, rows, at)
      return runCodes(model, rows)
    } catch (err) {
      return Promise.reject(err)
    }
  }
  /** Raw rows (numbers, category strings, nulls) of a read model, or its error as a rejection. */
  const predictRawRows = (id: string, read: Loaded | null, rows: readonly RawRow[], at: RowPaths, tenant: string | undefined, handleUnknown: HandleUnknown): Promise<Prediction> => {
    try {
      return runRaw(visible(id, read, tenant), rows, at, handleUnknown)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Rows of codes (data/model-inputs.ts) of a model: one row joins the micro-batch, several run in chunks. */
  const runCodes = (model: Loaded, rows: FeatureRows): Promise<Prediction> =>
    rows.length > 1 ? forwardInChunks(model, rows, { batch, threads, threadWork, counts: rowsRun }) : model.oneRow.add(rows[0])

  const runRaw = (model: Loaded, rows: readonly RawRow[], at: RowPaths, handleUnknown: HandleUnknown): Promise<Prediction> => {
    const { rows: codes, unknown } = codesOf(model.inputs, rows, at, handleUnknown)
    return runCodes(model, codes).then((p) => (unknown.length > 0 ? { ...p, unknownCategories: unknown } : p))
  }

  return {
    get size () { return cache.size },
    get rows () { return { ...rowsRun } },

    readsOnThread (bodyBytes) { return threads !== undefined && bodyBytes >= threadBodyBytes },

    async predictBody (id, bytes, tenant) {
      const entry = entryFor(id, tenant)
      const model = entry.loaded ?? await entry.promise
      // a model with categories or an imputer reads its rows on the general path
      if (!threads || !model || !visibleTo(model.meta, tenant) || !model.inputs.numericOnly || model.inputs.preprocessing.imputer) return undefined
      const result = await threads.runBody(model, bytes, MAX_PREDICT_ROWS)
      if (result.kind === 'unreadable') return undefined
      if (result.kind === 'width') {
        const { row, width } = result
        throw withProblem(new INPUT_WIDTH(counted(model.spec.inputs, 'input'), width, row, widthHint(model.inputs, width)), { field: `inputs[${row}]`, row })
      }
      rowsRun.thread += result.rows
      return predictionOf(model.inference, result.out, result.rows)
    },

    servedAs (id) { return cache.peek(id)?.meta },

    invalidate (id) { cache.forget(id) },

    clear () {
      cache.clear()
      threads?.clear()
    },

    predictRaw (id, rows, at, tenant, handleUnknown = 'ignore') {
      const entry = entryFor(id, tenant)
      if (entry.loaded) return predictRawRows(id, entry.loaded, rows, at, tenant, handleUnknown)
      return entry.promise.then((model) => predictRawRows(id, model, rows, at, tenant, handleUnknown))
    },

    predict (id, rows, tenant, handleUnknown, at) {
      // a model deleted through any replica leaves this cache through the model-events channel
      // (plugins/predictor.ts), so a hit costs no Redis round trip, and a loaded one no await
      const entry = entryFor(id, tenant)
      if (entry.loaded) return predictNumbers(id, entry.loaded, rows, tenant, handleUnknown, at)
      return entry.promise.then((model) => predictNumbers(id, model, rows, tenant, handleUnknown, at))
    }
  }
}
