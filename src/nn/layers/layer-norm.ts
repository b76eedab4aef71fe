/**
 * Layer normalisation (torch.nn.LayerNorm, Ba et al. 2016), per row over its n units:
 *   x̂ = (x − μ)/√(σ² + ε),  y = γ∘x̂ + β,  μ, σ² the row's mean and biased variance, ε = 1e-5 (PyTorch)
 * Backward, per row (g = γ∘∂y):  ∂x = (g − mean(g) − x̂·mean(g∘x̂)) / √(σ² + ε),
 *   ∂γ += Σ_rows ∂y∘x̂,  ∂β += Σ_rows ∂y.
 * The same in training and inference: no running statistics.
 */
import type { Vec } from '../vec.js'
import type { Layer, LayerDef, Param, Slot } from './layer.js'

export const LAYER_NORM_EPS = 1e-5

export function layerNorm (n: number): LayerDef {
  return {
    kind: 'layer_norm',
    inputs: n,
    units: n,
    params: [
      { name: 'weight', shape: [n], decay: false, overwritten: false, init: (g) => { g.fill(1) } },
      { name: 'bias', shape: [n], decay: false, overwritten: false, init: (b) => { b.fill(0) } }
    ],
    make: (params) => layerNormLayer(n, params)
  }
}

function layerNormLayer (n: number, params: readonly Param[]): Layer {
  const [weight, bias] = params
  const gamma = weight.value, beta = bias.value
  return {
    kind: 'layer_norm', inputs: n, units: n, params, inPlace: false, inner: [],
    scratchSize: { w: 0, rows: 0 },
    // x̂ (B × n), then 1/√(σ² + ε) per row
    cacheSize: (batch) => batch * n + batch,
    forward (x: Vec, s: Slot, B: number): void {
      const xh = s.cache, y = s.out
      for (let r = 0; r < B; r++) {
        const o = r * n
        let mean = 0
        for (let j = 0; j < n; j++) mean += x[o + j]
        mean /= n
        let v = 0
        for (let j = 0; j < n; j++) { const c = x[o + j] - mean; v += c * c }
        const rstd = 1 / Math.sqrt(v / n + LAYER_NORM_EPS)
        xh[B * n + r] = rstd
        for (let j = 0; j < n; j++) {
          const h = (x[o + j] - mean) * rstd
          xh[o + j] = h
          y[o + j] = gamma[j] * h + beta[j]
        }
      }
    },
    backward (_x: Vec, s: Slot, dIn: Vec | null, B: number, grads: Vec): void {
      const xh = s.cache, dy = s.d
      const gg = weight.offset, gb = bias.offset
      // each sum is rounded to the buffer's precision before it is added, as the kernels do (ops.ts):
      // accumulating shard after shard then equals the engine's ordered sum of separate shard buffers
      const f32 = grads instanceof Float32Array // Math.fround called directly: through a variable, each double argument would be boxed
      for (let j = 0; j < n; j++) {
        let sg = 0, sb = 0
        for (let r = 0; r < B; r++) { sg += dy[r * n + j] * xh[r * n + j]; sb += dy[r * n + j] }
        grads[gg + j] += f32 ? Math.fround(sg) : sg
        grads[gb + j] += f32 ? Math.fround(sb) : sb
      }
      if (dIn === null) return
      for (let r = 0; r < B; r++) {
        const o = r * n
        let mg = 0, mgx = 0
        for (let j = 0; j < n; j++) { const g = gamma[j] * dy[o + j]; mg += g; mgx += g * xh[o + j] }
        mg /= n; mgx /= n
        const rstd = xh[B * n + r]
        for (let j = 0; j < n; j++) dIn[o + j] = (gamma[j] * dy[o + j] - mg - xh[o + j] * mgx) * rstd
      }
    }
  }
}
