// A model name keeps its signature across versions (queue/model-signature.ts): a job or a sweep whose
// model would take other feature columns or answer other outputs than the name's newest version is a
// 409 at admission listing each difference, unless it sends allowSignatureChange: true. The newest
// version here is a real trained model (an in-process worker, closed once it is stored, so that the
// jobs admitted afterwards stay queued and store nothing).
import { readFileSync } from 'node:fs'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helper.js'
import { trainToEnd } from '../support/training-api.js'
import { startWorker } from '../../src/queue/worker-runner.js'
import { fixturePath } from '../support/fixtures.js'

let t: TestApp
let iris: string
let diabetes: string
let irisId: string

const upload = async (file: string, target: string, query = ''): Promise<string> => {
  const res = await t.app.inject({ method: 'POST', url: `/v1/datasets?target=${target}${query}`, payload: readFileSync(fixturePath(file), 'utf8'), headers: { 'content-type': 'text/csv' } })
  expect(res.statusCode, res.body).toBe(201)
  return res.json().id
}

const softmax = { layers: [{ units: 8, activation: 'tanh' }], output: { activation: 'softmax' } }
const regression = { layers: [{ units: 8, activation: 'tanh' }], output: { activation: 'identity' } }
const training = { epochs: 2, validationSplit: 0, seed: 1 }
const job = (datasetId: string, network: object, extra: object = {}) => ({ datasetId, network, training, modelName: 'iris', ...extra })
const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, payload })

const IRIS_COLUMNS = '4 columns (sepal_length_(cm), sepal_width_(cm), petal_length_(cm), petal_width_(cm))'
const IRIS_CLASSES = '3 classes (setosa, versicolor, virginica)'

beforeAll(async () => {
  t = await buildTestApp('model-signature', { TRAIN_THREADS: '1', RATE_LIMIT_PER_MINUTE: '0' })
  iris = await upload('iris.csv', 'species')
  diabetes = await upload('diabetes.csv', 'progression')
  const worker = await startWorker(t.config, pino({ level: 'silent' }))
  try {
    const done = await trainToEnd(t, job(iris, softmax))
    expect(done.body.status, JSON.stringify(done.body)).toBe('succeeded')
    irisId = done.body.modelId
  } finally {
    await worker.close()
  }
})
afterAll(async () => { await t.close() })

/** The name's newest version is still the trained one: a refusal stores nothing and queues nothing. */
const expectUnchanged = async (): Promise<void> => {
  expect((await t.app.inject({ method: 'GET', url: '/v1/models/iris' })).json().id).toBe(irisId)
}

describe('POST /v1/training-jobs with an existing modelName', () => {
  it('admits a job that keeps the signature: the same dataset, another hidden network', async () => {
    const res = await post('/v1/training-jobs', job(iris, { ...softmax, layers: [{ units: 3, activation: 'relu' }, { units: 5, activation: 'tanh' }] }))
    expect(res.statusCode, res.body).toBe(202)
  })

  it('refuses a 10-input regression under a 4-input classifier\'s name with 409, listing each difference', async () => {
    const jobs = await t.app.trainingQueue.count('local')
    const res = await post('/v1/training-jobs', job(diabetes, regression))
    expect(res.statusCode, res.body).toBe(409)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    const body = res.json()
    expect(body).toMatchObject({ code: 'NN_ERR_CONFLICT', field: 'modelName' })
    expect(body.changes).toEqual([
      `inputs: ${IRIS_COLUMNS} → 10 columns (age, sex, bmi, bp, s1, s2, s3, s4, …)`,
      'output: softmax → identity',
      'output units: 3 → 1',
      `outputs: ${IRIS_CLASSES} → 1 target (progression)`
    ])
    expect(body.detail).toBe(`this job's model, stored as the next version of 'iris', would change the signature of its newest (version 1, ${irisId}): ` +
      `${body.changes.join('; ')}. Clients that call iris or iris@latest would then get a model that takes other inputs or answers other outputs: ` +
      'use another modelName, or send "allowSignatureChange": true to change it on purpose')
    expect(await t.app.trainingQueue.count('local')).toBe(jobs)
    await expectUnchanged()
  })

  it('names a change of the head alone, of the classes alone, and of a column\'s kind alone', async () => {
    const head = await post('/v1/training-jobs', job(iris, regression))
    expect(head.statusCode).toBe(409)
    // an identity head regresses on the one-hot label columns, and keeps their classes (as training stores them)
    expect(head.json().changes).toEqual(['output: softmax → identity'])

    const twoClasses = readFileSync(fixturePath('iris.csv'), 'utf8').split(/\r?\n/).filter((l) => !l.endsWith('virginica')).join('\n')
    const setosaOrNot = (await t.app.inject({ method: 'POST', url: '/v1/datasets?target=species', payload: twoClasses, headers: { 'content-type': 'text/csv' } })).json().id
    const classes = await post('/v1/training-jobs', job(setosaOrNot, softmax))
    expect(classes.statusCode).toBe(409)
    expect(classes.json().changes).toEqual(['output units: 3 → 2', `outputs: ${IRIS_CLASSES} → 2 classes (setosa, versicolor)`])

    const categorical = await upload('iris.csv', 'species', '&categorical=petal_width_(cm)')
    const kind = await post('/v1/training-jobs', job(categorical, softmax))
    expect(kind.statusCode).toBe(409)
    expect(kind.json().changes).toEqual(["column 'petal_width_(cm)': numeric → categorical"])
    await expectUnchanged()
  })

  it('admits the change with allowSignatureChange: true, and a new name without any check', async () => {
    expect((await post('/v1/training-jobs', job(diabetes, regression, { allowSignatureChange: true }))).statusCode).toBe(202)
    expect((await post('/v1/training-jobs', job(diabetes, regression, { modelName: 'diabetes' }))).statusCode).toBe(202)
    // explicitly false is the default
    expect((await post('/v1/training-jobs', job(diabetes, regression, { allowSignatureChange: false }))).statusCode).toBe(409)
    expect((await post('/v1/training-jobs', job(diabetes, regression, { allowSignatureChange: 'yes' }))).statusCode).toBe(400)
  })
})

