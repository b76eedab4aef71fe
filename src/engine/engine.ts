/**
 * The training engine: one network trained data-parallel over a pool of worker_threads.
 * train(spec, data, options, { signal, onEpoch, onCheckpoint }) knows nothing of HTTP, Redis or
 * BullMQ. The dataset is copied into shared memory once per job; each minibatch is cut into
 * fixed shards summed in a fixed order, so weights are bit-identical for any thread count.
 */
import type { Worker } from 'node:worker_threads'
import { checkTrainable, parameterCount, type NetworkSpec } from '../nn/spec.js'
import { partialStride } from '../nn/lockstep.js'
import { checkTrainOptions, type EpochStats, type TrainOptions, type TrainResult, type TrainState } from '../nn/train.js'
import { checkDatasetFits, type Dataset } from '../nn/dataset.js'
import { SHARD_ROWS } from '../nn/gradient.js'
import { ThreadPool } from './pool.js'
import type { KernelName } from '../kernels/index.js'
import { chooseThreads } from './thread-choice.js'
import { ABORT, CONTROL_SLOTS, FAIL, FINISH, REDUCE_CHUNK, STOP, SEQ, DONE, type FromThread, type PredictBatch, type SharedJob } from './protocol.js'
import { PREDICT_CHUNK } from './predict-chunks.js'
import type { PhaseTimes } from './phase-times.js'
import { MAX_TASKS } from './task-counter.js'
import { stateBufferCount, type OptimizerConfig } from '../nn/optimizers.js'

export interface EngineTrainOptions extends TrainOptions {
  /** threads for this job: a number, or 'auto' (default) to let the engine pick from the work per minibatch */
  threads?: number | 'auto'
  /** GEMM kernels: 'ts' (plain TypeScript reference), 'wasm' (WebAssembly SIMD), 'blas' (OpenBLAS) or 'auto' (default: blas where it loads, else wasm) */
  kernels?: KernelName
  /** time each minibatch's phases on the leader and return the sums in the result's `phases` (engine/phase-times.ts) */
  phaseTimes?: boolean
}

export interface EngineHooks {
  /** aborts the run within a minibatch: stopReason `aborted`, no weights worth keeping */
  signal?: AbortSignal
  /** ends the run after the epoch it is in, as a finished one (stopReason `stopped`, TrainHooks.finishEarly) */
  finish?: AbortSignal
  onEpoch?: (stats: EpochStats) => void
  /**
   * Receives a resumable state every `checkpoint.everyEpochs` epochs or `everySeconds` seconds, without
   * its `history` (empty): the epochs came through onEpoch, and a checkpoint that carried them all
   * would cost O(epochs) each. Resume with them put back (`{ ...state, history: epochs.slice(0, state.epoch) }`).
   */
  onCheckpoint?: (state: TrainState) => void
  checkpoint?: { everyEpochs?: number, everySeconds?: number }
  /** continue a run from a checkpoint, whose `history` holds the epochs before its `epoch` */
  resume?: TrainState
  /** start from these weights (fine-tuning) */
  initialParams?: Float32Array
}

/** `phases`: where the minibatches spent their time, when the job asked for phaseTimes. */
export interface EngineResult extends TrainResult { threads: number, phases?: PhaseTimes }

export class TrainingEngine {
  readonly pool: ThreadPool

  /** `threads`: the pool's size (default: the machine's available parallelism); `threadEntry`: see PoolOptions.entry */
  constructor (opts: { threads?: number, threadEntry?: URL } = {}) {
    this.pool = new ThreadPool({ size: opts.threads, entry: opts.threadEntry })
  }

  /**
   * The threads a job of this network and minibatch trains on: `requested` capped at the pool's size, or for
   * 'auto' what pays (thread-choice.ts: no more than its 64-row shards, each with enough work). What a job reports.
   */
  threadsFor (spec: NetworkSpec, batchSize: number, requested: number | 'auto' = 'auto'): number {
    return requested === 'auto' ? chooseThreads(spec, batchSize, this.pool.size) : Math.min(requested, this.pool.size)
  }

