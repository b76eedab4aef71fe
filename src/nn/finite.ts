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

/** Where parameter i sits, in the names the JSON export uses: `layers.0.linear.weight[unit][input]`, `output.bias[unit]`. */
export function parameterName (net: Network, i: number): string {
  const p = net.parameters.find((t) => i >= t.offset && i < t.offset + t.size)
  if (p === undefined) return `parameter ${i}`
  const at = i - p.offset
  if (p.shape.length === 1) return `${p.name}[${at}]`
  const cols = p.shape[p.shape.length - 1]
  return `${p.name}[${Math.floor(at / cols)}][${at % cols}]`
}

/**
 * Why the network is not usable, or null when its weights and its outputs on every row of `data`
 * are finite. Forward only, in chunks of `chunk` rows (no gradient, no loss).
 */
export function nonFiniteReason (net: Network, data: Pick<Dataset, 'x' | 'rows' | 'inputs'> | null, k: Kernels = tsKernels, chunk = 256): string | null {
  const bad = firstNonFinite(net.params)
  if (bad >= 0) return `weight ${parameterName(net, bad)} is ${net.params[bad]}`
  if (!data || data.rows === 0) return null
  const ws = createWorkspace(net, Math.min(chunk, data.rows), { forwardOnly: true })
  const K = net.spec.output.units
  for (let r = 0; r < data.rows; r += ws.batch) {
    const B = Math.min(ws.batch, data.rows - r)
    const a = forward(net, ws, data.x.subarray(r * data.inputs, (r + B) * data.inputs), B, k)
    const j = firstNonFinite(a.subarray(0, B * K))
    if (j >= 0) return `the output for row ${r + Math.floor(j / K)} is ${a[j]}`
  }
  return null
}
