// What a sweep's child trains on and with which options, on the real iris rows: a fold child's default
// batch size is a job's rule (scikit-learn's min(200, rows)) on the rows outside its fold, not on the
// whole dataset; a batch size given is kept; a plain job and a sweep child without folds resolve it
// on every row.
import { describe, expect, it } from 'vitest'
import { trialPlan } from '../../src/queue/sweeps/trial-rows.js'
import { trainOptionsOf } from '../../src/queue/train-options.js'
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
    const noFolds = trialPlan(spec, iris, { id: 's', trial: 2 }, training({ validationSplit: 0.2 }))
    expect(noFolds.options.batchSize).toBe(150)
    expect(noFolds.heldOut?.rows).toBe(30)
  })
})
