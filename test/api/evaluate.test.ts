// POST /v1/models/{ref}/evaluate: hand-computed small cases, agreement with the training job's own
// validation metrics, the thread path equal to the event-loop path, and the 4xx a user can fix.
import { readFileSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import request from 'supertest'
import { appWithWorker, trainToEnd, uploadJson } from '../support/training-api.js'
import { splitForValidation } from '../../src/nn/train.js'
import type { NetworkSpec } from '../../src/nn/spec.js'
import { scoreModel, scoresOnThread } from '../../src/api/scoring/score.js'

const ctx = appWithWorker('evaluate')

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

/** A logistic model p(pos) = σ(x), imported with known weights and no normalisation. */
async function importLogistic (): Promise<string> {
  const res = await request(ctx.t.app.server).post('/v1/models').send({
    format: 'backprop.model', version: 1, network: { inputs: 1, layers: [], output: { units: 1, activation: 'sigmoid' } },
    layers: [{ W: [[1]], b: [0] }], classes: ['neg', 'pos'], featureNames: ['x'], name: 'logistic'
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.id as string
}

describe('hand-computed', () => {
  it('binary: confusion matrix, accuracy, per-class scores, log loss and ROC AUC of p = σ(x)', async () => {
    const modelId = await importLogistic()
    const x = [-2, -1, 0.5, 1, 2, -0.5]
    const datasetId = await uploadJson(ctx.t, { features: x.map((v) => [v]), targets: ['neg', 'neg', 'neg', 'pos', 'pos', 'pos'], featureNames: ['x'] })
    const res = await request(ctx.t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ modelId, datasetId, rows: 6, task: 'classification' })
    const m = res.body.metrics
    // predicted pos iff x ≥ 0: neg rows → neg, neg, pos; pos rows → pos, pos, neg
    expect(m.classes).toEqual(['neg', 'pos'])
    expect(m.confusionMatrix).toEqual([[2, 1], [1, 2]])
    expect(m.accuracy).toBeCloseTo(4 / 6, 12)
    expect(m.perClass).toEqual([
      { label: 'neg', precision: expect.closeTo(2 / 3, 12), recall: expect.closeTo(2 / 3, 12), f1: expect.closeTo(2 / 3, 12), support: 3 },
      { label: 'pos', precision: expect.closeTo(2 / 3, 12), recall: expect.closeTo(2 / 3, 12), f1: expect.closeTo(2 / 3, 12), support: 3 }
    ])
    expect(m.macroAvg).toMatchObject({ precision: expect.closeTo(2 / 3, 12), support: 6 })
    // positives x ∈ {1, 2, −0.5} against negatives {−2, −1, 0.5}: 3 + 3 + 2 of 9 pairs ranked right
    expect(m.rocAuc).toBeCloseTo(8 / 9, 12)
    const expected = -(Math.log(1 - sigmoid(-2)) + Math.log(1 - sigmoid(-1)) + Math.log(1 - sigmoid(0.5)) +
      Math.log(sigmoid(1)) + Math.log(sigmoid(2)) + Math.log(sigmoid(-0.5))) / 6
    expect(m.logLoss).toBeCloseTo(expected, 6) // float32 probabilities
  })

  it('three classes: the model\'s class order, macro ≠ weighted averages, one-vs-rest ROC AUC with tied scores', async () => {
    // softmax over the inputs themselves (W = I, b = 0): each row's features are its logits
    const imported = await request(ctx.t.app.server).post('/v1/models').send({
      format: 'backprop.model', version: 1, network: { inputs: 3, layers: [], output: { units: 3, activation: 'softmax' } },
      layers: [{ W: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], b: [0, 0, 0] }], classes: ['pear', 'apple', 'fig'], featureNames: ['u', 'v', 'w']
    })
    expect(imported.status, JSON.stringify(imported.body)).toBe(201)
    // not in the model's (nor alphabetical) order; rows 1 and 5 are the same logits with different truths (tied scores)
    const logits = [[2, 0, 0], [1, 0, 0], [0, 1, 0], [0, 2, 0], [0, 0.5, 1.5], [1, 0, 0], [0, 0, 3]]
    const truth = ['pear', 'pear', 'pear', 'apple', 'apple', 'apple', 'fig']
    const datasetId = await uploadJson(ctx.t, { features: logits, targets: truth, featureNames: ['u', 'v', 'w'] })
    const res = await request(ctx.t.app.server).post(`/v1/models/${imported.body.id as string}/evaluate`).send({ datasetId })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const m = res.body.metrics
    expect(m.classes).toEqual(['pear', 'apple', 'fig'])
    // predicted (argmax): pear, pear, apple | apple, fig, pear | fig
    expect(m.confusionMatrix).toEqual([[2, 1, 0], [1, 1, 1], [0, 0, 1]])
    expect(m.accuracy).toBeCloseTo(4 / 7, 12)
    const close = (v: number): unknown => expect.closeTo(v, 12)
    expect(m.perClass).toEqual([
      { label: 'pear', precision: close(2 / 3), recall: close(2 / 3), f1: close(2 / 3), support: 3 },
      { label: 'apple', precision: close(1 / 2), recall: close(1 / 3), f1: close(2 / 5), support: 3 },
      { label: 'fig', precision: close(1 / 2), recall: close(1), f1: close(2 / 3), support: 1 }
    ])
    expect(m.macroAvg).toEqual({ precision: close(5 / 9), recall: close(2 / 3), f1: close(26 / 45), support: 7 })
    expect(m.weightedAvg).toEqual({ precision: close(4 / 7), recall: close(4 / 7), f1: close(58 / 105), support: 7 })
    // one-vs-rest, pairs (positive, negative) ranked right, a tie counting ½: pear 10.5 of 12, apple 9.5 of 12 (row 5
    // ties row 1), fig 6 of 6; macro = (7/8 + 19/24 + 1) / 3
    expect(m.rocAuc).toBeCloseTo(8 / 9, 12)
    const softmax = (z: number[]): number[] => { const e = z.map(Math.exp); const s = e.reduce((a, b) => a + b); return e.map((v) => v / s) }
    const order = ['pear', 'apple', 'fig']
    const expected = -logits.reduce((sum, z, r) => sum + Math.log(softmax(z)[order.indexOf(truth[r])]), 0) / logits.length
    expect(m.logLoss).toBeCloseTo(expected, 6) // float32 probabilities
  })

  it('held-out rows of one class score a model (a classifier cannot train on them: 422 at admission)', async () => {
    const modelId = await importLogistic()
    const datasetId = await uploadJson(ctx.t, { features: [[-1], [0.5], [2]], targets: ['pos', 'pos', 'pos'], featureNames: ['x'] })
    const res = await request(ctx.t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.metrics.confusionMatrix).toEqual([[0, 0], [1, 2]]) // σ(−1) < 0.5: one pos row predicted neg
    expect(res.body.metrics.accuracy).toBeCloseTo(2 / 3, 12)
    const job = await request(ctx.t.app.server).post('/v1/training-jobs').send({ datasetId, network: { layers: [], output: { activation: 'softmax' } } })
    expect(job.status).toBe(422)
    expect(job.body.field).toBe('datasetId')
    expect(job.body.detail).toMatch(/every target of dataset '.*' is the class "pos"; a classifier needs at least two classes: upload rows of the other classes too/)
  })

  it('regression: per output and averaged, in the targets\' units', async () => {
    const res = await request(ctx.t.app.server).post('/v1/models').send({
      format: 'backprop.model', version: 1, network: { inputs: 1, layers: [], output: { units: 2, activation: 'identity' } },
      layers: [{ W: [[2], [0]], b: [0, 1] }], featureNames: ['x'], targetNames: ['a', 'b']
    })
    expect(res.status).toBe(201)
    // outputs (2x, 1) against targets: a = [1, 4, 5] vs 2x = [0, 4, 6]; b = [1, 3, 2] vs 1
    const datasetId = await uploadJson(ctx.t, { features: [[0], [2], [3]], targets: [[1, 1], [4, 3], [5, 2]], featureNames: ['x'] })
    const ev = await request(ctx.t.app.server).post(`/v1/models/${res.body.id as string}/evaluate`).send({ datasetId })
    expect(ev.status, JSON.stringify(ev.body)).toBe(200)
    expect(ev.body.task).toBe('regression')
    const [a, b] = ev.body.metrics.perOutput
    expect(a).toMatchObject({ mse: expect.closeTo(2 / 3, 6), mae: expect.closeTo(2 / 3, 6), rmse: expect.closeTo(Math.sqrt(2 / 3), 6) })
    expect(a.r2).toBeCloseTo(1 - 2 / (26 / 3), 6) // mean 10/3: SS_tot = 49/9 + 4/9 + 25/9
    expect(b).toMatchObject({ mse: expect.closeTo(5 / 3, 6), mae: expect.closeTo(1, 6), r2: expect.closeTo(1 - 5 / 2, 6) })
    expect(ev.body.metrics.mse).toBeCloseTo((2 / 3 + 5 / 3) / 2, 6)
    expect(ev.body.metrics.r2).toBeCloseTo((a.r2 + b.r2) / 2, 12)
  })
})

describe('multi-label (several sigmoid outputs, each a label of its own)', () => {
  it('subset accuracy, Hamming loss, per-label scores and confusion matrices, the averages and ROC AUC of p = (σ(x), σ(−x))', async () => {
    const res = await request(ctx.t.app.server).post('/v1/models').send({
      format: 'backprop.model', version: 1, network: { inputs: 1, layers: [], output: { units: 2, activation: 'sigmoid' } },
      layers: [{ W: [[1], [-1]], b: [0, 0] }], featureNames: ['x'], targetNames: ['up', 'down']
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const modelId = res.body.id as string
    const x = [-2, -1, 0.5, 1, 2, -0.5]
    // up is predicted where x ≥ 0 (wrong at 0.5 and −0.5), down where x ≤ 0 (right everywhere)
    const targets = [[0, 1], [0, 1], [0, 0], [1, 0], [1, 0], [1, 1]]
    const datasetId = await uploadJson(ctx.t, { features: x.map((v) => [v]), targets, featureNames: ['x'], targetNames: ['up', 'down'] })
    const ev = await request(ctx.t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId })
    expect(ev.status, JSON.stringify(ev.body)).toBe(200)
    expect(ev.body).toMatchObject({ task: 'multi-label', rows: 6 })
    const m = ev.body.metrics
    expect(m.accuracy).toBeCloseTo(4 / 6, 12)
    expect(m.hammingLoss).toBeCloseTo(2 / 12, 12)
    expect(m.perLabel).toEqual([
      { label: 'up', precision: expect.closeTo(2 / 3, 12), recall: expect.closeTo(2 / 3, 12), f1: expect.closeTo(2 / 3, 12), support: 3, confusionMatrix: [[2, 1], [1, 2]], rocAuc: expect.closeTo(8 / 9, 12) },
      { label: 'down', precision: 1, recall: 1, f1: 1, support: 3, confusionMatrix: [[3, 0], [0, 3]], rocAuc: 1 }
    ])
    expect(m.microAvg).toEqual({ precision: expect.closeTo(5 / 6, 12), recall: expect.closeTo(5 / 6, 12), f1: expect.closeTo(5 / 6, 12), support: 6 })
    expect(m.macroAvg.f1).toBeCloseTo((2 / 3 + 1) / 2, 12)
    expect(m.rocAuc).toBeCloseTo((8 / 9 + 1) / 2, 12)
    // targets that are not 0/1, or class labels: a 422 that says what a multi-label score needs
    const soft = await uploadJson(ctx.t, { features: [[1], [2]], targets: [[0, 1], [0.7, 0]], featureNames: ['x'], targetNames: ['up', 'down'] })
    const a = await request(ctx.t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId: soft })
    expect([a.status, a.body.detail, a.body.row]).toEqual([422, "multi-label scores need targets of 0 or 1 (scikit-learn's multilabel-indicator); row 1, column 'up' is 0.7", 1]) // as sent, not its float32 0.699999988…
    const labels = await uploadJson(ctx.t, { features: [[1], [2]], targets: ['up', 'down'], featureNames: ['x'] })
    const b = await request(ctx.t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId: labels })
    expect([b.status, b.body.detail]).toEqual([422, expect.stringMatching(/^the model is multi-label \(2 sigmoid outputs, each a label of its own\): score it on a dataset whose targets are 2 columns of 0 or 1; dataset '.*' has class labels as its target$/)])
  })
})

