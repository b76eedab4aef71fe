/**
 * Batch normalisation (torch.nn.BatchNorm1d, Ioffe & Szegedy 2015), per unit over the rows of the
 * minibatch:  x̂ = (x − μ)/√(σ² + ε),  y = γ∘x̂ + β,  ε = 1e-5.
 * Training uses the minibatch's μ and biased σ², and moves the running estimates with momentum 0.1
 * (running ← 0.9·running + 0.1·batch, the variance unbiased: N/(N − 1)·σ², as PyTorch); inference
 * uses the running estimates. Backward over the N rows, with Σ over the minibatch:
 *   ∂γ += Σ ∂y∘x̂,  ∂β += Σ ∂y,  ∂x = γ/√(σ² + ε) · (∂y − Σ∂y/N − x̂·Σ(∂y∘x̂)/N)
 * A minibatch spans shards (and threads), so each statistic is two steps: a shard's partial sums
 * (Σx, Σx² forward; Σ∂y, Σ∂y∘x̂ backward), then their sum over all shards in shard order (lockstep.ts),
 * the same on every thread. A single call over B rows is the one-shard case of the same code.
 * The running estimates are parameters that never get a gradient (so they travel in the weights,
 * checkpoints and the export); only the minibatch walk (lockstep.ts) updates them, once per minibatch.
 */
import type { Vec } from '../vec.js'
import type { Layer, LayerDef, Param, Pass, Slot } from './layer.js'

export const BATCH_NORM_EPS = 1e-5
export const BATCH_NORM_MOMENTUM = 0.1

export interface BatchNormLayer extends Layer {
  readonly kind: 'batch_norm'
  /** Σx then Σx² of the B rows, per unit, into out[at, at + 2n) */
  forwardPartial (x: Vec, B: number, out: Float64Array, at: number): void
  /** normalises with the minibatch statistics from the summed partials (N rows in all) */
  forwardWith (x: Vec, s: Slot, B: number, sums: Float64Array, at: number, N: number): void
  /** Σ∂y then Σ∂y∘x̂ of the B rows, per unit, into out[at, at + 2n); adds them to ∂β and ∂γ in grads */
  backwardPartial (s: Slot, B: number, grads: Vec, out: Float64Array, at: number): void
  /** ∂x from the summed backward partials */
  backwardWith (s: Slot, dIn: Vec, B: number, sums: Float64Array, at: number, N: number): void
  /** running ← (1 − momentum)·running + momentum·batch, from the summed forward partials */
  updateRunning (sums: Float64Array, at: number, N: number): void
}

const constant = (c: number) => (v: Vec): void => { v.fill(c) }

export function batchNorm (n: number): LayerDef {
  const param = (name: string, init: number, buffer = false): LayerDef['params'][number] => ({ name, shape: [n], decay: false, overwritten: false, buffer, init: constant(init) })
  return {
    kind: 'batch_norm',
    inputs: n,
    units: n,
    params: [param('weight', 1), param('bias', 0), param('running_mean', 0, true), param('running_var', 1, true)],
    make: (params) => batchNormLayer(n, params)
  }
}

