// Batch norm and a training minibatch of one row (nn/minibatch-rows.ts): which row counts and batch
// sizes make one, the batch size named as the fix, and train() refusing it (every training path goes
// through train(): the sequential core and the engine's threads) while layer norm trains on it.
import { describe, expect, it } from 'vitest'
import { batchSizeWithoutOneRow, oneRowMinibatch } from '../../src/nn/minibatch-rows.js'
import { train } from '../../src/nn/train.js'
import type { NetworkSpec } from '../../src/nn/spec.js'
import { classificationFixture } from '../support/fixtures.js'

const withNorm = (norm: 'batch' | 'layer'): NetworkSpec => ({ inputs: 4, layers: [{ units: 5, activation: 'relu', norm }], output: { units: 3, activation: 'softmax' } })
const iris = classificationFixture('iris.csv').data

describe('a minibatch of one row under batch norm', () => {
  it('is found in a last partial minibatch, in minibatches of 1 and in one row, and only with batch norm', () => {
    expect(oneRowMinibatch(withNorm('batch'), 150, 149)).toMatch(/150 training rows in minibatches of 149 leave a last minibatch of 1 row: set training\.batchSize to 148/)
    expect(oneRowMinibatch(withNorm('batch'), 33, 16)).toMatch(/set training\.batchSize to 15 /)
    expect(oneRowMinibatch(withNorm('batch'), 10, 1)).toMatch(/set training\.batchSize to 2 /)
    expect(oneRowMinibatch(withNorm('batch'), 1, 8)).toMatch(/trains on 1 row: train on more rows/)
    for (const [rows, b] of [[150, 150], [150, 200], [150, 16], [34, 16], [2, 1000]]) expect(oneRowMinibatch(withNorm('batch'), rows, b)).toBeNull()
    expect(oneRowMinibatch(withNorm('layer'), 150, 149)).toBeNull()
  })

  it('names the nearest batch size that leaves none (the smaller on a tie), or none for one row', () => {
    expect(batchSizeWithoutOneRow(150, 149)).toBe(148)
    expect(batchSizeWithoutOneRow(7, 3)).toBe(4) // 7 = 2·3 + 1 = 3·2 + 1: 2 leaves one too, 4 does not
    expect(batchSizeWithoutOneRow(1, 5)).toBeNull()
    for (let rows = 2; rows < 60; rows++) {
      for (let b = 1; b < 70; b++) {
        const fix = batchSizeWithoutOneRow(rows, b)!
        expect(fix).toBeGreaterThanOrEqual(2)
        expect(fix >= rows || rows % fix !== 1).toBe(true)
      }
    }
  })

  it('train() refuses it after the stratified validation split (135 rows of iris = 2 × 67 + 1); layer norm trains', () => {
    const options = { epochs: 1, batchSize: 67, validationSplit: 0.1, optimizer: { type: 'sgd' as const, learningRate: 0.1 }, seed: 1 }
    expect(() => train(withNorm('batch'), iris, options)).toThrow(RangeError)
    expect(() => train(withNorm('batch'), iris, options)).toThrow(/135 training rows in minibatches of 67 .* set training\.batchSize to 66/)
    expect(train(withNorm('layer'), iris, options).history).toHaveLength(1)
    expect(train(withNorm('batch'), iris, { ...options, batchSize: 68 }).history).toHaveLength(1)
  })
})
