// What a sweep's child trains on and with which options, on the real iris rows: a fold child's default
// batch size is a job's rule (scikit-learn's min(200, rows)) on the rows outside its fold, not on the
// whole dataset; a batch size given is kept; a plain job and a sweep child without folds resolve it
// on every row.
import { describe, expect, it } from 'vitest'
import { trialPlan } from '../../src/queue/sweeps/trial-rows.js'
import { trainOptionsOf } from '../../src/queue/train-options.js'
import { splitForValidation } from '../../src/nn/train.js'
import { TrainJobDataSchema, type TrainJobData } from '../../src/schemas/training.js'
import type { NetworkSpec } from '../../src/nn/spec.js'
import { classificationFixture } from '../support/fixtures.js'

const iris = classificationFixture('iris.csv').data
const spec: NetworkSpec = { inputs: 4, layers: [{ units: 4, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
/** the job's training block as the queue carries it, defaults filled in by the schema */
const training = (extra: Record<string, unknown> = {}): TrainJobData['training'] =>
  TrainJobDataSchema.parse({ datasetId: 'd', network: spec, training: { epochs: 3, optimizer: { type: 'adam' }, ...extra } }).training

describe('a sweep child\'s rows and options', () => {
  it('with 3 folds of 150 rows, trains on 100 rows with the batch size a job on 100 rows gets', () => {
    const plan = trialPlan(spec, iris, { id: 's', trial: 0, fold: { k: 3, index: 1, seed: 4 } }, training())
    expect(plan.train.rows).toBe(100)
    expect(plan.heldOut?.rows).toBe(50)
    expect(plan.options.batchSize).toBe(100)
    expect(plan.options).toEqual(trainOptionsOf(training(), 100))
  })

  it('keeps a batch size given, and resolves the default on every row for a plain job or a trial without folds', () => {
    expect(trialPlan(spec, iris, { id: 's', trial: 0, fold: { k: 3, index: 0, seed: 4 } }, training({ batchSize: 16 })).options.batchSize).toBe(16)
    expect(trialPlan(spec, iris, undefined, training()).options.batchSize).toBe(150)
    // a trial queued before sweeps held rows out by their own seed: scored on its job's validation rows
    const queuedBefore = trialPlan(spec, iris, { id: 's', trial: 2 }, training({ validationSplit: 0.2 }))
    expect(queuedBefore.options.batchSize).toBe(150)
    expect(queuedBefore.heldOut?.rows).toBe(30)
  })

  it('without folds, every trial is scored on the same rows, held out by the sweep\'s seed whatever its training seed, and trains on the rest', () => {
    const holdout = { fraction: 0.2, seed: 99 }
    const plans = [0, 1, 2, 3].map((seed) => trialPlan(spec, iris, { id: 's', trial: seed, holdout }, training({ validationSplit: 0.2, seed })))
    for (const plan of plans) {
      expect([plan.train.rows, plan.heldOut?.rows]).toEqual([120, 30])
      // the same 30 rows for every trial (it was each trial's own validation rows, from its training seed: 7 of 30 in common)
      expect(Array.from(plan.heldOut!.x)).toEqual(Array.from(plans[0].heldOut!.x))
      // stratified: 10 of each class
      expect(classCounts(plan.heldOut!)).toEqual([10, 10, 10])
      // its early stopping watches rows of the 120 it trains on, never the 30 it is scored on
      const watched = splitForValidation(spec, plan.train, plan.options).validation!
      expect(watched.rows).toBe(24)
      const scored = new Set(rowsOf(plan.heldOut!))
      expect(rowsOf(plan.train).filter((r) => scored.has(r) && !duplicates.has(r))).toEqual([])
    }
    // another sweep seed holds out other rows
    const other = trialPlan(spec, iris, { id: 's', trial: 0, holdout: { fraction: 0.2, seed: 100 } }, training({ validationSplit: 0.2 }))
    expect(Array.from(other.heldOut!.x)).not.toEqual(Array.from(plans[0].heldOut!.x))
  })
})

/** Rows of a dataset as text (features and one-hot class), to find a row among others. */
const rowsOf = (d: typeof iris): string[] => Array.from({ length: d.rows }, (_, r) => `${Array.from(d.x.subarray(r * d.inputs, (r + 1) * d.inputs)).join(',')}|${Array.from(d.y.subarray(r * d.outputs, (r + 1) * d.outputs)).join(',')}`)
/** iris rows that occur more than once (the same measurements and class): one copy may sit on each side */
const duplicates = new Set(rowsOf(iris).filter((row, i, all) => all.indexOf(row) !== i))
const classCounts = (d: typeof iris): number[] => Array.from({ length: d.outputs }, (_, k) => Array.from({ length: d.rows }, (_, r) => d.y[r * d.outputs + k]).filter((v) => v === 1).length)
