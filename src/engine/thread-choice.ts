/**
 * How many threads a job should use. More threads than shards cannot help, and a thread must
 * get enough work per minibatch to pay for the synchronisation (tens of microseconds). Because
 * shards are fixed, the choice never changes the result, only the speed.
 */
import { layout, type NetworkSpec } from '../nn/spec.js'
import { SHARD_ROWS } from '../nn/gradient.js'

/** Multiply-adds per thread per minibatch below which a thread costs more than it brings (~0.5 ms of plain-JS work). */
export const MIN_MACS_PER_THREAD = 1_000_000

export function chooseThreads (spec: NetworkSpec, batchSize: number, max: number): number {
  const weights = layout(spec).reduce((s, l) => s + l.units * l.inputs, 0)
  const macs = 3 * batchSize * weights // forward + two backward products
  const shards = Math.ceil(batchSize / SHARD_ROWS)
  return Math.max(1, Math.min(max, shards, Math.floor(macs / MIN_MACS_PER_THREAD)))
}
