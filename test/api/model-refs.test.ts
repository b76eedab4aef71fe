// One reading of a model reference (store/model-ref.ts) on every route and field that names a model:
// a bare name is its newest version (name@latest) wherever a model is read, and is refused by DELETE
// (409, with the references that name one version); a job's initialModelId takes any reference and
// keeps the id it resolved to. No worker: admitted jobs stay queued.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InjectOptions } from 'fastify'
import { buildTestApp, type TestApp } from './helper.js'
import { uploadJson } from '../support/training-api.js'
import { parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import type { ModelRecord } from '../../src/store/models.js'

let t: TestApp
let datasetId: string
let v1: ModelRecord
let v2: ModelRecord

const spec: NetworkSpec = { inputs: 2, layers: [{ units: 3, activation: 'tanh' }], output: { units: 2, activation: 'softmax' } }
const save = (name: string, phase: number): Promise<ModelRecord> => t.app.models.save({
  spec, params: Float32Array.from({ length: parameterCount(spec) }, (_, i) => Math.sin(i + phase)), meta: {
    name, classes: ['a', 'b'], featureNames: ['u', 'v'],
    preprocessing: { columns: [{ name: 'u', kind: 'numeric' }, { name: 'v', kind: 'numeric' }] }
  }
})

beforeAll(async () => {
  t = await buildTestApp('model-refs', { RATE_LIMIT_PER_MINUTE: '0' })
  v1 = await save('flower', 1)
  v2 = await save('flower', 2)
  datasetId = await uploadJson(t, { features: [[0, 0], [0, 1], [1, 0], [1, 1], [0.3, 0.7], [0.8, 0.1]], targets: ['a', 'b', 'b', 'a', 'a', 'b'], featureNames: ['u', 'v'] })
})
afterAll(async () => { await t.close() })

const call = (method: InjectOptions['method'], url: string, payload?: object) => t.app.inject({ method, url, ...(payload === undefined ? {} : { payload }) })

/** Every read of a model by `:id`, as [method, path after the reference, body]. */
const READS: Array<[InjectOptions['method'], string, object | undefined]> = [
  ['GET', '', undefined],
  ['GET', '/export', undefined],
  ['GET', '/export?format=onnx', undefined],
  ['POST', '/predict', { inputs: [[0.2, 0.9], [1, 0]] }], // the canonical body: read from its bytes (the hot path)
  ['POST', '/predict', { instances: [{ u: 0.2, v: 0.9 }] }], // the general path
  ['POST', '/evaluate', { datasetId: '' }],
  ['POST', '/predictions', { datasetId: '' }],
  ['POST', '/backprop', { inputs: [[0.2, 0.9]], targets: ['b'] }]
]
const bodyOf = (body: object | undefined): object | undefined => (body && 'datasetId' in body ? { datasetId } : body)

describe('which model answered a prediction', () => {
  it('is named in X-Model-Id, X-Model-Name and X-Model-Version by the native and TF Serving predicts, on every body path', async () => {
    const served = (res: { headers: Record<string, unknown> }): unknown[] => [res.headers['x-model-id'], res.headers['x-model-name'], res.headers['x-model-version']]
    const newest = [v2.id, 'flower', '2'], older = [v1.id, 'flower', '1']
    const big = { inputs: Array.from({ length: 3000 }, (_, i) => [i / 3000, 1 - i / 3000]) } // read on a forward thread when the app has them
    const cases: Array<[string, object, unknown[]]> = [
      ['/v1/models/flower/predict', { inputs: [[0.2, 0.9]] }, newest],
      ['/v1/models/flower/predict', { instances: [{ u: 0.2, v: 0.9 }] }, newest],
      ['/v1/models/flower/predict', big, newest],
      ['/v1/models/flower@1/predict', { inputs: [[0.2, 0.9]] }, older],
      [`/v1/models/${v1.id}/predict`, { inputs: [[0.2, 0.9]] }, older],
      ['/v1/models/flower:predict', { instances: [[0.2, 0.9]] }, newest],
      ['/v1/models/flower/versions/1:predict', { inputs: { u: [0.2], v: [0.9] } }, older]
    ]
    for (const [url, payload, want] of cases) {
      const res = await call('POST', url, payload)
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200)
      expect(served(res), url).toEqual(want)
    }
    // a refused prediction names no model
    expect(served(await call('POST', '/v1/models/flower/predict', { inputs: [[0.2]] }))).toEqual([undefined, undefined, undefined])
  })
})

