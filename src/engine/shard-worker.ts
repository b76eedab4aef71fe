/**
 * The per-minibatch work every thread of a job shares: compute the shards assigned to `rank`
 * (shard s goes to thread s mod T) into their own slots of the shared gradient buffer. Shard
 * boundaries depend only on the minibatch, so the result does not depend on T.
 */
import { addL2, createNetwork, zeroAccumulated, type Network } from '../nn/network.js'
import { createShardScratch, shardGradient, SHARD_ROWS, type ShardScratch } from '../nn/gradient.js'
import { heads } from '../nn/heads.js'
import type { Dataset } from '../nn/dataset.js'
import { parameterCount } from '../nn/spec.js'
import { BARRIER_COUNT, BARRIER_GENERATION, EPOCH, FAIL, ROWS, type SharedJob } from './protocol.js'
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
  /** networks with batch norm: the minibatch walked in lockstep, with one scratch per local shard */
  readonly lockstep: { readonly L: Lockstep, readonly scratches: ShardScratch[], readonly local: LocalShards } | null
}

export function shardContext (job: SharedJob): ShardContext {
  const P = parameterCount(job.spec)
  const net = createNetwork(job.spec, { params: new Float32Array(job.params) })
  const data: Dataset = { x: new Float32Array(job.x), y: new Float32Array(job.y), rows: job.rows, inputs: job.inputs, outputs: job.outputs }
  return {
    job, net, data,
    scratch: createShardScratch(net, job.seed),
    control: new Int32Array(job.control),
    index: new Int32Array(job.index),
    stats: new Float64Array(job.shardStats),
    shardViews: Array.from({ length: job.shardGrads.byteLength / (4 * P) }, (_, s) => new Float32Array(job.shardGrads, 4 * s * P, P)),
    P,
    kernels: selectKernels(job.kernels),
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
    Atomics.wait(control, BARRIER_GENERATION, generation, 100)
  }
}

export const shardCount = (rows: number): number => Math.ceil(rows / SHARD_ROWS)

/**
 * Computes this rank's shards of the current minibatch. Alone (one thread), all shards accumulate
 * into slot 0, which equals the ordered sum of separate slots (see nn/ops.ts) at less cost.
 */
export function computeShards (c: ShardContext, rank: number, threads: number): void {
  if (c.lockstep) { computeLockstep(c, c.lockstep, rank, threads); return }
  const rows = Atomics.load(c.control, ROWS)
  const epoch = Atomics.load(c.control, EPOCH)
  const S = shardCount(rows)
  for (let s = rank; s < S; s += threads) {
    const out = c.shardViews[threads === 1 ? 0 : s]
    // a fresh slot: its weight gradients are written, not added to zeros (same bits, one pass less over
    // the buffer); only the gradients that are always added (biases) are zeroed
    const fresh = threads > 1 || s === 0
    if (fresh) zeroAccumulated(c.net, out)
    const st = shardGradient(c.net, c.scratch, c.data, c.index, s * SHARD_ROWS, Math.min((s + 1) * SHARD_ROWS, rows), out, c.kernels, fresh, epoch)
    c.stats[2 * s] = st.loss
    c.stats[2 * s + 1] = st.correct
  }
}

/** computeShards for a network with batch norm: this rank's shards walked together with the other ranks'. */
function computeLockstep (c: ShardContext, { L, scratches, local }: NonNullable<ShardContext['lockstep']>, rank: number, threads: number): void {
  const rows = Atomics.load(c.control, ROWS)
  const epoch = Atomics.load(c.control, EPOCH)
  const S = shardCount(rows)
  local.count = 0
  for (let s = rank, j = 0; s < S; s += threads, j++) {
    if (scratches.length <= j) scratches.push(createShardScratch(c.net, c.job.seed))
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
 * Sums the shard slots into slot 0 over this rank's slice of the parameters, in shard order, and
 * finishes the gradient there (÷ rows, + λW) — the same float32 operations, in the same order, as
 * addInto shard by shard followed by finishGradients, so the bits do not depend on the split.
 */
export function reduceSlice (c: ShardContext, rank: number, threads: number): void {
  const rows = Atomics.load(c.control, ROWS)
  const S = shardCount(rows)
  const chunk = Math.ceil(c.P / threads / 16) * 16
  const lo = Math.min(c.P, rank * chunk), hi = Math.min(c.P, lo + chunk)
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
