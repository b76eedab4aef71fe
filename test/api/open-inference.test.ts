// The Open Inference Protocol (KServe v2) routes: the specification's request and response shapes
// (kserve/open-inference-protocol, inference_rest.md), equality with the native POST
// /v1/models/{ref}/predict on real rows (iris, diabetes), and its error cases in `{"error": …}` form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import { buildTestApp, type TestApp } from './helper.js'
import { readCsv } from '../support/fixtures.js'
import { buildApp } from '../../src/api/app.js'
import { loadConfig } from '../../src/config.js'
import { createRedis } from '../../src/store/redis.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp('open-inference', { RATE_LIMIT_PER_MINUTE: '0' }) })
afterAll(async () => { await t.close() })

const iris = readCsv('iris.csv')
const irisRows = iris.rows.map((r) => r.slice(0, 4).map(Number))
const diabetes = readCsv('diabetes.csv')
const diabetesRows = diabetes.rows.map((r) => r.slice(0, -1).map(Number))

const weights = (spec: NetworkSpec, phase: number): Float32Array =>
  Float32Array.from({ length: parameterCount(spec) }, (_, i) => 0.5 * Math.sin(i * 1.7 + phase))

const irisSpec: NetworkSpec = { inputs: 4, layers: [{ units: 8, activation: 'tanh' }], output: { units: 3, activation: 'softmax' } }
const saveIris = (phase: number) => t.app.models.save({
  spec: irisSpec,
  params: weights(irisSpec, phase),
  meta: {
    name: 'iris',
    classes: ['setosa', 'versicolor', 'virginica'],
    featureNames: iris.header.slice(0, 4),
    normalization: { kind: 'standard', offset: [5.84, 3.05, 3.76, 1.2], scale: [0.83, 0.43, 1.76, 0.76] }
  }
})
const diabetesSpec: NetworkSpec = { inputs: diabetesRows[0].length, layers: [{ units: 6, activation: 'relu' }], output: { units: 1, activation: 'identity' } }
const saveDiabetes = () => t.app.models.save({
  spec: diabetesSpec,
  params: weights(diabetesSpec, 0.3),
  meta: {
    name: 'diabetes',
    featureNames: diabetes.header.slice(0, -1),
    targetNormalization: { kind: 'standard', offset: [152.1], scale: [77.1] }
  }
})

const infer = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> })
const native = async (ref: string, rows: number[][]) => {
  const res = await t.app.inject({ method: 'POST', url: `/v1/models/${ref}/predict`, payload: { inputs: rows } })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as { outputs: number[][], labels?: string[] }
}

describe('Open Inference Protocol: health and metadata', () => {
  it('answers live and ready with 200 and the specification\'s bodies, and the server metadata', async () => {
    const live = await t.app.inject({ method: 'GET', url: '/v2/health/live' })
    expect([live.statusCode, live.json()]).toEqual([200, { live: true }])
    const ready = await t.app.inject({ method: 'GET', url: '/v2/health/ready' })
    expect([ready.statusCode, ready.json()]).toEqual([200, { ready: true }])
    const server = await t.app.inject({ method: 'GET', url: '/v2' })
    expect(server.json()).toEqual({ name: 'backprop', version: expect.any(String), extensions: ['binary_tensor_data', 'classification', 'model_configuration'] })
  })

  it('is not ready (503, {"error"}) while Redis does not answer, and still live', async () => {
    const redis = createRedis('redis://127.0.0.1:1')
    redis.on('error', () => undefined)
    const down = await buildApp({ config: loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' }), redis })
    await down.ready()
    try {
      const ready = await down.inject({ method: 'GET', url: '/v2/health/ready' })
      expect(ready.statusCode).toBe(503)
      // why, without the address of Redis: the probe is open to anyone
      expect(ready.json()).toEqual({ error: expect.stringMatching(/^not ready: (the connection to Redis is down \(reconnecting\)(: Redis cannot be reached \(ECONNREFUSED\))?|Redis did not answer PING within 1 s)/) })
      expect(ready.body).not.toContain('127.0.0.1')
      expect((await down.inject({ method: 'GET', url: '/v2/health/live' })).statusCode).toBe(200)
    } finally {
      await down.close()
      redis.disconnect()
    }
  })

  it('describes a model: name, versions, platform, and named, typed, shaped tensors', async () => {
    const v1 = await saveIris(1)
    await saveIris(2)
    const all = await t.app.inject({ method: 'GET', url: '/v2/models/iris' })
    expect(all.statusCode).toBe(200)
    expect(all.json()).toEqual({
      name: 'iris',
      versions: ['1', '2'],
      platform: 'backprop',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 3] }, { name: 'label', datatype: 'BYTES', shape: [-1] }]
    })
    const one = await t.app.inject({ method: 'GET', url: '/v2/models/iris/versions/1' })
    expect(one.json().versions).toEqual(['1'])
    // a native id names the model too
    expect((await t.app.inject({ method: 'GET', url: `/v2/models/${v1.id}` })).json().versions).toEqual(['1', '2'])
    const ready = await t.app.inject({ method: 'GET', url: '/v2/models/iris/versions/2/ready' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toEqual({ name: 'iris', ready: true })
    // Triton's model configuration (tritonclient's get_model_config): the row cap as max_batch_size, per-row dims
    const config = await t.app.inject({ method: 'GET', url: '/v2/models/iris/versions/1/config' })
    expect(config.statusCode, config.body).toBe(200)
    expect(config.json()).toEqual({
      name: 'iris', platform: 'backprop', backend: 'backprop', max_batch_size: 10000,
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [4] }],
      output: [{ name: 'output', data_type: 'TYPE_FP32', dims: [3] }, { name: 'label', data_type: 'TYPE_STRING', dims: [1], reshape: { shape: [] } }]
    })
    expect((await t.app.inject({ method: 'GET', url: '/v2/models/iris/config' })).json()).toEqual(config.json())
    expect((await t.app.inject({ method: 'GET', url: '/v2/models/nosuch/config' })).json()).toEqual({ error: expect.stringMatching(/model 'nosuch' not found/) })
  })

  it('gives a regression model one output and no label', async () => {
    await saveDiabetes()
    const res = await t.app.inject({ method: 'GET', url: '/v2/models/diabetes' })
    expect(res.json().outputs).toEqual([{ name: 'output', datatype: 'FP32', shape: [-1, 1] }])
    expect(res.json().inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 10] }])
  })

  it('answers an unknown model or version with 404 and {"error": …}', async () => {
    await saveIris(3)
    for (const url of ['/v2/models/nosuch', '/v2/models/nosuch/ready', '/v2/models/iris/versions/99', '/v2/models/iris/versions/99/ready', '/v2/models/iris/versions/x1']) {
      const res = await t.app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(404)
      // exactly, as Triton and KServe send it: KServe's Python client reads {"error"} only then
      expect(res.headers['content-type']).toBe('application/json')
      expect(Object.keys(res.json())).toEqual(['error'])
      expect(res.json().error).toMatch(/^model '(nosuch|iris)'/)
    }
    // a path no route takes is the not-found handler's, in the protocol's form and type too
    const noRoute = await t.app.inject({ method: 'GET', url: '/v2/models/iris/nosuch' })
    expect([noRoute.statusCode, noRoute.headers['content-type'], Object.keys(noRoute.json())]).toEqual([404, 'application/json', ['error']])
  })
})

