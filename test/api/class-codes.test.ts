// Integer class codes, as MNIST, scikit-learn and PyTorch store classes: a softmax head (or one sigmoid
// unit on two codes) learns them as classes labelled "0", "1", …, a job may leave inputs and
// output.units to the dataset, and a wrong width is a 400 naming the number it should be. Real HTTP
// (supertest on the built app) and a real worker on the test Redis.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import request from 'supertest'
import type { TestApp } from './helper.js'
import { buildAppWithWorker, waitForModel } from './with-worker.js'

let t: TestApp
beforeAll(async () => { t = await buildAppWithWorker('class-codes') })
afterAll(async () => { await t?.close() })

const post = (url: string, body: unknown, type = 'application/json') =>
  request(t.app.server).post(url).set('content-type', type).send(body as string | object)

/** Submits a job and waits for its model; the job must succeed. */
async function trainModel (job: Record<string, unknown>): Promise<Record<string, unknown>> {
  const created = await post('/v1/training-jobs', job)
  expect(created.status, JSON.stringify(created.body)).toBe(202)
  return await waitForModel(t, created.body.id as string)
}

const training = (epochs: number, extra: Record<string, unknown> = {}) => ({ epochs, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.05 }, seed: 1, ...extra })

/** Every fifth data row held out of the upload, as the walkthrough does. */
function split (file: string, relabel: (label: string) => string = (l) => l): { trainCsv: string, test: string[][] } {
  const [header, ...rows] = readFileSync(`test/fixtures/${file}`, 'utf8').trim().split(/\r?\n/)
  const cells = rows.map((r) => r.split(',')).map((r) => [...r.slice(0, -1), relabel(r[r.length - 1])])
  return {
    trainCsv: [header, ...cells.filter((_, i) => i % 5 !== 0).map((r) => r.join(','))].join('\n') + '\n',
    test: cells.filter((_, i) => i % 5 === 0)
  }
}

