// GET /v1/models/{ref}/export?format=onnx on stored models with chosen weights: every hidden activation,
// every head, the normalisations, and the format choice. Each file passes onnx.checker and ONNX Runtime
// (WebAssembly) gives POST /v1/models/{ref}/predict's outputs and labels. Real HTTP on the built app.
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { ACTIVATIONS, layout, parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import type { onnx } from 'onnx-proto'
import type { ModelInfo } from '../../src/store/models.js'
import { buildTestApp, type TestApp } from '../api/helper.js'
import { checkOnnx, decode, FLOAT32_TOLERANCE, maxRelativeError, runOnnx } from '../support/onnx-runtime.js'
import { createNetwork } from '../../src/nn/network.js'
import { proto } from '../../src/onnx/graph.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp('onnx-graph') })
afterAll(async () => { await t.close() })

const weights = (spec: NetworkSpec, phase: number): Float32Array =>
  Float32Array.from({ length: parameterCount(spec) }, (_, i) => Math.fround(Math.sin(i * 1.7 + phase)))

const rows = [[5, -1, 100], [9, 0.2, 60], [1, -3, 180], [6.5, -0.4, 120], [4.2, 1.5, 95], [7.7, -2.2, 20]]
const norm3 = { kind: 'standard' as const, offset: [5, -1, 100], scale: [2, 0.5, 40] }

async function store (spec: NetworkSpec, meta: ModelInfo, phase = 0.3, params = weights(spec, phase)): Promise<string> {
  return (await t.app.models.save({ spec, params, meta })).id
}

/** The weights with the first layer's biases 0: row 0 sits at the normalisation offsets, so its first pre-activations are exactly 0 (step(0) = 1). */
function zeroFirstBiases (spec: NetworkSpec): Float32Array {
  const params = weights(spec, 0.3)
  const [first] = layout(spec)
  params.fill(0, first.bOffset, first.bOffset + first.units)
  return params
}

async function exported (id: string): Promise<Uint8Array> {
  const res = await t.app.inject({ method: 'GET', url: `/v1/models/${id}/export?format=onnx` })
  expect(res.statusCode, res.body).toBe(200)
  expect(res.headers['content-type']).toBe('application/octet-stream')
  return new Uint8Array(res.rawPayload)
}

async function native (id: string, inputs: unknown[][]): Promise<{ outputs: number[][], labels?: string[] }> {
  const res = await t.app.inject({ method: 'POST', url: `/v1/models/${id}/predict`, payload: { inputs } })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

describe('ONNX export of stored models', () => {
  for (const activation of ACTIVATIONS) {
    it(`${activation} hidden layers, softmax head with labels: the runtime answers what predict answers`, async () => {
      const spec: NetworkSpec = {
        inputs: 3,
        layers: [{ units: 7, activation, ...(activation === 'leaky_relu' ? { alpha: 0.2 } : {}) }, { units: 5, activation }],
        output: { units: 3, activation: 'softmax' }
      }
      const classes = ['setosa', 'versicolor', 'virginica']
      const id = await store(spec, { name: `act-${activation}`, normalization: norm3, classes, featureNames: ['a', 'b', 'c'] })
      const bytes = await exported(id)
      expect(checkOnnx(bytes)).toBe('opset 17 ir 8')
      const run = await runOnnx(bytes, rows)
      const want = await native(id, rows)
      expect(run.inputNames).toEqual(['input'])
      expect(run.outputNames.slice().sort()).toEqual(['label', 'probabilities'])
      expect(run.dims.probabilities).toEqual([rows.length, 3])
      expect(maxRelativeError(run.outputs.probabilities, want.outputs.flat())).toBeLessThan(FLOAT32_TOLERANCE)
      expect(run.outputs.label.map((k) => classes[k])).toEqual(want.labels)
      expect(JSON.parse(run.metadata.classes)).toEqual(classes)
      expect(JSON.parse(run.metadata.feature_names)).toEqual(['a', 'b', 'c'])
    })
  }

  it('step at exactly 0 is 1, as in nn/ (z ≥ 0)', async () => {
    const spec: NetworkSpec = { inputs: 3, layers: [{ units: 4, activation: 'step' }], output: { units: 1, activation: 'identity' } }
    const id = await store(spec, { name: 'perceptron', normalization: norm3 }, 0.3, zeroFirstBiases(spec))
    const run = await runOnnx(await exported(id), rows)
    const want = await native(id, rows)
    const out = layout(spec)[1]
    const params = weights(spec, 0.3)
    const fired = params.subarray(out.wOffset, out.bOffset).reduce((s, v) => s + v, params[out.bOffset])
    expect(want.outputs[0][0]).toBeCloseTo(fired, 5) // every hidden unit of row 0 is 1
    expect(maxRelativeError(run.outputs.variable, want.outputs.flat())).toBeLessThan(FLOAT32_TOLERANCE)
  })

  it('one sigmoid unit on two classes: P(classes[1]) and the 0.5 threshold as the label index', async () => {
    const spec: NetworkSpec = { inputs: 3, layers: [{ units: 6, activation: 'tanh' }], output: { units: 1, activation: 'sigmoid' } }
    const id = await store(spec, { name: 'binary', normalization: norm3, classes: ['no', 'yes'] }, 1.1)
    const bytes = await exported(id)
    checkOnnx(bytes)
    const run = await runOnnx(bytes, rows)
    const want = await native(id, rows)
    expect(run.dims.probabilities).toEqual([rows.length, 1])
    expect(run.dims.label).toEqual([rows.length])
    expect(maxRelativeError(run.outputs.probabilities, want.outputs.flat())).toBeLessThan(FLOAT32_TOLERANCE)
    expect(run.outputs.label.map((k) => ['no', 'yes'][k])).toEqual(want.labels)
    expect(new Set(want.labels).size).toBe(2) // the rows land on both sides of the threshold
  })

  it('several sigmoid units (multi-label): probabilities per unit and no label', async () => {
    const spec: NetworkSpec = { inputs: 3, layers: [{ units: 6, activation: 'relu' }], output: { units: 4, activation: 'sigmoid' } }
    const id = await store(spec, { name: 'tags', normalization: norm3 })
    const run = await runOnnx(await exported(id), rows)
    expect(run.outputNames).toEqual(['probabilities'])
    expect(maxRelativeError(run.outputs.probabilities, (await native(id, rows)).outputs.flat())).toBeLessThan(FLOAT32_TOLERANCE)
  })

  it('regression with minmax inputs and scaled targets: values in the targets\' units', async () => {
    const spec: NetworkSpec = { inputs: 3, layers: [{ units: 8, activation: 'softplus' }], output: { units: 2, activation: 'identity' } }
    const id = await store(spec, {
      name: 'houses',
      normalization: { kind: 'minmax', offset: [1, -3, 20], scale: [8.7, 4.5, 160] },
      targetNormalization: { kind: 'standard', offset: [250000, -40], scale: [90000, 12] },
      targetNames: ['price', 'margin']
    })
    const bytes = await exported(id)
    checkOnnx(bytes)
    const run = await runOnnx(bytes, rows)
    const want = await native(id, rows)
    expect(run.outputNames).toEqual(['variable'])
    expect(run.dims.variable).toEqual([rows.length, 2])
    expect(maxRelativeError(run.outputs.variable, want.outputs.flat())).toBeLessThan(FLOAT32_TOLERANCE)
    expect(Math.max(...run.outputs.variable.map(Math.abs))).toBeGreaterThan(1000) // undone scaling, not normalised units
    expect(JSON.parse(run.metadata.target_names)).toEqual(['price', 'margin'])
  })

  it('a model without normalisation or names: plain layers, inputs named x0…', async () => {
    const spec: NetworkSpec = { inputs: 3, layers: [], output: { units: 1, activation: 'identity' } }
    const id = await store(spec, {})
    const run = await runOnnx(await exported(id), rows)
    expect(maxRelativeError(run.outputs.variable, (await native(id, rows)).outputs.flat())).toBeLessThan(FLOAT32_TOLERANCE)
    expect(JSON.parse(run.metadata.feature_names)).toEqual(['x0', 'x1', 'x2'])
  })

  it('an untrained category encodes as all zeros in the graph, as predict takes it, even where its weights are not 0', async () => {
    // y = size + 30·[blue] + 20·[purple] + 10·[red]; purple untrained, so its 20 never counts (an import can hold weights for it)
    const spec: NetworkSpec = { inputs: 4, layers: [], output: { units: 1, activation: 'identity' } }
    const id = await store(spec, {
      preprocessing: { columns: [{ name: 'size', kind: 'numeric' }, { name: 'color', kind: 'categorical', categories: ['blue', 'purple', 'red'], untrainedCategories: ['purple'] }] }
    }, 0, Float32Array.from([1, 30, 20, 10, 0]))
    const want = await native(id, [[1, 'blue'], [1, 'purple'], [1, 'red'], [1, 'teal']])
    expect(want.outputs).toEqual([[31], [1], [11], [1]])
    // the graph's codes: the category's index, -1 for one never seen
    const run = await runOnnx(await exported(id), [[1, 0], [1, 1], [1, 2], [1, -1]])
    expect(run.outputs.variable).toEqual([31, 1, 11, 1])
    expect(JSON.parse(run.metadata.untrained_categories)).toEqual({ color: ['purple'] })
  })

  it('names its opset, producer, model version and weights as PyTorch names them, stored as raw_data', async () => {
    const spec: NetworkSpec = { inputs: 3, layers: [{ units: 4, activation: 'relu' }], output: { units: 3, activation: 'softmax' } }
    const id = await store(spec, { name: 'named' })
    const model = decode(await exported(id))
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]])
    expect(Number(model.irVersion)).toBe(8)
    expect(model.producerName).toBe('backprop')
    expect(Number(model.modelVersion)).toBe(1)
    // decoded messages are instances: every repeated field is an array
    const graph = model.graph as onnx.GraphProto
    expect(graph.initializer.map((i) => i.name)).toEqual(['layers.0.linear.weight', 'layers.0.linear.bias', 'output.weight', 'output.bias'])
    expect((graph.initializer[0].dims ?? []).map(Number)).toEqual([4, 3])
    // weights as raw_data: 4 little-endian bytes per float32, as onnx.numpy_helper stores them
    expect(graph.initializer[0].rawData?.length).toBe(4 * 4 * 3)
    expect(graph.initializer[0].floatData ?? []).toHaveLength(0)
    expect(String(graph.input[0].docString)).toMatch(/Raw feature rows \[N × 3\]/)
  })

  it('every block kind, from the layer records: operators in order, initializers under the JSON export\'s names, predict\'s answers', async () => {
    const spec: NetworkSpec = {
      inputs: 3,
      layers: [
        { units: 4, activation: 'maxout', pieces: 3, norm: 'batch' },
        { units: 5, activation: 'abs', norm: 'layer', dropout: 0.3, residual: true },
        { units: 5, activation: 'relu', residual: true }
      ],
      output: { units: 3, activation: 'softmax' }
    }
    const net = createNetwork(spec, { seed: 4 })
    for (const p of net.parameters) {
      // running statistics as training leaves them (variances positive); norm scales and biases away from 1 and 0
      if (p.name.endsWith('running_var')) p.value.forEach((_, i) => { p.value[i] = 0.4 + i * 0.3 })
      else if (p.name.endsWith('running_mean')) p.value.forEach((_, i) => { p.value[i] = Math.sin(i) })
      else if (p.name.includes('.norm.')) p.value.forEach((_, i) => { p.value[i] = 0.8 + 0.1 * Math.cos(i + p.offset) })
    }
    const classes = ['a', 'b', 'c']
    const id = await store(spec, { name: 'blocks', normalization: norm3, classes }, 0, net.params as Float32Array)
    const bytes = await exported(id)
    expect(checkOnnx(bytes)).toBe('opset 17 ir 8')
    const run = await runOnnx(bytes, rows)
    const want = await native(id, rows)
    expect(maxRelativeError(run.outputs.probabilities, want.outputs.flat())).toBeLessThan(FLOAT32_TOLERANCE)
    expect(run.outputs.label.map((k) => classes[k])).toEqual(want.labels)

    const graph = decode(bytes).graph as onnx.GraphProto
    const layerOps = graph.node.map((n) => n.opType).slice(graph.node.findIndex((n) => n.opType === 'Gemm'))
    expect(layerOps).toEqual([
      'Gemm', 'BatchNormalization', 'Reshape', 'ReduceMax', // layers.0: 12 pieces, batch norm, maxout of 4 units
      'Gemm', 'LayerNormalization', 'Abs', 'Gemm', 'Add', // layers.1: dropout is nothing; the projection 4 → 5, then the sum
      'Gemm', 'Relu', 'Add', // layers.2: identity shortcut
      'Gemm', 'Softmax', 'ArgMax'
    ])
    const attributes = (op: string): Record<string, unknown> => Object.fromEntries((graph.node.find((n) => n.opType === op)?.attribute ?? [])
      .map((a) => [a.name, (a.ints ?? []).length > 0 ? (a.ints ?? []).map(Number) : a.type === proto.AttributeProto.AttributeType.FLOAT ? Math.fround(a.f ?? NaN) : Number(a.i)]))
    expect(attributes('BatchNormalization')).toEqual({ epsilon: Math.fround(1e-5), training_mode: 0 })
    expect(attributes('LayerNormalization')).toEqual({ axis: -1, epsilon: Math.fround(1e-5) })
    expect(attributes('ReduceMax')).toEqual({ axes: [2], keepdims: 0 })

    const exportedJson = await t.app.inject({ method: 'GET', url: `/v1/models/${id}/export` })
    const names = Object.keys(exportedJson.json().parameters as Record<string, unknown>)
    expect(graph.initializer.map((i) => String(i.name)).filter((n) => names.includes(n))).toEqual(names)
    expect(names).toContain('layers.1.projection.weight')
    expect(names).toContain('layers.0.norm.running_var')
  })

  it('format=json stays the default; an unknown format is a 400 that lists the choices', async () => {
    const spec: NetworkSpec = { inputs: 3, layers: [], output: { units: 2, activation: 'softmax' } }
    const id = await store(spec, { name: 'formats' })
    const plain = await t.app.inject({ method: 'GET', url: `/v1/models/${id}/export` })
    const json = await t.app.inject({ method: 'GET', url: `/v1/models/${id}/export?format=json` })
    expect(plain.statusCode).toBe(200)
    expect(plain.headers['content-type']).toMatch(/^application\/json/)
    expect(json.json()).toEqual(plain.json())
    expect(plain.json()).toMatchObject({ format: 'backprop.model', version: 2 })
    const bad = await t.app.inject({ method: 'GET', url: `/v1/models/${id}/export?format=pmml` })
    expect(bad.statusCode).toBe(400)
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(bad.json().detail).toMatch(/json.*onnx/)
    const missing = await t.app.inject({ method: 'GET', url: '/v1/models/nobody@latest/export?format=onnx' })
    expect(missing.statusCode).toBe(404)
  })

  it('a model stored with a NaN weight (before the divergence guard) is a 409 in ONNX as in JSON, not a file of NaN', async () => {
    const spec: NetworkSpec = { inputs: 3, layers: [{ units: 2, activation: 'relu' }], output: { units: 1, activation: 'identity' } }
    const params = weights(spec, 0)
    params[4] = NaN
    const id = await store(spec, { name: 'diverged' }, 0, params)
    const res = await t.app.inject({ method: 'GET', url: `/v1/models/${id}/export?format=onnx` })
    expect(res.statusCode).toBe(409)
    expect(res.json().detail).toMatch(/weight layers\.0\.linear\.weight\[1\]\[1\] is NaN/)
  })

  it('HEAD answers the ONNX media type without a body (the console offers the download on it)', async () => {
    const spec: NetworkSpec = { inputs: 3, layers: [], output: { units: 2, activation: 'softmax' } }
    const id = await store(spec, { name: 'probe' })
    const res = await t.app.inject({ method: 'HEAD', url: `/v1/models/${id}/export?format=onnx` })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/octet-stream')
    expect(res.rawPayload).toHaveLength(0)
  })

  it('a file name from the model name and version', async () => {
    const spec: NetworkSpec = { inputs: 3, layers: [], output: { units: 2, activation: 'softmax' } }
    await store(spec, { name: 'iris flowers' })
    const res = await t.app.inject({ method: 'GET', url: '/v1/models/iris%20flowers@latest/export?format=onnx' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-disposition']).toBe('attachment; filename="iris_flowers-v1.onnx"')
    // the JSON form too, shown inline (browsers, Swagger UI) with the same name for a save
    const json = await t.app.inject({ method: 'GET', url: '/v1/models/iris%20flowers@latest/export' })
    expect(json.statusCode).toBe(200)
    expect(json.headers['content-type']).toMatch(/^application\/json/)
    expect(json.headers['content-disposition']).toBe('inline; filename="iris_flowers-v1.json"')
  })
})
