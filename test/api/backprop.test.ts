// POST /v1/models/{ref}/backprop through the built app: its gradients are what one full-batch SGD
// step with learning rate 1 on the same rows changes in the exported weights, for a network with
// every new layer kind, in training mode (dropout on) and with L2; and bad targets are 400s.
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { buildTestApp, type TestApp } from './helper.js'
import { createNetwork } from '../../src/nn/network.js'
import { train } from '../../src/nn/train.js'
import { datasetFromRows } from '../../src/nn/dataset.js'
import { toJsonForm, type JsonTensor } from '../../src/nn/serialize.js'
import type { NetworkSpec } from '../../src/nn/spec.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp('backprop') })
afterAll(async () => { await t.close() })

const spec: NetworkSpec = {
  inputs: 3,
  layers: [
    { units: 4, activation: 'maxout', pieces: 2, norm: 'layer', dropout: 0.3 },
    { units: 4, activation: 'tanh', norm: 'layer', residual: true, dropout: 0.2 },
    { units: 5, activation: 'relu', residual: true }
  ],
  output: { units: 3, activation: 'softmax' },
  l2: 0.01
}
const classes = ['a', 'b', 'c']
const normalization = { kind: 'standard' as const, offset: [1, -2, 0.5], scale: [2, 0.5, 4] }
const inputs = [[1.5, -2.2, 3], [0.2, -1.1, -4], [2.9, -2.6, 0.1], [-0.7, -1.9, 2.2], [1.1, -2.0, -1.5]]
const labels = ['b', 'a', 'c', 'c', 'a']

const flat = (v: JsonTensor): number[] => (v as Array<number | number[]>).flat()

async function saved (): Promise<{ id: string, params: Float32Array }> {
  const params = createNetwork(spec, { seed: 4 }).params as Float32Array
  const record = await t.app.models.save({ spec, params, meta: { name: 'inspect', classes, normalization } })
  return { id: record.id, params }
}