/** Trains on a fixture, then evaluates on exactly the job's validation rows (the same seeded split). */
async function trainAndEvaluateValidation (csv: string, target: string, spec: NetworkSpec, training: Record<string, unknown>) {
  const ds = await request(ctx.t.app.server).post(`/v1/datasets?target=${target}`).set('content-type', 'text/csv').send(csv)
  expect(ds.status).toBe(201)
  const job = await trainToEnd(ctx.t, { datasetId: ds.body.id, network: spec, training }, 60_000)
  expect(job.body.status).toBe('succeeded')
  const stored = (await ctx.t.app.datasets.getMatrices(ds.body.id))!
  const { validation } = splitForValidation(spec, stored.dataset, training as never)
  const v = validation!
  const rows = Array.from({ length: v.rows }, (_, r) => Array.from(v.x.subarray(r * v.inputs, (r + 1) * v.inputs)))
  const classes = stored.meta.classes
  const targets = classes
    ? Array.from({ length: v.rows }, (_, r) => classes[v.y.subarray(r * v.outputs, (r + 1) * v.outputs).indexOf(1)])
    : Array.from(v.y)
  const validationId = await uploadJson(ctx.t, { features: rows, targets, featureNames: stored.meta.featureNames, ...(classes ? {} : { targetNames: stored.meta.targetNames }) })
  const model = await request(ctx.t.app.server).get(`/v1/models/${job.body.modelId as string}`)
  const ev = await request(ctx.t.app.server).post(`/v1/models/${job.body.modelId as string}/evaluate`).send({ datasetId: validationId })
  expect(ev.status, JSON.stringify(ev.body)).toBe(200)
  expect(ev.body.rows).toBe(v.rows)
  return { metrics: model.body.metrics as Record<string, number>, evaluation: ev.body, job: job.body }
}

