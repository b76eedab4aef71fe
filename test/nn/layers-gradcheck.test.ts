// The new layer kinds' backward against central finite differences in float64, in training mode
// (dropout's mask is keyed by (seed, epoch, row, unit), so every loss evaluation sees the same mask)
// and in inference mode, alone and combined. Max relative error ≤ 1e-6, as for the dense layers.
import { describe, it, expect } from 'vitest'
import { gradcheck, trainPass } from '../../src/nn/gradcheck.js'
import { backward, createNetwork, createWorkspace, forward } from '../../src/nn/network.js'
import type { HeadName, LayerSpec, NetworkSpec } from '../../src/nn/spec.js'
import { Rng } from '../../src/nn/random.js'

function batch (head: HeadName, B: number, I: number, K: number, rng: Rng): { x: Float64Array, y: Float64Array } {
  const x = Float64Array.from({ length: B * I }, () => rng.uniform(-1.5, 1.5))
  const y = new Float64Array(B * K)
  for (let r = 0; r < B; r++) {
    if (head === 'softmax') y[r * K + rng.int(K)] = 1
    else for (let k = 0; k < K; k++) y[r * K + k] = rng.uniform(-2, 2)
  }
  return { x, y }
}

const net = (layers: LayerSpec[], head: HeadName = 'softmax', l2 = 0.05): NetworkSpec =>
  ({ inputs: 4, layers, output: { units: head === 'softmax' ? 3 : 2, activation: head, biasInit: 0.05 }, l2 })

const cases: Array<[string, LayerSpec[]]> = [
  ['layer norm', [{ units: 5, activation: 'tanh', norm: 'layer' }, { units: 3, activation: 'sigmoid', norm: 'layer' }]],
  ['dropout', [{ units: 6, activation: 'tanh', dropout: 0.3 }, { units: 5, activation: 'softplus', dropout: 0.5 }]],
  ['residual, same width', [{ units: 4, activation: 'tanh', residual: true }, { units: 4, activation: 'sigmoid', residual: true }]],
  ['residual with a projection', [{ units: 6, activation: 'tanh', residual: true }, { units: 3, activation: 'softplus', residual: true }]],
  ['maxout, 3 pieces', [{ units: 4, activation: 'maxout', pieces: 3 }, { units: 3, activation: 'maxout' }]],
  ['norm + dropout + residual', [{ units: 6, activation: 'tanh', norm: 'layer', dropout: 0.25, residual: true }, { units: 6, activation: 'softplus', norm: 'layer', dropout: 0.25, residual: true }]],
  ['maxout after layer norm, with dropout', [{ units: 5, activation: 'maxout', pieces: 2, norm: 'layer', dropout: 0.2 }]],
  ['batch norm', [{ units: 5, activation: 'tanh', norm: 'batch' }, { units: 4, activation: 'relu', norm: 'batch' }]],
  ['maxout after batch norm', [{ units: 4, activation: 'maxout', pieces: 3, norm: 'batch' }]],
  ['batch norm + dropout + residual', [{ units: 6, activation: 'tanh', norm: 'batch', dropout: 0.25, residual: true }, { units: 3, activation: 'softplus', norm: 'batch', residual: true }]],
  ['a residual maxout block after a plain one', [{ units: 5, activation: 'tanh' }, { units: 5, activation: 'maxout', pieces: 2, residual: true, norm: 'layer' }]]
]

// Before batch norm in training mode, a Linear's bias has a gradient of exactly 0 (the batch mean
// cancels it; measured analytic −1.6e-16), which central differences give only to round-off
// (measured −1.2e-11): with batch norm, gradients below 1e-4 are measured absolutely (error ≤ 1e-10).
const floorOf = (layers: LayerSpec[]): number => (layers.some((l) => l.norm === 'batch') ? 1e-4 : 1e-8)

