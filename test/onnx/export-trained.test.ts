// Models trained through the API by a real worker on real data, exported as ONNX and run by ONNX Runtime
// (WebAssembly): iris (a classifier with labels), diabetes (a regression whose targets were scaled) and a
// CSV with a categorical column and missing cells (imputation and one-hot encoding inside the graph). The
// runtime gives POST /v1/models/{ref}/predict's outputs to float32 precision, and its labels.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import request from 'supertest'
import type { TestApp } from '../api/helper.js'
import { buildAppWithWorker, waitForModel } from '../api/with-worker.js'
import { fixturePath, readCsv } from '../support/fixtures.js'
import { checkOnnx, FLOAT32_TOLERANCE, maxRelativeError, runOnnx, type OnnxRun } from '../support/onnx-runtime.js'
import { Rng } from '../../src/nn/random.js'

let t: TestApp
beforeAll(async () => { t = await buildAppWithWorker('onnx-trained') })
afterAll(async () => { await t?.close() })

async function upload (csv: string, query: string): Promise<string> {
  const res = await request(t.app.server).post(`/v1/datasets?${query}`).set('content-type', 'text/csv').send(csv)
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.id as string
}

async function train (datasetId: string, network: Record<string, unknown>, training: Record<string, unknown>): Promise<string> {
  const created = await request(t.app.server).post('/v1/training-jobs').send({ datasetId, network, training: { seed: 3, validationSplit: 0, earlyStopping: false, ...training } })
  expect(created.status, JSON.stringify(created.body)).toBe(202)
  return String((await waitForModel(t, created.body.id as string)).id)
}

/** The model exported as ONNX, checked by onnx.checker, then run on rows of codes. */
async function exportAndRun (id: string, codes: number[][]): Promise<OnnxRun> {
  const res = await request(t.app.server).get(`/v1/models/${id}/export?format=onnx`).buffer(true)
    .parse((r, done) => { const parts: Buffer[] = []; r.on('data', (c: Buffer) => parts.push(c)); r.on('end', () => done(null, Buffer.concat(parts))) })
  expect(res.status).toBe(200)
  const bytes = new Uint8Array(res.body as Buffer)
  expect(checkOnnx(bytes)).toBe('opset 17 ir 8')
  return await runOnnx(bytes, codes)
}

async function predict (id: string, inputs: unknown[][]): Promise<{ outputs: number[][], labels?: string[] }> {
  const res = await request(t.app.server).post(`/v1/models/${id}/predict`).send({ inputs })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body
}

describe('ONNX export of trained models', () => {
  it('iris: class probabilities and the label index of every row, with the class names in the metadata', async () => {
    const datasetId = await upload(readFileSync(fixturePath('iris.csv'), 'utf8'), 'target=species&name=iris')
    const id = await train(datasetId, { layers: [{ units: 8, activation: 'tanh' }], output: { activation: 'softmax' } },
      { epochs: 40, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 } })
    const rows = readCsv('iris.csv').rows.map((r) => r.slice(0, 4).map(Number))
    const run = await exportAndRun(id, rows)
    const want = await predict(id, rows)
    expect(maxRelativeError(run.outputs.probabilities, want.outputs.flat())).toBeLessThan(FLOAT32_TOLERANCE)
    const classes = JSON.parse(run.metadata.classes) as string[]
    expect(classes).toEqual(['setosa', 'versicolor', 'virginica'])
    expect(run.outputs.label.map((k) => classes[k])).toEqual(want.labels)
    expect(new Set(want.labels).size).toBe(3)
    expect(JSON.parse(run.metadata.feature_names)).toEqual(['sepal_length_(cm)', 'sepal_width_(cm)', 'petal_length_(cm)', 'petal_width_(cm)'])
  })

  it('diabetes: values in the target\'s units (the training\'s target scaling undone in the graph)', async () => {
    const datasetId = await upload(readFileSync(fixturePath('diabetes.csv'), 'utf8'), 'target=progression&name=diabetes')
    const id = await train(datasetId, { layers: [{ units: 16, activation: 'relu' }, { units: 8, activation: 'softplus' }], output: { activation: 'identity' } },
      { epochs: 30, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 } })
    const exported = await request(t.app.server).get(`/v1/models/${id}/export`)
    expect(exported.body.targetNormalization).toMatchObject({ kind: 'standard' })
    const rows = readCsv('diabetes.csv').rows.map((r) => r.slice(0, 10).map(Number))
    const run = await exportAndRun(id, rows)
    const want = await predict(id, rows)
    expect(run.dims.variable).toEqual([rows.length, 1])
    expect(maxRelativeError(run.outputs.variable, want.outputs.flat())).toBeLessThan(FLOAT32_TOLERANCE)
    const mean = run.outputs.variable.reduce((s, v) => s + v, 0) / rows.length
    expect(mean).toBeGreaterThan(100) // progression's units (25–346), not standardised ones
    expect(JSON.parse(run.metadata.target_names)).toEqual(['progression'])
  })

  it('a categorical column and missing cells: codes, NaN and unseen categories give predict\'s answers to raw rows', async () => {
    const colors = ['red', 'green', 'blue']
    const rng = new Rng(5)
    const rows = Array.from({ length: 240 }, () => {
      const size = Math.round(rng.next() * 100) / 10
      const color = colors[Math.floor(rng.next() * 3)]
      const weight = Math.round(rng.next() * 50) / 10
      const label = color === 'red' || (color === 'green' && size > 5) ? 'yes' : 'no'
      return [rng.next() < 0.08 ? '' : String(size), rng.next() < 0.05 ? 'NA' : color, rng.next() < 0.1 ? '?' : String(weight), label]
    })
    const csv = 'size,color,weight,label\n' + rows.map((r) => r.join(',')).join('\n') + '\n'
    const datasetId = await upload(csv, 'target=label&missing=most_frequent')
    const id = await train(datasetId, { layers: [{ units: 12, activation: 'leaky_relu', alpha: 0.05 }], output: { units: 1, activation: 'sigmoid' } },
      { epochs: 40, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 } })

    // raw rows as a client has them: numbers, category names, null for missing, and a colour the model never saw
    const raw: Array<[number | null, string | null, number | null]> = [
      [1.5, 'red', 2], [7.2, 'green', null], [3, 'blue', 4.4], [null, 'green', 1], [6, null, 3], [9.9, 'purple', 0.5], [null, null, null], [4.4, 'red', 4.9]
    ]
    const want = await predict(id, raw)
    const exported = await exportAndRun(id, [[0, 0, 0]])
    const categories = JSON.parse(exported.metadata.categories) as Record<string, string[]>
    expect(categories).toEqual({ color: ['blue', 'green', 'red'] })
    expect(exported.metadata.imputer_strategy).toBe('most_frequent')
    // the input's encoding: a category's index in metadata categories, -1 for one never seen, NaN for missing
    const codes = raw.map(([size, color, weight]) => [size ?? NaN, color === null ? NaN : categories.color.indexOf(color), weight ?? NaN])
    const run = await exportAndRun(id, codes)
    expect(run.dims.probabilities).toEqual([raw.length, 1])
    expect(maxRelativeError(run.outputs.probabilities, want.outputs.flat())).toBeLessThan(FLOAT32_TOLERANCE)
    const classes = JSON.parse(run.metadata.classes) as string[]
    expect(run.outputs.label.map((k) => classes[k])).toEqual(want.labels)
    expect(new Set(want.labels)).toEqual(new Set(['no', 'yes']))
  })
})
