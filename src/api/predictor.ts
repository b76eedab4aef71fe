/**
 * Predictions in the API process: an LRU of deserialised networks by model id, each with its own
 * reused workspace and input buffer. Raw rows in (the model's normalisation applied here),
 * probabilities or target-unit values and class labels out. It trains nothing and stores nothing.
 */
import { INPUT_WIDTH, MODEL_NOT_FOUND, withProblem } from '../errors.js'
import { createNetwork, createWorkspace, forward, predict, type Network, type Workspace } from '../nn/network.js'
import { argmaxRows } from '../nn/metrics.js'
import { denormalizeRows, normalizeRows, type Normalization } from '../data/normalize.js'
import type { ModelRecord, ModelRepository } from '../store/models.js'
import { visibleTo } from '../security/tenancy.js'
import { createWasmKernels, selectKernels, tsKernels, type KernelName, type Kernels } from '../kernels/index.js'

export interface Prediction { outputs: number[][], labels?: string[] }

export interface Predictor {
  /**
   * Throws MODEL_NOT_FOUND (404; also for another tenant's model, cached or not) or INPUT_WIDTH (400,
   * naming the row and the expected width). `tenant` undefined: any tenant.
   */
  predict (modelId: string, rows: readonly (readonly number[])[], tenant?: string): Promise<Prediction>
  invalidate (modelId: string): void
  /** Forgets every cached network (e.g. after missing deletions while cut off from Redis). */
  clear (): void
  readonly size: number
}

export interface PredictorOptions {
  /** Networks kept in memory; the least recently used is dropped first. */
  capacity?: number
  /** Rows per forward pass for multi-row requests. */
  batch?: number
  /** GEMM kernels (config KERNELS); default 'auto' */
  kernels?: KernelName
}

interface Loaded {
  readonly net: Network
  /** this model's own kernels: a wasm instance keeps its weights packed once (pin), so a row costs only the products */
  readonly kernels: Kernels
  readonly meta: ModelRecord
  readonly norm: Normalization
  wsBatch?: Workspace
  /** one-row requests waiting for the next flush: they run as one forward pass (micro-batching) */
  readonly queue: Pending[]
  flushScheduled: boolean
  xQueue?: Float32Array<ArrayBuffer>
}

interface Pending { readonly row: readonly number[], resolve (p: Prediction): void, reject (err: unknown): void }

const identity = (n: number): Normalization => ({ kind: 'none', offset: new Array<number>(n).fill(0), scale: new Array<number>(n).fill(1) })

function kernelsFor (name: KernelName, params: Float32Array): Kernels {
  const k = selectKernels(name)
  if (k === tsKernels) return k
  const own = createWasmKernels()
  own.pin(params)
  return own
}

function load (spec: Network['spec'], params: Float32Array, meta: ModelRecord, kernels: KernelName): Loaded {
  const net = createNetwork(spec, { params })
  const norm = meta.normalization ?? identity(spec.inputs)
  return { net, kernels: kernelsFor(kernels, params), meta, norm, queue: [], flushScheduled: false }
}

/** Row r of a K-wide matrix as numbers (a plain loop: Array.from on a typed array is several times slower). */
function rowOf (m: Float32Array, r: number, K: number): number[] {
  const row = new Array<number>(K)
  for (let k = 0; k < K; k++) row[k] = m[r * K + k]
  return row
}

/** Class labels from output rows: argmax for softmax, a 0.5 threshold for one sigmoid unit; none otherwise. */
function labelsOf (meta: ModelRecord, out: Float32Array, rows: number): string[] | undefined {
  const { classes, network } = meta
  const K = network.output.units
  if (!classes) return undefined
  if (network.output.activation === 'softmax' && classes.length === K) {
    return Array.from(argmaxRows(out.subarray(0, rows * K), rows, K), (k) => classes[k])
  }
  if (network.output.activation === 'sigmoid' && K === 1 && classes.length === 2) {
    return Array.from({ length: rows }, (_, r) => classes[out[r] >= 0.5 ? 1 : 0])
  }
  return undefined
}

