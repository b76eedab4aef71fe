/**
 * How many threads a job should use. More threads than shards cannot help, and a thread must
 * get enough work per minibatch to pay for the synchronisation (tens of microseconds). Because
 * shards are fixed, the choice never changes the result, only the speed.
 */
import type { NetworkSpec } from '../nn/spec.js'
import { layerDefs, placements } from '../nn/layers/build.js'
import { SHARD_ROWS } from '../nn/gradient.js'

/** Multiply-adds per thread per minibatch below which a thread costs more than it brings (~0.5 ms of plain-JS work). */
export const MIN_MACS_PER_THREAD = 1_000_000

export function chooseThreads (spec: NetworkSpec, batchSize: number, max: number): number {
  // the matrices' entries (Linear weights, maxout's k-fold ones, residual projections): each costs 3 multiply-adds per row
  const weights = placements(layerDefs(spec)).reduce((s, p) => s + (p.shape.length === 2 ? p.size : 0), 0)
  const macs = 3 * batchSize * weights // forward + two backward products
  const shards = Math.ceil(batchSize / SHARD_ROWS)
  return Math.max(1, Math.min(max, shards, Math.floor(macs / MIN_MACS_PER_THREAD)))
}