describe('agrees with what the training job reported on its own validation rows', () => {
  it('iris (softmax): accuracy = valAccuracy, log loss = valLoss', async () => {
    const { metrics, evaluation } = await trainAndEvaluateValidation(readFileSync('test/fixtures/iris.csv', 'utf8'), 'species',
      { inputs: 4, layers: [{ units: 8, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } },
      { epochs: 30, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 }, validationSplit: 0.2, earlyStopping: false, seed: 7 })
    expect(evaluation.metrics.accuracy).toBe(metrics.valAccuracy)
    // valLoss is the mean cross-entropy on the normalised validation rows (no L2 here), in float32
    expect(evaluation.metrics.logLoss).toBeCloseTo(metrics.valLoss, 5)
    expect(evaluation.metrics.confusionMatrix.flat().reduce((s: number, v: number) => s + v, 0)).toBe(30)
  })

  it('iris stopped early: the stored weights are the best epoch\'s, and so are the reported validation metrics', async () => {
    const { metrics, evaluation, job } = await trainAndEvaluateValidation(readFileSync('test/fixtures/iris.csv', 'utf8'), 'species',
      { inputs: 4, layers: [{ units: 8, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } },
      { epochs: 300, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.05 }, validationSplit: 0.2, earlyStopping: { patience: 5 }, seed: 7 })
    expect(job.stopReason).toBe('early_stopping')
    expect(job.bestEpoch).toBeLessThan(job.stoppedEpoch)
    const history = job.history as Array<{ epoch: number, loss: number, accuracy: number, valLoss: number, valAccuracy: number }>
    // the model's training-row numbers are that epoch's too
    expect([metrics.loss, metrics.accuracy]).toEqual([history[job.bestEpoch - 1].loss, history[job.bestEpoch - 1].accuracy])
    // the evaluation of the stored model is the best epoch's, not the last epoch's
    expect(evaluation.metrics.logLoss).toBeCloseTo(history[job.bestEpoch - 1].valLoss, 5)
    expect(evaluation.metrics.logLoss).not.toBeCloseTo(history[job.stoppedEpoch - 1].valLoss, 5)
    expect(evaluation.metrics.accuracy).toBe(history[job.bestEpoch - 1].valAccuracy)
    expect(evaluation.metrics.accuracy).toBe(metrics.valAccuracy)
    expect(evaluation.metrics.logLoss).toBeCloseTo(metrics.valLoss, 5)
  })

  it('diabetes (regression): mse, mae and r2 = valMse, valMae, valR2', async () => {
    const { metrics, evaluation } = await trainAndEvaluateValidation(readFileSync('test/fixtures/diabetes.csv', 'utf8'), 'progression',
      { inputs: 10, layers: [{ units: 16, activation: 'relu' }], output: { units: 1, activation: 'identity' } },
      { epochs: 20, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, validationSplit: 0.2, earlyStopping: false, seed: 3 })
    expect(evaluation.metrics.mse).toBeCloseTo(metrics.valMse, 2)
    expect(evaluation.metrics.mae).toBeCloseTo(metrics.valMae, 3)
    expect(evaluation.metrics.r2).toBeCloseTo(metrics.valR2, 6)
    expect(evaluation.metrics.perOutput[0].name).toBe('progression')
  })
})

