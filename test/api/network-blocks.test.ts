// The block vocabulary through the API: a hidden layer's norm, dropout, residual and maxout are
// validated by the schema (400 naming the field) and counted in the description.
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import request from 'supertest'
import { buildTestApp, type TestApp } from './helper.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp('network-blocks', { MAX_PARAMETERS: '10000' }) })
afterAll(async () => { await t.close() })

const net = (layers: unknown[]) => ({ inputs: 10, layers, output: { units: 3, activation: 'softmax' } })

describe('POST /v1/networks with the block vocabulary', () => {
  it('counts every parameter: maxout\'s k-fold Linear, the norm\'s weight and bias, a residual projection', async () => {
    const res = await request(t.app.server).post('/v1/networks').send(net([
      { units: 8, activation: 'relu', norm: 'layer', dropout: 0.2 }, // 10·8 + 8, + 8 + 8
      { units: 8, activation: 'tanh', residual: true }, // 8·8 + 8, same width: no projection
      { units: 4, activation: 'maxout', pieces: 3, residual: true } // 8·12 + 12, + projection 4·8
    ]))
    expect(res.status).toBe(201)
    expect(res.body.layers.map((l: { parameters: number }) => l.parameters)).toEqual([104, 72, 140])
    expect(res.body.output).toEqual({ inputs: 4, units: 3, activation: 'softmax', parameters: 15 })
    // the summary shows each layer's blocks, as set (maxout's pieces always)
    expect(res.body.layers.map(({ parameters: _p, inputs: _i, ...blocks }: Record<string, unknown>) => blocks)).toEqual([
      { units: 8, activation: 'relu', norm: 'layer', dropout: 0.2 },
      { units: 8, activation: 'tanh', residual: true },
      { units: 4, activation: 'maxout', pieces: 3, residual: true }
    ])
    expect(res.body.parameterCount).toBe(104 + 72 + 140 + 15)
  })

  it('takes a 1-unit maxout layer with layer norm: the norm runs over its units·pieces pre-activations (a 1-unit plain layer is refused)', async () => {
    const res = await request(t.app.server).post('/v1/networks').send(net([{ units: 1, activation: 'maxout', pieces: 3, norm: 'layer' }]))
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.layers[0].parameters).toBe(10 * 3 + 3 + 3 + 3) // LayerNorm(3): weight and bias of 3
  })

  it('shows a leaky_relu layer\'s slope, the default one too', async () => {
    const res = await request(t.app.server).post('/v1/networks').send(net([{ units: 4, activation: 'leaky_relu' }, { units: 4, activation: 'leaky_relu', alpha: 0.2 }]))
    expect(res.body.layers.map((l: { alpha?: number }) => l.alpha)).toEqual([0.01, 0.2])
  })

  it('counts batch norm as PyTorch counts net.parameters(): weight and bias, not the running statistics (buffers)', async () => {
    const res = await request(t.app.server).post('/v1/networks').send(net([{ units: 8, activation: 'relu', norm: 'batch' }]))
    expect(res.status).toBe(201)
    expect(res.body.layers[0].parameters).toBe(10 * 8 + 8 + 8 + 8) // not + 16 for running_mean and running_var
    expect(res.body.parameterCount).toBe(104 + 27)
  })

  for (const [layer, field, message] of [
    [{ units: 4, activation: 'relu', pieces: 2 }, 'pieces', /maxout only/],
    [{ units: 4, activation: 'relu', dropout: 1 }, 'dropout', /less than 1|< ?1/],
    [{ units: 4, activation: 'relu', norm: 'group' }, 'norm', /batch|layer/],
    [{ units: 4, activation: 'maxout', pieces: 1 }, 'pieces', /2/]
  ] as const) {
    it(`answers ${JSON.stringify(layer)} with a 400 naming layers[0].${field}`, async () => {
      const res = await request(t.app.server).post('/v1/networks').send(net([layer]))
      expect(res.status).toBe(400)
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(JSON.stringify(res.body)).toContain(field)
      expect(JSON.stringify(res.body)).toMatch(message)
    })
  }
})
