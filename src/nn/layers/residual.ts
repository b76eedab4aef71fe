/**
 * A residual block (He et al. 2016): a = s(x) + f(x), with f the block's own layers (Linear → Norm
 * → Activation → Dropout) and s the identity when the widths match, else a learned projection
 * s(x) = x·Pᵀ, P [units, inputs] with no bias (the paper's W_s; torch.nn.Linear(bias=False)).
 * Backward: ∂x = ∂x through f + ∂a (or ∂a·P),  ∂P += ∂aᵀ·x.
 */
import type { Vec } from '../vec.js'
import type { Kernels } from '../ops.js'
import { initialize } from '../init.js'
import type { InitializerName } from '../spec.js'
import type { Layer, LayerDef, Param, ParamDef, Pass, Scratch, Slot } from './layer.js'

export function residual (inner: readonly LayerDef[], init: InitializerName, projectionName: string): LayerDef {
  const I = inner[0].inputs, O = inner[inner.length - 1].units
  const projection: ParamDef[] = I === O
    ? []
    : [{ name: `${projectionName}.weight`, shape: [O, I], decay: true, overwritten: false, init: (w, rng) => initialize(init, w, I, O, rng) }]
  return {
    kind: 'residual',
    inputs: I,
    units: O,
    params: [...inner.flatMap((d) => d.params), ...projection],
    make (params) {
      let at = 0
      const layers = inner.map((d) => { const mine = params.slice(at, at + d.params.length); at += d.params.length; return d.make(mine) })
      return residualLayer(I, O, layers, params, params[at] ?? null)
    }
  }
}

function residualLayer (I: number, O: number, inner: Layer[], params: readonly Param[], proj: Param | null): Layer {
  const last = inner.length - 1
  // the projection's slice of each gradient buffer (a shard's, or the whole minibatch's), made once
  // per buffer rather than once per minibatch
  const projGrads = new WeakMap<Vec, Vec>()
  const projGradOf = (grads: Vec, p: Param): Vec => {
    let view = projGrads.get(grads)
    if (view === undefined) { view = grads.subarray(p.offset, p.offset + p.size); projGrads.set(grads, view) }
    return view
  }
  const composite = {
    // a = s(x) + f(x), f(x) the last inner slot's output
    combine (x: Vec, s: Slot, B: number, k: Kernels): void {
      const a = s.out, f = s.inner[last].out
      if (proj === null) for (let i = 0; i < B * O; i++) a[i] = x[i] + f[i]
      else {
        k.gemmNT(a, x, proj.value, B, O, I, null, false)
        for (let i = 0; i < B * O; i++) a[i] += f[i]
      }
    },
    backwardStart (s: Slot, B: number): void {
      const da = s.d, df = s.inner[last].d
      for (let i = 0; i < B * O; i++) df[i] = da[i] // f's output gets ∂a unchanged
    },
    backwardFinish (x: Vec, s: Slot, dIn: Vec | null, B: number, grads: Vec, k: Kernels, t: Scratch): void {
      const da = s.d
      if (proj !== null) {
        // ∂P (O×I) += ∂aᵀ·x, as gemmNT over the transposed copies; ∂x += ∂a·P = ∂a·(Pᵀ)ᵀ
        k.transpose(t.dzT, da, B, O)
        k.transpose(t.aT, x, B, I)
        k.gemmNT(projGradOf(grads, proj), t.dzT, t.aT, O, I, B, null, true)
        if (dIn === null) return
        k.transpose(t.wT, proj.value, O, I)
        k.gemmNT(dIn, da, t.wT, B, I, O, null, true)
      } else if (dIn !== null) for (let i = 0; i < B * I; i++) dIn[i] += da[i]
    }
  }
  return {
    kind: 'residual', inputs: I, units: O, params, inPlace: false, inner, composite,
    scratchSize: { w: proj ? O * I : 0, rows: Math.max(I, O) },
    cacheSize: () => 0,
    forward (x: Vec, s: Slot, B: number, k: Kernels, pass: Pass): void {
      let input = x
      for (let i = 0; i <= last; i++) { inner[i].forward(input, s.inner[i], B, k, pass); input = s.inner[i].out }
      composite.combine(x, s, B, k)
    },
    backward (x: Vec, s: Slot, dIn: Vec | null, B: number, grads: Vec, k: Kernels, t: Scratch, overwrite: boolean): void {
      composite.backwardStart(s, B)
      for (let i = last; i >= 0; i--) {
        inner[i].backward(i === 0 ? x : s.inner[i - 1].out, s.inner[i], i === 0 ? dIn : s.inner[i - 1].d, B, grads, k, t, overwrite)
      }
      composite.backwardFinish(x, s, dIn, B, grads, k, t)
    }
  }
}