describe('POST /v1/sweeps with an existing modelName', () => {
  const sweep = (datasetId: string, network: object, extra: object = {}) =>
    ({ datasetId, network, training, metric: 'accuracy', folds: 2, modelName: 'iris', ...extra })

  it('refuses a sweep whose best model would change the signature; admits one that keeps it, or opts in', async () => {
    const changed = await post('/v1/sweeps', { ...sweep(diabetes, regression), metric: 'r2' })
    expect(changed.statusCode, changed.body).toBe(409)
    expect(changed.json().detail).toMatch(/^this sweep's best model, stored as the next version of 'iris', would change the signature/)
    expect(changed.json().changes).toHaveLength(4)
    expect((await post('/v1/sweeps', sweep(iris, softmax))).statusCode).toBe(202)
    expect((await post('/v1/sweeps', { ...sweep(diabetes, regression), metric: 'r2', allowSignatureChange: true })).statusCode).toBe(202)
  })

  it('names the trial when the trials differ in signature (a searched head)', async () => {
    const res = await post('/v1/sweeps', {
      ...sweep(iris, { layers: [{ units: 4, activation: 'tanh' }], output: { activation: 'softmax', units: 3 } }),
      searchSpace: { 'network.output.activation': { type: 'grid', values: ['softmax', 'sigmoid'] } }
    })
    expect(res.statusCode, res.body).toBe(409)
    expect(res.json().detail).toMatch(/^trial 1 \(\{"network.output.activation":"sigmoid"\}\): this sweep's best model/)
    expect(res.json().changes).toEqual(['output: softmax → sigmoid'])
    await expectUnchanged()
  })
})

describe('POST /v1/models (import) under an existing name', () => {
  it('refuses an import with another signature (409, field name); admits the same signature, or ?allowSignatureChange=true', async () => {
    const exported = (await t.app.inject({ method: 'GET', url: `/v1/models/${irisId}/export` })).json()
    const renamed = { ...exported, featureNames: ['a', 'b', 'c', 'd'], preprocessing: { columns: ['a', 'b', 'c', 'd'].map((name) => ({ name, kind: 'numeric' })) } }
    const refused = await post('/v1/models', renamed)
    expect(refused.statusCode, refused.body).toBe(409)
    expect(refused.json()).toMatchObject({ field: 'name', changes: [`inputs: ${IRIS_COLUMNS} → 4 columns (a, b, c, d)`] })
    expect(refused.json().detail).toMatch(/^this import, stored as the next version of 'iris', would change .*: use another name, or import it with \?allowSignatureChange=true to change it on purpose$/)
    await expectUnchanged()

    // without its classes, a softmax answers one probability per class, unlabelled: said so, not as its export's one target
    const { classes: _classes, ...unlabelled } = exported
    const noLabels = await post('/v1/models', unlabelled)
    expect(noLabels.statusCode, noLabels.body).toBe(409)
    expect(noLabels.json().changes).toEqual(['outputs: 3 classes (setosa, versicolor, virginica) → 3 unlabelled classes (class0, class1, class2)'])
    await expectUnchanged()

    const same = await post('/v1/models', exported)
    expect(same.statusCode, same.body).toBe(201)
    expect(same.json()).toMatchObject({ name: 'iris', version: 2 })
    const allowed = await post('/v1/models?allowSignatureChange=true', renamed)
    expect(allowed.statusCode, allowed.body).toBe(201)
    expect((await t.app.inject({ method: 'GET', url: '/v1/models/iris' })).json()).toMatchObject({ id: allowed.json().id, featureNames: ['a', 'b', 'c', 'd'] })
  })
})
