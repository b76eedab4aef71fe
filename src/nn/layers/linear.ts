/**
 * Linear (torch.nn.Linear): z = x·Wᵀ + b, W [units, inputs] row-major, b [units].
 *   ∂W += δᵀ·x,   ∂b += Σ_rows δ,   ∂x = δ·W
 * Every product is one of the kernels' GEMMs (ops.ts): as C = A·Bᵀ over transposed copies in the
 * workspace's scratch, or straight from BLAS where it takes transposed operands (float32).
 */
import type { Vec } from '../vec.js'
import type { Kernels } from '../ops.js'
import { initialize } from '../init.js'
import type { InitializerName } from '../spec.js'
import type { Layer, LayerDef, Param, Scratch, Slot } from './layer.js'

export interface LinearOptions { inputs: number, units: number, init: InitializerName, biasInit: number }

export function linear ({ inputs: I, units: O, init, biasInit }: LinearOptions): LayerDef {
  return {
    kind: 'linear',
    inputs: I,
    units: O,
    params: [
      { name: 'weight', shape: [O, I], decay: true, overwritten: true, init: (w, rng) => initialize(init, w, I, O, rng) },
      { name: 'bias', shape: [O], decay: false, overwritten: false, init: (b) => { b.fill(biasInit) } }
    ],
    make: (params) => linearLayer(I, O, params)
  }
}

function linearLayer (I: number, O: number, params: readonly Param[]): Layer {
  const [weight, bias] = params
  const w = weight.value, b = bias.value
  return {
    kind: 'linear', inputs: I, units: O, params, inPlace: false,
    cacheSize: () => 0, inner: [],
    scratchSize: { w: O * I, rows: Math.max(I, O) },
    forward (input: Vec, s: Slot, B: number, k: Kernels): void {
      k.gemmNT(s.out, input, w, B, O, I, b, false)
    },
    backward (input: Vec, s: Slot, dIn: Vec | null, B: number, grads: Vec, k: Kernels, t: Scratch, overwrite: boolean): void {
      const dz = s.d
      const gw = grads.subarray(weight.offset, weight.offset + weight.size)
      const native = w instanceof Float32Array ? k : null // BLAS takes the transposed operands itself
      // ∂W (O×I) += δᵀ (O×B) · x (B×I); for gemmNT, transpose both so the shared dimension B is contiguous
      if (native?.gemmTN) native.gemmTN(gw, dz, input, O, I, B, !overwrite)
      else {
        k.transpose(t.dzT, dz, B, O)
        k.transpose(t.aT, input, B, I)
        k.gemmNT(gw, t.dzT, t.aT, O, I, B, null, !overwrite)
      }
      k.addColumnSums(grads.subarray(bias.offset, bias.offset + O), dz, B, O)
      if (dIn === null) return
      // ∂x = δ · W; for gemmNT, as A·Bᵀ with Bᵀ = W, so B = Wᵀ (I×O)
      if (native?.gemmNN) native.gemmNN(dIn, dz, w, B, I, O, false)
      else {
        k.transpose(t.wT, w, O, I)
        k.gemmNT(dIn, dz, t.wT, B, I, O, null, false)
      }
    }
  }
}
