/**
 * What a forward thread holds: the networks it was sent, each with its own kernels (weights packed
 * once), its normalisation and a workspace grown to the largest batch seen; the forward pass over
 * normalised rows, and a whole prediction body read from its bytes. Pure computation; the thread
 * entry (thread-main.ts) only moves messages.
 */
import { createNetwork, createWorkspace, forward, type Network, type Workspace } from '../../nn/network.js'
import type { NetworkSpec } from '../../nn/spec.js'
import { pinnedKernels, type KernelName, type Kernels } from '../../kernels/index.js'
import type { Normalization } from '../../data/normalize.js'
import { createInputPipeline, numericColumns, type InputPipeline } from '../../data/model-inputs.js'
import { readPredictBody } from '../predict-body.js'

/** `inputs`: the one raw-row → input path (data/model-inputs.ts); only numeric models without an imputer read bodies here */
interface Held { readonly net: Network, readonly kernels: Kernels, readonly inputs: InputPipeline, ws?: Workspace, wsRows: number }

/** What reading a body gave: the outputs, a row of the wrong width, or a body for the general path. */
export type BodyResult =
  | { readonly kind: 'outputs', readonly out: Float32Array<ArrayBuffer>, readonly rows: number }
  | { readonly kind: 'width', readonly row: number, readonly width: number }
  | { readonly kind: 'unreadable' }

export interface ModelsOnThread {
  load (id: string, spec: NetworkSpec, params: Float32Array, norm: Normalization): void
  drop (id: string): void
  clear (): void
  /** The outputs (rows × output units) of model `id` for `rows` normalised rows in x, in a new array. */
  run (id: string, x: Float32Array, rows: number): Float32Array<ArrayBuffer>
  /** A raw prediction body: read (predict-body.ts), widths checked, normalised, forward in chunks. */
  runBody (id: string, bytes: Uint8Array, maxRows: number): BodyResult
  readonly size: number
}

/** Rows per forward pass when a whole body is run. */
const CHUNK = 256

export function createModelsOnThread (kernels: KernelName): ModelsOnThread {
  const held = new Map<string, Held>()
  const get = (id: string): Held => {
    const model = held.get(id)
    // the client sends a model before its first run, in the same ordered channel: this is a bug
    if (!model) throw new Error(`model ${id} was not sent to the forward thread`)
    return model
  }
  const forwardRows = (model: Held, x: Float32Array, rows: number): Float32Array => {
    if (rows > model.wsRows) {
      model.ws = createWorkspace(model.net, rows)
      model.wsRows = rows
    }
    return forward(model.net, model.ws!, x, rows, model.kernels) as Float32Array
  }
  return {
    get size () { return held.size },
    load (id, spec, params, norm) {
      const inputs = createInputPipeline(numericColumns(spec.inputs), norm)
      held.set(id, { net: createNetwork(spec, { params }), kernels: pinnedKernels(kernels, params), inputs, wsRows: 0 })
    },
    drop (id) { held.delete(id) },
    clear () { held.clear() },
    run (id, x, rows) {
      const model = get(id)
      return forwardRows(model, x, rows).slice(0, rows * model.net.spec.output.units)
    },
    runBody (id, bytes, maxRows) {
      const model = get(id)
      const body = readPredictBody(bytes, maxRows)
      if (!body) return { kind: 'unreadable' }
      const I = model.net.spec.inputs
      const K = model.net.spec.output.units
      const rows = body.inputs
      const wrong = rows.findIndex((row) => row.length !== I)
      if (wrong >= 0) return { kind: 'width', row: wrong, width: rows[wrong].length }
      const out = new Float32Array(rows.length * K)
      const x = new Float32Array(Math.min(CHUNK, rows.length) * I)
      for (let start = 0; start < rows.length; start += CHUNK) {
        const m = Math.min(CHUNK, rows.length - start)
        for (let r = 0; r < m; r++) model.inputs.rowInto(rows[start + r], x, r)
        out.set(forwardRows(model, x, m).subarray(0, m * K), start * K)
      }
      return { kind: 'outputs', out, rows: rows.length }
    }
  }
}
