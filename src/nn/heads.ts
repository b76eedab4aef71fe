/**
 * Output heads: the output non-linearity fused with its loss. Each head's delta is a − y (never a
 * Jacobian product), and each loss is computed from the logits z so that it never takes log(0).
 * Losses and deltas are sums over the B rows; the caller averages.
 */
import type { Vec } from './vec.js'
import type { HeadName } from './spec.js'

export interface Head {
  /** a = h(z) for B rows of K outputs */
  forward (a: Vec, z: Vec, B: number, K: number): void
  /** Σ over rows of the loss, from z, a and targets y (B × K) */
  loss (z: Vec, a: Vec, y: Vec, B: number, K: number): number
  /** dz = ∂loss/∂z for each row (not averaged) */
  delta (dz: Vec, a: Vec, y: Vec, B: number, K: number): void
}

// identity + squared error ½‖a − y‖²; delta a − y
const identity: Head = {
  forward (a, z, B, K) { for (let i = 0; i < B * K; i++) a[i] = z[i] },
  loss (_z, a, y, B, K) {
    let s = 0
    for (let i = 0; i < B * K; i++) { const d = a[i] - y[i]; s += d * d }
    return 0.5 * s
  },
  delta (dz, a, y, B, K) { for (let i = 0; i < B * K; i++) dz[i] = a[i] - y[i] }
}

// softmax + negative log-likelihood −Σ y log p; the max is subtracted for stability; delta p·Σy − y (= p − y for one-hot y)
const softmax: Head = {
  forward (a, z, B, K) {
    for (let r = 0; r < B; r++) {
      const o = r * K
      let max = -Infinity
      for (let k = 0; k < K; k++) if (z[o + k] > max) max = z[o + k]
      let sum = 0
      for (let k = 0; k < K; k++) { const e = Math.exp(z[o + k] - max); a[o + k] = e; sum += e }
      const inv = 1 / sum
      for (let k = 0; k < K; k++) a[o + k] *= inv
    }
  },
  loss (z, _a, y, B, K) {
    let s = 0
    for (let r = 0; r < B; r++) {
      const o = r * K
      let max = -Infinity
      for (let k = 0; k < K; k++) if (z[o + k] > max) max = z[o + k]
      let sum = 0
      for (let k = 0; k < K; k++) sum += Math.exp(z[o + k] - max)
      const lse = max + Math.log(sum)
      for (let k = 0; k < K; k++) if (y[o + k] !== 0) s -= y[o + k] * (z[o + k] - lse)
    }
    return s
  },
  delta (dz, a, y, B, K) {
    for (let r = 0; r < B; r++) {
      const o = r * K
      let ysum = 0
      for (let k = 0; k < K; k++) ysum += y[o + k]
      for (let k = 0; k < K; k++) dz[o + k] = a[o + k] * ysum - y[o + k]
    }
  }
}

// sigmoid + logistic loss per unit (binary or multi-label): softplus(z) − y·z; delta a − y
const sigmoid: Head = {
  forward (a, z, B, K) { for (let i = 0; i < B * K; i++) a[i] = 1 / (1 + Math.exp(-z[i])) },
  loss (z, _a, y, B, K) {
    let s = 0
    for (let i = 0; i < B * K; i++) { const x = z[i]; s += Math.max(x, 0) - y[i] * x + Math.log1p(Math.exp(-Math.abs(x))) }
    return s
  },
  delta (dz, a, y, B, K) { for (let i = 0; i < B * K; i++) dz[i] = a[i] - y[i] }
}

export const heads: Record<HeadName, Head> = { identity, softmax, sigmoid }
