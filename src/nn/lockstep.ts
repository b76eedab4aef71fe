/**
 * A minibatch whose network has batch norm, walked layer by layer across its shards ("lockstep"),
 * because batch norm needs statistics of the whole minibatch, not of a shard. At each batch-norm
 * layer every shard writes its partial sums into its row of a shared table, all computing threads
 * meet (sync), and each one sums the table in shard order: the same bits on every thread, whatever
 * their number. Networks without batch norm keep the shard-at-a-time path (gradient.ts), which needs
 * no meeting. Used by the sequential core (one thread, sync a no-op) and by the engine (shard-worker.ts).
 */
import type { Vec } from './vec.js'
import type { Network } from './network.js'
import type { NetworkSpec } from './spec.js'
import { heads } from './heads.js'
import type { Kernels } from './ops.js'
import { isBatchNorm } from './layers/batch-norm.js'
import type { Layer, Slot } from './layers/layer.js'
import { createShardScratch, gatherRows, SHARD_ROWS, type BatchGradient, type ShardScratch } from './gradient.js'
import { finishGradients } from './network.js'
import { tsKernels } from './ops.js'
import type { Dataset } from './dataset.js'

/** Float64 values per shard row of the partial-sums table: per batch-norm layer of width n, 2n forward then 2n backward. */
export function partialStride (spec: NetworkSpec): number {
  return spec.layers.reduce((s, l) => s + (l.norm === 'batch' ? 4 * l.units * (l.activation === 'maxout' ? (l.pieces ?? 2) : 1) : 0), 0)
}

export const hasBatchNorm = (spec: NetworkSpec): boolean => spec.layers.some((l) => l.norm === 'batch')

/** Where each batch-norm layer's partials sit within a shard's row of the table, in walk order. */
export function partialOffsets (net: Network): Map<Layer, number> {
  const at = new Map<Layer, number>()
  let offset = 0
  const visit = (layers: readonly Layer[]): void => {
    for (const l of layers) {
      if (isBatchNorm(l)) { at.set(l, offset); offset += 4 * l.units }
      visit(l.inner)
    }
  }
  visit(net.layers)
  return at
}

/** One shard of the minibatch computed here: its scratch (x, y gathered, pass set), rows, gradient buffer. */
export interface LocalShard { scratch: ShardScratch, shard: number, B: number, grads: Vec, overwrite: boolean }

export interface Lockstep {
  readonly net: Network
  readonly offsets: Map<Layer, number>
  /** S × stride partial sums (shared between threads), and this thread's sums over all shards */
  readonly partials: Float64Array
  readonly stride: number
  readonly total: Float64Array
  /** all threads computing this minibatch meet here; a no-op alone */
  readonly sync: () => void
}

/** Σ over shards 0..S−1, in order, of the table's columns [at, at + w) into total. */
function sumShards (L: Lockstep, S: number, at: number, w: number): void {
  for (let c = at; c < at + w; c++) {
    let s = 0
    for (let r = 0; r < S; r++) s += L.partials[r * L.stride + c]
    L.total[c] = s
  }
}

/**
 * Forward of every local shard (training mode), then each shard's head. `updateRunning`: this
 * thread moves batch norm's running statistics (one thread per minibatch). Returns nothing: the
 * outputs are in each shard's workspace, as forward() leaves them.
 */
export function lockstepForward (L: Lockstep, shards: readonly LocalShard[], S: number, N: number, k: Kernels, updateRunning: boolean): void {
  const walk = (layers: readonly Layer[], input: (j: number) => Vec, slots: (j: number) => readonly Slot[]): void => {
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]
      const x = (j: number): Vec => (i === 0 ? input(j) : slots(j)[i - 1].out)
      if (isBatchNorm(layer)) {
        const at = L.offsets.get(layer)!
        shards.forEach((sh, j) => layer.forwardPartial(x(j), sh.B, L.partials, sh.shard * L.stride + at))
        L.sync()
        sumShards(L, S, at, 2 * layer.units)
        if (updateRunning) layer.updateRunning(L.total, at, N)
        shards.forEach((sh, j) => layer.forwardWith(x(j), slots(j)[i], sh.B, L.total, at, N))
      } else if (layer.composite) {
        walk(layer.inner, x, (j) => slots(j)[i].inner)
        shards.forEach((sh, j) => layer.composite!.combine(x(j), slots(j)[i], sh.B, k))
      } else shards.forEach((sh, j) => layer.forward(x(j), slots(j)[i], sh.B, k, sh.scratch.pass))
    }
  }
  walk(L.net.layers, (j) => shards[j].scratch.x, (j) => shards[j].scratch.ws.slots)
  const head = heads[L.net.spec.output.activation], K = L.net.spec.output.units
  const last = L.net.layers.length - 1
  for (const sh of shards) head.forward(sh.scratch.ws.out, sh.scratch.ws.slots[last].out, sh.B, K)
}

