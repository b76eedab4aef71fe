// Paged lists read each tenant's own index, newest first: ?offset=&limit= with the total.
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { buildTestApp, type TestApp } from './helper.js'

const A = 'key-page-tenant-a-0123', B = 'key-page-tenant-b-0123'
let t: TestApp
beforeAll(async () => { t = await buildTestApp('pagination', { API_KEYS: `${A}:page-a:read,train;${B}:page-b:read,train`, RATE_LIMIT_PER_MINUTE: '0' }) })
afterAll(async () => { await t.close() })

const as = (key: string) => ({ authorization: `Bearer ${key}` })

describe('paged lists', () => {
  it('datasets, networks and models: newest first, a page at a time, only the tenant\'s own, with the total', async () => {
    const made: string[] = []
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/datasets', headers: as(A), payload: { name: `d${i}`, features: [[i], [i + 1]], targets: [0, 1] } })
      expect(res.statusCode).toBe(201)
      made.push(res.json().id)
    }
    await t.app.inject({ method: 'POST', url: '/v1/datasets', headers: as(B), payload: { name: 'other', features: [[1], [2]], targets: [0, 1] } })

    const first = (await t.app.inject({ method: 'GET', url: '/v1/datasets?limit=2', headers: as(A) })).json()
    expect(first).toMatchObject({ total: 5, offset: 0, limit: 2 })
    expect(first.items.map((d: { id: string }) => d.id)).toEqual([made[4], made[3]])
    const last = (await t.app.inject({ method: 'GET', url: '/v1/datasets?offset=4&limit=2', headers: as(A) })).json()
    expect(last.items.map((d: { id: string }) => d.id)).toEqual([made[0]])
    expect((await t.app.inject({ method: 'GET', url: '/v1/datasets', headers: as(B) })).json().total).toBe(1)

    // a removed record leaves both indexes
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${made[4]}`, headers: as(A) })).statusCode).toBe(204)
    expect((await t.app.inject({ method: 'GET', url: '/v1/datasets?limit=1', headers: as(A) })).json()).toMatchObject({ total: 4, items: [{ id: made[3] }] })

    const spec = { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } }
    for (let i = 0; i < 3; i++) await t.app.inject({ method: 'POST', url: '/v1/networks', headers: as(A), payload: { ...spec, name: `n${i}` } })
    const nets = (await t.app.inject({ method: 'GET', url: '/v1/networks?offset=1&limit=5', headers: as(A) })).json()
    expect(nets.total).toBe(3)
    expect(nets.items.map((n: { name: string }) => n.name)).toEqual(['n1', 'n0'])

    for (let i = 0; i < 3; i++) await t.app.models.save({ spec: spec as never, params: Float32Array.from([i, 0]), meta: { name: 'm', tenant: 'page-a' } })
    const versions = (await t.app.inject({ method: 'GET', url: '/v1/models?name=m&limit=2', headers: as(A) })).json()
    expect(versions.total).toBe(3)
    expect(versions.items.map((m: { version: number }) => m.version)).toEqual([3, 2])
    expect((await t.app.inject({ method: 'GET', url: '/v1/models', headers: as(B) })).json().total).toBe(0)
  })

  it('training jobs too: a page of the tenant\'s own jobs, newest first', async () => {
    const ds = await t.app.inject({ method: 'POST', url: '/v1/datasets', headers: as(A), payload: { features: [[0], [1], [2], [3]], targets: [0, 1, 0, 1] } })
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/training-jobs', headers: as(A), payload: {
        datasetId: ds.json().id, network: { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } },
        training: { epochs: 1, batchSize: 2, optimizer: { type: 'sgd', learningRate: 0.1 } }
      } })
      expect(res.statusCode).toBe(202)
      ids.push(res.json().id)
      await new Promise((resolve) => setTimeout(resolve, 5)) // distinct creation times
    }
    const page = (await t.app.inject({ method: 'GET', url: '/v1/training-jobs?limit=2', headers: as(A) })).json()
    expect(page.total).toBe(3)
    expect(page.items.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]])
    expect(page.items[0]).toMatchObject({ status: 'queued' })
    expect((await t.app.inject({ method: 'GET', url: '/v1/training-jobs', headers: as(B) })).json()).toMatchObject({ total: 0, items: [] })
  })

  it('refuses a bad page with a 400 that names the field', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/datasets?limit=5000', headers: as(A) })
    expect(res.statusCode).toBe(400)
    expect(res.json().detail).toMatch(/limit/)
  })
})
