// The model-name rule (schemas/model-name.ts) at every door a name comes in by: a training job's and a
// sweep's modelName, and an import's name. Each refusal is a 400 problem naming the field and the
// allowed form; a name that passes reads back unchanged as a reference. No worker: admitted jobs stay queued.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helper.js'
import { uploadJson } from '../support/training-api.js'
import { MODEL_NAME_FORM } from '../../src/schemas/model-name.js'
import { parameterCount, type NetworkSpec } from '../../src/nn/spec.js'

let t: TestApp
let datasetId: string
beforeAll(async () => {
  t = await buildTestApp('model-names', { RATE_LIMIT_PER_MINUTE: '0' })
  datasetId = await uploadJson(t, { features: [[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.2], [0.1, 0.9]], targets: ['a', 'b', 'b', 'a', 'a', 'b'] })
})
afterAll(async () => { await t.close() })

const network = { layers: [{ units: 3, activation: 'tanh' }], output: { activation: 'softmax' } }
const job = (modelName: string) => ({ datasetId, network, training: { epochs: 1 }, modelName })
const sweep = (modelName: string) => ({ datasetId, network, training: { epochs: 1, validationSplit: 0 }, metric: 'accuracy', folds: 2, modelName })

/** The names the reported bugs sent, and the other kinds the rule refuses. */
const REFUSED = ['a@b', 'c:predict', 'a/b', 'latest', 'mdl_x', 'mdl_0123456789abcdef0123456789abcdef', 'iris v2', '-iris', '..', 'x'.repeat(64)]

const spec: NetworkSpec = { inputs: 2, layers: [{ units: 3, activation: 'tanh' }], output: { units: 2, activation: 'softmax' } }

async function exportOf (name?: string): Promise<Record<string, unknown>> {
  const saved = await t.app.models.save({ spec, params: new Float32Array(parameterCount(spec)).fill(0.1), meta: { ...(name === undefined ? {} : { name }), classes: ['a', 'b'] } })
  const res = await t.app.inject({ method: 'GET', url: `/v1/models/${saved.id}/export` })
  expect(res.statusCode).toBe(200)
  return res.json()
}

function expectRefused (res: { statusCode: number, headers: Record<string, unknown>, json: () => { detail: string, errors: Array<{ field: string }> } }, field: string): void {
  expect(res.statusCode).toBe(400)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  const body = res.json()
  expect(body.errors.map((e) => e.field)).toEqual([field])
  expect(body.detail).toContain(`${field}: `)
  expect(body.detail).toContain(MODEL_NAME_FORM)
}

describe('model names are refused at admission unless they read back as themselves', () => {
  it('POST /v1/training-jobs: modelName', async () => {
    for (const name of REFUSED) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/training-jobs', payload: job(name) })
      expectRefused(res, 'modelName')
      expect(res.json().detail, name).toContain(JSON.stringify(name))
    }
    const ok = await t.app.inject({ method: 'POST', url: '/v1/training-jobs', payload: job('iris-v2.1') })
    expect(ok.statusCode, ok.body).toBe(202)
  })

  it('POST /v1/sweeps: modelName', async () => {
    for (const name of REFUSED) expectRefused(await t.app.inject({ method: 'POST', url: '/v1/sweeps', payload: sweep(name) }), 'modelName')
    const ok = await t.app.inject({ method: 'POST', url: '/v1/sweeps', payload: sweep('iris_best') })
    expect(ok.statusCode, ok.body).toBe(202)
  })

  it('POST /v1/models (import): name', async () => {
    const exported = await exportOf('imported')
    for (const name of REFUSED) expectRefused(await t.app.inject({ method: 'POST', url: '/v1/models', payload: { ...exported, name } }), 'name')
    const ok = await t.app.inject({ method: 'POST', url: '/v1/models', payload: { ...exported, name: 'Imported.2' } })
    expect(ok.statusCode, ok.body).toBe(201)
    // what passed reads back as itself: as an alias, and in TF Serving's name:predict
    expect((await t.app.inject({ method: 'GET', url: '/v1/models/Imported.2@latest' })).json().id).toBe(ok.json().id)
    expect((await t.app.inject({ method: 'POST', url: '/v1/models/Imported.2:predict', payload: { instances: [[0, 1]] } })).statusCode).toBe(200)
  })

  it('an unnamed model (named by its id) exports without a name, and imports named by its own new id', async () => {
    const exported = await exportOf()
    expect(exported).not.toHaveProperty('name')
    const imported = await t.app.inject({ method: 'POST', url: '/v1/models', payload: exported })
    expect(imported.statusCode, imported.body).toBe(201)
    expect(imported.json()).toMatchObject({ name: imported.json().id, version: 1 })
  })

  it('a model stored under a name from before the rule is listed, read and exported as it is', async () => {
    const old = await t.app.models.save({ spec, params: new Float32Array(parameterCount(spec)), meta: { name: 'old@name', classes: ['a', 'b'] } })
    expect((await t.app.inject({ method: 'GET', url: '/v1/models?name=old@name' })).json().items.map((m: { id: string }) => m.id)).toEqual([old.id])
    expect((await t.app.inject({ method: 'GET', url: `/v1/models/${old.id}/export` })).json().name).toBe('old@name')
  })
})
