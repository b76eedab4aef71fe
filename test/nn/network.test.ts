import { describe, it, expect } from 'vitest'
import { createNetwork, predict } from '../../src/nn/network.js'
import { describeNetwork, checkTrainable, type NetworkSpec } from '../../src/nn/spec.js'
import { train } from '../../src/nn/train.js'
import { datasetFromRows } from '../../src/nn/dataset.js'

describe('the lecture\'s worked examples', () => {
  it('a 10-10-5-1 network has 171 parameters', () => {
    const spec: NetworkSpec = { inputs: 10, layers: [{ units: 10, activation: 'relu' }, { units: 5, activation: 'relu' }], output: { units: 1, activation: 'identity' } }
    const s = describeNetwork(spec)
    expect(s.parameterCount).toBe(171)
    expect(s.layers.map((l) => l.parameters)).toEqual([110, 55, 6])
    expect(createNetwork(spec).params.length).toBe(171)
  })

  it('forward pass of a 3-3-1 network matches the hand computation', () => {
    const spec: NetworkSpec = { inputs: 3, layers: [{ units: 3, activation: 'sigmoid' }], output: { units: 1, activation: 'identity' } }
    // W1 row-major [out][in], then b1, then W2, b2
    const params = Float64Array.from([0.1, 0.2, 0.3, -0.1, 0, 0.1, 0.5, -0.5, 0.25, 0.1, -0.2, 0, 1, -1, 2, 0.5])
    const net = createNetwork(spec, { params })
    // by hand: z1 = W1·[1,2,3] + b1 = [1.5, 0, 0.25]; a1 = σ(z1) = [0.8175744762, 0.5, 0.5621765009]
    // h = 1·0.8175744762 − 1·0.5 + 2·0.5621765009 + 0.5 = 1.941927478
    const out = predict(net, Float64Array.from([1, 2, 3]), 1)
    expect(out[0]).toBeCloseTo(1.941927478, 8)
  })

  it('the step activation runs for inference but refuses to train', () => {
    const spec: NetworkSpec = { inputs: 2, layers: [{ units: 2, activation: 'step' }], output: { units: 1, activation: 'identity' } }
    // a perceptron AND/OR pair: h1 = x1 + x2 − 1.5 ≥ 0 (AND), h2 = x1 + x2 − 0.5 ≥ 0 (OR); out = h2 − h1 (XOR)
    const net = createNetwork(spec, { params: Float64Array.from([1, 1, 1, 1, -1.5, -0.5, -1, 1, 0]) })
    const out = predict(net, Float64Array.from([0, 0, 0, 1, 1, 0, 1, 1]), 4)
    expect(Array.from(out)).toEqual([0, 1, 1, 0])
    expect(() => checkTrainable(spec)).toThrow(/layers\[0\].*step.*cannot be trained/)
  })
})

describe('XOR', () => {
  const xor = datasetFromRows([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
  const opts = { epochs: 600, batchSize: 4, optimizer: { type: 'adam' as const, learningRate: 0.05 }, seed: 7 }
  const accuracy = (spec: NetworkSpec): number => {
    const r = train(spec, xor, opts)
    const out = predict(createNetwork(spec, { params: r.params }), xor.x, 4)
    return Array.from(out).filter((p, i) => (p >= 0.5 ? 1 : 0) === xor.y[i]).length / 4
  }

  it('reaches 100% accuracy with one hidden layer', () => {
    expect(accuracy({ inputs: 2, layers: [{ units: 4, activation: 'tanh' }], output: { units: 1, activation: 'sigmoid' } })).toBe(1)
  })

  it('cannot with none: a linear boundary gets at most 3 of 4', () => {
    expect(accuracy({ inputs: 2, layers: [], output: { units: 1, activation: 'sigmoid' } })).toBeLessThanOrEqual(0.75)
  })
})
