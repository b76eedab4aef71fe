/**
 * The divergence guard: a network is only worth keeping when its weights and its outputs on the
 * data it learned from are finite numbers. A loss checked before each update cannot see an overflow
 * caused by the last update, nor a weight that went to ±∞ behind a dead unit, so the weights and one
 * forward pass are checked as they are. Pure; callers decide what a failure means.
 */
import { createWorkspace, forward, type Network } from './network.js'
import type { Dataset } from './dataset.js'
import { tsKernels, type Kernels } from './ops.js'

/** Index of the first NaN or ±∞ in v, or −1. */
export function firstNonFinite (v: ArrayLike<number>): number {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return i
  return -1
}

/** Where parameter i sits, in the names the JSON export uses: `layers[l].W[unit][input]` or `layers[l].b[unit]`. */
export function parameterName (net: Network, i: number): string {
  let block = 0 // each block of the definition has one Linear: the export's layers[block]
  for (const layer of net.layers) {
    if (layer.kind !== 'linear') continue
    const [w, b] = layer.params
    const I = layer.inputs
    if (i >= w.offset && i < w.offset + w.size) return `layers[${block}].W[${Math.floor((i - w.offset) / I)}][${(i - w.offset) % I}]`
    if (i >= b.offset && i < b.offset + b.size) return `layers[${block}].b[${i - b.offset}]`
    block++
  }
  return `parameter ${i}`
}

/**
 * Why the network is not usable, or null when its weights and its outputs on every row of `data`
 * are finite. Forward only, in chunks of `chunk` rows (no gradient, no loss).
 */
export function nonFiniteReason (net: Network, data: Pick<Dataset, 'x' | 'rows' | 'inputs'> | null, k: Kernels = tsKernels, chunk = 256): string | null {
  const bad = firstNonFinite(net.params)
  if (bad >= 0) return `weight ${parameterName(net, bad)} is ${net.params[bad]}`
  if (!data || data.rows === 0) return null
  const ws = createWorkspace(net, Math.min(chunk, data.rows))
  const K = net.spec.output.units
  for (let r = 0; r < data.rows; r += ws.batch) {
    const B = Math.min(ws.batch, data.rows - r)
    const a = forward(net, ws, data.x.subarray(r * data.inputs, (r + B) * data.inputs), B, k)
    const j = firstNonFinite(a.subarray(0, B * K))
    if (j >= 0) return `the output for row ${r + Math.floor(j / K)} is ${a[j]}`
  }
  return null
}