describe('integer class codes', () => {
  const codes = { features: [[0.1], [0.5], [0.9], [0.2], [0.6], [1.0], [0.15], [0.55], [0.95]], targets: [0, 1, 2, 0, 1, 2, 0, 1, 2] }

  it('a 3-unit softmax on targets 0, 1, 2 trains and predicts the labels "0", "1", "2"', async () => {
    const ds = await post('/v1/datasets', codes)
    expect(ds.status).toBe(201)
    expect(ds.body).toMatchObject({ inputs: 1, outputs: 1, targetValues: [0, 1, 2] })
    expect(ds.body.classes).toBeUndefined()
    const model = await trainModel({
      datasetId: ds.body.id,
      network: { inputs: 1, layers: [{ units: 8, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } },
      training: training(300)
    })
    expect(model.classes).toEqual(['0', '1', '2'])
    const pred = await post(`/v1/models/${String(model.id)}/predict`, { inputs: [[0.1], [0.55], [0.97]] })
    expect(pred.status).toBe(200)
    expect(pred.body.labels).toEqual(['0', '1', '2'])
    expect(pred.body.outputs[0]).toHaveLength(3)

    // scored on class codes too: a dataset with only the codes 2 and 0 (in that order) lines up with the model's classes
    const other = await post('/v1/datasets', { features: [[0.97], [0.12], [0.9]], targets: [2, 0, 2] })
    const evaluated = await post(`/v1/models/${String(model.id)}/evaluate`, { datasetId: other.body.id })
    expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(200)
    expect(evaluated.body.metrics).toMatchObject({ classes: ['0', '1', '2'], accuracy: 1, confusionMatrix: [[1, 0, 0], [0, 0, 0], [0, 0, 2]] })
    const unknown = await post('/v1/datasets', { features: [[0.5], [0.9]], targets: [1, 7] })
    const refused = await post(`/v1/models/${String(model.id)}/evaluate`, { datasetId: unknown.body.id })
    expect(refused.status).toBe(422)
    expect(refused.body.detail).toMatch(/class codes the model does not know: 7/)
  })

  it('inputs and output.units may be left out: taken from the dataset', async () => {
    const ds = await post('/v1/datasets', codes)
    const model = await trainModel({ datasetId: ds.body.id, network: { layers: [{ units: 8, activation: 'tanh' }], output: { activation: 'softmax' } }, training: training(300) })
    expect(model.network).toMatchObject({ inputs: 1, output: { units: 3, activation: 'softmax' } })
    expect(model.classes).toEqual(['0', '1', '2'])
  })

  it('a wrong output width is a 400 naming the number of classes and why', async () => {
    const ds = await post('/v1/datasets', codes)
    const job = (output: Record<string, unknown>, inputs = 1) => ({ datasetId: ds.body.id, network: { inputs, layers: [], output }, training: training(5) })
    const two = await post('/v1/training-jobs', job({ units: 2, activation: 'softmax' }))
    expect(two.status).toBe(400)
    expect(two.body.detail).toMatch(/the network has 2 output units; dataset '.*' has 3 classes: 0, 1, 2/)
    const wide = await post('/v1/training-jobs', job({ units: 3, activation: 'softmax' }, 4))
    expect(wide.status).toBe(400)
    expect(wide.body).toMatchObject({ field: 'network.inputs' })
    expect(wide.body.detail).toMatch(/the network takes 4 inputs; dataset '.*' has 1 feature column \(x0\)/)
    // the hints a user follows from a wrong head lead to the classes, never to a regression on the codes
    const one = await post('/v1/training-jobs', job({ units: 1, activation: 'softmax' }))
    expect(one.status).toBe(400)
    expect(one.body.detail).toMatch(/a softmax output needs at least 2 units \(one per class\); leave output.units out to take the number of classes from the dataset/)
    const sigmoid = await post('/v1/training-jobs', job({ units: 1, activation: 'sigmoid' }))
    expect(sigmoid.status).toBe(400)
    expect(sigmoid.body.detail).toMatch(/a sigmoid output needs targets in \[0, 1\].*if 'y0' holds class codes \(3 classes: 0, 1, 2\), use a softmax output of 3 units \(or leave output.units out\) to learn them as classes, or an identity output to regress on the values$/)
    const threeIdentity = await post('/v1/training-jobs', job({ units: 3, activation: 'identity' }))
    expect(threeIdentity.status).toBe(400)
    expect(threeIdentity.body.detail).toMatch(/the network has 3 output units; dataset '.*' has 1 target column \(y0\); if 'y0' holds class codes \(3 classes: 0, 1, 2\), use a softmax output of 3 units/)
    // a regression target of fractional values gets no such hint
    const prices = await post('/v1/datasets', { features: [[1], [2], [3], [4]], targets: [10.5, 12.25, 14.5, 16] })
    const price = await post('/v1/training-jobs', { ...job({ units: 1, activation: 'sigmoid' }), datasetId: prices.body.id })
    expect(price.body.detail).toMatch(/has targets outside it: use an identity output$/)
    // nor one of whole values too large to be codes (-3e38 is whole in float arithmetic)
    const huge = await post('/v1/datasets', { features: [[1], [2], [3], [4]], targets: [-3e38, -1e38, 2e38, 3e38] })
    const twoUnits = await post('/v1/training-jobs', { ...job({ units: 2, activation: 'identity' }), datasetId: huge.body.id })
    expect(twoUnits.status).toBe(400)
    expect(twoUnits.body.detail).not.toMatch(/class codes/)
    // regression on the same codes stays what it was: one identity unit
    const regression = await post('/v1/training-jobs', job({ activation: 'identity' }))
    expect(regression.status).toBe(202)
  })

  it('one sigmoid unit on 0/1 codes is a binary classifier labelled "0" and "1"', async () => {
    const ds = await post('/v1/datasets', { features: [[0], [0.2], [0.8], [1], [0.1], [0.9]], targets: [0, 0, 1, 1, 0, 1] })
    const model = await trainModel({ datasetId: ds.body.id, network: { layers: [], output: { activation: 'sigmoid' } }, training: training(200) })
    expect(model).toMatchObject({ classes: ['0', '1'], network: { output: { units: 1 } } })
    const pred = await post(`/v1/models/${String(model.id)}/predict`, { inputs: [[0.05], [0.95]] })
    expect(pred.body.labels).toEqual(['0', '1'])
  })

  it('a softmax on a regression target with more distinct values than MAX_CLASSES is refused', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => i + 0.5)
    const ds = await post('/v1/datasets', { features: many.map((v) => [v]), targets: many })
    expect(ds.body.targetValues).toBeUndefined()
    const res = await post('/v1/training-jobs', { datasetId: ds.body.id, network: { layers: [], output: { units: 3, activation: 'softmax' } }, training: training(5) })
    expect(res.status).toBe(400)
    expect(res.body.detail).toMatch(/more distinct values than MAX_CLASSES: use an identity output for regression/)
    // output.units left out: the same reason, not "a softmax output needs at least 2 units"
    const omitted = await post('/v1/training-jobs', { datasetId: ds.body.id, network: { layers: [], output: { activation: 'softmax' } }, training: training(5) })
    expect(omitted.status).toBe(400)
    expect(omitted.body).toMatchObject({ field: 'network.output' })
    expect(omitted.body.detail).toMatch(/^a softmax output needs class labels or class codes; target column 'y0' of dataset '.*' has more distinct values than MAX_CLASSES: use an identity output for regression$/)
  })

  it('a softmax on a quantity (diabetes\' progression: 214 values over 442 rows) trains, with a warning to use an identity output', async () => {
    const csv = readFileSync('test/fixtures/diabetes.csv', 'utf8')
    const ds = await post('/v1/datasets', csv, 'text/csv')
    expect(ds.status, JSON.stringify(ds.body)).toBe(201)
    const created = await post('/v1/training-jobs', { datasetId: ds.body.id, network: { layers: [], output: { activation: 'softmax' } }, training: training(1, { validationSplit: 0 }) })
    expect(created.status, JSON.stringify(created.body)).toBe(202)
    await waitForModel(t, created.body.id as string)
    const job = (await request(t.app.server).get(`/v1/training-jobs/${String(created.body.id)}?history=none`)).body
    expect(job.warnings[0]).toMatch(/^target column '\w+' was learned as \d+ classes \(its distinct values, [\d.]+ rows a class\); if it is a quantity to predict, train a regression: an identity output$/)
  })

  it('digits with their 0-9 labels sent as numbers: ≥ 0.95 hold-out accuracy, labels "0"…"9"', async () => {
    const { trainCsv, test } = split('digits.csv')
    const ds = await post('/v1/datasets?target=digit', trainCsv, 'text/csv')
    expect(ds.status).toBe(201)
    expect(ds.body.targetValues).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    const model = await trainModel({
      datasetId: ds.body.id,
      network: { layers: [{ units: 64, activation: 'relu' }], output: { activation: 'softmax' } },
      training: { epochs: 40, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.005 }, seed: 3 }
    })
    expect(model.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
    const pred = await post(`/v1/models/${String(model.id)}/predict`, { inputs: test.map((r) => r.slice(0, 64).map(Number)) })
    const accuracy = (pred.body.labels as string[]).filter((label, i) => label === test[i][64]).length / test.length
    expect(accuracy).toBeGreaterThanOrEqual(0.95)
    // real codes (~140 rows a class) draw no "is it a quantity?" warning
    const job = (await request(t.app.server).get(`/v1/training-jobs/${String(model.jobId)}?history=none`)).body
    expect((job.warnings as string[]).filter((w) => /was learned as/.test(w))).toEqual([])
  })

  it.each([['1, 2, 3', ['1', '2', '3']], ['10, 20, 30', ['10', '20', '30']]])('codes that do not start at 0 (%s) work the same way', async (_, names) => {
    const species = ['setosa', 'versicolor', 'virginica']
    const { trainCsv, test } = split('iris.csv', (label) => names[species.indexOf(label)])
    const ds = await post('/v1/datasets?target=species', trainCsv, 'text/csv')
    expect(ds.body.targetValues).toEqual(names.map(Number))
    const model = await trainModel({ datasetId: ds.body.id, network: { layers: [{ units: 16, activation: 'tanh' }], output: { activation: 'softmax' } }, training: training(100) })
    expect(model.classes).toEqual(names)
    const pred = await post(`/v1/models/${String(model.id)}/predict`, { inputs: test.map((r) => r.slice(0, 4).map(Number)) })
    const accuracy = (pred.body.labels as string[]).filter((label, i) => label === test[i][4]).length / test.length
    expect(accuracy).toBeGreaterThanOrEqual(0.9)
  })
})