describe('a bare model name reads as name@latest on every route', () => {
  it('answers what the newest version\'s id and name@latest answer', async () => {
    for (const [method, path, body] of READS) {
      const byId = await call(method, `/v1/models/${v2.id}${path}`, bodyOf(body))
      expect(byId.statusCode, `${method} ${path}: ${byId.body}`).toBe(200)
      for (const ref of ['flower', 'flower@latest', 'flower@LATEST']) {
        const res = await call(method, `/v1/models/${ref}${path}`, bodyOf(body))
        expect(res.statusCode, `${method} ${ref}${path}: ${res.body}`).toBe(200)
        expect(res.rawPayload.equals(byId.rawPayload), `${method} ${ref}${path}`).toBe(true)
      }
    }
    // and the serving protocols, which always read a name so
    expect((await call('POST', '/v1/models/flower:predict', { instances: [[0.2, 0.9]] })).json().predictions)
      .toEqual((await call('POST', `/v1/models/${v2.id}/predict`, { inputs: [[0.2, 0.9]] })).json().outputs)
    expect((await call('GET', '/v2/models/flower')).json().versions).toEqual(['1', '2'])
  })

  it('an older version by name@<version>, and a miss names the reference as sent', async () => {
    expect((await call('GET', '/v1/models/flower@1')).json().id).toBe(v1.id)
    for (const [method, path, body] of READS) {
      for (const ref of ['nobody', 'nobody@latest', 'mdl_nope']) {
        const res = await call(method, `/v1/models/${ref}${path}`, bodyOf(body))
        expect(res.statusCode, `${method} ${ref}${path}`).toBe(404)
        expect(res.json().detail).toBe(`model '${ref}' not found; list models with GET /v1/models`)
      }
      // a version that is no version number
      const malformed = await call(method, `/v1/models/flower@abc${path}`, bodyOf(body))
      expect([malformed.statusCode, malformed.json().detail], `${method} flower@abc${path}`).toEqual([404, "model 'flower@abc' not found: after '@' comes a version number or latest (flower@3, flower@latest)"])
      // a version the name lacks: its newest, and where its versions are listed
      const res = await call(method, `/v1/models/flower@9${path}`, bodyOf(body))
      expect(res.statusCode, `${method} flower@9${path}`).toBe(404)
      expect(res.json()).toMatchObject({ detail: "model 'flower' has no version 9; its newest is version 2 (list its versions with GET /v1/models?name=flower)", newestVersion: 2 })
    }
  })

  it('a name stored before the name rule, with \'@\' in it, still reads as a bare name', async () => {
    const old = await save('old@name', 3)
    expect((await call('GET', '/v1/models/old@name')).json().id).toBe(old.id)
    expect((await call('GET', '/v1/models/old@name@1')).json().id).toBe(old.id)
  })
})

describe('DELETE needs one version', () => {
  it('refuses a bare name with 409, naming the references that delete one version; deletes nothing', async () => {
    const res = await call('DELETE', '/v1/models/flower')
    expect(res.statusCode).toBe(409)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json()).toMatchObject({ code: 'NN_ERR_MODEL_VERSION_REQUIRED', status: 409 })
    expect(res.json().detail).toBe("'flower' is a model name, and DELETE removes one version, never every version of a name: it has 2 versions; " +
      `name the one to delete: flower@2 (or flower@latest, or its id ${v2.id}) for the newest, flower@<version> for another (list them with GET /v1/models?name=flower)`)
    expect((await t.app.models.list({ name: 'flower' })).map((m) => m.id)).toEqual([v2.id, v1.id])
  })

  it('a bare name that names nothing is a 404; name@latest deletes the newest version only', async () => {
    expect((await call('DELETE', '/v1/models/nobody')).json()).toMatchObject({ status: 404, detail: "model 'nobody' not found; list models with GET /v1/models" })
    const extra = await save('short-lived', 1)
    const newest = await save('short-lived', 2)
    expect((await call('DELETE', '/v1/models/short-lived@latest')).statusCode).toBe(204)
    expect((await t.app.models.list({ name: 'short-lived' })).map((m) => m.id)).toEqual([extra.id])
    expect(await t.app.models.get(newest.id)).toBeNull()
    expect((await call('GET', '/v1/models/short-lived')).json().id).toBe(extra.id)
  })
})

describe('a training job\'s initialModelId takes any model reference', () => {
  const fineTune = (initialModelId: string) => call('POST', '/v1/training-jobs', { datasetId, initialModelId, training: { epochs: 1 } })

  it('admits an id, name@<version>, name@latest and a bare name, and queues the id each resolved to', async () => {
    const cases: Array<[string, string]> = [[v1.id, v1.id], ['flower@1', v1.id], ['flower@latest', v2.id], ['flower', v2.id]]
    for (const [ref, id] of cases) {
      const res = await fineTune(ref)
      expect(res.statusCode, `${ref}: ${res.body}`).toBe(202)
      const job = await t.app.trainingQueue.queue.getJob(res.json().id)
      // the id, not the reference: a version saved before the job runs does not change what it fine-tunes
      expect(job?.data.initialModelId, ref).toBe(id)
    }
  })

  it('answers an unknown reference with 404 naming it and the field', async () => {
    for (const ref of ['nobody', 'nobody@latest', 'mdl_nope']) {
      const res = await fineTune(ref)
      expect(res.statusCode, ref).toBe(404)
      expect(res.json()).toMatchObject({ field: 'initialModelId', detail: `model '${ref}' not found; list models with GET /v1/models` })
    }
    expect((await fineTune('flower@9')).json()).toMatchObject({ field: 'initialModelId', detail: expect.stringMatching(/^model 'flower' has no version 9; its newest is version 2/) })
  })
})