describe('POST /v1/models/{ref}/backprop', () => {
  it('returns gradients equal to what one full-batch SGD step with learning rate 1 changes in the exported weights', async () => {
    const { id, params } = await saved()
    const res = await t.app.inject({ method: 'POST', url: `/v1/models/${id}/backprop`, payload: { inputs, targets: labels, mode: 'train' } })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ modelId: id, mode: 'train', rows: 5 })
    expect(body.layers.map((l: { name: string }) => l.name)).toEqual(['layers.0', 'layers.1', 'layers.2', 'output'])

    // the same rows, normalised as predict does, one-hot as training does: one SGD step, lr 1, full batch
    const x = inputs.map((row) => row.map((v, c) => (v - normalization.offset[c]) / normalization.scale[c]))
    const y = labels.map((l) => classes.map((c) => (c === l ? 1 : 0)))
    const step = train(spec, datasetFromRows(x, y), { epochs: 1, batchSize: 5, shuffle: false, optimizer: { type: 'sgd', learningRate: 1 } }, { initialParams: params })
    const before = toJsonForm(spec, params).parameters
    const after = toJsonForm(spec, step.params as Float32Array).parameters
    const gradients: Record<string, JsonTensor> = Object.assign({}, ...body.layers.map((l: { gradients: object }) => l.gradients))
    expect(Object.keys(gradients)).toEqual(Object.keys(before))
    let compared = 0
    for (const name of Object.keys(before)) {
      const g = flat(gradients[name]), b = flat(before[name]), a = flat(after[name])
      expect(g).toHaveLength(b.length)
      // p' = fl32(p − g): the change is g up to the rounding of p' (half an ulp of |p| ≤ 4 is < 2.4e-7)
      g.forEach((gi, i) => { expect(Math.abs((b[i] - a[i]) - gi)).toBeLessThan(3e-7); compared++ })
    }
    expect(compared).toBe(params.length)
    expect(flat(gradients['output.weight']).some((v) => Math.abs(v) > 1e-3)).toBe(true)
  })

  it('reports z, a and δ per layer in the shapes of the rows, with the loss training minimises', async () => {
    const { id } = await saved()
    const body = (await t.app.inject({ method: 'POST', url: `/v1/models/${id}/backprop`, payload: { inputs, targets: labels } })).json()
    expect(body.mode).toBe('inference')
    // class labels are read trimmed, as every path reads them: the same pass
    const spaced = (await t.app.inject({ method: 'POST', url: `/v1/models/${id}/backprop`, payload: { inputs, targets: labels.map((l: string) => ` ${l}\t`) } })).json()
    expect(spaced.loss).toBe(body.loss)
    const [l0, , , out] = body.layers
    expect([l0.z.length, l0.z[0].length, l0.a[0].length, l0.delta[0].length]).toEqual([5, 8, 4, 8]) // maxout: units·pieces pre-activations
    // the output layer's δ is a − y, row by row
    out.delta.forEach((row: number[], r: number) => row.forEach((d, k) => expect(d).toBeCloseTo(out.a[r][k] - (classes[k] === labels[r] ? 1 : 0), 6)))
    // and its a are the probabilities predict answers for the same rows
    const predicted = (await t.app.inject({ method: 'POST', url: `/v1/models/${id}/predict`, payload: { inputs } })).json()
    predicted.outputs.forEach((row: number[], r: number) => row.forEach((p, k) => expect(out.a[r][k]).toBeCloseTo(p, 6)))
    expect(body.loss).toBeGreaterThan(0)
    // training mode draws dropout masks: other activations, another loss
    const trained = (await t.app.inject({ method: 'POST', url: `/v1/models/${id}/backprop`, payload: { inputs, targets: labels, mode: 'train' } })).json()
    expect(trained.loss).not.toBe(body.loss)
    // PyTorch's name for the mode without dropout, echoed as sent: the same pass
    const evaluated = (await t.app.inject({ method: 'POST', url: `/v1/models/${id}/backprop`, payload: { inputs, targets: labels, mode: 'eval' } })).json()
    expect(evaluated).toEqual({ ...body, mode: 'eval' })
  })

  it('batch norm in train mode on one row is a 400 (no variance: every unit would read its β and every δ be 0); in eval mode it runs', async () => {
    const bn: NetworkSpec = { inputs: 3, layers: [{ units: 4, activation: 'tanh', norm: 'batch' }], output: { units: 3, activation: 'softmax' } }
    const { id } = await t.app.models.save({ spec: bn, params: createNetwork(bn, { seed: 2 }).params as Float32Array, meta: { classes, normalization } })
    const url = `/v1/models/${id}/backprop`
    const one = await t.app.inject({ method: 'POST', url, payload: { inputs: [inputs[0]], targets: ['a'], mode: 'train' } })
    expect(one.statusCode).toBe(400)
    expect(one.json()).toMatchObject({ field: 'inputs', detail: expect.stringMatching(/^inputs: batch normalisation in train mode needs at least 2 rows .*send more rows, or mode eval$/) })
    expect((await t.app.inject({ method: 'POST', url, payload: { inputs: inputs.slice(0, 2), targets: ['a', 'b'], mode: 'train' } })).statusCode).toBe(200)
    const evaluated = await t.app.inject({ method: 'POST', url, payload: { inputs: [inputs[0]], targets: ['a'], mode: 'eval' } })
    expect(evaluated.statusCode).toBe(200)
    expect(evaluated.json().layers[0].delta[0].some((d: number) => d !== 0)).toBe(true)
  })

  it('reads instances (records keyed by feature name, as predict\'s) as the same rows as inputs', async () => {
    const names = ['p', 'q', 'r']
    const params = createNetwork(spec, { seed: 5 }).params as Float32Array
    const { id } = await t.app.models.save({ spec, params, meta: { name: 'inspect-named', classes, normalization, preprocessing: { columns: names.map((name) => ({ name, kind: 'numeric' as const })) } } })
    const records = inputs.map((row) => Object.fromEntries(names.map((n, c) => [n, row[c]])))
    const byRows = await t.app.inject({ method: 'POST', url: `/v1/models/${id}/backprop`, payload: { inputs, targets: labels } })
    const byRecords = await t.app.inject({ method: 'POST', url: `/v1/models/${id}/backprop`, payload: { instances: records, targets: labels } })
    expect(byRecords.statusCode, byRecords.body).toBe(200)
    expect(byRecords.json()).toEqual(byRows.json())
    expect(byRecords.json().rows).toBe(5)
    const cases: Array<[object, RegExp]> = [
      [{ instances: [{ p: 1, q: 2, s: 3 }], targets: ['a'] }, /instances\[0\]\.s: the model has no feature "s"; its features are "p", "q", "r"/],
      [{ instances: records, targets: labels.slice(1) }, /one target per row of instances \(5\), got 4/],
      [{ inputs, instances: records, targets: labels }, /send exactly one of inputs \(rows\) or instances/],
      [{ targets: labels }, /send exactly one of inputs \(rows\) or instances/]
    ]
    for (const [payload, message] of cases) {
      const res = await t.app.inject({ method: 'POST', url: `/v1/models/${id}/backprop`, payload })
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json().detail).toMatch(message)
    }
  })

  it('reads categorical columns as predict does: a category by its name, a number for one is a 400', async () => {
    // size (numeric), color (categorical: blue, red); a regression through identity
    const colored: NetworkSpec = { inputs: 3, layers: [], output: { units: 1, activation: 'identity' } }
    const record = await t.app.models.save({
      spec: colored,
      params: Float32Array.from([1, 10, 20, 0]),
      meta: { name: 'inspect-colored', preprocessing: { columns: [{ name: 'size', kind: 'numeric' }, { name: 'color', kind: 'categorical', categories: ['blue', 'red'] }] } }
    })
    const url = `/v1/models/${record.id}/backprop`
    const named = await t.app.inject({ method: 'POST', url, payload: { inputs: [[1, 'red']], targets: [21] } })
    expect(named.statusCode, named.body).toBe(200)
    expect(named.json().loss).toBe(0)
    for (const [payload, field, v] of [
      [{ inputs: [[1, 'red'], [2, 1]], targets: [21, 12] }, 'inputs[1][1]', 1],
      [{ instances: [{ size: 2, color: 0 }], targets: [12] }, 'instances[0].color', 0]
    ] as const) {
      const res = await t.app.inject({ method: 'POST', url, payload })
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json()).toMatchObject({
        field,
        detail: `${field}: column 'color' is categorical; expected one of its categories as a string ("blue", "red"), got the number ${v}`
      })
    }
  })

  it('answers targets that do not fit the model, and too many rows, with a 400 naming the field', async () => {
    const { id } = await saved()
    const cases: Array<[object, RegExp]> = [
      [{ inputs, targets: ['b', 'z', 'a', 'a', 'a'] }, /targets\[1\]: expected one of "a", "b", "c", got "z"/],
      [{ inputs, targets: labels.slice(1) }, /one target per row of inputs \(5\), got 4/],
      [{ inputs, targets: [[1, 0], 'a', 'a', 'a', 'a'] }, /targets\[0\]: expected 3 values/],
      // a one-hot row given as numbers that do not fit a float32: said so, not "not finite" (1e39 is)
      [{ inputs, targets: [[1e39, 0, 0], 'a', 'a', 'a', 'a'] }, /targets\[0\]\[0\]: expected a finite number that fits a 32-bit float \(at most ±3\.4e38\), got 1e\+39/],
      [{ inputs: Array.from({ length: 65 }, () => inputs[0]), targets: Array.from({ length: 65 }, () => 'a') }, /64/]
    ]
    for (const [payload, message] of cases) {
      const res = await t.app.inject({ method: 'POST', url: `/v1/models/${id}/backprop`, payload })
      expect(res.statusCode, res.body).toBe(400)
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(res.json().detail).toMatch(message)
    }
  })

  it('a row that overflows float32 on its way through is a 422 naming the row, not a 500', async () => {
    const imported = await t.app.inject({
      method: 'POST',
      url: '/v1/models',
      payload: { format: 'backprop.model', version: 1, network: { inputs: 2, layers: [], output: { units: 1, activation: 'identity' } }, layers: [{ W: [[1e30, 1e30]], b: [0] }] }
    })
    expect(imported.statusCode, imported.body).toBe(201)
    const res = await t.app.inject({ method: 'POST', url: `/v1/models/${String(imported.json().id)}/backprop`, payload: { inputs: [[1, 1], [1e10, 1e10]], targets: [1, 2] } })
    expect(res.statusCode, res.body).toBe(422)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json()).toMatchObject({ row: 1, detail: "the model's output for row 1 is Infinity: that row is far outside the data the model was trained on (or the model is broken); check the row's units" })
    // the finite row alone answers
    const one = await t.app.inject({ method: 'POST', url: `/v1/models/${String(imported.json().id)}/backprop`, payload: { inputs: [[1, 1]], targets: [1] } })
    expect(one.statusCode, one.body).toBe(200)
  })

  it('predict: inputs whose normalised values overflow through a relu layer are a 422 (a NaN a relu made 0 answered the output bias with 200)', async () => {
    // the user's case: standardised inputs (scale < 1) of 3e38 overflow to ±Infinity, W·x to NaN
    const spec: NetworkSpec = { inputs: 3, layers: [{ units: 4, activation: 'relu' }], output: { units: 1, activation: 'identity' } }
    const params = Float32Array.from({ length: 3 * 4 + 4 + 4 + 1 }, (_, i) => ((i * 7) % 5 - 2) / 3)
    const model = await t.app.models.save({ spec, params, meta: { name: 'relu-overflow', normalization: { kind: 'standard', offset: [0, 0, 0], scale: [0.5, 0.5, 0.5] } } })
    for (const row of [[3e38, 3e38, 3e38], [-3e38, 3e38, -3e38]]) {
      const res = await t.app.inject({ method: 'POST', url: `/v1/models/${model.id}/predict`, payload: { inputs: [row] } })
      expect(res.statusCode, res.body).toBe(422)
      expect(res.json().detail).toMatch(/output for row 0 is NaN/)
    }
    const fine = await t.app.inject({ method: 'POST', url: `/v1/models/${model.id}/predict`, payload: { inputs: [[1, 2, 3]] } })
    expect(fine.statusCode, fine.body).toBe(200)
  })

  it('gives no gradient for batch norm\'s running statistics, which are buffers that learn nothing (as in PyTorch)', async () => {
    const bnSpec: NetworkSpec = { inputs: 3, layers: [{ units: 4, activation: 'relu', norm: 'batch' }], output: { units: 3, activation: 'softmax' } }
    const record = await t.app.models.save({ spec: bnSpec, params: createNetwork(bnSpec, { seed: 2 }).params as Float32Array, meta: { name: 'inspect-bn', classes, normalization } })
    const res = await t.app.inject({ method: 'POST', url: `/v1/models/${record.id}/backprop`, payload: { inputs, targets: labels, mode: 'train' } })
    expect(res.statusCode, res.body).toBe(200)
    expect(Object.keys(res.json().layers[0].gradients)).toEqual(['layers.0.linear.weight', 'layers.0.linear.bias', 'layers.0.norm.weight', 'layers.0.norm.bias'])
    expect(record.parameterCount).toBe(3 * 4 + 4 + 4 + 4 + 3 * 4 + 3)
  })

  it('a pass that overflows is a 422 naming where, never a 200 with nulls nor a 500', async () => {
    // finite weights whose output overflows float32 for a large input: 1e18 · (1e18 · 1000) · 4 > 3.4e38
    const relu4: NetworkSpec = { inputs: 1, layers: [{ units: 4, activation: 'relu' }], output: { units: 1, activation: 'identity' } }
    const big = await t.app.models.save({ spec: relu4, params: new Float32Array(13).fill(1e18), meta: { name: 'overflow' } })
    const out = await t.app.inject({ method: 'POST', url: '/v1/models/overflow@latest/backprop', payload: { inputs: [[1e-3], [1000]], targets: [1, 1] } })
    expect(out.statusCode, out.body).toBe(422)
    expect(out.headers['content-type']).toMatch(/problem\+json/)
    expect(out.json()).toMatchObject({ row: 1, detail: expect.stringMatching(/output for row 1 is Infinity/) })
    // the output is finite (4e36) but δ·a overflows in the output weight's gradient
    const grad = await t.app.inject({ method: 'POST', url: `/v1/models/${big.id}/backprop`, payload: { inputs: [[0]], targets: [0] } })
    expect(grad.statusCode, grad.body).toBe(422)
    expect(grad.json().detail).toMatch(/^the pass is not finite: (loss|layers\[\d\]\.(delta|gradients)\S*) is -?Infinity/)
    // the same model on a small row still answers
    const fine = await t.app.inject({ method: 'POST', url: `/v1/models/${big.id}/backprop`, payload: { inputs: [[-1]], targets: [0] } })
    expect(fine.statusCode, fine.body).toBe(200)
  })
})
