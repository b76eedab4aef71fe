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

/**
 * One shard of the minibatch computed here: its scratch (x, y gathered, pass set), rows, gradient
 * buffer. Reused from one minibatch to the next (prepareShard fills it in place).
 */
export interface LocalShard { scratch: ShardScratch, shard: number, B: number, grads: Vec, overwrite: boolean }

/** The shards of one minibatch that this thread computes: the first `count` of `items`, reused across minibatches. */
export interface LocalShards { readonly items: LocalShard[], count: number }

export function createLocalShards (): LocalShards { return { items: [], count: 0 } }

/**
 * One level of the walk (the network's records, or a composite's inner ones), per local shard: the
 * level's input and its output slots (and, backward, where its input's gradient goes). Kept in
 * arrays made once, instead of closures per layer and minibatch, so the walk allocates nothing.
 */
interface Level { readonly input: Vec[], readonly dInput: Array<Vec | null>, readonly slots: Array<readonly Slot[]> }

export interface Lockstep {
  readonly net: Network
  readonly offsets: Map<Layer, number>
  /** S × stride partial sums (shared between threads), and this thread's sums over all shards */
  readonly partials: Float64Array
  readonly stride: number
  readonly total: Float64Array
  /** all threads computing this minibatch meet here; a no-op alone */
  readonly sync: () => void
  /** the walk's levels by nesting depth, grown on first use */
  readonly levels: Level[]
}

/** A lockstep walker over `partials` (S × stride, shared between threads or not) meeting through `sync`. */
export function createLockstep (net: Network, partials: Float64Array, sync: () => void): Lockstep {
  const stride = partialStride(net.spec)
  return { net, offsets: partialOffsets(net), partials, stride, total: new Float64Array(stride), sync, levels: [] }
}

function levelAt (L: Lockstep, depth: number, shards: number): Level {
  while (L.levels.length <= depth) L.levels.push({ input: [], dInput: [], slots: [] })
  const level = L.levels[depth]
  while (level.input.length < shards) { level.input.push(EMPTY); level.dInput.push(null); level.slots.push([]) }
  return level
}
const EMPTY = new Float64Array(0)

/** Layer i's input at a level, for shard j: the level's input, or the previous layer's output. */
const inputOf = (level: Level, i: number, j: number): Vec => (i === 0 ? level.input[j] : level.slots[j][i - 1].out)
/** Where layer i's input gradient goes, for shard j (null: nowhere, the network's input). */
const dInputOf = (level: Level, i: number, j: number): Vec | null => (i === 0 ? level.dInput[j] : level.slots[j][i - 1].d)

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
export function lockstepForward (L: Lockstep, local: LocalShards, S: number, N: number, k: Kernels, updateRunning: boolean): void {
  const { items, count } = local
  const top = levelAt(L, 0, count)
  for (let j = 0; j < count; j++) { top.input[j] = items[j].scratch.x; top.slots[j] = items[j].scratch.ws.slots }
  walkForward(L, L.net.layers, 0, local, S, N, k, updateRunning)
  const head = heads[L.net.spec.output.activation], K = L.net.spec.output.units
  const last = L.net.layers.length - 1
  for (let j = 0; j < count; j++) { const sh = items[j]; head.forward(sh.scratch.ws.out, sh.scratch.ws.slots[last].out, sh.B, K) }
}

function walkForward (L: Lockstep, layers: readonly Layer[], depth: number, local: LocalShards, S: number, N: number, k: Kernels, updateRunning: boolean): void {
  const { items, count } = local
  const level = L.levels[depth]
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]
    if (isBatchNorm(layer)) {
      const at = L.offsets.get(layer)!
      for (let j = 0; j < count; j++) layer.forwardPartial(inputOf(level, i, j), items[j].B, L.partials, items[j].shard * L.stride + at)
      L.sync()
      sumShards(L, S, at, 2 * layer.units)
      if (updateRunning) layer.updateRunning(L.total, at, N)
      for (let j = 0; j < count; j++) layer.forwardWith(inputOf(level, i, j), level.slots[j][i], items[j].B, L.total, at, N)
    } else if (layer.composite) {
      const inner = levelAt(L, depth + 1, count)
      for (let j = 0; j < count; j++) { inner.input[j] = inputOf(level, i, j); inner.slots[j] = level.slots[j][i].inner }
      walkForward(L, layer.inner, depth + 1, local, S, N, k, updateRunning)
      for (let j = 0; j < count; j++) layer.composite.combine(inputOf(level, i, j), level.slots[j][i], items[j].B, k)
    } else {
      for (let j = 0; j < count; j++) layer.forward(inputOf(level, i, j), level.slots[j][i], items[j].B, k, items[j].scratch.pass)
    }
  }
}

