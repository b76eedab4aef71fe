/**
 * A pool thread's part of a batch prediction: it claims the batch's chunks of PREDICT_CHUNK rows one
 * at a time until none is left, so a thread that wakes late or loses its core does only what the
 * others have not done (with fixed halves, a 1,024-row call waited for the slower half). The chunks
 * start at row 0 whatever the thread count, so each row goes through the same products, and every
 * thread count gives the same bits.
 *
 * The network built on the shared weights is kept for the next call on the same weights (building
 * W1's took 0.3–0.5 ms, a tenth of a 1,024-row batch), the workspace for the next call of the same
 * shape, and the wasm kernels pack the weights once per call, not once per chunk.
 */
import { createNetwork, createWorkspace, forward, type Network, type Workspace } from '../nn/network.js'
import { selectKernels, type WasmKernels } from '../kernels/index.js'
import type { Kernels } from '../nn/ops.js'
import type { PredictBatch } from './protocol.js'

export const PREDICT_CHUNK = 256
/** the claims' slot holding the next chunk to take */
const NEXT_CHUNK = 0

let cached: { key: string, ws: Workspace } | undefined
/** the last network built, with its layer shapes as the workspace's key */
let built: { model: number, spec: string, net: Network, shape: string } | undefined

const isWasm = (k: Kernels): k is WasmKernels => 'pin' in k

export function predictChunks (b: PredictBatch): void {
  const claims = new Int32Array(b.claims)
  const chunks = Math.ceil(b.rows / PREDICT_CHUNK)
  // a thread that comes after the others took every chunk builds nothing
  if (Atomics.load(claims, NEXT_CHUNK) >= chunks) return
  const spec = JSON.stringify(b.spec)
  if (built?.model !== b.model || built.spec !== spec) {
    const net = createNetwork(b.spec, { params: new Float32Array(b.params) })
    built = { model: b.model, spec, net, shape: JSON.stringify(net.layers.map((l) => [l.inputs, l.units])) }
  }
  const { net, shape } = built
  if (cached?.key !== shape) cached = { key: shape, ws: createWorkspace(net, PREDICT_CHUNK, { forwardOnly: true }) }
  const ws = cached.ws
  const k = selectKernels(b.kernels)
  const I = b.spec.inputs
  const K = b.spec.output.units
  const x = new Float32Array(b.x)
  const out = new Float32Array(b.out)
  if (isWasm(k)) k.pin(net.params as Float32Array)
  try {
    for (let c = Atomics.add(claims, NEXT_CHUNK, 1); c < chunks; c = Atomics.add(claims, NEXT_CHUNK, 1)) {
      const r = c * PREDICT_CHUNK
      const B = Math.min(PREDICT_CHUNK, b.rows - r)
      const a = forward(net, ws, x.subarray(r * I, (r + B) * I), B, k)
      out.set(a.subarray(0, B * K), r * K)
    }
  } finally {
    // the weights of the next call (or a training job on this thread) are other buffers
    if (isWasm(k)) k.unpin()
  }
}
