import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import request from 'supertest'
import { buildTestApp, type TestApp } from './helper.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp('networks', { MAX_PARAMETERS: '10000' }) })
afterAll(async () => { await t.close() })

const net = (layers: unknown[], output: unknown = { units: 1, activation: 'identity' }, extra = {}) => ({ inputs: 10, layers, output, ...extra })

describe('POST /v1/networks', () => {
  it('describes 10-10-5-1 layer by layer with 171 parameters', async () => {
    const spec = net([{ units: 10, activation: 'relu' }, { units: 5, activation: 'tanh' }], undefined, { l2: 0.001 })
    const res = await request(t.app.server).post('/v1/networks').send({ name: 'small', ...spec })
    expect(res.status).toBe(201)
    expect(res.headers.location).toBe(`/v1/networks/${res.body.id}`)
    expect(res.body).toMatchObject({
      name: 'small',
      inputs: 10,
      l2: 0.001,
      parameterCount: 171,
      layers: [
        { inputs: 10, units: 10, activation: 'relu', parameters: 110 },
        { inputs: 10, units: 5, activation: 'tanh', parameters: 55 }
      ],
      output: { inputs: 5, units: 1, activation: 'identity', parameters: 6 }
    })
    expect(res.body.network).toEqual(spec)
  })

  it('accepts a step activation for a definition (training is what refuses it)', async () => {
    const res = await request(t.app.server).post('/v1/networks').send(net([{ units: 3, activation: 'step' }]))
    expect(res.status).toBe(201)
    expect(res.body.layers[0].activation).toBe('step')
  })

  it('answers a bad activation with a 400 problem naming the field', async () => {
    const res = await request(t.app.server).post('/v1/networks').send(net([{ units: 4, activation: 'relu' }, { units: 4, activation: 'swish' }]))
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'layers[1].activation', in: 'body' })])
    expect(res.body.detail).toMatch(/layers\[1\]\.activation: .*relu/)
  })

  it('names the field of zero units, a one-unit softmax, alpha on a non-leaky layer and unknown keys', async () => {
    const zero = await request(t.app.server).post('/v1/networks').send(net([{ units: 0, activation: 'relu' }]))
    expect(zero.body.errors[0].field).toBe('layers[0].units')
    const softmax = await request(t.app.server).post('/v1/networks').send(net([], { units: 1, activation: 'softmax' }))
    expect(softmax.status).toBe(400)
    expect(softmax.body.errors[0]).toMatchObject({ field: 'output.units', message: expect.stringMatching(/at least 2 units/) })
    const alpha = await request(t.app.server).post('/v1/networks').send(net([{ units: 2, activation: 'relu', alpha: 0.1 }]))
    expect(alpha.body.errors[0].field).toBe('layers[0].alpha')
    const extra = await request(t.app.server).post('/v1/networks').send(net([], undefined, { dropout: 0.5 }))
    expect(extra.status).toBe(400)
    expect(extra.body.detail).toMatch(/dropout/)
  })

  it('refuses a network over MAX_PARAMETERS with a 422 that names the limit', async () => {
    const res = await request(t.app.server).post('/v1/networks').send(net([{ units: 1000, activation: 'relu' }]))
    expect(res.status).toBe(422)
    expect(res.body.detail).toBe('the network has 12,001 parameters; the limit is 10,000 (MAX_PARAMETERS)')
  })
})

describe('GET /v1/networks', () => {
  it('lists and reads definitions; an unknown id is a 404 problem', async () => {
    const created = await request(t.app.server).post('/v1/networks').send(net([{ units: 2, activation: 'sigmoid' }]))
    const list = await request(t.app.server).get('/v1/networks')
    expect(list.body.items.map((n: { id: string }) => n.id)).toContain(created.body.id)
    expect((await request(t.app.server).get(`/v1/networks/${created.body.id}`)).body).toEqual(created.body)
    const missing = await request(t.app.server).get('/v1/networks/net_missing')
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ code: 'NN_ERR_NETWORK_NOT_FOUND', status: 404 })
  })
})
