/**
 * Predictions in the API process: an LRU of models by id. Raw rows in (the model's normalisation
 * applied here), probabilities or target-unit values and class labels out. Forward passes run here on
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
import { codesOf, type HandleUnknown, type RawRow } from './prediction-input.js'
import { predictionOf, type Prediction } from './prediction-output.js'
import type { ModelRecord, ModelRepository } from '../store/models.js'
import { visibleTo } from '../security/tenancy.js'
import type { KernelName } from '../kernels/index.js'
import type { ForwardThreads } from './forward-thread/forward-threads.js'
import { MAX_PREDICT_ROWS } from '../schemas/model.js'

export type { Prediction }

/** Raw feature rows: arrays of numbers (zod's output) or Float64Arrays (read from the body's bytes, predict-body.ts). */
export type FeatureRows = readonly ArrayLike<number>[]

export interface Predictor {
  /**
   * Rejects with MODEL_NOT_FOUND (404; also for another tenant's model, cached or not) or INPUT_WIDTH (400,
   * naming the row and the expected width). `tenant` undefined: any tenant.
   */
  predict (modelId: string, rows: FeatureRows, tenant?: string): Promise<Prediction>
  /**
   * The general path: rows or records with numbers, category strings and nulls (prediction-input.ts),
   * each value checked; unknown categories are reported (or refused, handleUnknown 'error').
   */
  predictRaw (modelId: string, rows: readonly RawRow[], key: 'inputs' | 'instances', tenant?: string, handleUnknown?: HandleUnknown): Promise<Prediction>
  /** Whether a body of this many bytes is better read on a forward thread than on the event loop. */
  readsOnThread (bodyBytes: number): boolean
  /**
   * A raw prediction body read, checked and run on a forward thread. Undefined where the general path
   * must decide (a body not in the canonical form, an unknown or hidden model): parse and validate it
   * there, then predict(). Rejects with INPUT_WIDTH like predict().
   */
  predictBody (modelId: string, bytes: Uint8Array, tenant?: string): Promise<Prediction | undefined>
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
  readonly norm: Normalization
  /** the model's inference path on the event loop: its network, own kernels (wasm: weights packed once) and workspace */
  readonly inference: ModelInference
  /** raw rows → the network's inputs (impute → encode → normalise): inference.inputs */
  readonly inputs: InputPipeline
  /** the micro-batch's model inputs (batch × inputs), allocated on the first flush */
  x?: Float32Array
  /** one-row requests waiting for the next flush: they run as one forward pass (micro-batching) */
  readonly queue: Pending[]
  flushScheduled: boolean
}

/** A cache entry: the read of a model, and the model itself once read (a hit then needs no await). */
interface Entry { readonly promise: Promise<Loaded | null>, loaded?: Loaded }

interface Pending { readonly row: ArrayLike<number>, resolve (p: Prediction): void, reject (err: unknown): void }