/** Backward of every local shard from its targets, each adding into its own gradient buffer. */
export function lockstepBackward (L: Lockstep, shards: readonly LocalShard[], S: number, N: number, k: Kernels): void {
  const head = heads[L.net.spec.output.activation], K = L.net.spec.output.units
  const top = L.net.layers.length - 1
  for (const sh of shards) head.delta(sh.scratch.ws.slots[top].d, sh.scratch.ws.out, sh.scratch.y, sh.B, K)
  const walk = (layers: readonly Layer[], input: (j: number) => Vec, dInput: (j: number) => Vec | null, slots: (j: number) => readonly Slot[]): void => {
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i]
      const x = (j: number): Vec => (i === 0 ? input(j) : slots(j)[i - 1].out)
      const dx = (j: number): Vec | null => (i === 0 ? dInput(j) : slots(j)[i - 1].d)
      if (isBatchNorm(layer)) {
        const at = L.offsets.get(layer)! + 2 * layer.units
        shards.forEach((sh, j) => layer.backwardPartial(slots(j)[i], sh.B, sh.grads, L.partials, sh.shard * L.stride + at))
        L.sync()
        sumShards(L, S, at, 2 * layer.units)
        shards.forEach((sh, j) => { const d = dx(j); if (d !== null) layer.backwardWith(slots(j)[i], d, sh.B, L.total, at, N) })
      } else if (layer.composite) {
        shards.forEach((sh, j) => layer.composite!.backwardStart(slots(j)[i], sh.B))
        walk(layer.inner, x, dx, (j) => slots(j)[i].inner)
        shards.forEach((sh, j) => layer.composite!.backwardFinish(x(j), slots(j)[i], dx(j), sh.B, sh.grads, k, sh.scratch.ws.scratch))
      } else {
        shards.forEach((sh, j) => layer.backward(x(j), slots(j)[i], dx(j), sh.B, sh.grads, k, sh.scratch.ws.scratch, sh.overwrite))
      }
    }
  }
  walk(L.net.layers, (j) => shards[j].scratch.x, () => null, (j) => shards[j].scratch.ws.slots)
}

/**
 * The sequential reference BatchGradient for networks with batch norm: every shard of the minibatch
 * on this thread, in lockstep, accumulating into grads in shard order (as sequentialGradient).
 */
export function sequentialLockstepGradient (net: Network, data: Dataset, k: Kernels = tsKernels, seed = 0, rowIds: Int32Array | null = null): BatchGradient {
  const stride = partialStride(net.spec)
  const scratches: ShardScratch[] = []
  // alone: no thread to meet, and a table that grows to the largest minibatch seen
  let L: Lockstep = { net, offsets: partialOffsets(net), partials: new Float64Array(0), stride, total: new Float64Array(stride), sync: () => {} }
  const K = net.spec.output.units
  return (index, from, to, grads, epoch) => {
    const N = to - from, S = Math.ceil(N / SHARD_ROWS)
    if (L.partials.length < S * stride) L = { ...L, partials: new Float64Array(S * stride) }
    while (scratches.length < S) scratches.push(createShardScratch(net, seed, rowIds))
    const shards: LocalShard[] = []
    for (let s = 0; s < S; s++) {
      const a = from + s * SHARD_ROWS, b = Math.min(a + SHARD_ROWS, to)
      shards.push(prepareShard(scratches[s], data, index, a, b, epoch, s, grads, false))
    }
    grads.fill(0)
    lockstepForward(L, shards, S, N, k, true)
    let loss = 0, correct = 0
    for (const sh of shards) {
      loss += heads[net.spec.output.activation].loss(sh.scratch.ws.slots[net.layers.length - 1].out, sh.scratch.ws.out, sh.scratch.y, sh.B, K)
      correct += heads[net.spec.output.activation].countCorrect(sh.scratch.ws.out, sh.scratch.y, sh.B, K)
    }
    lockstepBackward(L, shards, S, N, k)
    finishGradients(net, grads, N, k)
    return { loss, correct }
  }
}

/** Gathers rows index[a..b) into the scratch and points its training pass at them. */
export function prepareShard (scratch: ShardScratch, data: Dataset, index: Int32Array, a: number, b: number, epoch: number, shard: number, grads: Vec, overwrite: boolean): LocalShard {
  gatherRows(scratch.x, data.x, data.inputs, index, a, b)
  gatherRows(scratch.y, data.y, data.outputs, index, a, b)
  scratch.pass.index = index
  scratch.pass.from = a
  scratch.pass.epoch = epoch
  return { scratch, shard, B: b - a, grads, overwrite }
}