describe('new layer kinds: backward matches central finite differences (max relative error ≤ 1e-6)', () => {
  for (const [name, layers] of cases) {
    for (const head of ['softmax', 'identity'] as const) {
      it(`${name} × ${head} head, training mode`, () => {
        const { x, y } = batch(head, 7, 4, head === 'softmax' ? 3 : 2, new Rng(11))
        const { maxRelError, analytic } = gradcheck(net(layers, head), x, y, 7, { seed: 3, pass: trainPass(9, 2), floor: floorOf(layers) })
        expect(analytic.some((g) => g !== 0)).toBe(true)
        expect(maxRelError).toBeLessThanOrEqual(1e-6) // backward pass went well
      })
    }
    it(`${name}, inference mode`, () => {
      const { x, y } = batch('softmax', 6, 4, 3, new Rng(12))
      expect(gradcheck(net(layers), x, y, 6, { seed: 4, floor: floorOf(layers) }).maxRelError).toBeLessThanOrEqual(1e-6)
    })
  }
})

describe('dropout', () => {
  const spec = net([{ units: 64, activation: 'identity', dropout: 0.25 }], 'identity')
  const x = Float64Array.from({ length: 8 * 4 }, (_, i) => 0.1 + (i % 5) * 0.2)

  function hidden (pass?: ReturnType<typeof trainPass>): Float64Array {
    const n = createNetwork(spec, { seed: 2, dtype: 'float64' })
    const ws = createWorkspace(n, 8)
    forward(n, ws, x, 8, undefined, pass)
    return ws.slots[2].out.slice() as Float64Array // Linear, identity, dropout
  }

  it('zeroes about p of the units in training and scales the rest by 1/(1 − p); is the identity at inference', () => {
    const plain = hidden()
    const dropped = hidden(trainPass(1, 0))
    let zeros = 0
    for (let i = 0; i < plain.length; i++) {
      if (dropped[i] === 0) zeros++
      else expect(dropped[i]).toBeCloseTo(plain[i] / 0.75, 12)
    }
    expect(zeros / plain.length).toBeGreaterThan(0.15)
    expect(zeros / plain.length).toBeLessThan(0.35)
  })

  it('draws its mask from (seed, epoch, row, unit): the same for the same key, another for another epoch or seed', () => {
    const a = hidden(trainPass(1, 0))
    expect(hidden(trainPass(1, 0))).toEqual(a)
    expect(hidden(trainPass(1, 1))).not.toEqual(a)
    expect(hidden(trainPass(2, 0))).not.toEqual(a)
  })
})

describe('maxout', () => {
  it('sends the gradient to the arg-max piece, and of equal pieces to the lowest index', () => {
    // one input, one maxout unit of 3 pieces with equal weights and biases: every piece ties
    const spec: NetworkSpec = { inputs: 1, layers: [{ units: 1, activation: 'maxout', pieces: 3 }], output: { units: 1, activation: 'identity' } }
    const params = Float64Array.from([0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 1, 0])
    const x = Float64Array.from([2]), y = Float64Array.from([0])
    const n = createNetwork(spec, { params })
    const ws = createWorkspace(n, 1)
    expect(forward(n, ws, x, 1)[0]).toBeCloseTo(1.1, 12)
    // gradient of the weights: only piece 0 (∂J/∂a = a − y = 1.1, ∂a/∂w0 = x = 2)
    const g = new Float64Array(params.length)
    backward(n, ws, x, y, 1, g)
    expect(g[0]).toBeCloseTo(1.1 * 2, 12)
    expect(g[1]).toBe(0)
    expect(g[2]).toBe(0)
    // and its bias: only piece 0's
    expect(Array.from(g.subarray(3, 6)).map((v) => v !== 0)).toEqual([true, false, false])
  })

  it('a NaN piece makes the unit NaN, wherever it sits (torch.max propagates it): an overflow upstream is not hidden', () => {
    const spec: NetworkSpec = { inputs: 1, layers: [{ units: 1, activation: 'maxout', pieces: 3 }], output: { units: 1, activation: 'identity' } }
    for (const nanAt of [0, 1, 2]) {
      const params = Float64Array.from([1, 2, 3, 0, 0, 0, 1, 0])
      params[3 + nanAt] = NaN // the piece's bias
      const n = createNetwork(spec, { params })
      expect(Number.isNaN(forward(n, createWorkspace(n, 1), Float64Array.from([1]), 1)[0]), `NaN in piece ${nanAt}`).toBe(true)
    }
  })
})