export function createPredictor (models: ModelRepository, { capacity = 32, batch = 64, kernels = 'auto' }: PredictorOptions = {}): Predictor {
  // Map keeps insertion order: re-inserting on use makes the first key the least recently used
  const cache = new Map<string, Promise<Loaded | null>>()
  /** the last key inserted: a hit on it needs no re-insertion (the common case, one hot model) */
  let newest: string | undefined

  const fetch = (id: string): Promise<Loaded | null> => {
    let entry = cache.get(id)
    if (entry) {
      if (id !== newest) {
        cache.delete(id)
        cache.set(id, entry)
        newest = id
      }
      return entry
    }
    entry = models.getWeights(id).then((stored) => (stored ? load(stored.spec, stored.params, stored.meta, kernels) : null))
    // a miss or a failed read is not cached: the next request looks again
    entry.then((m) => { if (m === null) cache.delete(id) }, () => cache.delete(id))
    cache.set(id, entry)
    newest = id
    while (cache.size > capacity) cache.delete(cache.keys().next().value!)
    return entry
  }

  /** Outputs of B rows already in the model's input buffer, in the targets' units, with labels. */
  const finish = (model: Loaded, out: Float32Array, n: number): { values: Float32Array, labels?: string[] } => {
    const { net, meta } = model
    const K = net.spec.output.units
    const values = meta.targetNormalization && net.spec.output.activation === 'identity'
      ? denormalizeRows(out.subarray(0, n * K), meta.targetNormalization)
      : out
    return { values, labels: labelsOf(meta, values, n) }
  }

  // Runs the waiting one-row requests of a model as one forward pass: with many concurrent clients a
  // row then costs a share of a matrix product instead of a whole matrix-vector product. A row's
  // result does not depend on the rows beside it (both kernel sets), so batching changes no output.
  const flush = (model: Loaded): void => {
    model.flushScheduled = false
    const pending = model.queue.splice(0, batch)
    if (model.queue.length > 0) schedule(model)
    const { net } = model
    const I = net.spec.inputs
    const K = net.spec.output.units
    try {
      const B = pending.length
      model.xQueue ??= new Float32Array(batch * I)
      model.wsBatch ??= createWorkspace(net, batch)
      pending.forEach((p, r) => normalizeRows(p.row, model.norm, model.xQueue!.subarray(r * I, (r + 1) * I)))
      const out = forward(net, model.wsBatch, model.xQueue, B, model.kernels) as Float32Array
      const { values, labels } = finish(model, out, B)
      pending.forEach((p, r) => {
        const outputs = [rowOf(values, r, K)]
        p.resolve(labels ? { outputs, labels: [labels[r]] } : { outputs })
      })
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

  return {
    get size () { return cache.size },

    invalidate (id) { cache.delete(id) },

    clear () { cache.clear() },

    async predict (id, rows, tenant) {
      // a model deleted through any replica leaves this cache through the model-events channel
      // (plugins/predictor.ts), so a hit costs no Redis round trip
      const model = await fetch(id)
      // the cache is shared by tenants; the owner recorded in the cached model decides who may use it
      if (!model || !visibleTo(model.meta, tenant)) throw new MODEL_NOT_FOUND(id)

      // ---- synchronous from here: the cached buffers are never shared across an await
      const { net } = model
      const I = net.spec.inputs
      const K = net.spec.output.units
      rows.forEach((row, r) => {
        if (row.length !== I) throw withProblem(new INPUT_WIDTH(I, row.length, r), { field: `inputs[${r}]`, row: r })
      })
      const n = rows.length
      if (n === 1) {
        return await new Promise<Prediction>((resolve, reject) => {
          model.queue.push({ row: rows[0], resolve, reject })
          if (model.queue.length >= batch) flush(model)
          else schedule(model)
        })
      }
      const x = new Float32Array(n * I)
      rows.forEach((row, r) => x.set(row, r * I))
      normalizeRows(x, model.norm, x)
      model.wsBatch ??= createWorkspace(net, batch)
      const out = predict(net, x, n, model.wsBatch, model.kernels) as Float32Array
      const { values, labels } = finish(model, out, n)
      const outputs = Array.from({ length: n }, (_, r) => rowOf(values, r, K))
      return labels ? { outputs, labels } : { outputs }
    }
  }
}
