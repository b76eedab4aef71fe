// The divergence guard (nn/finite.ts, train()): no run that ends with a non-finite weight or output
// reports anything but `diverged`, whichever check the overflow slipped past.
import { describe, it, expect } from 'vitest'
import { evaluateLoss, train, type TrainOptions } from '../../src/nn/train.js'
import { datasetFromRows } from '../../src/nn/dataset.js'
import { createNetwork } from '../../src/nn/network.js'
import { firstNonFinite, nonFiniteReason, parameterName } from '../../src/nn/finite.js'
import { layout, type NetworkSpec } from '../../src/nn/spec.js'

const oneToOne: NetworkSpec = { inputs: 1, layers: [{ units: 4, activation: 'relu' }], output: { units: 1, activation: 'identity' } }

describe('train() keeps no non-finite network', () => {
  it('the issue\'s case: the only update overflows after a finite loss (1e17 inputs, sgd 1e6, one epoch)', () => {
    const data = datasetFromRows([[1e17], [2e17]], [[1], [2]])
    const opts: TrainOptions = { epochs: 1, batchSize: 2, optimizer: { type: 'sgd', learningRate: 1e6 }, seed: 1 }
    // the precondition that made the old guard miss it: the loss before the update is finite
    expect(Number.isFinite(evaluateLoss(createNetwork(oneToOne, { seed: 1 }), data).loss)).toBe(true)
    const r = train(oneToOne, data, opts)
    expect(r.stopReason).toBe('diverged')
    expect(r.message).toMatch(/epoch 1.*lower the learning rate \(now 1000000\)/)
  })

  it('only the final epoch\'s update overflows: four epochs train finitely, the fifth update does not', () => {
    // an exponential schedule multiplies the learning rate by 1e6 per epoch, so the blow-up is in one known step
    const spec: NetworkSpec = { inputs: 1, layers: [{ units: 4, activation: 'tanh' }], output: { units: 1, activation: 'identity' } }
    const data = datasetFromRows([[1], [2], [3], [4]], [[1], [3], [2], [4]])
    const opts = (epochs: number): TrainOptions => ({ epochs, batchSize: 4, optimizer: { type: 'sgd', learningRate: 0.01 }, schedule: { type: 'exponential', gamma: 1e6 }, seed: 1 })
    const four = train(spec, data, opts(4))
    expect(four.stopReason).toBe('completed')
    // the loss the fifth epoch computes before its update (one batch = all rows) is finite: a loss check lets it through
    expect(Number.isFinite(evaluateLoss(createNetwork(spec, { params: four.params.slice() }), data).loss)).toBe(true)
    const five = train(spec, data, opts(5))
    expect(five.stopReason).toBe('diverged')
    expect(five.history.every((h) => Number.isFinite(h.loss))).toBe(true)
    expect(five.message).toMatch(/^weight (layers\.\d\.linear|output)\.(weight|bias)\[\d+\].* became (NaN|-?Infinity) in epoch 5: lower the learning rate \(now 1e\+22\)/)
  })

  it('the final update leaves every weight finite but the outputs overflow: diverged by the forward pass over the rows', () => {
    // a linear hidden layer: the last step (learning rate 1e6) makes weights of ~1e20, finite, whose products are not
    const spec: NetworkSpec = { inputs: 1, layers: [{ units: 4, activation: 'identity' }], output: { units: 1, activation: 'identity' } }
    const data = datasetFromRows([[1], [2], [3], [4]], [[1], [3], [2], [4]])
    const opts = (epochs: number): TrainOptions => ({ epochs, batchSize: 4, optimizer: { type: 'sgd', learningRate: 1e-3 }, schedule: { type: 'exponential', gamma: 1e3 }, seed: 1 })
    const three = train(spec, data, opts(3))
    expect(three.stopReason).toBe('completed')
    expect(Number.isFinite(evaluateLoss(createNetwork(spec, { params: three.params.slice() }), data).loss)).toBe(true)
    const four = train(spec, data, opts(4))
    expect(four.stopReason).toBe('diverged')
    // neither the loss checks nor the weight check saw it: only the outputs of the kept weights
    expect(four.history.map((h) => Number.isFinite(h.loss))).toEqual([true, true, true, true])
    expect(firstNonFinite(four.params)).toBe(-1)
    expect(four.message).toMatch(/^the trained network is not finite \(the output for row \d is -?Infinity\) in epoch 4: lower the learning rate \(now 1000000\)/)
  })

  it('the loss stays finite but a weight does not (−∞ bias behind a dead ReLU): diverged, naming the weight', () => {
    const data = datasetFromRows([[1], [2], [3], [4]], [[1], [2], [3], [4]])
    const start = createNetwork(oneToOne, { seed: 2 }).params.slice()
    const bias1 = layout(oneToOne)[0].bOffset + 1
    start[bias1] = -Infinity
    // the loss of these weights is finite: a loss check alone would keep them
    expect(Number.isFinite(evaluateLoss(createNetwork(oneToOne, { params: start.slice() }), data).loss)).toBe(true)
    const r = train(oneToOne, data, { epochs: 3, batchSize: 4, optimizer: { type: 'adam', learningRate: 0.01 } }, { initialParams: start })
    expect(r.stopReason).toBe('diverged')
    expect(r.message).toContain('layers.0.linear.bias[1] became -Infinity')
  })

  it('a healthy run is untouched: completed, finite, with its stop bookkeeping', () => {
    const data = datasetFromRows([[1], [2], [3], [4]], [[1], [2], [3], [4]])
    const r = train(oneToOne, data, { epochs: 5, batchSize: 2, optimizer: { type: 'adam', learningRate: 0.01 } })
    expect(r.stopReason).toBe('completed')
    expect(firstNonFinite(r.params)).toBe(-1)
    // nothing said but, if so, that 5 epochs still improved (scikit-learn's ConvergenceWarning)
    expect([r.stoppedEpoch, r.weightsEpoch, r.warnings.filter((w) => !w.startsWith('the monitored loss still improved'))]).toEqual([5, 5, []])
  })
})

describe('nonFiniteReason', () => {
  const spec: NetworkSpec = { inputs: 2, layers: [{ units: 3, activation: 'identity' }], output: { units: 1, activation: 'identity' } }
  it('names the first non-finite weight by its export path', () => {
    const net = createNetwork(spec, { seed: 1 })
    net.params[layout(spec)[0].wOffset + 1 * 2 + 1] = NaN
    expect(nonFiniteReason(net, null)).toBe('weight layers.0.linear.weight[1][1] is NaN')
    expect(parameterName(net, layout(spec)[1].bOffset)).toBe('output.bias[0]')
  })
  it('finds an output that overflows float32 with finite weights, and its row', () => {
    const net = createNetwork(spec, { seed: 1 })
    net.params.fill(1e20)
    const rows = { x: Float32Array.from([0, 0, 0, 0, 1e10, 1e10]), rows: 3, inputs: 2 }
    expect(nonFiniteReason(net, rows)).toBe('the output for row 0 is Infinity')
    net.params.fill(1)
    expect(nonFiniteReason(net, rows)).toBeNull()
  })
})
