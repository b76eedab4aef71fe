/**
 * The per-minibatch work every thread of a job shares: compute shards into their own slots of the
 * shared gradient buffer, then sum the slots chunk by chunk of the parameters. Threads claim shards
 * and chunks as they come free (engine/task-counter.ts), so a thread the OS preempts (two cores
 * shared with other processes) delays the minibatch by one task, not by a fixed share. Shard
 * boundaries depend only on the minibatch and every shard has its own slot, so neither the thread
 * count nor who computes which shard changes a bit of the result. Each finished task adds 1 to DONE.
 */
import { addL2, createNetwork, zeroAccumulated, type Network } from '../nn/network.js'
import { createShardScratch, shardGradient, SHARD_ROWS, type ShardScratch } from '../nn/gradient.js'
import { heads } from '../nn/heads.js'
import type { Dataset } from '../nn/dataset.js'
import { parameterCount } from '../nn/spec.js'
import { BARRIER_COUNT, BARRIER_GENERATION, DONE, EPOCH, FAIL, REDUCE_CHUNK, ROWS, STEP, type SharedJob } from './protocol.js'
import { applyUpdate } from '../nn/optimizers.js'
import { claimTask } from './task-counter.js'
import { waitWhileEqual } from './spin-wait.js'
import { createLocalShards, createLockstep, hasBatchNorm, lockstepBackward, lockstepForward, prepareShard, type LocalShards, type Lockstep } from '../nn/lockstep.js'
import { selectKernels } from '../kernels/index.js'
import type { Kernels } from '../nn/ops.js'

export interface ShardContext {
  readonly job: SharedJob
  readonly net: Network // over the shared params
  readonly data: Dataset // over the shared x, y
  readonly scratch: ShardScratch
  readonly control: Int32Array
  readonly index: Int32Array
  readonly stats: Float64Array
  /** one view per shard slot of the shared gradient buffer, made once per job */
  readonly shardViews: Float32Array[]
  readonly P: number
  readonly kernels: Kernels
  /** the optimiser's state buffers (views on the job's shared optState) and the current step's plan [lr, t] */
  readonly optBuffers: Float32Array[]
  readonly plan: Float64Array
  /** networks with batch norm: the minibatch walked in lockstep, with one scratch per local shard */
  readonly lockstep: { readonly L: Lockstep, readonly scratches: ShardScratch[], readonly local: LocalShards } | null
}

export function shardContext (job: SharedJob): ShardContext {
  const P = parameterCount(job.spec)
  const net = createNetwork(job.spec, { params: new Float32Array(job.params) })
  const data: Dataset = { x: new Float32Array(job.x), y: new Float32Array(job.y), rows: job.rows, inputs: job.inputs, outputs: job.outputs, weighted: job.weighted }
  return {
    job, net, data,
    scratch: createShardScratch(net, job.seed, null, shardRowsOf(job)),
    control: new Int32Array(job.control),
    index: new Int32Array(job.index),
    stats: new Float64Array(job.shardStats),
    shardViews: Array.from({ length: job.shardGrads.byteLength / (4 * P) }, (_, s) => new Float32Array(job.shardGrads, 4 * s * P, P)),
    P,
    kernels: selectKernels(job.kernels),
    optBuffers: Array.from({ length: job.optState.byteLength / (4 * P) }, (_, i) => new Float32Array(job.optState, 4 * i * P, P)),
    plan: new Float64Array(job.stepPlan),
    lockstep: hasBatchNorm(job.spec) ? lockstepOf(job, net) : null
  }
}

function lockstepOf (job: SharedJob, net: Network): ShardContext['lockstep'] {
  const control = new Int32Array(job.control)
  const T = job.threads
  const L: Lockstep = createLockstep(net, new Float64Array(job.bnPartials), T === 1 ? () => {} : () => { barrier(control, T) })
  return { L, scratches: [], local: createLocalShards() }
}

/**
 * All T threads of the job meet here: the last to arrive resets the count and bumps the
 * generation; the others wait for the bump (giving up when the main thread flags a dead thread).
 */
function barrier (control: Int32Array, T: number): void {
  const generation = Atomics.load(control, BARRIER_GENERATION)
  if (Atomics.add(control, BARRIER_COUNT, 1) === T - 1) {
    Atomics.store(control, BARRIER_COUNT, 0)
    Atomics.add(control, BARRIER_GENERATION, 1)
    Atomics.notify(control, BARRIER_GENERATION)
    return
  }
  while (Atomics.load(control, BARRIER_GENERATION) === generation) {
    if (Atomics.load(control, FAIL) !== 0) throw new Error('a training thread stopped unexpectedly; the run was abandoned')
    waitWhileEqual(control, BARRIER_GENERATION, generation, 100)
  }
}

export const shardCount = (rows: number): number => Math.ceil(rows / SHARD_ROWS)

/** The largest shard of the job's minibatches: its index holds min(batch size, rows) rows. */
const shardRowsOf = (job: SharedJob): number => Math.min(SHARD_ROWS, job.index.byteLength / 4)

/**
 * Computes shards of phase `seq` until none is left unclaimed. Alone (one thread), all shards
 * accumulate into slot 0, in order, which equals the ordered sum of separate slots (see nn/ops.ts)
 * at less cost. Batch norm's lockstep walk keeps the fixed assignment (shard s to rank s mod T),
 * since its threads meet at every layer: there each rank is one task.
 */