describe('Open Inference Protocol: inference', () => {
  it('answers the specification\'s example request in the specification\'s response shape, echoing id', async () => {
    await saveIris(4)
    // the spec's example (inference_rest.md, "Inference Request Examples"), with this model's tensor names
    const res = await infer('/v2/models/iris/infer', {
      id: '42',
      inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2, 6.7, 3.1, 5.6, 2.4] }],
      outputs: [{ name: 'output' }]
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toBe('application/json')
    const body = res.json()
    expect(Object.keys(body).sort()).toEqual(['id', 'model_name', 'model_version', 'outputs'])
    expect(body.id).toBe('42')
    expect(body.model_name).toBe('iris')
    expect(body.outputs).toHaveLength(1)
    expect(body.outputs[0]).toMatchObject({ name: 'output', shape: [2, 3], datatype: 'FP32' })
    expect(body.outputs[0].data).toHaveLength(6)
  })

  it('answers exactly what the native predict answers for the same rows: classifier (probabilities and labels)', async () => {
    const v = await saveIris(5)
    const want = await native(`iris@${v.version}`, irisRows)
    const res = await infer(`/v2/models/iris/versions/${v.version}/infer`, { inputs: [{ name: 'input', shape: [irisRows.length, 4], datatype: 'FP32', data: irisRows.flat() }] })
    expect(res.statusCode, res.body).toBe(200)
    const [output, label] = res.json().outputs
    expect(output).toEqual({ name: 'output', datatype: 'FP32', shape: [irisRows.length, 3], data: want.outputs.flat() })
    expect(label).toEqual({ name: 'label', datatype: 'BYTES', shape: [irisRows.length], data: want.labels })
    expect(res.json().model_version).toBe(String(v.version))
    // an empty outputs list names none: every output, as with none given (Triton reads it so)
    const empty = await infer(`/v2/models/iris/versions/${v.version}/infer`, { inputs: [{ name: 'input', shape: [irisRows.length, 4], datatype: 'FP32', data: irisRows.flat() }], outputs: [] })
    expect(empty.statusCode, empty.body).toBe(200)
    expect(empty.json().outputs).toEqual(res.json().outputs)
    // one row at a time (the micro-batched path): the same numbers as the native one-row request
    for (const row of irisRows.slice(0, 5)) {
      const one = await infer(`/v2/models/iris/versions/${v.version}/infer`, { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [row] }] })
      expect(one.json().outputs[0].data).toEqual((await native(`iris@${v.version}`, [row])).outputs[0])
    }
  })

  it('answers exactly what the native predict answers: regression in the targets\' units, nested data', async () => {
    await saveDiabetes()
    const want = await native('diabetes@latest', diabetesRows)
    const res = await infer('/v2/models/diabetes/infer', { inputs: [{ name: 'input', shape: [diabetesRows.length, 10], datatype: 'FP32', data: diabetesRows }] })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().outputs).toEqual([{ name: 'output', datatype: 'FP32', shape: [diabetesRows.length, 1], data: want.outputs.flat() }])
    expect(Math.max(...want.outputs.flat())).toBeGreaterThan(10) // in the targets' units, not standardised
  })

  // the model: feature columns a, b, c (numeric) and color (categorical: blue, green, red)
  const colorColumns = [
    { name: 'a', kind: 'numeric' as const }, { name: 'b', kind: 'numeric' as const }, { name: 'c', kind: 'numeric' as const },
    { name: 'color', kind: 'categorical' as const, categories: ['blue', 'green', 'red'] }
  ]
  const colorSpec: NetworkSpec = { inputs: 6, layers: [{ units: 4, activation: 'tanh' }], output: { units: 2, activation: 'softmax' } }
  const saveColored = () => t.app.models.save({
    spec: colorSpec,
    params: weights(colorSpec, 0.7),
    meta: { name: 'colored', classes: ['no', 'yes'], preprocessing: { columns: colorColumns }, normalization: { kind: 'standard', offset: [4, 60, 2, 0, 0, 0], scale: [1, 10, 1, 1, 1, 1] } }
  })
  const colorRows: Array<[number, number, number, string]> = [[4.0, 70, 2, 'red'], [3.5, 55, 1, 'blue'], [4.2, 61, 3, 'green']]
  const colorTensors = (rows: Array<[number, number, number, string]>) => [
    { name: 'color', shape: [rows.length], datatype: 'BYTES', data: rows.map((r) => r[3]) },
    ...['a', 'b', 'c'].map((name, c) => ({ name, shape: [rows.length, 1], datatype: c === 1 ? 'INT64' : 'FP32', data: rows.map((r) => [r[c]]) }))
  ]

  it('describes a model with categorical columns as one input per feature column: FP32 for numeric, BYTES with its categories for categorical', async () => {
    await saveColored()
    const res = await t.app.inject({ method: 'GET', url: '/v2/models/colored' })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().inputs).toEqual([
      { name: 'a', datatype: 'FP32', shape: [-1] }, { name: 'b', datatype: 'FP32', shape: [-1] }, { name: 'c', datatype: 'FP32', shape: [-1] },
      { name: 'color', datatype: 'BYTES', shape: [-1], parameters: { categories: '["blue","green","red"]' } }
    ])
    // a category no training row held is marked, and infers as unknown (all zeros, reported)
    await t.app.models.save({
      spec: colorSpec,
      params: weights(colorSpec, 0.7),
      meta: { name: 'colored-untrained', classes: ['no', 'yes'], preprocessing: { columns: colorColumns.map((c) => (c.kind === 'categorical' ? { ...c, untrainedCategories: ['green'] } : c)) }, normalization: { kind: 'standard', offset: [4, 60, 2, 0, 0, 0], scale: [1, 10, 1, 1, 1, 1] } }
    })
    const untrained = await t.app.inject({ method: 'GET', url: '/v2/models/colored-untrained' })
    expect(untrained.json().inputs[3]).toEqual({ name: 'color', datatype: 'BYTES', shape: [-1], parameters: { categories: '["blue","green","red"]', untrained_categories: '["green"]' } })
    const green = await t.app.inject({ method: 'POST', url: '/v2/models/colored-untrained/infer', payload: { inputs: colorTensors([[4.2, 61, 3, 'green']]) } })
    expect(JSON.parse(green.json().parameters.unknown_categories as string)).toEqual([{ row: 0, field: 'inputs[0].data[0]', value: 'green' }])
    const config = await t.app.inject({ method: 'GET', url: '/v2/models/colored/config' })
    expect(config.json().input).toEqual([
      { name: 'a', data_type: 'TYPE_FP32', dims: [1], reshape: { shape: [] } }, { name: 'b', data_type: 'TYPE_FP32', dims: [1], reshape: { shape: [] } },
      { name: 'c', data_type: 'TYPE_FP32', dims: [1], reshape: { shape: [] } }, { name: 'color', data_type: 'TYPE_STRING', dims: [1], reshape: { shape: [] } }
    ])
  })

  it('takes one tensor per feature column (BYTES category names, in any order) and answers exactly what the native predict answers', async () => {
    await saveColored()
    const want = await t.app.inject({ method: 'POST', url: '/v1/models/colored@latest/predict', payload: { inputs: colorRows } })
    expect(want.statusCode, want.body).toBe(200)
    const res = await infer('/v2/models/colored/infer', { inputs: colorTensors(colorRows) })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().outputs).toEqual([
      { name: 'output', datatype: 'FP32', shape: [3, 2], data: want.json().outputs.flat() },
      { name: 'label', datatype: 'BYTES', shape: [3], data: want.json().labels }
    ])
    expect(res.json().parameters).toBeUndefined()
    // the colour matters: the same numbers with another colour answer otherwise
    const blue = await infer('/v2/models/colored/infer', { inputs: colorTensors([[4.0, 70, 2, 'blue']]) })
    expect(blue.json().outputs[0].data).not.toEqual(res.json().outputs[0].data.slice(0, 2))
    expect(blue.json().outputs[0].data).toEqual((await t.app.inject({ method: 'POST', url: '/v1/models/colored@latest/predict', payload: { inputs: [[4.0, 70, 2, 'blue']] } })).json().outputs[0])
    // a category the model never saw: all zeros and reported, as the native predict's unknownCategories
    const purple = await infer('/v2/models/colored/infer', { inputs: colorTensors([[4.0, 70, 2, 'purple']]) })
    expect(purple.statusCode).toBe(200)
    expect(purple.json().parameters).toEqual({ unknown_categories: JSON.stringify([{ row: 0, field: 'inputs[0].data[0]', value: 'purple' }]) })
  })

  // the shop model of the README: size (numeric), color (categorical: blue, red)
  const saveShop = () => t.app.models.save({
    spec: { inputs: 3, layers: [], output: { units: 1, activation: 'identity' } },
    params: Float32Array.from([1, 10, 20, 0.5]),
    meta: { name: 'shop', preprocessing: { columns: [{ name: 'size', kind: 'numeric' }, { name: 'color', kind: 'categorical', categories: ['blue', 'red'] }] } }
  })

  it('names a value by its element in the request as sent: the tensor it is in and its index there, flat or nested', async () => {
    await saveShop()
    // color first, size second: a cell's column in the model's order is not its tensor's place in the request
    const tensors = (colors: unknown[], sizes: unknown[], nested = false) => [
      { name: 'color', shape: nested ? [colors.length, 1] : [colors.length], datatype: 'BYTES', data: nested ? colors.map((v) => [v]) : colors },
      { name: 'size', shape: [sizes.length], datatype: 'FP64', data: sizes }
    ]
    const purple = await infer('/v2/models/shop/infer', { inputs: tensors(['red', 'blue', 'purple'], [1.5, 2, 3]) })
    expect(purple.statusCode, purple.body).toBe(200)
    expect(purple.json().parameters).toEqual({ unknown_categories: JSON.stringify([{ row: 2, field: 'inputs[0].data[2]', value: 'purple' }]) })
    // the unknown row is encoded as all zeros: size alone (y = size + 10·[blue] + 20·[red] + 0.5)
    expect(purple.json().outputs[0].data).toEqual([22, 12.5, 3.5])
    const nested = await infer('/v2/models/shop/infer', { inputs: tensors(['red', 'purple', 'blue'], [1.5, 2, 3], true) })
    expect(nested.json().parameters).toEqual({ unknown_categories: JSON.stringify([{ row: 1, field: 'inputs[0].data[1][0]', value: 'purple' }]) })
    const huge = await infer('/v2/models/shop/infer', { inputs: tensors(['red', 'blue', 'red'], [1.5, 1e39, 3]) })
    expect(huge.statusCode).toBe(400)
    expect(huge.json()).toEqual({ error: 'inputs[1].data[1]: expected a finite number that fits a 32-bit float (at most ±3.4e38), got 1e+39' })
    // the one tensor of a numeric model: row r, column c is element r × width + c, or [r][c] of nested data
    await saveIris(9)
    const flat = await infer('/v2/models/iris/infer', { inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP64', data: [1, 2, 3, 4, 5, 6, -1e39, 8] }] })
    expect(flat.json()).toEqual({ error: 'inputs[0].data[6]: expected a finite number that fits a 32-bit float (at most ±3.4e38), got -1e+39' })
    const rows = await infer('/v2/models/iris/infer', { inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP64', data: [[1, 2, 3, 4], [5, 6, -1e39, 8]] }] })
    expect(rows.json()).toEqual({ error: 'inputs[0].data[1][2]: expected a finite number that fits a 32-bit float (at most ±3.4e38), got -1e+39' })
  })

  it('reads null in an optional member as the member left out, as clients serialising typed models without dropping unset fields send it (a trial)', async () => {
    await saveIris(12)
    const rows = [5.1, 3.5, 1.4, 0.2]
    const plain = await infer('/v2/models/iris/infer', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: rows }] })
    const nulled = await infer('/v2/models/iris/infer', { id: null, parameters: null, outputs: null, inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: rows, parameters: null }] })
    expect([nulled.statusCode, nulled.json()]).toEqual([200, plain.json()])
    const someOutputs = await infer('/v2/models/iris/infer', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: rows }], outputs: [{ name: 'label', parameters: null }] })
    expect(someOutputs.json().outputs.map((o: { name: string }) => o.name)).toEqual(['label'])
    // a null where a value is needed is still refused
    const noName = await infer('/v2/models/iris/infer', { inputs: [{ name: null, shape: [1, 4], datatype: 'FP32', data: rows }] })
    expect(noName.statusCode).toBe(400)
  })

  it('data nested as rows must nest as the shape says: ragged rows whose values add up were read into the wrong rows (a trial)', async () => {
    await saveIris(10)
    await saveShop()
    const iris = (shape: number[], data: unknown[]) => infer('/v2/models/iris/infer', { inputs: [{ name: 'input', shape, datatype: 'FP32', data }] })
    const cases: Array<[Promise<{ statusCode: number, json: () => unknown }>, string]> = [
      [iris([2, 4], [[5.1, 3.5, 1.4], [0.2, 6.7, 3.0, 5.2, 2.3]]), 'inputs[0].data[0]: a row of 3 values; data nested as rows of the shape [2, 4], 4 values each'],
      [iris([2, 4], [[5.1, 3.5, 1.4, 0.2], 6.7, 3.0, 5.2, 2.3]), 'inputs[0].data[1]: a value beside rows (data[0] is a row): send the data flat, in row-major order, or nested as rows of the shape [2, 4], 4 values each; not both'],
      [iris([2, 4], [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], []]), 'inputs[0].data: the shape [2, 4] has 2 rows; data nested as rows holds more'],
      // an empty row first: the streaming row cap had counted its ']' and ',' as a value and said "got more" (a retrial)
      [iris([2, 4], [[], [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3]]), 'inputs[0].data[0]: a row of 0 values; data nested as rows of the shape [2, 4], 4 values each'],
      // while the bytes arrive: more rows than the shape has, empty ones too (a body of a million [] is not parsed)
      [iris([2, 4], Array.from({ length: 100_000 }, () => [])), 'inputs[0].data: the shape [2, 4] has 2 rows; data nested as rows holds more'],
      [iris([3, 4], [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]), 'inputs[0].data: 2 rows; data nested as rows of the shape [3, 4], 4 values each, has 3'],
      [infer('/v2/models/shop/infer', { inputs: [{ name: 'size', shape: [2, 1], datatype: 'FP32', data: [[1.5, 2.0], []] }, { name: 'color', shape: [2, 1], datatype: 'BYTES', data: [['blue'], ['green']] }] }),
        'inputs[0].data[0]: a row of 2 values; data nested as rows of the shape [2, 1], 1 value each']
    ]
    for (const [answer, error] of cases) {
      const res = await answer
      expect([res.statusCode, res.json()]).toEqual([400, { error }])
    }
    // as the shape says, flat, or a [rows] tensor's values one to a row: as before
    expect((await iris([2, 4], [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])).statusCode).toBe(200)
    expect((await iris([2, 4], [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3])).statusCode).toBe(200)
    expect((await infer('/v2/models/shop/infer', { inputs: [{ name: 'size', shape: [2], datatype: 'FP32', data: [[1.5], [2]] }, { name: 'color', shape: [2], datatype: 'BYTES', data: ['blue', 'red'] }] })).statusCode).toBe(200)
  })

  it('a categorical column whose categories are numbers (zip codes) takes them as numbers too, as the native predict does', async () => {
    // y = size + 10·[10115] + 20·[80331] + 0.5
    await t.app.models.save({
      spec: { inputs: 3, layers: [], output: { units: 1, activation: 'identity' } },
      params: Float32Array.from([1, 10, 20, 0.5]),
      meta: { name: 'zips', preprocessing: { columns: [{ name: 'size', kind: 'numeric' }, { name: 'zip', kind: 'categorical', categories: ['10115', '80331'] }] } }
    })
    const size = { name: 'size', shape: [3], datatype: 'FP32', data: [1, 2, 3] }
    const asNames = await infer('/v2/models/zips/infer', { inputs: [size, { name: 'zip', shape: [3], datatype: 'BYTES', data: ['80331', '10115', '99999'] }] })
    expect(asNames.statusCode, asNames.body).toBe(200)
    expect(asNames.json().outputs[0].data).toEqual([21.5, 12.5, 3.5])
    for (const datatype of ['INT32', 'UINT32', 'INT64', 'FP64']) {
      const asNumbers = await infer('/v2/models/zips/infer', { inputs: [size, { name: 'zip', shape: [3], datatype, data: [80331, 10115, 99999] }] })
      expect(asNumbers.statusCode, `${datatype} ${asNumbers.body}`).toBe(200)
      expect(asNumbers.json().outputs).toEqual(asNames.json().outputs)
      expect(asNumbers.json().parameters).toEqual({ unknown_categories: JSON.stringify([{ row: 2, field: 'inputs[1].data[2]', value: '99999' }]) })
    }
    const native = await t.app.inject({ method: 'POST', url: '/v1/models/zips/predict', payload: { instances: [{ size: 1, zip: 80331 }] } })
    expect(native.json().outputs).toEqual([[21.5]])
  })

  it('a null or a boolean in a tensor is one line saying what a tensor holds and where missing values go', async () => {
    await saveShop()
    const withNull = await infer('/v2/models/shop/infer', { inputs: [
      { name: 'color', shape: [2], datatype: 'BYTES', data: ['red', 'blue'] }, { name: 'size', shape: [2], datatype: 'FP64', data: [1.5, null] }] })
    expect(withNull.statusCode).toBe(400)
    expect(withNull.json().error).toMatch(/inputs\.1\.data\.1|inputs\[1\]\.data\[1\]/)
    expect(withNull.json().error).toMatch(/carries no missing values \(null\): fill the value in, or send the row to POST \/v1\/models\/\{name\}\/predict or TF Serving's :predict/)
    expect(withNull.json().error).not.toMatch(/expected array/)
    const bool = await infer('/v2/models/shop/infer', { inputs: [
      { name: 'color', shape: [1], datatype: 'BYTES', data: ['red'] }, { name: 'size', shape: [1], datatype: 'BOOL', data: [true] }] })
    expect(bool.statusCode).toBe(400)
    expect(bool.json().error).toMatch(/got true \(BOOL tensors are not accepted: send 0\/1 as FP32\)/)
    // NaN, as Python's json.dumps writes it: not JSON, and not told to send the null a tensor refuses
    const nan = await t.app.inject({ method: 'POST', url: '/v2/models/shop/infer', headers: { 'content-type': 'application/json' }, payload: '{"inputs": [{"name": "size", "shape": [1], "datatype": "FP64", "data": [NaN]}]}' })
    expect(nan.statusCode).toBe(400)
    expect(nan.json().error).toMatch(/NaN and Infinity are not JSON, and an Open Inference tensor carries no missing values: fill the value in, or send the row to POST \/v1\/models\/\{name\}\/predict/)
    // a number past float64 is said as sent, not as the null JSON.stringify makes of the Infinity it was read as (a trial)
    await saveIris(11)
    const huge = await t.app.inject({ method: 'POST', url: '/v2/models/iris/infer', headers: { 'content-type': 'application/json' }, payload: '{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64", "data": [1e400, 3.5, 1.4, -1e400]}]}' })
    expect(huge.json()).toEqual({ error: expect.stringMatching(/^invalid body: inputs\[0\]\.data\[0\]: expected a number, or a string in a BYTES tensor; got a number beyond 1\.8e308/) })
    expect(huge.body).not.toContain('got null')
  })

  it('refuses one tensor of numbers on a model with categorical columns (never a guessed answer), and says what to send', async () => {
    await saveColored()
    const one = await infer('/v2/models/colored/infer', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [4.0, 70, 2, 7] }] })
    expect(one.statusCode).toBe(400)
    expect(one.json()).toEqual({ error: "inputs: the model has categorical feature columns, whose categories one tensor of numbers cannot name; send one input per feature column, each of shape [rows]: 'a' (FP32), 'b' (FP32), 'c' (FP32), 'color' (BYTES: \"blue\", \"green\", \"red\"); GET /v2/models/colored lists them" })
    const [color, a, b, c] = colorTensors(colorRows.slice(0, 1))
    const cases: Array<[unknown[], RegExp]> = [
      [[a, b, c], /^inputs: missing 'color'; send one input per feature column/],
      [[a, b, c, { ...color, datatype: 'FP32', data: [7] }], /^inputs\[3\]\.datatype: the input 'color' is BYTES \(category names as strings\); got FP32/],
      [[a, b, c, { ...color, datatype: 'UINT8', data: [1] }], /^inputs\[3\]\.datatype: the input 'color' is BYTES \(category names as strings\); got UINT8/],
      [[a, b, c, { ...color, data: [7] }], /^inputs\[3\]\.data\[0\]: 'color' is a BYTES tensor, which holds strings \(category names\); got 7$/],
      [[a, b, c, { ...color, shape: [1, 1], data: [[7]] }], /^inputs\[3\]\.data\[0\]\[0\]: 'color' is a BYTES tensor, which holds strings/],
      [[a, { ...b, data: [['70']] }, c, color], /^inputs\[1\]\.data\[0\]\[0\]: 'b' is an INT64 tensor, which holds integers from -9223372036854775808 to 9223372036854775807; got "70"$/],
      [[{ ...a, datatype: 'BYTES', data: ['4'] }, b, c, color], /^inputs\[0\]\.datatype: the input 'a' is FP32 \(or FP64, FP16, BF16, INT8…INT64, UINT8…UINT64\); got BYTES/],
      [[a, b, c, color, { ...a, name: 'd' }], /^inputs\[4\]\.name: the model has no input 'd'/],
      [[a, b, c, color, a], /^inputs\[4\]\.name: the input 'a' is sent twice/],
      [[a, b, c, { ...color, shape: [2], data: ['red', 'blue'] }], /^inputs\[3\]\.shape: every input needs the same rows: 'a' has 1, 'color' has 2/],
      [[a, b, c, { ...color, shape: [1, 2] }], /^inputs\[3\]\.shape: the input 'color' is \[rows\] \(or \[rows, 1\]\); got \[1, 2\]/],
      [[a, b, { ...c, data: [1e39] }, color], /^inputs\[2\]\.data\[0\]: expected a finite number that fits a 32-bit float/]
    ]
    for (const [inputs, message] of cases) {
      const res = await infer('/v2/models/colored/infer', { inputs })
      expect(res.statusCode, JSON.stringify(inputs)).toBe(400)
      expect(res.json().error, JSON.stringify(inputs)).toMatch(message)
    }
  })

  it('takes the one input of a numeric model under any name (KServe\'s iris example: "input-0"), as FP64 or integer types too', async () => {
    const v = await saveIris(7)
    const rows = irisRows.slice(0, 3)
    const want = (await native(`iris@${v.version}`, rows)).outputs.flat()
    for (const datatype of ['FP32', 'FP64']) {
      const res = await infer('/v2/models/iris/infer', { inputs: [{ name: 'input-0', shape: [3, 4], datatype, data: rows }] })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json().outputs[0].data).toEqual(want)
    }
    const ints = [[5, 3, 1, 0], [7, 3, 6, 2]]
    const wantInts = (await native(`iris@${v.version}`, ints)).outputs.flat()
    for (const datatype of ['INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']) {
      const res = await infer('/v2/models/iris/infer', { inputs: [{ name: 'x', shape: [2, 4], datatype, data: ints.flat() }] })
      expect(res.statusCode, `${datatype} ${res.body}`).toBe(200)
      expect(res.json().outputs[0].data).toEqual(wantInts)
    }
    const fraction = await infer('/v2/models/iris/infer', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'INT32', data: [5.1, 3, 1, 0] }] })
    expect(fraction.statusCode).toBe(400)
    expect(fraction.json()).toEqual({ error: "inputs[0].data[0]: 'x' is an INT32 tensor, which holds integers from -2147483648 to 2147483647; got 5.1" })
    const negative = await infer('/v2/models/iris/infer', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'UINT8', data: [5, -3, 1, 0] }] })
    expect(negative.json()).toEqual({ error: "inputs[0].data[1]: 'x' is a UINT8 tensor, which holds integers from 0 to 255; got -3" })
  })

  it('refuses a value outside its integer datatype\'s range (or not whole), naming the tensor, the element as sent and the range', async () => {
    await saveIris(8)
    // per datatype: its least and greatest values (for the 64-bit types, the doubles 2^63 − 1 and 2^64 − 1 arrive as:
    // 9223372036854775807 in JSON is 2^63), then a value just below and one just above; the ranges as the
    // specification's C types have them
    const types: Array<[string, string, number[]]> = [
      ['INT8', '-128 to 127', [-128, 127, -129, 128]],
      ['INT16', '-32768 to 32767', [-32768, 32767, -32769, 32768]],
      ['INT32', '-2147483648 to 2147483647', [-2147483648, 2147483647, -2147483649, 2147483648]],
      ['INT64', '-9223372036854775808 to 9223372036854775807', [-(2 ** 63), 2 ** 63, -(2 ** 63) - 2048, 2 ** 63 + 2048]],
      ['UINT8', '0 to 255', [0, 255, -1, 256]],
      ['UINT16', '0 to 65535', [0, 65535, -1, 65536]],
      ['UINT32', '0 to 4294967295', [0, 4294967295, -1, 4294967296]],
      ['UINT64', '0 to 18446744073709551615', [0, 2 ** 64, -1, 2 ** 64 + 4096]]
    ]
    for (const [datatype, range, [least, greatest, below, above]] of types) {
      const tensor = (data: unknown[]) => ({ inputs: [{ name: 'x', shape: [2, 4], datatype, data }] })
      const fits = await infer('/v2/models/iris/infer', tensor([least, greatest, 1, 0, 1, 2, 3, 4]))
      expect(fits.statusCode, `${datatype} ${fits.body}`).toBe(200)
      const article = datatype.startsWith('U') ? 'a' : 'an'
      const cases: Array<[unknown[], string, number | string]> = [
        [[1, 2, 3, 4, 5, below, 0, 0], 'data[5]', below],
        // data nested as rows: the element's path as sent
        [[[1, 2, 3, 4], [5, 6, above, 0]], 'data[1][2]', above],
        [[1, 2.5, 3, 4, 1, 2, 3, 4], 'data[1]', 2.5]
      ]
      for (const [data, at, got] of cases) {
        const res = await infer('/v2/models/iris/infer', tensor(data))
        expect(res.statusCode, `${datatype} ${JSON.stringify(data)}`).toBe(400)
        expect(res.json()).toEqual({ error: `inputs[0].${at}: 'x' is ${article} ${datatype} tensor, which holds integers from ${range}; got ${JSON.stringify(got)}` })
      }
    }
    // not a datatype this service reads: BOOL, whatever its values
    const bool = await infer('/v2/models/iris/infer', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'BOOL', data: [1, 0, 1, 0] }] })
    expect(bool.json()).toEqual({ error: "inputs[0].datatype: the input 'x' is FP32 (or FP64, FP16, BF16, INT8…INT64, UINT8…UINT64); got BOOL" })
  })

  it('refuses a wrong datatype, name, shape or data with 400 and a message that says what to send', async () => {
    await saveIris(6)
    const tensor = { name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }
    const cases: Array<[unknown, RegExp]> = [
      [{ inputs: [{ ...tensor, datatype: 'BYTES' }] }, /inputs\[0\]\.datatype: the input 'input' is FP32 \(or FP64, FP16, BF16, INT8…INT64, UINT8…UINT64\); got BYTES/],
      [{ inputs: [{ ...tensor, datatype: 'BOOL' }] }, /inputs\[0\]\.datatype: the input 'input' is FP32 .*; got BOOL/],
      [{ inputs: [{ ...tensor, shape: [4] }] }, /inputs\[0\]\.shape: the input is \[rows, inputs\]/],
      // a shape no model takes is said before the data is read: [] had read as [0] ("needs 0 values; got more"), and a 3-D
      // shape over 2-D rows was told its rows' count first (a trial); data before its shape (no streaming check) too
      [{ inputs: [{ ...tensor, shape: [] }] }, /^inputs\[0\]\.shape: an input is \[rows, inputs\] \(or \[rows\], one per feature column of a model with categorical columns\); got \[\]$/],
      [{ inputs: [{ ...tensor, shape: [1, 2, 2], data: [[5.1, 3.5], [1.4, 0.2]] }] }, /^inputs\[0\]\.shape: an input is \[rows, inputs\] .*; got \[1, 2, 2\]$/],
      [{ inputs: [{ name: 'input', datatype: 'FP32', data: [[5.1, 3.5], [1.4, 0.2]], shape: [1, 2, 2] }] }, /^inputs\[0\]\.shape: an input is \[rows, inputs\] .*; got \[1, 2, 2\]$/],
      [{ inputs: [{ ...tensor, shape: [1, 1, 4] }] }, /^inputs\[0\]\.shape: an input is \[rows, inputs\] .*; got \[1, 1, 4\]$/],
      [{ inputs: [{ ...tensor, shape: [2, 4] }] }, /the shape \[2, 4\] needs 8 values; got 4/],
      [{ inputs: [{ ...tensor, shape: [2, 2] }] }, /^inputs\[0\]\.shape: the model takes 4 inputs per row, \[rows, 4\]; got \[2, 2\]$/],
      [{ inputs: [{ ...tensor, shape: [1, 5], data: [1, 2, 3, 4, 5] }] }, /^inputs\[0\]\.shape: the model takes 4 inputs per row, \[rows, 4\]; got \[1, 5\]$/],
      [{ inputs: [tensor, tensor] }, /the model has one input, 'input' \[rows, inputs\]; got 2 tensors/],
      [{ inputs: [{ ...tensor, data: [1, 2, 3, 'a'] }] }, /^inputs\[0\]\.data\[3\]: 'input' is an FP32 tensor, which holds numbers; got "a"$/],
      [{ inputs: [{ ...tensor, data: [1e39, 2, 3, 4] }] }, /^inputs\[0\]\.data\[0\]: expected a finite number that fits a 32-bit float/],
      [{ inputs: [{ ...tensor, shape: [20000, 4] }] }, /rows must be 1 to 10000; got 20000; split larger batches/],
      [{ inputs: [{ ...tensor, shape: [0, 4], data: [] }] }, /rows must be 1 to 10000; got 0; send at least one row/],
      // with data: the rows, not "needs 0 values; got more" (a retrial)
      [{ inputs: [{ ...tensor, shape: [0, 4] }] }, /^inputs\[0\]\.shape\[0\]: rows must be 1 to 10000; got 0; send at least one row$/],
      [{ inputs: [{ ...tensor, shape: [0] }] }, /^inputs\[0\]\.shape\[0\]: rows must be 1 to 10000; got 0; send at least one row$/],
      // the binary tensor extension's parameters out of place or of the wrong kind (binary-tensors.test.ts has the rest)
      [{ parameters: { binary_data_output: 'yes' }, inputs: [tensor] }, /^invalid body: parameters\.binary_data_output: true or false \(whether outputs are answered as binary data after the JSON\); got "yes"/],
      [{ inputs: [{ ...tensor, parameters: { binary_data_size: 16 } }] }, /inputs\[0\]\.parameters\.binary_data_size: binary data needs its framing: send the header Inference-Header-Content-Length/],
      [{ inputs: [{ ...tensor, parameters: { shared_memory_region: 'r0' } }] }, /inputs\[0\]\.parameters\.shared_memory_region: the shared-memory extension is not supported here/],
      [{ inputs: [tensor], outputs: [{ name: 'probabilities' }] }, /the model has no output 'probabilities'; its outputs are 'output', 'label'/],
      [{ inputs: [tensor], outputs: [{ name: 'label' }, { name: 'output' }, { name: 'label' }] }, /outputs\[2\]\.name: 'label' is asked for twice \(also outputs\[0\]\); name each output once/],
      [{ instances: [[1, 2, 3, 4]] }, /^unknown member 'instances' \(instances is TensorFlow Serving's: POST \/v1\/models\/\{name\}:predict takes it\): the Open Inference Protocol's infer body is \{"inputs": \[\{"name": "input"/],
      [{ input: [tensor] }, /^unknown member 'input' \(did you mean 'inputs'\?\): the Open Inference Protocol's infer body is/],
      [{ id: '1' }, /^the body has no inputs: the Open Inference Protocol's infer body is/],
      [{ inputs: [5.1, 3.5, 1.4, 0.2] }, /^inputs is a list of tensors, not of values: the Open Inference Protocol's infer body is/]
    ]
    for (const [payload, message] of cases) {
      const res = await infer('/v2/models/iris/infer', payload)
      expect(res.statusCode, JSON.stringify(payload)).toBe(400)
      expect(res.headers['content-type']).toBe('application/json')
      expect(res.json().error, JSON.stringify(payload)).toMatch(message)
    }
    // the specification's own example request (two inputs, UINT32 and BOOL) asks for tensors this model does not have
    const specExample = await infer('/v2/models/iris/infer', {
      id: '42',
      inputs: [{ name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] }, { name: 'input1', shape: [3], datatype: 'BOOL', data: [true] }],
      outputs: [{ name: 'output0' }]
    })
    expect(specExample.statusCode).toBe(400)
    expect(specExample.json()).toEqual({ error: expect.stringMatching(/^invalid body: inputs\[1\]\.data/) })
    // the model and version are checked after the body: unknown ones are a 404
    expect((await infer('/v2/models/nosuch/infer', { inputs: [tensor] })).statusCode).toBe(404)
    const irisNewest = ((await t.app.inject({ method: 'GET', url: '/v2/models/iris' })).json().versions as string[]).at(-1)
    const noVersion = await infer('/v2/models/iris/versions/42/infer', { inputs: [tensor] })
    expect(noVersion.statusCode).toBe(404)
    expect(noVersion.json()).toEqual({ error: `model 'iris' has no version 42; its newest is version ${irisNewest} (list its versions with GET /v1/models?name=iris)` })
    // a version with leading zeros is that version, as Triton and TF Serving read it (int64): /versions/01 is 1
    const padded = await infer('/v2/models/iris/versions/01/infer', { inputs: [tensor] })
    expect([padded.statusCode, padded.json().model_version]).toEqual([200, '1'])
    // a version that is no number, and a name with no versions at all, are the plain miss
    expect((await infer('/v2/models/iris/versions/x1/infer', { inputs: [tensor] })).json()).toEqual({ error: "model 'iris' version 'x1' not found; list models with GET /v1/models" })
    expect((await infer('/v2/models/nosuch/versions/1/infer', { inputs: [tensor] })).json()).toEqual({ error: "model 'nosuch' version '1' not found; list models with GET /v1/models" })
  })
})
