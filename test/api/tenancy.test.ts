// Tenancy over HTTP: two tenants on one app and one Redis. Whatever tenant A creates (dataset, network,
// model, training job) is a 404 to tenant B on every route, exactly like an unknown id, and absent from B's lists.
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { pino } from 'pino'
import type { InjectOptions } from 'fastify'
import { buildTestApp, type TestApp } from './helper.js'
import { startWorker, type RunningWorker } from '../../src/queue/worker-runner.js'
import { parameterCount, type NetworkSpec } from '../../src/nn/spec.js'

const A = 'key-tenant-a-0123456789'
const B = 'key-tenant-b-0123456789'
const API_KEYS = `${A}:tenant-a:read,predict,train;${B}:tenant-b:admin`

let t: TestApp
let worker: RunningWorker | undefined
beforeAll(async () => { t = await buildTestApp('tenancy', { API_KEYS, RATE_LIMIT_PER_MINUTE: '0', TRAIN_THREADS: '1' }) })
afterAll(async () => {
  await worker?.close()
  await t.close()
})

const net: NetworkSpec = { inputs: 2, layers: [{ units: 3, activation: 'tanh' }], output: { units: 2, activation: 'softmax' } }
const optimizer = { type: 'adam', learningRate: 0.05 }
const xor = { features: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: ['no', 'yes', 'yes', 'no'] }

interface Call { method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown }
const as = async (key: string, call: Call) => await t.app.inject({ ...call, headers: { authorization: `Bearer ${key}` } } as InjectOptions)
const ids = (body: { items: { id: string }[] }): string[] => body.items.map((i) => i.id)

/** B's answer must equal the answer for an id that never existed, apart from the id itself. */
async function expectHidden (call: Call, id: string): Promise<void> {
  const res = await as(B, call)
  const unknown = await as(B, { ...call, url: call.url.replace(id, `${id.split('_')[0]}_doesnotexist`) })
  expect(res.statusCode, `${call.method} ${call.url}`).toBe(404)
  expect(unknown.statusCode).toBe(404)
  expect(res.json().code).toBe(unknown.json().code)
  expect(res.json().detail).toBe(unknown.json().detail.replace(`${id.split('_')[0]}_doesnotexist`, id))
}

