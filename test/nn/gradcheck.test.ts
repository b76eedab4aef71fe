import { describe, it, expect } from 'vitest'
import { gradcheck } from '../../src/nn/gradcheck.js'
import { TRAINABLE_ACTIVATIONS, HEADS, type HeadName, type NetworkSpec } from '../../src/nn/spec.js'
import { Rng } from '../../src/nn/random.js'

// Inputs and targets that suit each head: one-hot rows for softmax, labels in {0,1} for sigmoid.
function batch (head: HeadName, B: number, I: number, K: number, rng: Rng): { x: Float64Array, y: Float64Array } {
  const x = Float64Array.from({ length: B * I }, () => rng.uniform(-1.5, 1.5))
  const y = new Float64Array(B * K)
  for (let r = 0; r < B; r++) {
    if (head === 'softmax') y[r * K + rng.int(K)] = 1
    else if (head === 'sigmoid') for (let k = 0; k < K; k++) y[r * K + k] = rng.int(2)
    else for (let k = 0; k < K; k++) y[r * K + k] = rng.uniform(-2, 2)
  }
  return { x, y }
}

describe('backward matches central finite differences in float64 (max relative error ≤ 1e-6)', () => {
  for (const activation of TRAINABLE_ACTIVATIONS) {
    for (const head of HEADS) {
      for (const l2 of [0, 0.1]) {
        it(`${activation} hidden layers × ${head} head, l2 ${l2}`, () => {
          const K = head === 'identity' ? 2 : 3
          const spec: NetworkSpec = {
            inputs: 4,
            layers: [{ units: 5, activation, alpha: 0.1 }, { units: 3, activation, alpha: 0.1 }],
            output: { units: K, activation: head, biasInit: 0.05 },
            l2
          }
          const { x, y } = batch(head, 7, 4, K, new Rng(42))
          const { maxRelError, analytic } = gradcheck(spec, x, y, 7, { seed: 3 })
          expect(analytic.some((g) => g !== 0)).toBe(true)
          expect(maxRelError).toBeLessThanOrEqual(1e-6) // backward pass went well
        })
      }
    }
  }

  it('a single sigmoid unit (logistic regression, no hidden layer)', () => {
    const spec: NetworkSpec = { inputs: 3, layers: [], output: { units: 1, activation: 'sigmoid' }, l2: 0.01 }
    const { x, y } = batch('sigmoid', 9, 3, 1, new Rng(5))
    expect(gradcheck(spec, x, y, 9).maxRelError).toBeLessThanOrEqual(1e-6)
  })

  it('detects a wrong gradient (the check can fail)', () => {
    const spec: NetworkSpec = { inputs: 3, layers: [{ units: 4, activation: 'tanh' }], output: { units: 1, activation: 'identity' } }
    const { x, y } = batch('identity', 5, 3, 1, new Rng(9))
    const r = gradcheck(spec, x, y, 5)
    r.analytic[0] *= 1.001
    let worst = 0
    for (let i = 0; i < r.analytic.length; i++) worst = Math.max(worst, Math.abs(r.analytic[i] - r.numeric[i]) / Math.max(Math.abs(r.analytic[i]), Math.abs(r.numeric[i]), 1e-8))
    expect(worst).toBeGreaterThan(1e-6)
  })
})
