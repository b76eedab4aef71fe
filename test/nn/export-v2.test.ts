// The JSON form, version 2: every parameter under its torch.nn state_dict name and shape, read back
// bit for bit; and a real version 1 export (written by the v1 writer) still reads, predicting the same.
import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { fromJsonForm, toJsonForm, toJsonFormV1, type JsonModel } from '../../src/nn/serialize.js'
import { createNetwork, predict } from '../../src/nn/network.js'
import { parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import { Rng } from '../../src/nn/random.js'

const spec: NetworkSpec = {
  inputs: 5,
  layers: [
    { units: 4, activation: 'maxout', pieces: 3, norm: 'layer' },
    { units: 4, activation: 'relu', dropout: 0.5, residual: true },
    { units: 6, activation: 'tanh', norm: 'layer', residual: true }
  ],
  output: { units: 2, activation: 'softmax' }
}
const params = (s: NetworkSpec, seed: number): Float32Array => {
  const rng = new Rng(seed)
  return Float32Array.from({ length: parameterCount(s) }, () => rng.uniform(-1, 1))
}
const bits = (p: Float32Array): number[] => Array.from(new Uint32Array(p.buffer, p.byteOffset, p.length))

describe('JSON model form, version 2', () => {
  const p = params(spec, 1)
  const form = toJsonForm(spec, p)

  it('names every parameter as torch.nn does, with its torch shape, in buffer order', () => {
    const shapes = Object.fromEntries(Object.entries(form.parameters).map(([k, v]) => [k, Array.isArray(v[0]) ? [v.length, (v[0] as number[]).length] : [v.length]]))
    expect(shapes).toEqual({
      'layers.0.linear.weight': [12, 5], // maxout: units·k outputs
      'layers.0.linear.bias': [12],
      'layers.0.norm.weight': [12],
      'layers.0.norm.bias': [12],
      'layers.1.linear.weight': [4, 4], // same width: no projection
      'layers.1.linear.bias': [4],
      'layers.2.linear.weight': [6, 4],
      'layers.2.linear.bias': [6],
      'layers.2.norm.weight': [6],
      'layers.2.norm.bias': [6],
      'layers.2.projection.weight': [6, 4],
      'output.weight': [2, 6],
      'output.bias': [2]
    })
    expect(Object.keys(form.parameters)[0]).toBe('layers.0.linear.weight')
    // row-major [out][in]: the first weight row is the first `inputs` values of the buffer
    expect((form.parameters['layers.0.linear.weight'] as number[][])[0]).toEqual(Array.from(p.subarray(0, 5)))
    expect((form.parameters['layers.0.linear.weight'] as number[][])[1][0]).toBe(p[5])
  })

  it('round-trips through JSON text with bit-identical params', () => {
    const back = fromJsonForm(JSON.parse(JSON.stringify(form)))
    expect(back.spec).toEqual(spec)
    expect(bits(back.params)).toEqual(bits(p.map((v) => (Object.is(v, -0) ? 0 : v))))
  })

  it('names the parameter, the index and the shape at fault', () => {
    const valid = (): JsonModel & { parameters: Record<string, unknown> } => JSON.parse(JSON.stringify(form))
    const bad = valid(); (bad.parameters['layers.2.norm.bias'] as unknown[])[3] = 'x'
    expect(() => fromJsonForm(bad)).toThrow('parameters["layers.2.norm.bias"][3]: expected a finite number')
    const short = valid(); (short.parameters['output.weight'] as unknown[][])[1].pop()
    expect(() => fromJsonForm(short)).toThrow('parameters["output.weight"][1]: expected 6 numbers (shape [2, 6])')
    const missing = valid(); delete missing.parameters['layers.2.projection.weight']
    expect(() => fromJsonForm(missing)).toThrow('parameters["layers.2.projection.weight"]: missing; the network has this tensor, of shape [6, 4]')
    const extra = valid(); extra.parameters['layers.1.projection.weight'] = [[0]]
    expect(() => fromJsonForm(extra)).toThrow('parameters["layers.1.projection.weight"]: the network has no such parameter')
    expect(() => fromJsonForm({ ...valid(), parameters: undefined })).toThrow('parameters: expected an object')
    // a layer norm has no step counter: only BatchNorm1d's is set aside
    const counter = valid(); (counter.parameters as Record<string, unknown>)['layers.2.norm.num_batches_tracked'] = 5
    expect(() => fromJsonForm(counter)).toThrow('parameters["layers.2.norm.num_batches_tracked"]: the network has no such parameter')
  })

  it('sets aside BatchNorm1d\'s num_batches_tracked, as torch\'s state_dict carries it (a number, or a 0-d tensor\'s one-value list)', () => {
    const bn: NetworkSpec = { inputs: 3, layers: [{ units: 4, activation: 'relu', norm: 'batch' }], output: { units: 1, activation: 'identity' } }
    const p = params(bn, 3).map(Math.abs) // running variances are ≥ 0
    const plain = toJsonForm(bn, p) as JsonModel & { parameters: Record<string, unknown> }
    for (const count of [5, [5], 0]) {
      const back = fromJsonForm({ ...plain, parameters: { ...plain.parameters, 'layers.0.norm.num_batches_tracked': count } })
      expect(bits(back.params)).toEqual(bits(fromJsonForm(plain).params))
    }
    expect(() => fromJsonForm({ ...plain, parameters: { ...plain.parameters, 'layers.0.norm.num_batches_tracked': -1 } }))
      .toThrow('parameters["layers.0.norm.num_batches_tracked"]: BatchNorm1d\'s num_batches_tracked counts steps: a whole number ≥ 0 (it is set aside), got -1')
  })

  it('refuses a negative running variance by name (batch norm would answer NaN)', () => {
    const bn: NetworkSpec = { inputs: 3, layers: [{ units: 2, activation: 'relu', norm: 'batch' }], output: { units: 1, activation: 'identity' } }
    const good = toJsonForm(bn, createNetwork(bn, { seed: 1 }).params as Float32Array)
    const bad = JSON.parse(JSON.stringify(good)) as JsonModel & { parameters: Record<string, number[]> }
    bad.parameters['layers.0.norm.running_var'][1] = -0.5
    expect(() => fromJsonForm(bad)).toThrow('parameters["layers.0.norm.running_var"][1]: a running variance must be ≥ 0, got -0.5')
    expect(fromJsonForm(good).params).toHaveLength(parameterCount(bn))
  })

  it('the version 1 writer refuses what it cannot hold', () => {
    expect(() => toJsonFormV1(spec, p)).toThrow('layers[0] uses maxout, norm, dropout or residual')
  })
})

describe('a real version 1 export', () => {
  const v1 = JSON.parse(readFileSync(new URL('../fixtures/model-v1.json', import.meta.url), 'utf8'))

  it('still imports, and its version 2 export holds the same values under torch names', () => {
    expect(v1.version).toBe(1)
    const { spec: s, params: q } = fromJsonForm(v1)
    const W = v1.layers[0].W as number[][]
    expect(q[0]).toBe(W[0][0])
    const v2 = toJsonForm(s, q)
    expect(v2.parameters['layers.0.linear.weight']).toEqual(W)
    expect(v2.parameters['layers.0.linear.bias']).toEqual(v1.layers[0].b)
    expect(v2.parameters['output.weight']).toEqual(v1.layers[1].W)
    expect(v2.parameters['output.bias']).toEqual(v1.layers[1].b)
    const again = fromJsonForm(JSON.parse(JSON.stringify(v2)))
    const x = Float32Array.from([-0.9, 1.0, -1.3, -1.3, 1.0, 0.1, 0.8, 1.4])
    expect(Array.from(predict(createNetwork(again.spec, { params: again.params }), x, 2))).toEqual(Array.from(predict(createNetwork(s, { params: q }), x, 2)))
  })
})
