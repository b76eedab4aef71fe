/**
 * What the forward thread holds: the networks it was sent, each with its own kernels (weights packed
 * once) and a workspace grown to the largest batch seen, and the forward pass over normalised rows.
 * Pure computation; the thread entry (thread-main.ts) only moves messages.
 */
import { createNetwork, createWorkspace, forward, type Network, type Workspace } from '../../nn/network.js'
import type { NetworkSpec } from '../../nn/spec.js'
import { pinnedKernels, type KernelName, type Kernels } from '../../kernels/index.js'

interface Held { readonly net: Network, readonly kernels: Kernels, ws?: Workspace, wsRows: number }

export interface ModelsOnThread {
  load (id: string, spec: NetworkSpec, params: Float32Array): void
  drop (id: string): void
  clear (): void
  /** The outputs (rows × output units) of model `id` for `rows` normalised rows in x, in a new array. */
  run (id: string, x: Float32Array, rows: number): Float32Array<ArrayBuffer>
  readonly size: number
}

export function createModelsOnThread (kernels: KernelName): ModelsOnThread {
  const held = new Map<string, Held>()
  return {
    get size () { return held.size },
    load (id, spec, params) {
      held.set(id, { net: createNetwork(spec, { params }), kernels: pinnedKernels(kernels, params), wsRows: 0 })
    },
    drop (id) { held.delete(id) },
    clear () { held.clear() },
    run (id, x, rows) {
      const model = held.get(id)
      // the client sends a model before its first run, in the same ordered channel: this is a bug
      if (!model) throw new Error(`model ${id} was not sent to the forward thread`)
      if (rows > model.wsRows) {
        model.ws = createWorkspace(model.net, rows)
        model.wsRows = rows
      }
      const out = forward(model.net, model.ws!, x, rows, model.kernels) as Float32Array
      return out.slice(0, rows * model.net.spec.output.units)
    }
  }
}