function batchNormLayer (n: number, params: readonly Param[]): BatchNormLayer {
  const [weight, bias, runningMean, runningVar] = params
  const gamma = weight.value, beta = bias.value, rm = runningMean.value, rv = runningVar.value
  // the slot's cache: x̂ (B × n), then per unit 1/√(σ² + ε), then 1 for batch statistics or 0 for running ones
  const rstdAt = (B: number): number => B * n
  const sums = new Float64Array(2 * n) // the one-shard case's own partials

  const layer: BatchNormLayer = {
    kind: 'batch_norm', inputs: n, units: n, params, inPlace: false, inner: [],
    scratchSize: { w: 0, rows: 0 },
    cacheSize: (batch) => batch * n + n + 1,
    forward (x: Vec, s: Slot, B: number, _k, pass: Pass): void {
      if (pass.train) {
        layer.forwardPartial(x, B, sums, 0)
        layer.forwardWith(x, s, B, sums, 0, B)
        return
      }
      const xh = s.cache, y = s.out, at = rstdAt(B)
      for (let j = 0; j < n; j++) xh[at + j] = 1 / Math.sqrt(rv[j] + BATCH_NORM_EPS)
      xh[at + n] = 0
      for (let r = 0; r < B; r++) {
        for (let j = 0; j < n; j++) {
          const h = (x[r * n + j] - rm[j]) * xh[at + j]
          xh[r * n + j] = h
          y[r * n + j] = gamma[j] * h + beta[j]
        }
      }
    },
    forwardPartial (x, B, out, at) {
      for (let j = 0; j < n; j++) {
        let s1 = 0, s2 = 0
        for (let r = 0; r < B; r++) { const v = x[r * n + j]; s1 += v; s2 += v * v }
        out[at + j] = s1
        out[at + n + j] = s2
      }
    },
    forwardWith (x, s, B, total, at, N) {
      const xh = s.cache, y = s.out, ra = rstdAt(B)
      xh[ra + n] = 1
      for (let j = 0; j < n; j++) {
        const mean = total[at + j] / N
        const variance = Math.max(0, total[at + n + j] / N - mean * mean)
        const rstd = 1 / Math.sqrt(variance + BATCH_NORM_EPS)
        xh[ra + j] = rstd
        for (let r = 0; r < B; r++) {
          const h = (x[r * n + j] - mean) * rstd
          xh[r * n + j] = h
          y[r * n + j] = gamma[j] * h + beta[j]
        }
      }
    },
    updateRunning (total, at, N) {
      for (let j = 0; j < n; j++) {
        const mean = total[at + j] / N
        const variance = Math.max(0, total[at + n + j] / N - mean * mean)
        rm[j] = (1 - BATCH_NORM_MOMENTUM) * rm[j] + BATCH_NORM_MOMENTUM * mean
        rv[j] = (1 - BATCH_NORM_MOMENTUM) * rv[j] + BATCH_NORM_MOMENTUM * (N > 1 ? variance * N / (N - 1) : variance)
      }
    },
    backward (_x: Vec, s: Slot, dIn: Vec | null, B: number, grads: Vec): void {
      layer.backwardPartial(s, B, grads, sums, 0)
      if (dIn !== null) layer.backwardWith(s, dIn, B, sums, 0, B)
    },
    backwardPartial (s, B, grads, out, at) {
      const xh = s.cache, dy = s.d
      // rounded to the buffer's precision before it is added, as the kernels do (see layer-norm.ts)
      const f32 = grads instanceof Float32Array // Math.fround called directly: through a variable, each double argument would be boxed
      for (let j = 0; j < n; j++) {
        let sb = 0, sg = 0
        for (let r = 0; r < B; r++) { sb += dy[r * n + j]; sg += dy[r * n + j] * xh[r * n + j] }
        out[at + j] = sb
        out[at + n + j] = sg
        grads[bias.offset + j] += f32 ? Math.fround(sb) : sb
        grads[weight.offset + j] += f32 ? Math.fround(sg) : sg
      }
    },
    backwardWith (s, dIn, B, total, at, N) {
      const xh = s.cache, dy = s.d, ra = rstdAt(B)
      const batchStats = xh[ra + n] === 1 // with running statistics, μ and σ² are constants
      for (let j = 0; j < n; j++) {
        const k = gamma[j] * xh[ra + j]
        const mb = batchStats ? total[at + j] / N : 0, mg = batchStats ? total[at + n + j] / N : 0
        for (let r = 0; r < B; r++) dIn[r * n + j] = k * (dy[r * n + j] - mb - xh[r * n + j] * mg)
      }
    }
  }
  return layer
}

export const isBatchNorm = (l: Layer): l is BatchNormLayer => l.kind === 'batch_norm'
