/**
 * Finite-difference gradient check in float64, shared by the tests: the analytic gradient from
 * backward against central differences (five-point stencil) of the mean loss (+ L2), parameter by
 * parameter, in inference or training mode. In training mode dropout's mask is a function of
 * (seed, epoch, row, unit), so every evaluation of the loss sees the same mask: it is held fixed.
 */
import { backward, createNetwork, createWorkspace, finishGradients, forward, headLoss, l2Penalty, type Network } from './network.js'
import type { NetworkSpec } from './spec.js'
import { INFERENCE, type Pass } from './layers/layer.js'

/** A training pass over rows 0..B−1 of a given batch (dropout keyed by the row's position). */
export const trainPass = (seed = 0, epoch = 0): Pass => ({ train: true, seed, epoch, index: null, from: 0, rowIds: null })

export interface GradcheckResult { analytic: Float64Array, numeric: Float64Array, maxRelError: number, worstIndex: number }

/** Mean loss of B rows plus the L2 penalty, for the network's current parameters. */
export function meanLoss (net: Network, x: Float64Array, y: Float64Array, B: number, pass: Pass = INFERENCE): number {
  const ws = createWorkspace(net, B)
  forward(net, ws, x, B, undefined, pass)
  return headLoss(net, ws, y, B) / B + l2Penalty(net)
}

/** |a − n| / max(|a|, |n|, floor): relative where gradients are sizeable, absolute near zero. */
export function relError (a: number, n: number, floor = 1e-8): number {
  return Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), floor)
}

/**
 * `floor`: below it an error is measured absolutely (relError). Parameters that are buffers (batch
 * norm's running statistics) have no gradient and are skipped: their numeric and analytic entries are 0.
 */
export function gradcheck (spec: NetworkSpec, x: Float64Array, y: Float64Array, B: number, { seed = 1, eps = 1e-4, pass = INFERENCE, floor = 1e-8 } = {}): GradcheckResult {
  const net = createNetwork(spec, { seed, dtype: 'float64' })
  const p = net.params as Float64Array
  const ws = createWorkspace(net, B)
  const analytic = new Float64Array(p.length)
  forward(net, ws, x, B, undefined, pass)
  backward(net, ws, x, y, B, analytic)
  finishGradients(net, analytic, B)

  const numeric = new Float64Array(p.length)
  const buffers = new Uint8Array(p.length)
  for (const t of net.parameters) if (t.buffer === true) buffers.fill(1, t.offset, t.offset + t.size)
  for (let i = 0; i < p.length; i++) {
    if (buffers[i] === 1) continue
    const keep = p[i]
    const at = (d: number): number => { p[i] = keep + d; return meanLoss(net, x, y, B, pass) }
    // five-point central stencil: truncation error O(h⁴), so h can be large enough to keep round-off small
    numeric[i] = (8 * (at(eps) - at(-eps)) - (at(2 * eps) - at(-2 * eps))) / (12 * eps)
    p[i] = keep
  }
  let maxRelError = 0, worstIndex = -1
  for (let i = 0; i < p.length; i++) {
    const e = relError(analytic[i], numeric[i], floor)
    if (e > maxRelError) { maxRelError = e; worstIndex = i }
  }
  return { analytic, numeric, maxRelError, worstIndex }
}