export function computeShards (c: ShardContext, seq: number, rank: number, threads: number): void {
  // read after SEQ: the rows of phase seq, or of a later one whose tag no claim below will match
  const rows = Atomics.load(c.control, ROWS)
  const epoch = Atomics.load(c.control, EPOCH)
  const S = shardCount(rows)
  if (c.lockstep) computeLockstep(c, c.lockstep, rank, threads, rows, epoch)
  else if (threads === 1) for (let s = 0; s < S; s++) computeShard(c, s, rows, epoch, c.shardViews[0], s === 0)
  else {
    for (let s = claimTask(c.control, seq, S); s >= 0; s = claimTask(c.control, seq, S)) {
      computeShard(c, s, rows, epoch, c.shardViews[s], true)
      taskDone(c.control, S)
    }
    return
  }
  taskDone(c.control, threads) // alone or in lockstep: each rank's share is one task
}

/** Counts a finished task of a phase of n; the last one wakes the leader (one wake-up a phase, not one a task). */
function taskDone (control: Int32Array, n: number): void {
  if (Atomics.add(control, DONE, 1) + 1 === n) Atomics.notify(control, DONE)
}

/**
 * Shard s into out. A fresh slot has its weight gradients written, not added to zeros (same bits,
 * one pass less over the buffer); only the gradients that are always added (biases) are zeroed.
 */
function computeShard (c: ShardContext, s: number, rows: number, epoch: number, out: Float32Array, fresh: boolean): void {
  if (fresh) zeroAccumulated(c.net, out)
  const st = shardGradient(c.net, c.scratch, c.data, c.index, s * SHARD_ROWS, Math.min((s + 1) * SHARD_ROWS, rows), out, c.kernels, fresh, epoch)
  c.stats[2 * s] = st.loss
  c.stats[2 * s + 1] = st.correct
}

/** computeShards for a network with batch norm: this rank's shards walked together with the other ranks'. */
function computeLockstep (c: ShardContext, { L, scratches, local }: NonNullable<ShardContext['lockstep']>, rank: number, threads: number, rows: number, epoch: number): void {
  const S = shardCount(rows)
  local.count = 0
  for (let s = rank, j = 0; s < S; s += threads, j++) {
    if (scratches.length <= j) scratches.push(createShardScratch(c.net, c.job.seed, null, shardRowsOf(c.job)))
    const out = c.shardViews[threads === 1 ? 0 : s]
    const fresh = threads > 1 || s === 0 // as in computeShards
    if (fresh) zeroAccumulated(c.net, out)
    prepareShard(local, scratches[j], c.data, c.index, s * SHARD_ROWS, Math.min((s + 1) * SHARD_ROWS, rows), epoch, s, out, fresh)
  }
  // one thread moves batch norm's running statistics: rank 0, whose params are the shared ones
  lockstepForward(L, local, S, rows, c.kernels, rank === 0)
  const { activation, units: K } = c.net.spec.output
  for (let j = 0; j < local.count; j++) {
    const sh = local.items[j]
    const ws = sh.scratch.ws
    c.stats[2 * sh.shard] = heads[activation].loss(ws.slots[c.net.layers.length - 1].out, ws.out, sh.scratch.y, sh.B, K)
    c.stats[2 * sh.shard + 1] = heads[activation].countCorrect(ws.out, sh.scratch.y, sh.B, K)
  }
  lockstepBackward(L, local, S, rows, c.kernels)
}

/**
 * Sums the shard slots into slot 0, chunk by chunk of the parameters as chunks of phase `seq` are
 * claimed, in shard order, and finishes the gradient there (÷ rows, + λW) — the same float32
 * operations, in the same order, as addInto shard by shard followed by finishGradients, element by
 * element, so the bits depend neither on the chunking nor on who sums which chunk. When the leader
 * set STEP, the optimiser's step is applied to the chunk too, while it is in cache: the update is
 * element-wise, so this equals the leader's whole-buffer step bit for bit, on every thread at once.
 */
export function reduceChunks (c: ShardContext, seq: number): void {
  const rows = Atomics.load(c.control, ROWS) // after SEQ, as in computeShards
  const chunks = Math.ceil(c.P / REDUCE_CHUNK)
  const optimizer = Atomics.load(c.control, STEP) === 1 ? c.job.optimizer : undefined
  const plan = optimizer ? { lr: c.plan[0], t: c.plan[1], buffers: c.optBuffers } : null
  for (let t = claimTask(c.control, seq, chunks); t >= 0; t = claimTask(c.control, seq, chunks)) {
    const lo = t * REDUCE_CHUNK, hi = Math.min(c.P, (t + 1) * REDUCE_CHUNK)
    reduceRange(c, rows, lo, hi)
    if (optimizer && plan) applyUpdate(optimizer, c.kernels, c.net.decayMask, c.net.params, c.shardViews[0], plan, lo, hi)
    taskDone(c.control, chunks)
  }
}

function reduceRange (c: ShardContext, rows: number, lo: number, hi: number): void {
  const S = shardCount(rows)
  const g = c.shardViews[0]
  const inv = 1 / rows
  const { axpy, scal } = c.kernels
  if (axpy && scal) {
    // BLAS: y ← 1·x + y rounds as y + x does, and sscal as finishGradients' does, element by element
    const mine = g.subarray(lo, hi)
    for (let s = 1; s < S; s++) axpy(mine, c.shardViews[s].subarray(lo, hi), hi - lo, 1)
    scal(mine, hi - lo, inv)
  } else {
    for (let s = 1; s < S; s++) {
      const add = c.shardViews[s]
      for (let i = lo; i < hi; i++) g[i] += add[i]
    }
    for (let i = lo; i < hi; i++) g[i] *= inv
  }
  addL2(c.net, g, lo, hi)
}