export function createPredictor (models: ModelRepository, { capacity = 32, batch = 64, kernels = 'auto', threads, threadWork = 2 ** 24, threadBodyBytes = 256 * 1024 }: PredictorOptions = {}): Predictor {
  // Map keeps insertion order: re-inserting on use makes the first key the least recently used
  const cache = new Map<string, Entry>()
  /** the last key inserted: a hit on it needs no re-insertion (the common case, one hot model) */
  let newest: string | undefined
  const rowsRun = { loop: 0, thread: 0 }

  const load = (id: string, spec: NetworkSpec, params: Float32Array, meta: ModelRecord): Loaded => {
    const inference = createModelInference(spec, params, meta, { kernels, batch })
    const norm = meta.normalization ?? identityNormalization(spec.inputs)
    return { id, spec, params, meta, norm, inference, inputs: inference.inputs, queue: [], flushScheduled: false }
  }
  const forget = (id: string): void => {
    cache.delete(id)
    threads?.drop(id)
  }

  const fetch = (id: string): Entry => {
    const entry = cache.get(id)
    if (entry) {
      if (id !== newest) {
        cache.delete(id)
        cache.set(id, entry)
        newest = id
      }
      return entry
    }
    const promise = models.getWeights(id).then((stored) => (stored ? load(id, stored.spec, stored.params, stored.meta) : null))
    const created: Entry = { promise }
    // a miss or a failed read is not cached: the next request looks again
    promise.then((m) => {
      if (m === null) cache.delete(id)
      else created.loaded = m
    }, () => cache.delete(id))
    cache.set(id, created)
    newest = id
    while (cache.size > capacity) forget(cache.keys().next().value!)
    return created
  }

  /** The prediction for rows of numbers of a loaded model (or its error), as a promise. */
  const run = (id: string, model: Loaded | null, rows: FeatureRows, tenant: string | undefined): Promise<Prediction> => {
    // the cache is shared by tenants; the owner recorded in the cached model decides who may use it
    if (!model || !visibleTo(model.meta, tenant)) return Promise.reject(new MODEL_NOT_FOUND(id))
    // numbers in a categorical column name categories: such a model reads them as the general path does
    if (!model.inputs.numericOnly) return runRaw(model, rows, 'inputs', 'ignore')
    const I = model.inputs.rawWidth
    for (let r = 0; r < rows.length; r++) {
      if (rows[r].length !== I) return Promise.reject(withProblem(new INPUT_WIDTH(I, rows[r].length, r), { field: `inputs[${r}]`, row: r }))
    }
    return runCodes(model, rows)
  }

  /** Rows of codes (data/model-inputs.ts) of a model: one row joins the micro-batch, several run in chunks. */
  const runCodes = (model: Loaded, rows: FeatureRows): Promise<Prediction> => {
    if (rows.length > 1) return predictRows(model, rows)
    return new Promise<Prediction>((resolve, reject) => {
      model.queue.push({ row: rows[0], resolve, reject })
      if (model.queue.length >= batch) flush(model)
      else schedule(model)
    })
  }

  const runRaw = (model: Loaded, rows: readonly RawRow[], key: 'inputs' | 'instances', handleUnknown: HandleUnknown): Promise<Prediction> => {
    let coded
    try {
      coded = codesOf(model.inputs, rows, key, handleUnknown)
    } catch (err) {
      return Promise.reject(err)
    }
    const { unknown } = coded
    return runCodes(model, coded.rows).then((p) => (unknown.length > 0 ? { ...p, unknownCategories: unknown } : p))
  }

  /** Outputs (rows × K) for normalised rows in x (at most `batch` rows), here on the event loop. */
  const outputsHere = (model: Loaded, x: Float32Array, rows: number): Float32Array => {
    rowsRun.loop += rows
    return model.inference.forward(x, rows)
  }

  // Runs the waiting one-row requests of a model as one forward pass: with many concurrent clients a
  // row then costs a share of a matrix product instead of a whole matrix-vector product. A row's
  // result does not depend on the rows beside it (both kernel sets), so batching changes no output.
  const flush = (model: Loaded): void => {
    model.flushScheduled = false
    const pending = model.queue.splice(0, batch)
    if (model.queue.length > 0) schedule(model)
    const I = model.spec.inputs
    const B = pending.length
    try {
      const x = model.x ??= new Float32Array(batch * I)
      pending.forEach((p, r) => { model.inputs.rowInto(p.row, x, r) })
      const { outputs, labels } = predictionOf(model.inference, outputsHere(model, x, B), B)
      pending.forEach((p, r) => { p.resolve(labels ? { outputs: [outputs[r]], labels: [labels[r]] } : { outputs: [outputs[r]] }) })
    } catch (err) {
      for (const p of pending) p.reject(err)
    }
  }
  const schedule = (model: Loaded): void => {
    if (model.flushScheduled) return
    model.flushScheduled = true
    // after this turn's I/O callbacks: every request parsed in the same turn joins the batch
    setImmediate(() => flush(model))
  }

  /**
   * A multi-row request in chunks of `batch` rows. A large one (rows × parameters ≥ threadWork) runs on a
   * forward thread, chunk after chunk, so the event loop and other requests' passes go on between them.
   */
  const predictRows = async (model: Loaded, rows: FeatureRows): Promise<Prediction> => {
    const I = model.spec.inputs
    const K = model.spec.output.units
    const n = rows.length
    // a row's forward pass is about one multiply-add per parameter
    const onThread = threads !== undefined && n * model.params.length >= threadWork
    if (onThread) rowsRun.thread += n
    const out = new Float32Array(n * K)
    for (let start = 0; start < n; start += batch) {
      const m = Math.min(batch, n - start)
      const x = new Float32Array(m * I)
      for (let r = 0; r < m; r++) model.inputs.rowInto(rows[start + r], x, r)
      // a thread is handed x (transferred); here the chunk's outputs are copied before the next pass
      out.set((onThread ? await threads.run(model, x, m) : outputsHere(model, x, m)).subarray(0, m * K), start * K)
    }
    return predictionOf(model.inference, out, n)
  }

  return {
    get size () { return cache.size },
    get rows () { return { ...rowsRun } },

    readsOnThread (bodyBytes) { return threads !== undefined && bodyBytes >= threadBodyBytes },

    async predictBody (id, bytes, tenant) {
      const entry = fetch(id)
      const model = entry.loaded ?? await entry.promise
      // a model with categories or an imputer reads its rows on the general path
      if (!threads || !model || !visibleTo(model.meta, tenant) || !model.inputs.numericOnly || model.inputs.preprocessing.imputer) return undefined
      const result = await threads.runBody(model, bytes, MAX_PREDICT_ROWS)
      if (result.kind === 'unreadable') return undefined
      if (result.kind === 'width') {
        const { row, width } = result
        throw withProblem(new INPUT_WIDTH(model.spec.inputs, width, row), { field: `inputs[${row}]`, row })
      }
      rowsRun.thread += result.rows
      return predictionOf(model.inference, result.out, result.rows)
    },

    invalidate (id) { forget(id) },

    clear () {
      cache.clear()
      threads?.clear()
    },

    predictRaw (id, rows, key, tenant, handleUnknown = 'ignore') {
      const entry = fetch(id)
      const go = (model: Loaded | null): Promise<Prediction> => {
        if (!model || !visibleTo(model.meta, tenant)) return Promise.reject(new MODEL_NOT_FOUND(id))
        return runRaw(model, rows, key, handleUnknown)
      }
      return entry.loaded ? go(entry.loaded) : entry.promise.then(go)
    },

    predict (id, rows, tenant) {
      // a model deleted through any replica leaves this cache through the model-events channel
      // (plugins/predictor.ts), so a hit costs no Redis round trip, and a loaded one no await
      const entry = fetch(id)
      if (entry.loaded) return run(id, entry.loaded, rows, tenant)
      return entry.promise.then((model) => run(id, model, rows, tenant))
    }
  }
}
