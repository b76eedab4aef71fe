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
    expect(server.json()).toEqual({ name: 'backprop', version: expect.any(String), extensions: [] })
  })

  it('is not ready (503, {"error"}) while Redis does not answer, and still live', async () => {
    const redis = createRedis('redis://127.0.0.1:1')
    redis.on('error', () => undefined)
    const down = await buildApp({ config: loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' }), redis })
    await down.ready()
    try {
      const ready = await down.inject({ method: 'GET', url: '/v2/health/ready' })
      expect(ready.statusCode).toBe(503)
      expect(ready.json()).toEqual({ error: 'not ready: Redis did not answer PING within 1 s' })
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
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      expect(Object.keys(res.json())).toEqual(['error'])
      expect(res.json().error).toMatch(/^model '(nosuch|iris)'/)
    }
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

  it('reads FP32 values of a categorical column as category names, as the native predict does, reporting unknown ones', async () => {
    const spec: NetworkSpec = { inputs: 4, layers: [{ units: 3, activation: 'tanh' }], output: { units: 2, activation: 'softmax' } }
    await t.app.models.save({
      spec,
      params: weights(spec, 0.7),
      meta: { name: 'graded', classes: ['no', 'yes'], preprocessing: { columns: [{ name: 'size', kind: 'numeric' }, { name: 'grade', kind: 'categorical', categories: ['1', '2', '3'] }] } }
    })
    const rows = [[0.5, 2], [0.7, 9]]
    const want = await t.app.inject({ method: 'POST', url: '/v1/models/graded@latest/predict', payload: { inputs: rows } })
    expect(want.json().unknownCategories).toEqual([{ row: 1, field: 'inputs[1][1]', value: '9' }])
    const res = await infer('/v2/models/graded/infer', { inputs: [{ name: 'input', shape: [2, 2], datatype: 'FP32', data: rows }] })
    expect(res.json().outputs[0].data).toEqual(want.json().outputs.flat())
    expect(res.json().outputs[1].data).toEqual(want.json().labels)
    expect(res.json().parameters).toEqual({ unknown_categories: want.json().unknownCategories })
    expect((await t.app.inject({ method: 'GET', url: '/v2/models/graded' })).json().inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 2] }])
  })

  it('refuses a wrong datatype, name, shape or data with 400 and a message that says what to send', async () => {
    await saveIris(6)
    const tensor = { name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }
    const cases: Array<[unknown, RegExp]> = [
      [{ inputs: [{ ...tensor, datatype: 'INT64' }] }, /inputs\[0\]\.datatype: the input 'input' is FP32; got INT64/],
      [{ inputs: [{ ...tensor, name: 'x' }] }, /inputs\[0\]\.name: the model's input is named 'input'; got 'x'/],
      [{ inputs: [{ ...tensor, shape: [4] }] }, /inputs\[0\]\.shape: the input is \[rows, inputs\]/],
      [{ inputs: [{ ...tensor, shape: [2, 4] }] }, /the shape \[2, 4\] needs 8 values; got 4/],
      [{ inputs: [{ ...tensor, shape: [2, 2] }] }, /expected 4 inputs per row, got 2 in row 0/],
      [{ inputs: [tensor, tensor] }, /the model has one input, 'input'; got 2 tensors/],
      [{ inputs: [{ ...tensor, data: [1, 2, 3, 'a'] }] }, /inputs/],
      [{ inputs: [{ ...tensor, data: [1e39, 2, 3, 4] }] }, /inputs\[0\]\[0\]: expected a finite number that fits a 32-bit float/],
      [{ inputs: [{ ...tensor, shape: [20000, 4] }] }, /rows must be 1 to 10000/],
      [{ inputs: [tensor], outputs: [{ name: 'probabilities' }] }, /the model has no output 'probabilities'; its outputs are 'output', 'label'/],
      [{ instances: [[1, 2, 3, 4]] }, /inputs/]
    ]
    for (const [payload, message] of cases) {
      const res = await infer('/v2/models/iris/infer', payload)
      expect(res.statusCode, JSON.stringify(payload)).toBe(400)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
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
    const noVersion = await infer('/v2/models/iris/versions/42/infer', { inputs: [tensor] })
    expect(noVersion.statusCode).toBe(404)
    expect(noVersion.json()).toEqual({ error: "model 'iris' version '42' not found; list models with GET /v1/models" })
  })
})
