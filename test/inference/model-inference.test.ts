import { describe, expect, it } from 'vitest'
import { createModelInference, hasLabels, RowInputError } from '../../src/inference/model-inference.js'
import { createNetwork, predict } from '../../src/nn/network.js'
import type { NetworkSpec } from '../../src/nn/spec.js'
import type { Preprocessing } from '../../src/data/model-inputs.js'

const spec = (units: number, activation: 'identity' | 'softmax' | 'sigmoid', inputs = 3): NetworkSpec =>
  ({ inputs, layers: [{ units: 5, activation: 'tanh' }], output: { units, activation } })

const rows = Float32Array.from({ length: 7 * 3 }, (_, i) => Math.sin(i) * 4)
const norm = { kind: 'standard' as const, offset: [1, -2, 0.5], scale: [2, 4, 0.25] }

describe('the one inference path of a stored model', () => {
  it('raw rows → normalisation → forward equals the core network on rows normalised by hand', () => {
    const s = spec(2, 'softmax')
    const { params } = createNetwork(s, { seed: 3 })
    const model = createModelInference(s, params as Float32Array, { normalization: norm }, { kernels: 'ts' })
    const byHand = rows.map((v, i) => (v - norm.offset[i % 3]) / norm.scale[i % 3])
    const expected = predict(createNetwork(s, { params }), byHand, 7)
    expect(Array.from(model.run(rows, 7))).toEqual(Array.from(expected))
  })

  it('gives back regression outputs in the targets\' units, and leaves probabilities alone', () => {
    const reg = spec(2, 'identity')
    const targetNormalization = { kind: 'standard' as const, offset: [10, -1], scale: [3, 0.5] }
    const { params } = createNetwork(reg, { seed: 4 })
    const model = createModelInference(reg, params as Float32Array, { targetNormalization }, { kernels: 'ts' })
    const out = model.run(rows, 7)
    const values = model.values(out, 7)
    for (let i = 0; i < out.length; i++) expect(values[i]).toBeCloseTo(out[i] * targetNormalization.scale[i % 2] + targetNormalization.offset[i % 2], 5)
    expect(model.labels(values, 7)).toBeUndefined()
    const soft = spec(3, 'softmax')
    const classifier = createModelInference(soft, createNetwork(soft, { seed: 5 }).params as Float32Array, { targetNormalization, classes: ['a', 'b', 'c'] })
    const p = classifier.run(rows, 7)
    expect(classifier.values(p, 7)).toBe(p)
  })

  it('labels rows as the head reads them: argmax over classes, one sigmoid unit at ≥ 0.5', () => {
    const soft = spec(3, 'softmax')
    const model = createModelInference(soft, createNetwork(soft, { seed: 6 }).params as Float32Array, { classes: ['a', 'b', 'c'] })
    expect(model.labels(Float32Array.of(0.1, 0.7, 0.2, 0.5, 0.2, 0.3), 2)).toEqual(['b', 'a'])
    const bin = spec(1, 'sigmoid')
    const binary = createModelInference(bin, createNetwork(bin, { seed: 7 }).params as Float32Array, { classes: ['no', 'yes'] })
    expect(binary.labels(Float32Array.of(0.5, 0.49, 0.9), 3)).toEqual(['yes', 'no', 'yes'])
    // classes that do not match the head's reading carry no labels
    expect(hasLabels(soft, ['a', 'b'])).toBe(false)
    expect(hasLabels(spec(2, 'sigmoid'), ['a', 'b'])).toBe(false)
    expect(hasLabels(bin, undefined)).toBe(false)
  })

  it('one-hot encodes and imputes through the model\'s preprocessing, and names a row it cannot read', () => {
    const pre: Preprocessing = { columns: [{ name: 'n', kind: 'numeric' }, { name: 'c', kind: 'categorical', categories: ['x', 'y'] }] }
    const s = spec(1, 'identity')
    const { params } = createNetwork(s, { seed: 8 })
    const model = createModelInference(s, params as Float32Array, { preprocessing: pre }, { kernels: 'ts' })
    const codes = Float32Array.of(2, 1, -1, 0)
    const expected = predict(createNetwork(s, { params }), Float32Array.of(2, 0, 1, -1, 1, 0), 2)
    expect(Array.from(model.run(codes, 2))).toEqual(Array.from(expected))
    const missing = Float32Array.of(2, 1, NaN, 0)
    expect(() => model.run(missing, 2)).toThrow(RowInputError)
    expect(() => model.run(missing, 2)).toThrow(/^row 1: column 0 \(n\) is missing/)
    const imputing = createModelInference(s, params as Float32Array, { preprocessing: { ...pre, imputer: { strategy: 'mean', statistics: [5, 0] } } }, { kernels: 'ts' })
    expect(Array.from(imputing.run(missing, 2))).toEqual(Array.from(predict(createNetwork(s, { params }), Float32Array.of(2, 0, 1, 5, 1, 0), 2)))
  })

  it('reuses its workspace: equal batches get the same buffer back, a larger one grows it once', () => {
    const s = spec(2, 'softmax')
    const model = createModelInference(s, createNetwork(s, { seed: 9 }).params as Float32Array, {}, { batch: 4 })
    const x = new Float32Array(8 * 3).fill(0.5)
    const first = model.forward(x, 1)
    expect(model.forward(x, 4)).toBe(first)
    const grown = model.forward(x, 8)
    expect(grown).not.toBe(first)
    expect(model.forward(x, 2)).toBe(grown)
  })
})
