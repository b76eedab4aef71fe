/**
 * The minibatch gradient, computed shard by shard. A minibatch is cut into shards of SHARD_ROWS
 * rows whose boundaries depend only on the batch, never on who computes them; each shard's summed
 * gradient is made in a zeroed buffer and the shards are added in order. The parallel engine
 * computes the same shards on several threads and adds them in the same order, so its result is
 * bit-identical to this sequential reference whatever the number of threads.
 */
import { allocate, type Vec } from './vec.js'
import { backward, createWorkspace, finishGradients, forward, headLoss, type Network, type Workspace } from './network.js'
import { tsKernels, type Kernels } from './ops.js'
import type { Dataset } from './dataset.js'
import { headOf } from './heads.js'
import type { Pass } from './layers/layer.js'

/**
 * 64 rows: on W1 (784-256-128-10, batch 128, OpenBLAS) a 64-row shard's products run closer to one
 * 128-row product than 32-row ones do (each product packs the whole weight matrix once), and there
 * are half as many shard buffers to sum: 55–57k → 60–61k samples/s on 1 thread and 65–71k → 77–85k
 * on 2 (2026-11-30, same machine and run). Smaller minibatches lose nothing (a shard is at most the batch).
 */
export const SHARD_ROWS = 64

/** Sums over the rows of a shard or batch: the head's loss and the number of correct predictions. */
export interface BatchStats { loss: number, correct: number }

/**
 * Computes grads = mean gradient (+ L2) of rows index[from..to) in the 0-based epoch, and returns their
 * summed stats; `stepped` when it also applied the optimiser's step at learning rate lr (the parallel engine; lr is given when it may).
 */
export type BatchGradient = (index: Int32Array, from: number, to: number, grads: Vec, epoch: number, lr?: number) => BatchStats & { stepped?: boolean }

/** Copies rows index[from..to) of m (row width w) into out, contiguous. */
export function gatherRows (out: Vec, m: Vec, w: number, index: Int32Array, from: number, to: number): void {
  // narrow rows: a plain loop, since subarray() would allocate a view per row on every minibatch;
  // wide rows: set() over a view is a memcpy, several times faster than the loop (profiled on W1's 784)
  if (w >= WIDE_ROW && out.constructor === m.constructor) {
    for (let i = from, o = 0; i < to; i++, o += w) out.set(m.subarray(index[i] * w, index[i] * w + w), o)
    return
  }
  for (let i = from, o = 0; i < to; i++, o += w) {
    const src = index[i] * w
    for (let c = 0; c < w; c++) out[o + c] = m[src + c]
  }
}
const WIDE_ROW = 128

type Mutable<T> = { -readonly [P in keyof T]: T[P] }

/**
 * Per-thread scratch for shard gradients: a workspace for SHARD_ROWS rows, gathered x, y, and the
 * training pass, updated in place for each shard (no allocation per minibatch).
 */
export interface ShardScratch { readonly ws: Workspace, readonly x: Vec, readonly y: Vec, readonly pass: Mutable<Pass> }

/**
 * `seed` keys the dropout masks (the training seed); `rowIds` maps the data's rows to the row ids
 * that key them (the full dataset's rows, when `data` is its training subset), so that the
 * sequential core and the engine, which indexes the full data, draw the same masks. `rows` is the
 * largest shard it will hold: min(SHARD_ROWS, batch size), since buffers longer than a shard's rows
 * send the wasm passes down their slower partial-buffer path (W2's 32-row batches in 64-row buffers
 * trained ~10% slower).
 */
export function createShardScratch (net: Network, seed = 0, rowIds: Int32Array | null = null, rows = SHARD_ROWS): ShardScratch {
  return {
    ws: createWorkspace(net, rows),
    x: allocate(net.dtype, rows * net.spec.inputs),
    y: allocate(net.dtype, rows * net.spec.output.units),
    pass: { train: true, seed, epoch: 0, index: null, from: 0, rowIds }
  }
}

/** Adds the summed gradient of rows index[from..to) (at most SHARD_ROWS) into out (weights: writes them, with `overwrite`; see backward). */
export function shardGradient (net: Network, s: ShardScratch, data: Dataset, index: Int32Array, from: number, to: number, out: Vec, k: Kernels = tsKernels, overwrite = false, epoch = 0): BatchStats {
  const B = to - from
  const K = net.spec.output.units
  gatherRows(s.x, data.x, data.inputs, index, from, to)
  gatherRows(s.y, data.y, data.outputs, index, from, to)
  s.pass.index = index
  s.pass.from = from
  s.pass.epoch = epoch
  const a = forward(net, s.ws, s.x, B, k, s.pass)
  const loss = headLoss(net, s.ws, s.y, B)
  const correct = headOf(net.spec).countCorrect(a, s.y, B, K)
  backward(net, s.ws, s.x, s.y, B, out, k, overwrite)
  return { loss, correct }
}

/**
 * The sequential reference BatchGradient: shards computed one after another, each accumulated
 * straight into grads. Kernels round each shard's contribution before adding it, so this equals
 * summing separate shard buffers in order, without the extra buffer and pass. shardRows: the largest
 * shard of the run's minibatches (see createShardScratch).
 */
export function sequentialGradient (net: Network, data: Dataset, k: Kernels = tsKernels, seed = 0, rowIds: Int32Array | null = null, shardRows = SHARD_ROWS): BatchGradient {
  const scratch = createShardScratch(net, seed, rowIds, shardRows)
  return (index, from, to, grads, epoch) => {
    let loss = 0, correct = 0
    grads.fill(0)
    for (let s = from; s < to; s += SHARD_ROWS) {
      const st = shardGradient(net, scratch, data, index, s, Math.min(s + SHARD_ROWS, to), grads, k, false, epoch)
      loss += st.loss
      correct += st.correct
    }
    finishGradients(net, grads, to - from, k)
    return { loss, correct }
  }
}