describe('tenancy', () => {
  it('hides datasets, networks, models and jobs of another tenant on every route, lists included', async () => {
    const ds = await as(A, { method: 'POST', url: '/v1/datasets', payload: { name: 'xor', ...xor } })
    expect(ds.statusCode).toBe(201)
    const datasetId = ds.json().id as string
    const nw = await as(A, { method: 'POST', url: '/v1/networks', payload: net })
    expect(nw.statusCode).toBe(201)
    const networkId = nw.json().id as string
    const params = Float32Array.from({ length: parameterCount(net) }, (_, i) => Math.sin(i))
    const saved = await t.app.models.save({ spec: net, params, meta: { name: 'shared-name', classes: ['no', 'yes'], tenant: 'tenant-a' } })
    const job = await as(A, { method: 'POST', url: '/v1/training-jobs', payload: { datasetId, networkId, training: { epochs: 2, batchSize: 2, seed: 1, optimizer } } })
    expect(job.statusCode).toBe(202)
    const jobId = job.json().id as string

    // A sees its own; the predictor now holds A's model in its cache
    expect((await as(A, { method: 'GET', url: `/v1/datasets/${datasetId}` })).statusCode).toBe(200)
    expect((await as(A, { method: 'GET', url: `/v1/training-jobs/${jobId}` })).statusCode).toBe(200)
    expect((await as(A, { method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs: [[0, 1]] } })).statusCode).toBe(200)

    const hidden: [Call, string][] = [
      [{ method: 'GET', url: `/v1/datasets/${datasetId}` }, datasetId],
      [{ method: 'DELETE', url: `/v1/datasets/${datasetId}` }, datasetId],
      [{ method: 'GET', url: `/v1/networks/${networkId}` }, networkId],
      [{ method: 'DELETE', url: `/v1/networks/${networkId}` }, networkId],
      [{ method: 'GET', url: `/v1/models/${saved.id}` }, saved.id],
      [{ method: 'GET', url: `/v1/models/${saved.id}/export` }, saved.id],
      [{ method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs: [[0, 1]] } }, saved.id],
      [{ method: 'DELETE', url: `/v1/models/${saved.id}` }, saved.id],
      [{ method: 'GET', url: `/v1/training-jobs/${jobId}` }, jobId],
      [{ method: 'GET', url: `/v1/training-jobs/${jobId}/events` }, jobId],
      [{ method: 'POST', url: `/v1/training-jobs/${jobId}/cancel` }, jobId]
    ]
    for (const [call, id] of hidden) await expectHidden(call, id)

    // B cannot train on A's dataset, A's saved network, or fine-tune A's model
    const own = await as(B, { method: 'POST', url: '/v1/datasets', payload: xor })
    const bDataset = own.json().id as string
    const training = { epochs: 2, batchSize: 2, optimizer }
    const onA = await as(B, { method: 'POST', url: '/v1/training-jobs', payload: { datasetId, network: net, training } })
    expect([onA.statusCode, onA.json().code]).toEqual([404, 'NN_ERR_DATASET_NOT_FOUND'])
    const viaNet = await as(B, { method: 'POST', url: '/v1/training-jobs', payload: { datasetId: bDataset, networkId, training } })
    expect([viaNet.statusCode, viaNet.json().code]).toEqual([404, 'NN_ERR_NETWORK_NOT_FOUND'])
    const viaModel = await as(B, { method: 'POST', url: '/v1/training-jobs', payload: { datasetId: bDataset, initialModelId: saved.id, training } })
    expect([viaModel.statusCode, viaModel.json().code]).toEqual([404, 'NN_ERR_MODEL_NOT_FOUND'])

    // lists: each tenant sees its own and nothing of the other's
    const created: Record<string, string> = { datasets: datasetId, networks: networkId, models: saved.id, 'training-jobs': jobId }
    for (const [kind, id] of Object.entries(created)) {
      expect(ids((await as(A, { method: 'GET', url: `/v1/${kind}` })).json()), kind).toContain(id)
      expect(ids((await as(B, { method: 'GET', url: `/v1/${kind}` })).json()), kind).not.toContain(id)
    }
    expect(ids((await as(B, { method: 'GET', url: '/v1/datasets' })).json())).toEqual([bDataset])
    expect(ids((await as(A, { method: 'GET', url: '/v1/datasets' })).json())).not.toContain(bDataset)

    // B's predictions of A's models load nothing into the shared cache (nor move A's up): a model A never served stays out of it
    const unserved = await t.app.models.save({ spec: net, params, meta: { name: 'unserved', classes: ['no', 'yes'], tenant: 'tenant-a' } })
    const held = t.app.predictor.size
    for (let i = 0; i < 3; i++) await expectHidden({ method: 'POST', url: `/v1/models/${unserved.id}/predict`, payload: { inputs: [[0, 1]] } }, unserved.id)
    expect(t.app.predictor.size).toBe(held)
    expect(t.app.predictor.servedAs(unserved.id)).toBeUndefined()

    // B's failed deletes changed nothing: A still reads and predicts
    expect((await as(A, { method: 'GET', url: `/v1/datasets/${datasetId}` })).statusCode).toBe(200)
    expect((await as(A, { method: 'GET', url: `/v1/networks/${networkId}` })).statusCode).toBe(200)
    expect((await as(A, { method: 'POST', url: `/v1/models/${saved.id}/predict`, payload: { inputs: [[1, 1]] } })).statusCode).toBe(200)
    expect((await as(A, { method: 'GET', url: `/v1/training-jobs/${jobId}` })).json().status).toBe('queued')
    // and A may cancel its own job
    expect((await as(A, { method: 'POST', url: `/v1/training-jobs/${jobId}/cancel` })).statusCode).toBe(202)
  })

  it('versions model names per tenant, and an imported body cannot choose its tenant', async () => {
    const params = Float32Array.from({ length: parameterCount(net) }, (_, i) => Math.cos(i))
    const mine = await t.app.models.save({ spec: net, params, meta: { name: 'same', tenant: 'tenant-a' } })
    const exported = (await as(A, { method: 'GET', url: `/v1/models/${mine.id}/export` })).json()
    const claiming = await as(B, { method: 'POST', url: '/v1/models', payload: { ...exported, tenant: 'tenant-a' } })
    expect([claiming.statusCode, claiming.json().code]).toEqual([400, 'NN_ERR_VALIDATION'])
    const imported = await as(B, { method: 'POST', url: '/v1/models', payload: exported })
    expect(imported.statusCode).toBe(201)
    expect(imported.json()).toMatchObject({ name: 'same', version: 1 })
    const id = imported.json().id as string
    expect((await as(B, { method: 'GET', url: `/v1/models/${id}` })).statusCode).toBe(200)
    expect((await as(A, { method: 'GET', url: `/v1/models/${id}` })).statusCode).toBe(404)
    expect(ids((await as(A, { method: 'GET', url: '/v1/models?name=same' })).json())).toEqual([mine.id])
    expect(ids((await as(B, { method: 'GET', url: '/v1/models?name=same' })).json())).toEqual([id])
  })

  it('another tenant\'s delete of a model in use is a plain 404: no lock, no 409 naming the owner\'s job; in-use checks read the tenant\'s own jobs', async () => {
    const params = Float32Array.from({ length: parameterCount(net) }, (_, i) => Math.sin(i + 1))
    const saved = await t.app.models.save({ spec: net, params, meta: { name: 'in-use', classes: ['no', 'yes'], tenant: 'tenant-a' } })
    const datasetId = (await as(A, { method: 'POST', url: '/v1/datasets', payload: xor })).json().id as string
    const job = await as(A, { method: 'POST', url: '/v1/training-jobs', payload: { datasetId, initialModelId: saved.id, training: { epochs: 2, batchSize: 2, optimizer } } })
    expect(job.statusCode, job.body).toBe(202)
    const jobId = job.json().id as string
    // B learns nothing: as for an id that never existed (it was a 409 naming A's job, after B had held the model's lock)
    await expectHidden({ method: 'DELETE', url: `/v1/models/${saved.id}` }, saved.id)
    const owner = await as(A, { method: 'DELETE', url: `/v1/models/${saved.id}` })
    expect([owner.statusCode, owner.json().detail]).toEqual([409, `model '${saved.id}' is in use by training job '${jobId}' (fine-tuning it), not finished; cancel it or wait until it finishes, then delete it`])
    // B's own unfinished job on its dataset is B's business only: A's in-use checks never read it
    const bDataset = (await as(B, { method: 'POST', url: '/v1/datasets', payload: xor })).json().id as string
    const bJob = (await as(B, { method: 'POST', url: '/v1/training-jobs', payload: { datasetId: bDataset, network: net, training: { epochs: 2, batchSize: 2, optimizer } } })).json().id as string
    expect(await t.app.trainingQueue.unfinishedOn(bDataset, 'tenant-b')).toEqual([bJob])
    expect(await t.app.trainingQueue.unfinishedOn(bDataset, 'tenant-a')).toEqual([])
    expect(await t.app.trainingQueue.unfinishedFineTuning(saved.id, 'tenant-a')).toEqual([jobId])
    expect(await t.app.trainingQueue.unfinishedFineTuning(saved.id, 'tenant-b')).toEqual([])
    // queued jobs left for the worker of the next test would train: cancel them
    expect((await as(A, { method: 'POST', url: `/v1/training-jobs/${jobId}/cancel` })).statusCode).toBe(202)
    expect((await as(B, { method: 'POST', url: `/v1/training-jobs/${bJob}/cancel` })).statusCode).toBe(202)
    expect((await as(A, { method: 'DELETE', url: `/v1/models/${saved.id}` })).statusCode).toBe(204)
  })

  it('a trained model belongs to the tenant that submitted the job', async () => {
    worker = await startWorker(t.config, pino({ level: 'silent' }))
    const ds = await as(A, { method: 'POST', url: '/v1/datasets', payload: xor })
    const job = await as(A, { method: 'POST', url: '/v1/training-jobs', payload: { datasetId: ds.json().id, network: net, training: { epochs: 3, batchSize: 2, seed: 3, optimizer } } })
    expect(job.statusCode).toBe(202)
    const url = `/v1/training-jobs/${job.json().id as string}`
    let view = (await as(A, { method: 'GET', url })).json()
    for (const deadline = Date.now() + 20_000; !['succeeded', 'failed'].includes(view.status) && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      view = (await as(A, { method: 'GET', url })).json()
    }
    expect(view.status).toBe('succeeded')
    expect((await as(A, { method: 'GET', url: `/v1/models/${view.modelId as string}` })).statusCode).toBe(200)
    expect((await as(B, { method: 'GET', url: `/v1/models/${view.modelId as string}` })).statusCode).toBe(404)
    expect((await t.app.models.get(view.modelId as string))?.tenant).toBe('tenant-a')
  })
})

describe('open mode (no API_KEYS)', () => {
  it('serves without a key, as tenant local, and sees records made before tenancy', async () => {
    const open = await buildTestApp('tenancy-open', { RATE_LIMIT_PER_MINUTE: '0' })
    try {
      const ds = await open.app.inject({ method: 'POST', url: '/v1/datasets', payload: xor })
      expect(ds.statusCode).toBe(201)
      expect((await open.app.datasets.get(ds.json().id as string))?.tenant).toBe('local')
      const legacy = await open.app.networks.put({ spec: net }) // no tenant recorded: owned by local
      const list = await open.app.inject({ method: 'GET', url: '/v1/networks' })
      expect(ids(list.json())).toContain(legacy.id)
      // a record of a named tenant stays hidden from the open API too
      const other = await open.app.networks.put({ spec: net, tenant: 'tenant-a' })
      expect((await open.app.inject({ method: 'GET', url: `/v1/networks/${other.id}` })).statusCode).toBe(404)
    } finally {
      await open.close()
    }
  })
})
