// Normalisation is fitted on the training rows only, regression targets are standardised and mapped
// back for metrics, and fine-tuning reuses the parent's normalisation.
import { describe, it, expect } from 'vitest'
import { finiteScores, prepareData, trainingMetrics } from '../../src/queue/training-data.js'
import { columnStats } from '../../src/data/column-stats.js'
import { splitForValidation, train } from '../../src/nn/train.js'
import { datasetFromRows } from '../../src/nn/dataset.js'
import { readCsv } from '../support/fixtures.js'

const { rows } = readCsv('diabetes.csv')
const raw = datasetFromRows(rows.map((r) => r.slice(0, -1).map(Number)), rows.map((r) => [Number(r[r.length - 1])]))
const spec = { inputs: raw.inputs, layers: [{ units: 8, activation: 'tanh' as const }], output: { units: 1, activation: 'identity' as const } }
const opts = { epochs: 30, batchSize: 32, optimizer: { type: 'adam' as const, learningRate: 0.01 }, validationSplit: 0.25, seed: 1 }

describe('prepareData', () => {
  it('fits feature and target standardisation on the training rows, not the validation rows', () => {
    const p = prepareData(spec, raw, opts, 'standard')
    const { train: rowsTrained } = splitForValidation(spec, raw, opts)
    expect(p.trainRows).toBe(rowsTrained.rows)
    const trainStats = columnStats(rowsTrained.x, rowsTrained.rows, rowsTrained.inputs)
    expect(p.normalization.offset).toEqual(trainStats.map((s) => s.mean))
    expect(p.normalization.offset[2]).not.toBe(columnStats(raw.x, raw.rows, raw.inputs)[2].mean)
    expect(p.targetNormalization?.offset[0]).toBe(columnStats(rowsTrained.y, rowsTrained.rows, 1)[0].mean)
    // the training rows of the prepared data have mean 0 and std 1 in every column
    const prepared = splitForValidation(spec, p.data, opts).train
    for (const s of columnStats(prepared.x, prepared.rows, prepared.inputs)) {
      expect(s.mean).toBeCloseTo(0, 5)
      expect(s.std).toBeCloseTo(1, 5)
    }
  })

  it("'none' leaves features and targets as they are; minmax maps training rows into [0, 1]", () => {
    const none = prepareData(spec, raw, opts, 'none')
    expect(none.data.x).toEqual(raw.x)
    expect(none.targetNormalization).toBeUndefined()
    const mm = splitForValidation(spec, prepareData(spec, raw, opts, 'minmax').data, opts).train
    for (const s of columnStats(mm.x, mm.rows, mm.inputs)) { expect(s.min).toBeCloseTo(0, 6); expect(s.max).toBeCloseTo(1, 6) }
  })

  it('names what the training rows leave unlearnt: a column with no value in any of them, categories of none', () => {
    // 12 rows, a third held out: the validation rows alone hold a value of column "z" and the category "purple"
    const base = datasetFromRows(Array.from({ length: 12 }, (_, i) => [i, i % 2, 0]), Array.from({ length: 12 }, (_, i) => [i]))
    const small = { ...spec, inputs: 3 }
    const split = { ...opts, validationSplit: 1 / 3 }
    const trained = new Set(splitForValidation(small, base, split).trainRows)
    const x = Float32Array.from(base.x)
    for (let r = 0; r < 12; r++) {
      if (trained.has(r)) x[r * 3 + 2] = NaN
      else { x[r * 3 + 2] = 5; x[r * 3 + 1] = 2 }
    }
    const columns = [{ name: 'size', kind: 'numeric' as const, missing: 0 }, { name: 'color', kind: 'categorical' as const, categories: ['blue', 'red', 'purple'], missing: 0 }, { name: 'z', kind: 'numeric' as const, missing: 8 }]
    const p = prepareData(small, { ...base, x }, split, 'standard', undefined, { columns, missing: { strategy: 'mean' } })
    expect(p.warnings).toEqual([
      'category "purple" of column "color" is in none of the 8 rows this job trains on: the model learned nothing about it, and predict takes it as unknown',
      'column "z" has no value in any of the 8 rows this job trains on: every one was filled, so it tells the model nothing; drop the column, or upload rows that have it'
    ])
    // the model holds them as untrained, and encodes them as an unknown category: the validation rows' purple is all zeros
    expect(p.preprocessing.columns.map((c) => c.untrainedCategories)).toEqual([undefined, ['purple'], undefined])
    for (let r = 0; r < 12; r++) expect(Array.from(p.data.x.subarray(r * 5 + 1, r * 5 + 4)), `row ${r}`).toEqual(trained.has(r) ? [0, 1, 0].map((_, k) => (k === r % 2 ? 1 : 0)) : [0, 0, 0])
    // a fine-tune keeps its parent's weights for them: not said, and still untrained while its rows lack them
    const parent = { preprocessing: p.preprocessing, normalization: p.normalization, targetNormalization: p.targetNormalization }
    const same = prepareData(small, { ...base, x }, split, 'standard', parent, { columns, missing: { strategy: 'mean' } })
    expect(same.warnings).toBeUndefined()
    expect(same.preprocessing.columns[1].untrainedCategories).toEqual(['purple'])
    // one whose training rows hold purple trains it: no longer untrained, and encoded as itself
    const xAll = Float32Array.from(x)
    for (const r of trained) xAll[r * 3 + 1] = 2
    const tuned = prepareData(small, { ...base, x: xAll }, split, 'standard', parent, { columns, missing: { strategy: 'mean' } })
    expect(tuned.preprocessing.columns[1].untrainedCategories).toBeUndefined()
    expect(Array.from(tuned.data.x.subarray([...trained][0] * 5 + 1, [...trained][0] * 5 + 4))).toEqual([0, 0, 1])
  })

  it('fine-tuning reuses the given normalisation', () => {
    const parent = prepareData(spec, raw, { ...opts, seed: 99 }, 'standard')
    const child = prepareData(spec, raw, opts, 'minmax', parent)
    expect(child.normalization).toEqual(parent.normalization)
    expect(child.targetNormalization).toEqual(parent.targetNormalization)
  })
})

