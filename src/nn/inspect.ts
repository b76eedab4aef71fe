/**
 * Backprop you can inspect: one forward and backward pass over a few rows, returning the lecture's
 * quantities per hidden layer and the output layer — z (the Linear's outputs), a (the layer's
 * outputs), δ = ∂J_r/∂z per row r (the lecture's δ: the output layer's is a − y) — and ∂J/∂θ of
 * every parameter, averaged over the rows with the L2 term, under the export's names and shapes.
 * At most SHARD_ROWS rows: one shard, so the gradient is the very one training computes (same
 * sums, same rounding) for the same rows as a full batch.
 */
import { allocate, type Vec } from './vec.js'
import { backward, createNetwork, createWorkspace, finishGradients, forward, headLoss, l2Penalty, type Network } from './network.js'
import { blocks } from './layers/build.js'
import { INFERENCE, type Slot } from './layers/layer.js'
import { SHARD_ROWS } from './gradient.js'
import { tsKernels } from './ops.js'
import type { JsonTensor } from './serialize.js'

export const MAX_INSPECT_ROWS = SHARD_ROWS

export interface LayerTrace {
  /** `layers.i` or `output`: the prefix of its parameters' names */
  name: string
  /** rows × the Linear's outputs (maxout: units·pieces) */
  z: number[][]
  /** rows × units: the layer's outputs (after norm, activation, dropout and the residual sum; the head's for the output) */
  a: number[][]
  /** rows × the Linear's outputs: ∂J_r/∂z, row r's own loss (not divided by the rows) */
  delta: number[][]
  /** ∂J/∂θ averaged over the rows, + λθ on weights; by parameter name, in the parameter's shape */
  gradients: Record<string, JsonTensor>
}

export interface BackpropTrace { loss: number, layers: LayerTrace[] }

export interface InspectOptions {
  /** 'train': dropout active (its mask keyed as in epoch 0 of a run with seed 0, by row position), batch norm on the rows' statistics; 'eval' or 'inference' (default): dropout off, running statistics */
  mode?: 'train' | 'eval' | 'inference'
  /** the L2 λ to add (default: the network's own) */
  l2?: number
}

const matrix = (v: Vec, rows: number, cols: number): number[][] =>
  Array.from({ length: rows }, (_, r) => Array.from(v.subarray(r * cols, (r + 1) * cols)))

/** x: rows × inputs, y: rows × outputs (the head's targets, already encoded and normalised). */
export function inspectBackprop (model: Network, x: Vec, y: Vec, rows: number, { mode = 'inference', l2 }: InspectOptions = {}): BackpropTrace {
  if (!(Number.isInteger(rows) && rows >= 1 && rows <= MAX_INSPECT_ROWS)) throw new RangeError(`rows must be 1 to ${MAX_INSPECT_ROWS}, got ${rows}`)
  const spec = l2 === undefined ? model.spec : { ...model.spec, l2 }
  const net = createNetwork(spec, { params: model.params })
  const ws = createWorkspace(net, rows)
  const pass = mode === 'train' ? { train: true, seed: 0, epoch: 0, index: null, from: 0, rowIds: null } : INFERENCE
  forward(net, ws, x, rows, tsKernels, pass)
  const loss = headLoss(net, ws, y, rows) / rows + l2Penalty(net)
  const grads = allocate(net.dtype, net.params.length)
  backward(net, ws, x, y, rows, grads, tsKernels)
  finishGradients(net, grads, rows, tsKernels)

  const layers: LayerTrace[] = []
  let record = 0
  for (const block of blocks(spec)) {
    const first = net.layers[record], slot = ws.slots[record]
    // a residual block is one record whose inner slots start with its Linear's
    const linearSlot: Slot = first.kind === 'residual' ? slot.inner[0] : slot
    const width = first.kind === 'residual' ? first.inner[0].units : first.units
    record += block.defs.length
    const out = block.isOutput ? ws.out : ws.slots[record - 1].out
    const gradients: Record<string, JsonTensor> = {}
    // buffers (batch norm's running statistics) learn nothing: no gradient, as in PyTorch
    for (const p of block.defs.flatMap((d) => d.params).filter((q) => q.buffer !== true)) {
      const placed = net.parameters.find((q) => q.name === p.name)!
      const g = grads.subarray(placed.offset, placed.offset + placed.size)
      gradients[p.name] = p.shape.length === 1 ? Array.from(g) : matrix(g, p.shape[0], p.shape[1])
    }
    const name = block.isOutput ? 'output' : `layers.${layers.length}`
    layers.push({ name, z: matrix(linearSlot.out, rows, width), a: matrix(out, rows, block.units), delta: matrix(linearSlot.d, rows, width), gradients })
  }
  return { loss, layers }
}

/**
 * The first number of a trace that is not finite, as a path into the response (`layers[0].delta[2][1]`)
 * with its row (null for the loss and gradients, which average every row); null when all are finite.
 * The output's activations are looked at first, so an overflowing output is named as one.
 */
export function firstNonFiniteInTrace (trace: BackpropTrace): { path: string, value: number, row: number | null } | null {
  const inRows = (m: number[][], path: string): { path: string, value: number, row: number } | null => {
    for (let r = 0; r < m.length; r++) {
      const k = m[r].findIndex((v) => !Number.isFinite(v))
      if (k >= 0) return { path: `${path}[${r}][${k}]`, value: m[r][k], row: r }
    }
    return null
  }
  const last = trace.layers.length - 1
  const output = inRows(trace.layers[last].a, `layers[${last}].a`)
  if (output) return output
  if (!Number.isFinite(trace.loss)) return { path: 'loss', value: trace.loss, row: null }
  for (const [i, layer] of trace.layers.entries()) {
    for (const key of ['z', 'a', 'delta'] as const) {
      const found = inRows(layer[key], `layers[${i}].${key}`)
      if (found) return found
    }
    for (const [name, g] of Object.entries(layer.gradients)) {
      const values = (g as Array<number | number[]>).flat()
      const j = values.findIndex((v) => !Number.isFinite(v))
      if (j >= 0) return { path: `layers[${i}].gradients["${name}"]`, value: values[j], row: null }
    }
  }
  return null
}
