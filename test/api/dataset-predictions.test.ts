// POST /v1/models/{ref}/predictions: every row of a stored dataset as CSV or NDJSON, equal to predict's
// answers for the same rows, with flat memory on 100,000 rows. Real app and Redis over a listening server.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { runInNewContext } from 'node:vm'
import v8 from 'node:v8'
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import request from 'supertest'
import { buildTestApp, type TestApp } from './helper.js'
import { uploadJson } from '../support/training-api.js'
import { columnStats } from '../../src/data/column-stats.js'

let t: TestApp
let base: string

beforeAll(async () => {
  t = await buildTestApp('dataset-predictions')
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
})
afterAll(async () => { await t?.close() })

async function importModel (body: Record<string, unknown>): Promise<string> {
  const res = await request(t.app.server).post('/v1/models').send({ format: 'backprop.model', version: 1, ...body })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.id as string
}

const softmax3 = {
  network: { inputs: 2, layers: [{ units: 3, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } },
  layers: [{ W: [[1, -1], [0.5, 2], [-1, 0.3]], b: [0, 0.1, -0.2] }, { W: [[1, 0, -1], [0.2, 1, 0.4], [-1, 0.5, 1]], b: [0.1, 0, -0.1] }],
  classes: ['a, the first', 'b', 'c'], featureNames: ['u', 'v'],
  normalization: { kind: 'standard', offset: [1, -1], scale: [2, 0.5] }
}

describe('small datasets', () => {
  it('NDJSON (default) and CSV (Accept: text/csv) hold predict\'s outputs and labels for every row, in order', async () => {
    const modelId = await importModel(softmax3)
    const features = [[0, 0], [1, 2], [-3, 0.5], [2.5, -1], [0.1, 0.2]]
    const datasetId = await uploadJson(t, { features, targets: ['b', 'c', 'b', 'c', 'b'], featureNames: ['u', 'v'] })
    const predicted = await request(t.app.server).post(`/v1/models/${modelId}/predict`).send({ inputs: features })
    expect(predicted.status).toBe(200)

    const nd = await request(t.app.server).post(`/v1/models/${modelId}/predictions`).send({ datasetId }).buffer(true).parse(text)
    expect(nd.status).toBe(200)
    expect(nd.headers['content-type']).toBe('application/x-ndjson; charset=utf-8')
    const lines = (nd.body as string).trim().split('\n').map((l) => JSON.parse(l))
    expect(lines).toEqual(features.map((_, r) => ({ row: r, outputs: predicted.body.outputs[r], label: predicted.body.labels[r] })))

    const csv = await request(t.app.server).post(`/v1/models/${modelId}/predictions`).set('accept', 'text/csv').send({ datasetId }).buffer(true).parse(text)
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    const [header, ...rows] = (csv.body as string).trim().split('\n')
    expect(header).toBe('row,"a, the first",b,c,label')
    // a label with a comma is quoted (RFC 4180)
    const quoted = (s: string): string => (s.includes(',') ? `"${s}"` : s)
    expect(rows).toEqual(features.map((_, r) => `${r},${(predicted.body.outputs[r] as number[]).join(',')},${quoted(predicted.body.labels[r] as string)}`))

    // Accept: application/json: one array of the NDJSON lines' objects, for clients that parse a whole JSON body
    const json = await request(t.app.server).post(`/v1/models/${modelId}/predictions`).set('accept', 'application/json').send({ datasetId }).buffer(true).parse(text)
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(JSON.parse(json.body as string)).toEqual(lines)
    // over several blocks of rows (the stream makes 256 rows at a time): one array, commas between every object
    const many = Array.from({ length: 600 }, (_, r) => [Math.sin(r), Math.cos(r)])
    const manyId = await uploadJson(t, { features: many, targets: many.map((f) => (f[0] > 0 ? 'b' : 'c')), featureNames: ['u', 'v'] })
    const asNd = await request(t.app.server).post(`/v1/models/${modelId}/predictions`).send({ datasetId: manyId }).buffer(true).parse(text)
    const asJson = await request(t.app.server).post(`/v1/models/${modelId}/predictions`).set('accept', 'application/json').send({ datasetId: manyId }).buffer(true).parse(text)
    expect(JSON.parse(asJson.body as string)).toEqual((asNd.body as string).trim().split('\n').map((l) => JSON.parse(l)))
  })

  it('406 for an Accept it cannot meet; 404 and 422 before any line is sent', async () => {
    const modelId = await importModel(softmax3)
    const datasetId = await uploadJson(t, { features: [[1, 2]], targets: [1], featureNames: ['u', 'v'] })
    const xml = await request(t.app.server).post(`/v1/models/${modelId}/predictions`).set('accept', 'application/xml').send({ datasetId })
    expect([xml.status, xml.body.detail]).toEqual([406, expect.stringMatching(/send Accept: application\/x-ndjson or text\/csv or application\/json/)])
    // targets are not needed to predict: a numeric-target dataset with the right columns is fine
    expect((await request(t.app.server).post(`/v1/models/${modelId}/predictions`).send({ datasetId })).status).toBe(200)
    const other = await uploadJson(t, { features: [[1, 2, 3]], targets: [1] })
    expect((await request(t.app.server).post(`/v1/models/${modelId}/predictions`).send({ datasetId: other })).status).toBe(422)
    expect((await request(t.app.server).post(`/v1/models/${modelId}/predictions`).send({ datasetId: 'ds_none' })).status).toBe(404)
    expect((await request(t.app.server).post('/v1/models/mdl_none/predictions').send({ datasetId })).status).toBe(404)
  })
})

describe('categorical columns', () => {
  it('a dataset holding numbers in a column the model reads as categories is a 422 (predictions and evaluate), never rows of zeros', async () => {
    // size (numeric), color (categorical: blue, red); y = size + 10·[blue] + 20·[red]
    const modelId = await importModel({
      network: { inputs: 3, layers: [], output: { units: 1, activation: 'identity' } },
      layers: [{ W: [[1, 10, 20]], b: [0] }],
      preprocessing: { columns: [{ name: 'size', kind: 'numeric' }, { name: 'color', kind: 'categorical', categories: ['blue', 'red'] }] },
      normalization: { kind: 'none', offset: [0, 0, 0], scale: [1, 1, 1] }
    })
    const codes = await uploadJson(t, { features: [[1.5, 1], [2, 0]], targets: [21.5, 12], featureNames: ['size', 'color'] })
    for (const route of ['predictions', 'evaluate']) {
      const res = await request(t.app.server).post(`/v1/models/${modelId}/${route}`).send({ datasetId: codes })
      expect([res.status, res.body.detail], route).toEqual([422, `column 'color' of dataset '${codes}' is numeric; the model read it as categorical with the categories "blue", "red": a dataset must hold them by name`])
    }
    const named = await uploadJson(t, { features: [[1.5, 'red'], [2, 'blue']], targets: [21.5, 12], featureNames: ['size', 'color'] })
    const res = await request(t.app.server).post(`/v1/models/${modelId}/predictions`).send({ datasetId: named })
    expect(res.status).toBe(200)
    expect(res.text.trim().split('\n').map((l) => JSON.parse(l).outputs)).toEqual([[21.5], [12]])
  })

  it('numbers name the categories of a column the model read as categorical codes (zip codes), in evaluate and predictions as in predict', async () => {
    // zip (categorical, its categories numbers: "10001", "94105"); y = 10·[10001] + 20·[94105]
    const modelId = await importModel({
      network: { inputs: 2, layers: [], output: { units: 1, activation: 'identity' } },
      layers: [{ W: [[10, 20]], b: [1] }],
      preprocessing: { columns: [{ name: 'zip', kind: 'categorical', categories: ['10001', '94105'] }] },
      normalization: { kind: 'none', offset: [0, 0], scale: [1, 1] }
    })
    // zip uploaded as plain numbers, 60601 a code the model never saw (all zeros: the bias alone)
    const numbers = await uploadJson(t, { features: [[94105], [10001], [60601], [94105]], targets: [21, 11, 1, 20], featureNames: ['zip'] })
    const predicted = await request(t.app.server).post(`/v1/models/${modelId}/predictions`).send({ datasetId: numbers })
    expect(predicted.status, predicted.text).toBe(200)
    const lines = predicted.text.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((l) => l.outputs[0])).toEqual([21, 11, 1, 21])
    expect(lines[2].unknownCategories).toEqual([{ field: 'zip', value: '60601' }])
    const native = await request(t.app.server).post(`/v1/models/${modelId}/predict`).send({ inputs: [[94105], [10001], [60601], [94105]] })
    expect(native.body.outputs.map((o: number[]) => o[0])).toEqual([21, 11, 1, 21])
    const evaluated = await request(t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId: numbers })
    expect(evaluated.status, evaluated.text).toBe(200)
    expect(evaluated.body.unknownCategories).toEqual([{ field: 'zip', value: '60601', rows: 1 }])
    // residuals 0, 0, 0, 1: MSE 1/4
    expect(evaluated.body.metrics.mse).toBeCloseTo(0.25, 6)
  })

  it('evaluate scores a model only against targets of the name it was trained on (names the service made up aside)', async () => {
    const modelId = await importModel({
      network: { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } },
      layers: [{ W: [[2]], b: [0] }],
      featureNames: ['size'],
      targetNames: ['price'],
      normalization: { kind: 'none', offset: [0], scale: [1] }
    })
    const other = await uploadJson(t, { features: [[1], [2]], targets: [2, 4], featureNames: ['size'], targetNames: ['weight'] })
    const refused = await request(t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId: other })
    expect([refused.status, refused.body.detail]).toEqual([422, `dataset '${other}' has the target column "weight"; the model was trained to predict "price": score it on targets of that name (the feature columns match)`])
    // predictions need no targets: the same dataset is fine there
    expect((await request(t.app.server).post(`/v1/models/${modelId}/predictions`).send({ datasetId: other })).status).toBe(200)
    for (const targetNames of [['price'], undefined]) {
      const fits = await uploadJson(t, { features: [[1], [2]], targets: [2, 4], featureNames: ['size'], ...(targetNames ? { targetNames } : {}) })
      const scored = await request(t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId: fits })
      expect([scored.status, scored.body.metrics?.mse], JSON.stringify(targetNames)).toEqual([200, 0])
    }
  })
})

