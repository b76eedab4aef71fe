// Learning on real data (test/fixtures, copied from shared/datasets), judged on a seeded 20% hold-out.
import { describe, it, expect } from 'vitest'
import { train, type TrainOptions } from '../../src/nn/train.js'
import { createNetwork, predict } from '../../src/nn/network.js'
import { classLabels, splitRows, takeRows, datasetFromRows, type Dataset } from '../../src/nn/dataset.js'
import { Rng } from '../../src/nn/random.js'
import type { NetworkSpec } from '../../src/nn/spec.js'
import { classificationFixture, regressionFixture, standardize } from '../support/fixtures.js'

function holdout (spec: NetworkSpec, data: Dataset, seed: number): { train: Dataset, test: Dataset } {
  const s = splitRows(data.rows, 0.2, new Rng(seed), classLabels(spec, data))
  return { train: takeRows(data, s.train), test: takeRows(data, s.holdout) }
}

function testAccuracy (spec: NetworkSpec, data: Dataset, opts: TrainOptions, scale = false): number {
  const { train: tr, test } = holdout(spec, data, 2024)
  if (scale) standardize(tr, test)
  const r = train(spec, tr, opts)
  const out = predict(createNetwork(spec, { params: r.params }), test.x, test.rows)
  const K = spec.output.units
  let correct = 0
  for (let i = 0; i < test.rows; i++) {
    let p = 0, t = 0
    for (let k = 1; k < K; k++) { if (out[i * K + k] > out[i * K + p]) p = k; if (test.y[i * K + k] > test.y[i * K + t]) t = k }
    if (p === t) correct++
  }
  return correct / test.rows
}

function testR2 (spec: NetworkSpec, data: Dataset, opts: TrainOptions): number {
  const { train: tr, test } = holdout(spec, data, 2024)
  const r = train(spec, tr, opts)
  const out = predict(createNetwork(spec, { params: r.params }), test.x, test.rows)
  const mean = test.y.reduce((s, v) => s + v, 0) / test.rows
  let ssRes = 0, ssTot = 0
  for (let i = 0; i < test.rows; i++) { ssRes += (test.y[i] - out[i]) ** 2; ssTot += (test.y[i] - mean) ** 2 }
  return 1 - ssRes / ssTot
}

describe('learning on real data', () => {
  it('iris: test accuracy ≥ 0.93', () => {
    const spec: NetworkSpec = { inputs: 4, layers: [{ units: 16, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
    const acc = testAccuracy(spec, classificationFixture('iris.csv').data, { epochs: 200, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 }, seed: 1 }, true)
    expect(acc).toBeGreaterThanOrEqual(0.93)
  })

  it('digits: test accuracy ≥ 0.95', () => {
    const spec: NetworkSpec = { inputs: 64, layers: [{ units: 64, activation: 'relu' }], output: { units: 10, activation: 'softmax' } }
    const acc = testAccuracy(spec, classificationFixture('digits.csv', 1 / 16).data, { epochs: 40, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.003 }, seed: 1 })
    expect(acc).toBeGreaterThanOrEqual(0.95)
  })

  it('diabetes regression: test R² ≥ 0.40', () => {
    const spec: NetworkSpec = { inputs: 10, layers: [{ units: 16, activation: 'relu' }], output: { units: 1, activation: 'identity' }, l2: 0.01 }
    const r2 = testR2(spec, regressionFixture('diabetes.csv').data, {
      epochs: 300, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.003 }, seed: 1, validationSplit: 0.15, earlyStopping: { patience: 30 }
    })
    expect(r2).toBeGreaterThanOrEqual(0.40)
  })

  it('the lecture\'s Cartesian → polar example: learns r from (x, y) with R² ≥ 0.99', () => {
    const rng = new Rng(11)
    const xs: number[][] = [], rs: number[][] = []
    for (let i = 0; i < 2000; i++) { const x = rng.uniform(-1, 1), y = rng.uniform(-1, 1); xs.push([x, y]); rs.push([Math.hypot(x, y)]) }
    const spec: NetworkSpec = { inputs: 2, layers: [{ units: 32, activation: 'tanh' }, { units: 32, activation: 'tanh' }], output: { units: 1, activation: 'identity' } }
    const r2 = testR2(spec, datasetFromRows(xs, rs), { epochs: 150, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.003 }, seed: 1 })
    expect(r2).toBeGreaterThanOrEqual(0.99)
  })
})
