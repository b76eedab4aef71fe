/**
 * Hidden-layer activations: a named registry of { forward, backward } pairs over flat buffers.
 * backward turns da into dz in place (dz = da ∘ f'(z)), using the output a where that is cheaper.
 */
import type { Vec } from './vec.js'
import type { ActivationName } from './spec.js'

export interface Activation {
  /** a[i] = f(z[i]) for i < n */
  forward (a: Vec, z: Vec, n: number, alpha: number): void
  /** d[i] *= f'(z[i]) for i < n; d holds da on entry and dz on exit */
  backward (d: Vec, z: Vec, a: Vec, n: number, alpha: number): void
}

// x -> x
const identity: Activation = {
  forward (a, z, n) { if (a !== z) for (let i = 0; i < n; i++) a[i] = z[i] },
  backward () {}
}

// x -> 1 / (1 + e^-x), f' = a(1 - a)
const sigmoid: Activation = {
  forward (a, z, n) { for (let i = 0; i < n; i++) a[i] = 1 / (1 + Math.exp(-z[i])) },
  backward (d, _z, a, n) { for (let i = 0; i < n; i++) d[i] *= a[i] * (1 - a[i]) }
}

// x -> tanh x, f' = 1 - a²
const tanh: Activation = {
  forward (a, z, n) { for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i]) },
  backward (d, _z, a, n) { for (let i = 0; i < n; i++) d[i] *= 1 - a[i] * a[i] }
}

// x -> max(0, x), NaN kept (as torch.relu): a NaN made 0 here would let an overflow upstream answer
// a finite, wrong prediction (the output bias) where the outputs check would refuse it
const relu: Activation = {
  forward (a, z, n) { for (let i = 0; i < n; i++) a[i] = z[i] <= 0 ? 0 : z[i] },
  backward (d, z, _a, n) { for (let i = 0; i < n; i++) if (!(z[i] > 0)) d[i] = 0 }
}

// x -> x > 0 ? x : αx
const leakyRelu: Activation = {
  forward (a, z, n, alpha) { for (let i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : alpha * z[i] },
  backward (d, z, _a, n, alpha) { for (let i = 0; i < n; i++) if (!(z[i] > 0)) d[i] *= alpha }
}

// x -> |x| (absolute-value rectification)
const abs: Activation = {
  forward (a, z, n) { for (let i = 0; i < n; i++) a[i] = Math.abs(z[i]) },
  backward (d, z, _a, n) { for (let i = 0; i < n; i++) d[i] *= z[i] > 0 ? 1 : z[i] < 0 ? -1 : 0 }
}

// x -> log(1 + e^x), written to neither overflow nor lose precision; f' = sigmoid(x)
const softplus: Activation = {
  forward (a, z, n) { for (let i = 0; i < n; i++) { const x = z[i]; a[i] = Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) } },
  backward (d, z, _a, n) { for (let i = 0; i < n; i++) d[i] *= 1 / (1 + Math.exp(-z[i])) }
}

// x -> x ≥ 0 ? 1 : 0, NaN kept as relu keeps it (inference only: checkTrainable refuses to train it)
const step: Activation = {
  forward (a, z, n) { for (let i = 0; i < n; i++) a[i] = z[i] >= 0 ? 1 : z[i] < 0 ? 0 : z[i] },
  backward (d, _z, _a, n) { for (let i = 0; i < n; i++) d[i] = 0 }
}

export const activations: Record<ActivationName, Activation> = {
  identity, sigmoid, tanh, relu, leaky_relu: leakyRelu, abs, softplus, step
}
