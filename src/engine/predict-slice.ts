/**
 * One thread's share of a batch prediction: rows [from, to) through the network, in chunks, into
 * the shared output. The network built on the shared weights is kept for the next call on the same
 * weights (building W1's took 0.3–0.5 ms, a tenth of a 1,024-row batch), the workspace for the next
 * call of the same shape, and the wasm kernels pack the weights once per call, not once per chunk.
 */
import { createNetwork, createWorkspace, forward, type Network, type Workspace } from '../nn/network.js'
import { selectKernels, type WasmKernels } from '../kernels/index.js'
import type { Kernels } from '../nn/ops.js'
import type { PredictSlice } from './protocol.js'

export const PREDICT_CHUNK = 256

let cached: { key: string, ws: Workspace } | undefined
/** the last network built, with its layer shapes as the workspace's key */
let built: { model: number, spec: string, net: Network, shape: string } | undefined

const isWasm = (k: Kernels): k is WasmKernels => 'pin' in k

export function predictSlice (s: PredictSlice): void {
  const spec = JSON.stringify(s.spec)
  if (built?.model !== s.model || built.spec !== spec) {
    const net = createNetwork(s.spec, { params: new Float32Array(s.params) })
    built = { model: s.model, spec, net, shape: JSON.stringify(net.layers.map((l) => [l.inputs, l.units])) }
  }
  const { net, shape } = built
  if (cached?.key !== shape) cached = { key: shape, ws: createWorkspace(net, PREDICT_CHUNK, { forwardOnly: true }) }
  const ws = cached.ws
  const k = selectKernels(s.kernels)
  const I = s.spec.inputs
  const K = s.spec.output.units
  const x = new Float32Array(s.x)
  const out = new Float32Array(s.out)
  if (isWasm(k)) k.pin(net.params as Float32Array)
  try {
    for (let r = s.from; r < s.to; r += PREDICT_CHUNK) {
      const B = Math.min(PREDICT_CHUNK, s.to - r)
      const a = forward(net, ws, x.subarray(r * I, (r + B) * I), B, k)
      out.set(a.subarray(0, B * K), r * K)
    }
  } finally {
    // the weights of the next call (or a training job on this thread) are other buffers
    if (isWasm(k)) k.unpin()
  }
}