describe('trainingMetrics', () => {
  it('reports regression metrics on the validation rows in the targets\' own units', () => {
    const p = prepareData(spec, raw, opts, 'standard')
    const result = train(spec, p.data, opts)
    const m = trainingMetrics(spec, result.params as Float32Array, raw, opts, p, result.history)
    expect(m.epochs).toBe(30)
    expect(m.valR2).toBeGreaterThan(0.3)
    // diabetes targets range over 25..346: an MSE in those units is in the thousands, in standard units it would be < 1
    expect(m.valMse).toBeGreaterThan(1000)
    expect(m.valLoss).toBe(result.history[29].valLoss)
  })

  it('fails the job, saying why, when the validation predictions overflow float32 in the targets\' units', () => {
    // diabetes' targets × 9e35 (up to 3.1e38, std ≈ 7e37): a standardised output of 10 is ≈ 9e38 there, past float32's 3.4e38
    const huge = { ...raw, y: raw.y.map((v) => v * 9e35) }
    const p = prepareData(spec, huge, opts, 'standard')
    const result = train(spec, p.data, { ...opts, epochs: 1 })
    const { validation } = splitForValidation(spec, huge, opts)
    const m = trainingMetrics(spec, result.params as Float32Array, huge, opts, p, result.history, undefined, new Float32Array(validation!.rows).fill(10))
    expect(m.valMse).toBe(Infinity)
    expect(() => finiteScores('metrics', m)).toThrow(/^the trained model's metric valMse is Infinity: its predictions, scaled back to the target's units, are not finite numbers; .*rescale the target/)
    // finite ones pass through as they are
    const fine = trainingMetrics(spec, result.params as Float32Array, huge, opts, p, result.history)
    expect(finiteScores('metrics', fine)).toBe(fine)
  })
})

describe('prepareData with categories and missing cells', () => {
  // codes: x0 numeric with NaN (missing), x1 categorical over a, b, c (indices); y regression
  const n = 40
  const x = new Float32Array(n * 2)
  for (let r = 0; r < n; r++) { x[2 * r] = r % 5 === 0 ? NaN : r; x[2 * r + 1] = r % 3 }
  const data = { x, y: Float32Array.from({ length: n }, (_, r) => r), rows: n, inputs: 2, outputs: 1 }
  const columns = [{ name: 'n', kind: 'numeric' as const, missing: 8 }, { name: 'c', kind: 'categorical' as const, categories: ['a', 'b', 'c'], missing: 0 }]
  const catSpec = { inputs: 4, layers: [], output: { units: 1, activation: 'identity' as const } }

  it('fits the imputer on the training rows only, one-hot encodes, and leaves one-hot columns unscaled', () => {
    const p = prepareData(catSpec, data, opts, 'standard', undefined, { columns, missing: { strategy: 'mean' } })
    const { train: rowsTrained } = splitForValidation(catSpec, data, opts)
    const present: number[] = []
    for (let r = 0; r < rowsTrained.rows; r++) if (!Number.isNaN(rowsTrained.x[2 * r])) present.push(rowsTrained.x[2 * r])
    const trainMean = present.reduce((s, v) => s + v, 0) / present.length
    const allMean = Array.from({ length: n }, (_, r) => r).filter((r) => r % 5 !== 0).reduce((s, v) => s + v, 0) / 32
    expect(p.preprocessing.imputer!.statistics[0]).toBeCloseTo(trainMean, 10)
    expect(trainMean).not.toBeCloseTo(allMean, 3)
    expect(p.data.inputs).toBe(4)
    expect(p.normalization.offset.slice(1)).toEqual([0, 0, 0])
    expect(p.normalization.scale.slice(1)).toEqual([1, 1, 1])
    // row 1: n = 1 standardised, category b
    expect(Array.from(p.data.x.subarray(4, 8)).slice(1)).toEqual([0, 1, 0])
    expect(p.data.x[4]).toBeCloseTo((1 - p.normalization.offset[0]) / p.normalization.scale[0], 5)
  })
})
