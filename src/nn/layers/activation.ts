/**
 * An element-wise activation (nn/activations.ts) as a layer: a = f(z), ∂z = ∂a ∘ f′(z), computed
 * in place over the gradient buffer. No parameters; the width does not change.
 */
import type { Vec } from '../vec.js'
import type { Kernels } from '../ops.js'
import type { ActivationName } from '../spec.js'
import type { Layer, LayerDef, Slot } from './layer.js'

export function activation (name: ActivationName, units: number, alpha: number): LayerDef {
  return { kind: name, inputs: units, units, params: [], make: () => activationLayer(name, units, alpha) }
}

function activationLayer (name: ActivationName, n: number, alpha: number): Layer {
  return {
    kind: name, inputs: n, units: n, params: [], inPlace: true,
    cacheSize: () => 0, inner: [],
    scratchSize: { w: 0, rows: 0 },
    forward (z: Vec, s: Slot, B: number, k: Kernels): void {
      k.activate(name, s.out, z, B * n, alpha)
    },
    // dIn is s.d (in place): it holds ∂a on entry and ∂z on exit
    backward (z: Vec, s: Slot, dIn: Vec | null, B: number, _grads: Vec, k: Kernels): void {
      if (dIn !== null) k.activateBackward(name, dIn, z, s.out, B * n, alpha)
    }
  }
}
