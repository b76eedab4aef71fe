/**
 * Messages between the engine (main thread) and its threads, and the layout of the shared control
 * block through which the threads of one job synchronise each minibatch without messages.
 */
import type { NetworkSpec } from '../nn/spec.js'
import type { KernelName } from '../kernels/index.js'
import type { TrainOptions, TrainState, EpochStats, TrainResult } from '../nn/train.js'
import type { OptimizerConfig } from '../nn/optimizers.js'
import type { PhaseTimes } from './phase-times.js'

/** Int32 slots of the control block (a SharedArrayBuffer). */
export const SEQ = 0 // phase sequence number, bumped by the leader to start the helpers: with several threads, odd = COMPUTE, even = REDUCE
export const DONE = 1 // tasks of the current phase finished (shards, parameter chunks; with batch norm, ranks)
export const ABORT = 2 // set by the main thread: stop between minibatches
export const FAIL = 3 // set by the main thread: a thread died, the leader must give up
export const STOP = 4 // set by the leader: the job is over, helpers return to the pool
export const ROWS = 5 // rows in the current minibatch
export const EPOCH = 6 // the 0-based epoch of the current minibatch (keys dropout masks)
export const COMPUTE = 0
export const REDUCE = 1
/** The phase a SEQ value starts (jobs of several threads: each minibatch is one COMPUTE then one REDUCE). */
export const phaseOf = (seq: number): number => (seq % 2 === 1 ? COMPUTE : REDUCE)
export const BARRIER_COUNT = 7 // threads arrived at the current batch-norm meeting (lockstep minibatches)
export const BARRIER_GENERATION = 8 // bumped by the last arrival: the meeting is over
export const NEXT_TASK = 9 // the current phase's tag and next unclaimed task (engine/task-counter.ts)
export const STEP = 10 // 1 while the REDUCE phase also applies the optimiser's step to each chunk it finishes (plan in SharedJob.stepPlan)
export const FINISH = 11 // set by the main thread: end the run after the current epoch, keeping its weights (a stop, not an abort)
export const CONTROL_SLOTS = 12

/** Parameters per REDUCE task: 16,384 floats (64 KiB read per shard slot), about 15 tasks for W1's 235k. */
export const REDUCE_CHUNK = 16_384

/** Everything a thread needs to see of one job, all in shared memory. */
export interface SharedJob {
  spec: NetworkSpec
  rows: number
  inputs: number
  outputs: number
  /** The targets carry class weights (nn/dataset.ts Dataset.weighted) */
  weighted: boolean
  x: SharedArrayBuffer // float32 rows × inputs
  y: SharedArrayBuffer // float32 rows × outputs
  params: SharedArrayBuffer // float32, the leader's weights at the start of each minibatch
  shardGrads: SharedArrayBuffer // float32, maxShards × parameters
  shardStats: SharedArrayBuffer // float64, maxShards × 2 (loss, correct)
  bnPartials: SharedArrayBuffer // float64, maxShards × partialStride(spec): batch norm's per-shard sums (empty without batch norm)
  index: SharedArrayBuffer // int32, rows of the full data in the current minibatch
  /** the job's optimiser: with several threads, each applies its step to the chunks it reduces */
  optimizer?: OptimizerConfig
  optState: SharedArrayBuffer // float32, the optimiser's state buffers (stateBufferCount × parameters)
  stepPlan: SharedArrayBuffer // float64 × 2: the current step's learning rate and step count t
  control: SharedArrayBuffer // int32 × CONTROL_SLOTS
  threads: number
  /** the training seed: with the epoch, a row and a unit, it keys dropout masks */
  seed: number
  /** the kernel set every thread of the job uses (results are reproducible for a given set) */
  kernels: KernelName
  /** the leader times its minibatches' phases and posts them before 'done' (engine/phase-times.ts) */
  phaseTimes: boolean
}

export interface CheckpointPolicy { everyEpochs: number, everySeconds: number }

/**
 * A batch prediction's rows of x through the network into out (all three buffers shared, float32), in
 * chunks of PREDICT_CHUNK rows from row 0 that the call's threads claim from `claims` (predict-chunks.ts).
 */
export interface PredictBatch {
  spec: NetworkSpec
  params: SharedArrayBuffer
  /** the engine's number for these weights (one per weights array it shared): the thread keeps the network it built on them */
  model: number
  x: SharedArrayBuffer
  out: SharedArrayBuffer
  rows: number
  /** one Int32, from 0: the next chunk to claim, shared by the call's threads */
  claims: SharedArrayBuffer
  kernels: KernelName
}

export type ToThread =
  | { cmd: 'lead', job: SharedJob, options: TrainOptions, resume?: TrainState, initialParams?: Float32Array, checkpoint: CheckpointPolicy }
  | { cmd: 'help', job: SharedJob, rank: number }
  | { cmd: 'predict', batch: PredictBatch }

export type FromThread =
  | { type: 'epoch', stats: EpochStats }
  | { type: 'checkpoint', state: TrainState }
  | { type: 'phases', times: PhaseTimes }
  | { type: 'done', result: TrainResult }
  | { type: 'failed', message: string, name: string }
  | { type: 'released' }