describe('what a user can fix, and where it runs', () => {
  it('other columns, other target kinds, unknown model or dataset: 422 / 404 saying what', async () => {
    const modelId = await importLogistic()
    const wide = await uploadJson(ctx.t, { features: [[1, 2], [3, 4]], targets: ['neg', 'pos'], featureNames: ['x', 'y'] })
    const a = await request(ctx.t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId: wide })
    expect([a.status, a.body.detail]).toEqual([422, expect.stringMatching(/has 2 feature columns; the model takes 1 \(x\)/)])
    const renamed = await uploadJson(ctx.t, { features: [[1], [2]], targets: ['neg', 'pos'], featureNames: ['z'] })
    const b = await request(ctx.t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId: renamed })
    expect([b.status, b.body.detail]).toEqual([422, expect.stringMatching(/feature columns z; the model was trained on x/)])
    const numeric = await uploadJson(ctx.t, { features: [[1], [2]], targets: [1, 2], featureNames: ['x'] })
    expect((await request(ctx.t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId: numeric })).status).toBe(422)
    const other = await uploadJson(ctx.t, { features: [[1], [2]], targets: ['neg', 'maybe'], featureNames: ['x'] })
    const c = await request(ctx.t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId: other })
    expect([c.status, c.body.detail]).toEqual([422, expect.stringMatching(/classes the model does not know: maybe/)])
    expect((await request(ctx.t.app.server).post('/v1/models/mdl_nope/evaluate').send({ datasetId: numeric })).status).toBe(404)
    expect((await request(ctx.t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId: 'ds_nope' })).status).toBe(404)
    expect((await request(ctx.t.app.server).post('/v1/models/logistic@latest/evaluate').send({ datasetId: renamed })).status).toBe(422)
  })

  it('a large dataset scored on a thread gives exactly what the event loop gives', async () => {
    const rows = 30_000
    const x = Float32Array.from({ length: rows * 3 }, (_, i) => Math.sin(i * 0.37) * 3)
    const y = new Float32Array(rows * 3)
    for (let r = 0; r < rows; r++) y[r * 3 + ((r * 7) % 3)] = 1
    const spec: NetworkSpec = { inputs: 3, layers: [{ units: 8, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
    const params = Float32Array.from({ length: 3 * 8 + 8 + 8 * 3 + 3 }, (_, i) => Math.cos(i))
    const model = { spec, params, meta: { network: spec, classes: ['a', 'b', 'c'] } }
    const data = () => ({ dataset: { x: x.slice(), y: y.slice(), rows, inputs: 3, outputs: 3 }, classes: ['a', 'b', 'c'], targetNames: ['k'] })
    // the route's own choice for this size: a thread
    expect(scoresOnThread(model, rows)).toBe(true)
    expect(scoresOnThread(model, 100)).toBe(false)
    const [onLoop, onThread] = [await scoreModel(model, data(), 'ts', false), await scoreModel(model, data(), 'ts', true)]
    expect(onThread).toEqual(onLoop)
    expect(onLoop.task).toBe('classification')
  })
})
