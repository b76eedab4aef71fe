/**
 * What a forward thread holds: the models it was sent, each on the one inference path
 * (inference/model-inference.ts: its own kernels, weights packed once, its normalisation and a
 * workspace grown to the largest batch seen); the forward pass over normalised rows, and a whole
 * prediction body read from its bytes. Pure computation; the thread entry (thread-main.ts) only
 * moves messages. Only numeric models without an imputer come here, so their raw rows are numbers.
 */
import type { NetworkSpec } from '../../nn/spec.js'
import type { KernelName } from '../../kernels/index.js'
import type { Normalization } from '../../data/normalize.js'
import { createModelInference, INFERENCE_CHUNK, type ModelInference } from '../../inference/model-inference.js'
import { readPredictBody } from '../predict-body.js'

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

export function createModelsOnThread (kernels: KernelName): ModelsOnThread {
  const held = new Map<string, ModelInference>()
  // the rows of a body, a chunk at a time, in one buffer kept for the thread's life: a fresh one per
  // request (256 rows of W1's 784 inputs: 800 KB) cost ~2.6 ms of first-touch page faults on this VM
  let rowsScratch = new Float32Array(0)
  const get = (id: string): ModelInference => {
    const model = held.get(id)
    // the client sends a model before its first run, in the same ordered channel: this is a bug
    if (!model) throw new Error(`model ${id} was not sent to the forward thread`)
    return model
  }
  return {
    get size () { return held.size },
    load (id, spec, params, norm) {
      held.set(id, createModelInference(spec, params, { normalization: norm }, { kernels }))
    },
    drop (id) { held.delete(id) },
    clear () { held.clear() },
    run (id, x, rows) {
      const model = get(id)
      return model.forward(x, rows).slice(0, rows * model.spec.output.units)
    },
    runBody (id, bytes, maxRows) {
      const model = get(id)
      const body = readPredictBody(bytes, maxRows)
      if (!body) return { kind: 'unreadable' }
      const I = model.spec.inputs
      const K = model.spec.output.units
      const rows = body.inputs
      const wrong = rows.findIndex((row) => row.length !== I)
      if (wrong >= 0) return { kind: 'width', row: wrong, width: rows[wrong].length }
      const out = new Float32Array(rows.length * K)
      const need = Math.min(INFERENCE_CHUNK, rows.length) * I
      if (rowsScratch.length < need) rowsScratch = new Float32Array(Math.max(need, INFERENCE_CHUNK * I))
      const x = rowsScratch
      for (let start = 0; start < rows.length; start += INFERENCE_CHUNK) {
        const m = Math.min(INFERENCE_CHUNK, rows.length - start)
        for (let r = 0; r < m; r++) model.inputs.rowInto(rows[start + r], x, r)
        out.set(model.forward(x, m).subarray(0, m * K), start * K)
      }
      return { kind: 'outputs', out, rows: rows.length }
    }
  }
}