  async train (spec: NetworkSpec, data: Dataset, options: EngineTrainOptions, hooks: EngineHooks = {}): Promise<EngineResult> {
    // bad input fails here, on the caller's thread, before any thread is borrowed
    checkTrainable(spec)
    checkTrainOptions(options)
    checkDatasetFits(spec, data)
    const requested = options.threads ?? 'auto'
    const T = this.threadsFor(spec, options.batchSize, requested)
    if (!(Number.isInteger(T) && T >= 1)) throw new RangeError(`threads must be an integer ≥ 1 or 'auto', got ${String(requested)}`)
    const { threads: _t, kernels = 'auto', phaseTimes = false, ...trainOptions } = options
    const job = sharedJob(spec, data, options.batchSize, T, kernels, options.seed ?? 0, options.optimizer, phaseTimes)
    const workers = await this.pool.acquire(T)
    try {
      const { result, phases } = await runJob(workers, job, trainOptions, hooks)
      return { ...result, threads: T, ...(phases ? { phases } : {}) }
    } finally {
      this.pool.release(workers)
    }
  }

  /**
   * Outputs (rows × output units) of a trained network for rows of x, in chunks of PREDICT_CHUNK rows
   * that the pool's threads claim (predict-chunks.ts), so a large batch neither blocks the caller's event
   * loop nor uses one core, and the bits do not depend on how many threads took part.
   */
  async predict (spec: NetworkSpec, params: Float32Array, x: Float32Array, rows: number, { threads, kernels = 'auto' }: { threads?: number, kernels?: KernelName } = {}): Promise<Float32Array> {
    const I = spec.inputs, K = spec.output.units
    if (x.length < rows * I) throw new RangeError(`x holds ${x.length} values; ${rows} rows of ${I} inputs need ${rows * I}`)
    const T = Math.max(1, Math.min(threads ?? this.pool.size, this.pool.size, Math.ceil(rows / PREDICT_CHUNK)))
    const weights = sharedParams(params)
    const batch: PredictBatch = { spec, params: weights.sab, model: weights.id, x: toShared(x.subarray(0, rows * I)), out: new SharedArrayBuffer(4 * rows * K), rows, claims: new SharedArrayBuffer(4), kernels }
    const workers = await this.pool.acquire(T)
    try {
      await Promise.all(workers.map((w) => runBatch(w, batch)))
    } finally {
      this.pool.release(workers)
    }
    return new Float32Array(batch.out)
  }

  close (): Promise<void> { return this.pool.close() }
}

// a served model's weights do not change: share each weights array once, not on every call, and
// number it, so that the threads keep the network they built on it (predict-chunks.ts)
const sharedWeights = new WeakMap<Float32Array, { sab: SharedArrayBuffer, id: number }>()
let weightsIds = 0
function sharedParams (params: Float32Array): { sab: SharedArrayBuffer, id: number } {
  let shared = sharedWeights.get(params)
  if (!shared) { shared = { sab: toShared(params), id: ++weightsIds }; sharedWeights.set(params, shared) }
  return shared
}

/** The buffer itself when v already spans a whole SharedArrayBuffer, else a shared copy. */
function toShared (v: Float32Array): SharedArrayBuffer {
  if (v.buffer instanceof SharedArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) return v.buffer
  const sab = new SharedArrayBuffer(v.byteLength)
  new Float32Array(sab).set(v)
  return sab
}

function runBatch (w: Worker, batch: PredictBatch): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: Error | undefined
    const onMessage = (msg: FromThread): void => {
      if (msg.type === 'failed') failure = Object.assign(new Error(msg.message), { name: msg.name })
      if (msg.type !== 'released') return
      done()
      if (failure) reject(failure)
      else resolve()
    }
    const onExit = (): void => { done(); reject(new Error('a prediction thread exited unexpectedly')) }
    const done = (): void => { w.off('message', onMessage); w.off('exit', onExit) }
    w.on('message', onMessage)
    w.once('exit', onExit)
    w.postMessage({ cmd: 'predict', batch })
  })
}