describe('a non-finite output is never sent as a number', () => {
  // 1 → 4 relu → 1 with weights 1e18: finite for small inputs, +∞ in float32 for an input of 1e3
  const overflowing = {
    network: { inputs: 1, layers: [{ units: 4, activation: 'relu' }], output: { units: 1, activation: 'identity' } },
    layers: [{ W: [[1e18], [1e18], [1e18], [1e18]], b: [1e18, 1e18, 1e18, 1e18] }, { W: [[1e18, 1e18, 1e18, 1e18]], b: [1e18] }]
  }

  it('in the first block: a 422 naming the row, before any line', async () => {
    const modelId = await importModel(overflowing)
    const datasetId = await uploadJson(t, { features: [[1e-3], [1e3]], targets: [1, 2] })
    const res = await request(t.app.server).post(`/v1/models/${modelId}/predictions`).send({ datasetId })
    expect([res.status, res.body.row]).toEqual([422, 1])
    expect(res.body.detail).toMatch(/output for row 1 is Infinity/)
  })

  it('in a later block: the response is cut off before that row, never completed', async () => {
    const modelId = await importModel(overflowing)
    const features = Array.from({ length: 300 }, (_, r) => [r === 299 ? 1e3 : 1e-3])
    const datasetId = await uploadJson(t, { features, targets: features.map(() => 1) })
    const outcome = await new Promise<{ text: string, complete: boolean }>((resolve) => {
      let text = ''
      const req = http.request(`${base}/v1/models/${modelId}/predictions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.setEncoding('utf8')
        res.on('data', (c: string) => { text += c })
        res.on('end', () => resolve({ text, complete: res.complete }))
        res.on('error', () => resolve({ text, complete: false }))
        res.on('aborted', () => resolve({ text, complete: false }))
      })
      req.on('error', () => resolve({ text, complete: false }))
      req.end(JSON.stringify({ datasetId }))
    })
    expect(outcome.complete).toBe(false)
    const rows = outcome.text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { row: number, outputs: number[] })
    expect(rows.length).toBeLessThan(300)
    expect(rows.every((r) => r.outputs.every((v) => typeof v === 'number' && Number.isFinite(v)))).toBe(true)
  })
})

describe('a non-finite output in the targets\' units', () => {
  // 1 → 1 identity, output = 2x, scaled back by 3e37 (a target near float32's limit): finite as the network computes
  // it, and on the rows an import is checked on (within a few standard deviations); +∞ in the target's units for a
  // row far outside them, x ≥ 5.7 (the fresh-user report: evaluate's 500)
  const scaledPastFloat32 = {
    network: { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } },
    layers: [{ W: [[2]], b: [0] }],
    targetNormalization: { kind: 'standard', offset: [0], scale: [3e37] }
  }

  it('is a 422 naming the row from evaluate, predictions and predict alike, never a 500', async () => {
    const modelId = await importModel(scaledPastFloat32)
    const datasetId = await uploadJson(t, { features: [[0.1], [9], [0.2]], targets: [1, 1, 1] })
    const evaluated = await request(t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId })
    expect([evaluated.status, evaluated.body.row, evaluated.body.code]).toEqual([422, 1, 'NN_ERR_NON_FINITE_OUTPUT'])
    expect(evaluated.body.detail).toMatch(/output for row 1 is Infinity/)
    const streamed = await request(t.app.server).post(`/v1/models/${modelId}/predictions`).send({ datasetId })
    expect([streamed.status, streamed.body.row]).toEqual([422, 1])
    const predicted = await request(t.app.server).post(`/v1/models/${modelId}/predict`).send({ inputs: [[0.1], [9]] })
    expect([predicted.status, predicted.body.row]).toEqual([422, 1])
    // (a row of the wrong width, counted in the right number)
    const wide = await request(t.app.server).post(`/v1/models/${modelId}/predict`).send({ inputs: [[0.1, 0.2]] })
    expect(wide.body.detail).toMatch(/^expected 1 input per row, got 2 in row 0/)
    // rows that stay finite are scored
    const fine = await uploadJson(t, { features: [[0.1], [0.2]], targets: [6e36, 1.2e37] })
    const scored = await request(t.app.server).post(`/v1/models/${modelId}/evaluate`).send({ datasetId: fine })
    expect(scored.status, JSON.stringify(scored.body)).toBe(200)
    expect(scored.body.metrics.r2).toBeCloseTo(1, 5)
  })
})

describe('100,000 rows', () => {
  it('streams every row with live API memory growth (JS heap + array buffers) under 8 MiB (the features alone are 12 MiB), answering other requests meanwhile, equal to predict on sampled rows', async () => {
    const rows = 100_000, I = 30 // 120-byte rows: the 8 MiB chunk boundary falls inside row 69,905
    const x = Float32Array.from({ length: rows * I }, (_, i) => Math.sin(i * 0.001) * 10 + (i % 7))
    const y = Float32Array.from({ length: rows * 2 }, (_, i) => i % 5)
    const meta = await t.app.datasets.put({
      dataset: { x, y, rows, inputs: I, outputs: 2 },
      featureNames: Array.from({ length: I }, (_, i) => `f${i}`), targetNames: ['p', 'q'],
      featureStats: columnStats(x, rows, I), targetStats: columnStats(y, rows, 2)
    })
    const W1 = Array.from({ length: 16 }, (_, j) => Array.from({ length: I }, (_, i) => Math.cos(i + j) / 8))
    const modelId = await importModel({
      network: { inputs: I, layers: [{ units: 16, activation: 'tanh' }], output: { units: 2, activation: 'identity' } },
      layers: [{ W: W1, b: new Array<number>(16).fill(0.1) }, { W: [new Array<number>(16).fill(0.5), new Array<number>(16).fill(-0.25)], b: [1, 2] }],
      featureNames: Array.from({ length: I }, (_, i) => `f${i}`), targetNames: ['p', 'q'],
      normalization: { kind: 'standard', offset: new Array<number>(I).fill(3), scale: new Array<number>(I).fill(7) },
      targetNormalization: { kind: 'standard', offset: [10, -5], scale: [4, 2] }
    })
    const sampled = new Set(Array.from({ length: 101 }, (_, k) => Math.min(rows - 1, k * 997)).concat([69_904, 69_905, 69_906]))
    const seen = new Map<number, number[]>()

    v8.setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    // the matrices a whole-dataset read would hold are array buffers, outside heapUsed: both are counted
    const live = (): number => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers }
    gc()
    const baseline = live()
    let peak = -Infinity, samples = 0, count = 0, sinceGc = 0, pending = ''
    // the API answers other requests between blocks (an order, not a time): rows received when /healthz answered
    let healthAnsweredAt = -1, asked = false
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${base}/v1/models/${modelId}/predictions`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/csv' } }, (res) => {
        expect(res.statusCode).toBe(200)
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          if (!asked) {
            asked = true
            http.get(`${base}/healthz`, (h) => { h.resume(); h.on('end', () => { healthAnsweredAt = count }) })
          }
          const parts = (pending + chunk).split('\n')
          pending = parts.pop()!
          for (const line of parts) {
            if (line.startsWith('row')) continue
            const cells = line.split(',')
            const r = Number(cells[0])
            expect(r).toBe(count++)
            if (sampled.has(r)) seen.set(r, cells.slice(1).map(Number))
          }
          sinceGc += chunk.length
          if (sinceGc > 1 << 20) {
            sinceGc = 0
            gc()
            peak = Math.max(peak, live() - baseline)
            samples++
          }
        })
        res.on('end', resolve)
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(JSON.stringify({ datasetId: meta.id }))
    })
    expect(count).toBe(rows)
    expect(healthAnsweredAt).toBeGreaterThanOrEqual(0)
    expect(healthAnsweredAt).toBeLessThan(rows)
    expect(samples).toBeGreaterThanOrEqual(3) // the CSV is ≈ 4 MB, sampled every 1 MiB
    expect(peak).toBeLessThan(8 * 1024 * 1024)
    // the bound can fail: the same measure on a whole-dataset read is above it (from a baseline of its own: what the
    // stream's run left to collect, caches included, had made the first baseline read 6 MB high on a loaded machine)
    gc()
    const beforeWhole = live()
    const whole = await t.app.datasets.getMatrices(meta.id)
    gc()
    expect(live() - beforeWhole).toBeGreaterThan(8 * 1024 * 1024)
    expect(whole!.dataset.rows).toBe(rows) // held until measured

    const order = [...sampled].sort((a, b) => a - b)
    const inputs = order.map((r) => Array.from(x.subarray(r * I, (r + 1) * I)))
    const predicted = await request(t.app.server).post(`/v1/models/${modelId}/predict`).send({ inputs })
    expect(predicted.status).toBe(200)
    // a row's products depend on the rows it is batched with under OpenBLAS (GEMM kernels by shape): equal to float32 rounding
    const streamed = order.map((r) => seen.get(r)!)
    const expected = predicted.body.outputs as number[][]
    expect(streamed.map((o) => o.length)).toEqual(expected.map((o) => o.length))
    streamed.forEach((o, i) => o.forEach((v, k) => expect(Math.abs(v - expected[i][k])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected[i][k])))))
  }, 120_000)
})

function text (res: request.Response, cb: (err: Error | null, body: string) => void): void {
  let body = ''
  res.setEncoding('utf8')
  res.on('data', (c: string) => { body += c })
  res.on('end', () => cb(null, body))
}
