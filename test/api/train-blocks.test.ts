// The block vocabulary end to end: a job with batch norm, dropout, a residual block and maxout trains
// on a real worker, predicts, and its version 2 export imports back with identical predictions.
import { readFileSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import request from 'supertest'
import { appWithWorker, trainToEnd } from '../support/training-api.js'

const ctx = appWithWorker('train-blocks')

describe('a network of blocks through the API', () => {
  it('trains, predicts, and round-trips through its export', async () => {
    const csv = readFileSync(new URL('../fixtures/iris.csv', import.meta.url), 'utf8')
    const up = await request(ctx.t.app.server).post('/v1/datasets?target=species').set('content-type', 'text/csv').send(csv)
    expect(up.status, JSON.stringify(up.body)).toBe(201)
    const job = await trainToEnd(ctx.t, {
      datasetId: up.body.id,
      network: {
        layers: [
          { units: 12, activation: 'relu', norm: 'batch', dropout: 0.1 },
          { units: 12, activation: 'tanh', norm: 'layer', residual: true },
          { units: 6, activation: 'maxout', pieces: 2, residual: true }
        ],
        output: { activation: 'softmax' }
      },
      training: { epochs: 60, batchSize: 40, optimizer: { type: 'adam', learningRate: 0.02 }, seed: 3, earlyStopping: false },
      modelName: 'iris-blocks'
    })
    expect(job.body.status, JSON.stringify(job.body)).toBe('succeeded')
    const modelId = job.body.modelId as string
    const rows = { inputs: [[5.1, 3.5, 1.4, 0.2], [6.0, 2.7, 5.1, 1.6], [6.7, 3.0, 5.2, 2.3]] }
    const predicted = await request(ctx.t.app.server).post(`/v1/models/${modelId}/predict`).send(rows)
    expect(predicted.status).toBe(200)
    expect(predicted.body.labels[0]).toBe('setosa')
    expect(predicted.body.labels[2]).toBe('virginica')

    const exported = await request(ctx.t.app.server).get(`/v1/models/${modelId}/export`)
    expect(exported.body.version).toBe(2)
    expect(Object.keys(exported.body.parameters)).toContain('layers.0.norm.running_var')
    expect(exported.body.parameters['layers.0.norm.running_var'].some((v: number) => v !== 1)).toBe(true) // moved in training
    expect(Object.keys(exported.body.parameters)).toContain('layers.2.projection.weight')
    const imported = await request(ctx.t.app.server).post('/v1/models').send(exported.body)
    expect(imported.status, JSON.stringify(imported.body)).toBe(201)
    const again = await request(ctx.t.app.server).post(`/v1/models/${imported.body.id as string}/predict`).send(rows)
    expect(again.body).toEqual(predicted.body)
  })
})
