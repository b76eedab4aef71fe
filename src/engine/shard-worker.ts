/**
 * The per-minibatch work every thread of a job shares: compute the shards assigned to `rank`
 * (shard s goes to thread s mod T) into their own slots of the shared gradient buffer. Shard
 * boundaries depend only on the minibatch, so the result does not depend on T.
 */
import { addL2, createNetwork, zeroAccumulated, type Network } from '../nn/network.js'
import { createShardScratch, shardGradient, SHARD_ROWS, type ShardScratch } from '../nn/gradient.js'
import type { Dataset } from '../nn/dataset.js'
import { parameterCount } from '../nn/spec.js'
import { EPOCH, ROWS, type SharedJob } from './protocol.js'
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
    kernels: selectKernels(job.kernels)
  }
}

export const shardCount = (rows: number): number => Math.ceil(rows / SHARD_ROWS)

/**
 * Computes this rank's shards of the current minibatch. Alone (one thread), all shards accumulate
 * into slot 0, which equals the ordered sum of separate slots (see nn/ops.ts) at less cost.
 */
export function computeShards (c: ShardContext, rank: number, threads: number): void {
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
