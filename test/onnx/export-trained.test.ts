// Models trained through the API by a real worker on real data, exported as ONNX and run by ONNX Runtime
// (WebAssembly): iris (a classifier with labels), diabetes (a regression whose targets were scaled) and a
// CSV with a categorical column and missing cells (imputation and one-hot encoding inside the graph); then
// every block kind (maxout, layer norm, batch norm on its running statistics, dropout, residual with and
// without a projection) alone and combined. The runtime gives POST /v1/models/{ref}/predict's outputs to
// float32 precision, and its labels.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import request from 'supertest'
import type { TestApp } from '../api/helper.js'
import { buildAppWithWorker, waitForModel } from '../api/with-worker.js'
import { fixturePath, readCsv } from '../support/fixtures.js'
import { checkOnnx, decode, FLOAT32_TOLERANCE, maxRelativeError, runOnnx, type OnnxRun } from '../support/onnx-runtime.js'
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

/** The model exported as ONNX, checked by onnx.checker, then run on rows of codes; with the graph's operators and initializers. */
async function exportAndRun (id: string, codes: number[][]): Promise<OnnxRun & { ops: string[], initializers: Map<string, number[]> }> {
  const res = await request(t.app.server).get(`/v1/models/${id}/export?format=onnx`).buffer(true)
    .parse((r, done) => { const parts: Buffer[] = []; r.on('data', (c: Buffer) => parts.push(c)); r.on('end', () => done(null, Buffer.concat(parts))) })
  expect(res.status).toBe(200)
  const bytes = new Uint8Array(res.body as Buffer)
  expect(checkOnnx(bytes)).toBe('opset 17 ir 8')
  const graph = decode(bytes).graph
  const ops = (graph?.node ?? []).map((n) => String(n.opType))
  const initializers = new Map((graph?.initializer ?? []).map((i) => [String(i.name), (i.dims ?? []).map(Number)]))
  return { ...await runOnnx(bytes, codes), ops, initializers }
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

/** Rows of a fixture's first `columns` columns, as numbers. */
const numericRows = (name: string, columns: number): number[][] => readCsv(name).rows.map((r) => r.slice(0, columns).map(Number))

/** The JSON export's parameters (export v2: state_dict name → nested arrays). */
async function exportedParameters (id: string): Promise<Record<string, unknown>> {
  const res = await request(t.app.server).get(`/v1/models/${id}/export`)
  expect(res.status).toBe(200)
  return res.body.parameters as Record<string, unknown>
}

/** The shape of a nested array (a JSON export parameter). */
const shapeOf = (v: unknown): number[] => (Array.isArray(v) ? [v.length, ...shapeOf(v[0])] : [])

/**
 * Trains `network` on a fixture, exports it as ONNX and runs every row: the runtime's outputs (and labels)
 * are predict's, the graph holds `ops`, and its weights are the JSON export's parameters, by name and shape.
 */
async function trainedAgrees (fixture: { file: string, target: string, columns: number }, network: Record<string, unknown>, training: Record<string, unknown>, ops: string[]): Promise<string> {
  const datasetId = await upload(readFileSync(fixturePath(fixture.file), 'utf8'), `target=${fixture.target}`)
  const id = await train(datasetId, network, training)
  const rows = numericRows(fixture.file, fixture.columns)
  const run = await exportAndRun(id, rows)
  const want = await predict(id, rows)
  for (const op of ops) expect(run.ops, `the graph has ${op}`).toContain(op)
  const got = run.outputs.probabilities ?? run.outputs.variable
  expect(got).toHaveLength(want.outputs.flat().length)
  expect(maxRelativeError(got, want.outputs.flat())).toBeLessThan(FLOAT32_TOLERANCE)
  if (want.labels) {
    const classes = JSON.parse(run.metadata.classes) as string[]
    expect(run.outputs.label.map((k) => classes[k])).toEqual(want.labels)
    expect(new Set(want.labels).size).toBeGreaterThan(1) // a model that learned something, not one constant class
  }
  const parameters = await exportedParameters(id)
  const inGraph = [...run.initializers].filter(([name]) => name.startsWith('layers.') || name.startsWith('output.'))
  expect(Object.fromEntries(inGraph)).toEqual(Object.fromEntries(Object.entries(parameters).map(([name, v]) => [name, shapeOf(v)])))
  return id
}

const iris = { file: 'iris.csv', target: 'species', columns: 4 }
const diabetes = { file: 'diabetes.csv', target: 'progression', columns: 10 }
const digits = { file: 'digits.csv', target: 'digit', columns: 64 }
const adam = (learningRate: number) => ({ type: 'adam', learningRate })

describe('ONNX export of trained networks with every block kind', () => {
  it('maxout on iris: Gemm of units·k outputs, Reshape [N, units, k], ReduceMax', async () => {
    await trainedAgrees(iris, { layers: [{ units: 6, activation: 'maxout', pieces: 3 }], output: { activation: 'softmax' } },
      { epochs: 30, batchSize: 16, optimizer: adam(0.02) }, ['Gemm', 'Reshape', 'ReduceMax', 'Softmax'])
  })

  it('layer norm on diabetes: LayerNormalization with the norm\'s weight and bias', async () => {
    await trainedAgrees(diabetes, { layers: [{ units: 12, activation: 'relu', norm: 'layer' }], output: { activation: 'identity' } },
      { epochs: 20, batchSize: 32, optimizer: adam(0.01) }, ['LayerNormalization', 'Relu'])
  })

  it('batch norm on iris: BatchNormalization on the running statistics training left', async () => {
    const id = await trainedAgrees(iris, { layers: [{ units: 8, activation: 'tanh', norm: 'batch' }], output: { activation: 'softmax' } },
      { epochs: 20, batchSize: 16, optimizer: adam(0.02) }, ['BatchNormalization', 'Tanh'])
    const parameters = await exportedParameters(id)
    // the running statistics moved away from their initial 0 and 1: inference mode reads them
    expect((parameters['layers.0.norm.running_mean'] as number[]).some((v) => Math.abs(v) > 1e-3)).toBe(true)
    expect((parameters['layers.0.norm.running_var'] as number[]).some((v) => Math.abs(v - 1) > 1e-3)).toBe(true)
  })

  it('dropout and a residual of equal widths on diabetes: nothing for dropout, Add(x, f) with no projection', async () => {
    const id = await trainedAgrees(diabetes, { layers: [{ units: 10, activation: 'relu' }, { units: 10, activation: 'tanh', dropout: 0.2, residual: true }], output: { activation: 'identity' } },
      { epochs: 20, batchSize: 32, optimizer: adam(0.01) }, ['Add', 'Tanh'])
    expect(Object.keys(await exportedParameters(id)).some((name) => name.includes('projection'))).toBe(false)
  })

  it('all combined on digits: batch-norm maxout, then layer norm + leaky_relu + dropout + residual across widths (projection)', async () => {
    const run = await trainedAgrees(digits, {
      layers: [
        { units: 16, activation: 'maxout', pieces: 2, norm: 'batch' },
        { units: 12, activation: 'leaky_relu', alpha: 0.1, norm: 'layer', dropout: 0.2, residual: true }
      ],
      output: { activation: 'softmax' }
    }, { epochs: 8, batchSize: 64, optimizer: adam(0.01) }, ['BatchNormalization', 'ReduceMax', 'LayerNormalization', 'LeakyRelu', 'Add'])
    expect(Object.keys(await exportedParameters(run))).toContain('layers.1.projection.weight')
  })
})