/** Backward of every local shard from its targets, each adding into its own gradient buffer. */
export function lockstepBackward (L: Lockstep, local: LocalShards, S: number, N: number, k: Kernels): void {
  const { items, count } = local
  const head = heads[L.net.spec.output.activation], K = L.net.spec.output.units
  const last = L.net.layers.length - 1
  const top = levelAt(L, 0, count)
  for (let j = 0; j < count; j++) {
    const sh = items[j]
    head.delta(sh.scratch.ws.slots[last].d, sh.scratch.ws.out, sh.scratch.y, sh.B, K)
    top.input[j] = sh.scratch.x; top.dInput[j] = null; top.slots[j] = sh.scratch.ws.slots
  }
  walkBackward(L, L.net.layers, 0, local, S, N, k)
}

function walkBackward (L: Lockstep, layers: readonly Layer[], depth: number, local: LocalShards, S: number, N: number, k: Kernels): void {
  const { items, count } = local
  const level = L.levels[depth]
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]
    if (isBatchNorm(layer)) {
      const at = L.offsets.get(layer)! + 2 * layer.units
      for (let j = 0; j < count; j++) layer.backwardPartial(level.slots[j][i], items[j].B, items[j].grads, L.partials, items[j].shard * L.stride + at)
      L.sync()
      sumShards(L, S, at, 2 * layer.units)
      for (let j = 0; j < count; j++) {
        const d = dInputOf(level, i, j)
        if (d !== null) layer.backwardWith(level.slots[j][i], d, items[j].B, L.total, at, N)
      }
    } else if (layer.composite) {
      for (let j = 0; j < count; j++) layer.composite.backwardStart(level.slots[j][i], items[j].B)
      const inner = levelAt(L, depth + 1, count)
      for (let j = 0; j < count; j++) { inner.input[j] = inputOf(level, i, j); inner.dInput[j] = dInputOf(level, i, j); inner.slots[j] = level.slots[j][i].inner }
      walkBackward(L, layer.inner, depth + 1, local, S, N, k)
      for (let j = 0; j < count; j++) {
        const sh = items[j]
        layer.composite.backwardFinish(inputOf(level, i, j), level.slots[j][i], dInputOf(level, i, j), sh.B, sh.grads, k, sh.scratch.ws.scratch)
      }
    } else {
      for (let j = 0; j < count; j++) {
        const sh = items[j]
        layer.backward(inputOf(level, i, j), level.slots[j][i], dInputOf(level, i, j), sh.B, sh.grads, k, sh.scratch.ws.scratch, sh.overwrite)
      }
    }
  }
}

/**
 * The sequential reference BatchGradient for networks with batch norm: every shard of the minibatch
 * on this thread, in lockstep, accumulating into grads in shard order (as sequentialGradient).
 */
export function sequentialLockstepGradient (net: Network, data: Dataset, k: Kernels = tsKernels, seed = 0, rowIds: Int32Array | null = null, shardRows = SHARD_ROWS): BatchGradient {
  const scratches: ShardScratch[] = []
  const local = createLocalShards()
  // alone: no thread to meet, and a table that grows to the largest minibatch seen
  let L = createLockstep(net, new Float64Array(0), () => {})
  const K = net.spec.output.units
  const head = heads[net.spec.output.activation]
  return (index, from, to, grads, epoch) => {
    const N = to - from, S = Math.ceil(N / SHARD_ROWS)
    if (L.partials.length < S * L.stride) L = { ...L, partials: new Float64Array(S * L.stride) }
    while (scratches.length < S) scratches.push(createShardScratch(net, seed, rowIds, shardRows))
    local.count = 0
    for (let s = 0; s < S; s++) {
      const a = from + s * SHARD_ROWS, b = Math.min(a + SHARD_ROWS, to)
      prepareShard(local, scratches[s], data, index, a, b, epoch, s, grads, false)
    }
    grads.fill(0)
    lockstepForward(L, local, S, N, k, true)
    let loss = 0, correct = 0
    for (let j = 0; j < local.count; j++) {
      const sh = local.items[j]
      loss += head.loss(sh.scratch.ws.slots[net.layers.length - 1].out, sh.scratch.ws.out, sh.scratch.y, sh.B, K)
      correct += head.countCorrect(sh.scratch.ws.out, sh.scratch.y, sh.B, K)
    }
    lockstepBackward(L, local, S, N, k)
    finishGradients(net, grads, N, k)
    return { loss, correct }
  }
}

/** Gathers rows index[a..b) into the scratch, points its training pass at them, and appends the shard to `local` (its objects reused). */
export function prepareShard (local: LocalShards, scratch: ShardScratch, data: Dataset, index: Int32Array, a: number, b: number, epoch: number, shard: number, grads: Vec, overwrite: boolean): void {
  gatherRows(scratch.x, data.x, data.inputs, index, a, b)
  gatherRows(scratch.y, data.y, data.outputs, index, a, b)
  scratch.pass.index = index
  scratch.pass.from = a
  scratch.pass.epoch = epoch
  if (local.items.length === local.count) local.items.push({ scratch, shard, B: b - a, grads, overwrite })
  const sh = local.items[local.count++]
  sh.scratch = scratch; sh.shard = shard; sh.B = b - a; sh.grads = grads; sh.overwrite = overwrite
}