/** The shared memory of one training job (exported for tests that drive the shard phases in one thread). */
export function sharedJob (spec: NetworkSpec, data: Dataset, batchSize: number, threads: number, kernels: KernelName, seed: number, optimizer?: OptimizerConfig, phaseTimes = false): SharedJob {
  const P = parameterCount(spec)
  const maxShards = Math.ceil(Math.min(batchSize, data.rows) / SHARD_ROWS)
  // both phases' task counts must fit the task counter's index (a batch of 33 million rows; 17 billion parameters)
  if (maxShards > MAX_TASKS || Math.ceil(P / REDUCE_CHUNK) > MAX_TASKS) throw new RangeError(`a minibatch of ${batchSize} rows of a network of ${P} parameters is more than the engine splits (${MAX_TASKS} tasks a phase)`)
  const share = (src: Float32Array): SharedArrayBuffer => {
    const sab = new SharedArrayBuffer(src.byteLength)
    new Float32Array(sab).set(src)
    return sab
  }
  return {
    spec, rows: data.rows, inputs: data.inputs, outputs: data.outputs, weighted: data.weighted === true,
    x: share(data.x), y: share(data.y),
    params: new SharedArrayBuffer(4 * P),
    shardGrads: new SharedArrayBuffer(4 * P * maxShards),
    shardStats: new SharedArrayBuffer(16 * maxShards),
    bnPartials: new SharedArrayBuffer(8 * maxShards * partialStride(spec)),
    index: new SharedArrayBuffer(4 * Math.min(batchSize, data.rows)),
    optimizer,
    optState: new SharedArrayBuffer(optimizer ? 4 * P * stateBufferCount(optimizer.type) : 0),
    stepPlan: new SharedArrayBuffer(16),
    control: new SharedArrayBuffer(4 * CONTROL_SLOTS),
    threads,
    seed,
    kernels,
    phaseTimes
  }
}

function runJob (workers: Worker[], job: SharedJob, options: TrainOptions, hooks: EngineHooks): Promise<{ result: TrainResult, phases?: PhaseTimes }> {
  const control = new Int32Array(job.control)
  return new Promise((resolve, reject) => {
    let result: TrainResult | undefined
    let phases: PhaseTimes | undefined
    let failure: Error | undefined
    let pending = workers.length // threads that have not yet released or died
    const cleanups: Array<() => void> = []

    const settle = (): void => {
      if (pending > 0) return
      for (const c of cleanups) c()
      if (failure) reject(failure)
      else if (result) resolve({ result, ...(phases ? { phases } : {}) })
      else reject(new Error('the training threads stopped without a result'))
    }
    const onAbort = (): void => { Atomics.store(control, ABORT, 1) }
    if (hooks.signal?.aborted) onAbort()
    hooks.signal?.addEventListener('abort', onAbort)
    cleanups.push(() => hooks.signal?.removeEventListener('abort', onAbort))
    const onFinish = (): void => { Atomics.store(control, FINISH, 1) }
    if (hooks.finish?.aborted) onFinish()
    hooks.finish?.addEventListener('abort', onFinish)
    cleanups.push(() => hooks.finish?.removeEventListener('abort', onFinish))

    workers.forEach((w, rank) => {
      const onMessage = (msg: FromThread): void => {
        switch (msg.type) {
          case 'epoch': hooks.onEpoch?.(msg.stats); break
          case 'checkpoint': hooks.onCheckpoint?.(msg.state); break
          case 'phases': phases = msg.times; break
          case 'done': result = msg.result; break
          case 'failed': failure ??= Object.assign(new Error(msg.message), { name: msg.name }); break
          case 'released': pending--; settle(); break
        }
      }
      const onError = (err: Error): void => { failure ??= new Error(`training thread ${rank} crashed: ${err.message}`) }
      const onExit = (): void => {
        failure ??= new Error(`training thread ${rank} exited unexpectedly`)
        // wake the leader (it gives up) and the helpers (they go home)
        Atomics.store(control, FAIL, 1)
        Atomics.notify(control, DONE)
        if (rank === 0) { Atomics.store(control, STOP, 1); Atomics.notify(control, SEQ) }
        pending--
        settle()
      }
      w.on('message', onMessage)
      w.on('error', onError)
      w.once('exit', onExit)
      cleanups.push(() => { w.off('message', onMessage); w.off('error', onError); w.off('exit', onExit) })
    })

    for (let rank = 1; rank < workers.length; rank++) workers[rank].postMessage({ cmd: 'help', job, rank })
    workers[0].postMessage({
      cmd: 'lead', job, options, resume: hooks.resume, initialParams: hooks.initialParams,
      checkpoint: { everyEpochs: hooks.checkpoint?.everyEpochs ?? 0, everySeconds: hooks.checkpoint?.everySeconds ?? 0 }
    })
  })
}
