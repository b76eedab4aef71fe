// The block vocabulary end to end: a job with batch norm, dropout, a residual block and maxout trains
// on a real worker, predicts, and its version 2 export imports back with identical predictions. Batch
// norm with a training minibatch of one row is refused with the batch size to use: at admission when
// the training rows are known there, else by the worker, whose job fails with the same reason.
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

  it('refuses batch norm with a last minibatch of one row (400 naming the batch size), fails such a job after a stratified split, and lets layer norm train on it', async () => {
    const csv = readFileSync(new URL('../fixtures/iris.csv', import.meta.url), 'utf8')
    const up = await request(ctx.t.app.server).post('/v1/datasets?target=species').set('content-type', 'text/csv').send(csv)
    const job = (norm: string, training: Record<string, unknown>): Record<string, unknown> => ({
      datasetId: up.body.id,
      network: { layers: [{ units: 6, activation: 'relu', norm }], output: { activation: 'softmax' } },
      training: { epochs: 1, seed: 1, earlyStopping: false, ...training }
    })
    // 150 rows in minibatches of 149: the last has one row
    const refused = await request(ctx.t.app.server).post('/v1/training-jobs').send(job('batch', { batchSize: 149, validationSplit: 0 }))
    expect(refused.status).toBe(400)
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(refused.body.detail).toMatch(/150 training rows in minibatches of 149 leave a last minibatch of 1 row: set training\.batchSize to 148/)
    expect(refused.body.field).toBe('training.batchSize')
    const everyRowAlone = await request(ctx.t.app.server).post('/v1/training-jobs').send(job('batch', { batchSize: 1, validationSplit: 0 }))
    expect(everyRowAlone.status).toBe(400)
    expect(everyRowAlone.body.detail).toMatch(/set training\.batchSize to 2/)

    // the stratified 10% split leaves 135 rows (45 of each class), which only the worker counts: 135 = 2 × 67 + 1
    const failed = await trainToEnd(ctx.t, job('batch', { batchSize: 67, validationSplit: 0.1 }))
    expect(failed.body.status, JSON.stringify(failed.body)).toBe('failed')
    expect(failed.body.error).toMatch(/135 training rows in minibatches of 67 leave a last minibatch of 1 row: set training\.batchSize to 66/)

    // layer norm normalises each row on its own: a row alone is fine
    const layer = await trainToEnd(ctx.t, job('layer', { batchSize: 149, validationSplit: 0 }))
    expect(layer.body.status, JSON.stringify(layer.body)).toBe('succeeded')
  })
})
