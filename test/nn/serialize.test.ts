import { describe, it, expect } from 'vitest'
import { crc32, decodeModel, encodeModel, fromJsonForm, toJsonFormV1 } from '../../src/nn/serialize.js'
import { layout, parameterCount, type NetworkSpec } from '../../src/nn/spec.js'
import { Rng } from '../../src/nn/random.js'

const spec: NetworkSpec = {
  inputs: 4,
  layers: [{ units: 5, activation: 'relu' }, { units: 3, activation: 'leaky_relu', alpha: 0.2 }],
  output: { units: 3, activation: 'softmax' },
  l2: 1e-4
}

function randomParams (s: NetworkSpec, seed: number): Float32Array {
  const rng = new Rng(seed)
  const p = Float32Array.from({ length: parameterCount(s) }, () => rng.normal())
  // the awkward float32 values: signed zero, subnormal, extremes
  p.set([-0, 1.4e-45, 3.4028234663852886e38, -1.1754943508222875e-38], 0)
  return p
}

const bits = (p: Float32Array): number[] => Array.from(new Uint32Array(p.buffer, p.byteOffset, p.length))

/** Rewrites the trailing CRC so that a deliberate edit reaches the checks behind it. */
function reseal (bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true)
  return bytes
}

describe('crc32', () => {
  it('gives the standard check value for "123456789" and 0 for nothing', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array(0))).toBe(0)
  })
})

describe('binary model format', () => {
  const params = randomParams(spec, 1)
  const meta = { name: 'iris', epochs: 12, labels: ['setosa', 'versicolor', 'virginica'] }

  it('round-trips spec, meta and bit-identical params', () => {
    const back = decodeModel(encodeModel({ spec, params, meta }))
    expect(back.spec).toEqual(spec)
    expect(back.meta).toEqual(meta)
    expect(bits(back.params)).toEqual(bits(params))
    expect(Object.is(back.params[0], -0)).toBe(true)
    expect(decodeModel(encodeModel({ spec, params })).meta).toEqual({})
  })

  it('follows the documented layout', () => {
    const bytes = encodeModel({ spec, params, meta })
    const view = new DataView(bytes.buffer, bytes.byteOffset)
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('BPNN')
    expect(view.getUint16(4, true)).toBe(1)
    expect(view.getUint16(6, true)).toBe(0)
    const L = view.getUint32(8, true)
    expect(JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + L)))).toEqual({ spec, meta })
    const p = 12 + Math.ceil(L / 4) * 4
    expect(Array.from(bytes.subarray(12 + L, p)).every((b) => b === 0)).toBe(true)
    expect(view.getUint32(p, true)).toBe(params.length)
    for (const i of [0, 1, 7, params.length - 1]) expect(view.getFloat32(p + 4 + 4 * i, true)).toBe(params[i])
    expect(bytes.length).toBe(p + 4 + 4 * params.length + 4)
    expect(view.getUint32(bytes.length - 4, true)).toBe(crc32(bytes.subarray(0, bytes.length - 4)))
  })

  it('decodes from a view at a non-zero offset into a larger buffer (as Node Buffers are)', () => {
    const bytes = encodeModel({ spec, params })
    const big = new Uint8Array(bytes.length + 13)
    big.set(bytes, 5)
    expect(bits(decodeModel(big.subarray(5, 5 + bytes.length)).params)).toEqual(bits(params))
  })

  it('refuses to encode params that do not fit the network', () => {
    expect(() => encodeModel({ spec, params: new Float32Array(3) })).toThrow(`the network has ${params.length} parameters; got 3`)
  })

  it('rejects a bad magic and an unsupported version or flags', () => {
    const bytes = encodeModel({ spec, params })
    const wrongMagic = bytes.slice(); wrongMagic[0] = 0x58
    expect(() => decodeModel(wrongMagic)).toThrow('not a backprop model')
    expect(() => decodeModel(new Uint8Array(2))).toThrow('not a backprop model')
    const v2 = bytes.slice(); v2[4] = 2
    expect(() => decodeModel(v2)).toThrow('unsupported model format version 2')
    const flagged = bytes.slice(); flagged[6] = 1
    expect(() => decodeModel(flagged)).toThrow('unsupported model flags')
  })

  it('rejects truncation at every length, and trailing bytes', () => {
    const bytes = encodeModel({ spec, params })
    for (let n = 4; n < bytes.length; n++) {
      expect(() => decodeModel(bytes.subarray(0, n))).toThrow(/truncated/)
    }
    const longer = new Uint8Array(bytes.length + 1); longer.set(bytes)
    expect(() => decodeModel(longer)).toThrow('1 bytes after its checksum')
  })

  it('detects a flipped bit anywhere after the fixed header by CRC', () => {
    const bytes = encodeModel({ spec, params, meta })
    const view = new DataView(bytes.buffer)
    const p = 12 + Math.ceil(view.getUint32(8, true) / 4) * 4
    // header JSON, a parameter, the CRC itself (the count and length fields are caught as truncation)
    for (const at of [15, p + 4 + 4 * 10 + 2, bytes.length - 1]) {
      const bad = bytes.slice(); bad[at] ^= 0x10
      expect(() => decodeModel(bad)).toThrow('model blob is corrupt: CRC-32')
    }
  })

  it('rejects a parameter count that differs from the spec, even with a valid CRC', () => {
    const small: NetworkSpec = { inputs: 2, layers: [], output: { units: 1, activation: 'sigmoid' } }
    const bytes = encodeModel({ spec: small, params: Float32Array.of(1, 2, 3) })
    // claim the 3-parameter network has 4 inputs (5 parameters) and rewrite the header in place
    const header = new TextEncoder().encode(JSON.stringify({ spec: { ...small, inputs: 4 }, meta: {} }))
    const L = new DataView(bytes.buffer).getUint32(8, true)
    expect(header.length).toBe(L)
    bytes.set(header, 12)
    expect(() => decodeModel(reseal(bytes))).toThrow('model blob holds 3 parameters; its network has 5')
  })

  it('runs checkSpec on the decoded spec', () => {
    const small: NetworkSpec = { inputs: 2, layers: [], output: { units: 1, activation: 'sigmoid' } }
    const bytes = encodeModel({ spec: small, params: Float32Array.of(1, 2, 3) })
    const header = new TextEncoder().encode(JSON.stringify({ spec: { ...small, inputs: 0 }, meta: {} }))
    expect(header.length).toBe(new DataView(bytes.buffer).getUint32(8, true))
    bytes.set(header, 12)
    expect(() => decodeModel(reseal(bytes))).toThrow('inputs must be a positive integer, got 0')
  })
})

describe('JSON model form, version 1 (still read)', () => {
  const params = randomParams(spec, 2)

  it('puts W row-major [out][in] and b where layout(spec) says', () => {
    const form = toJsonFormV1(spec, params)
    expect(form.format).toBe('backprop.model')
    expect(form.version).toBe(1)
    expect(form.network).toEqual(spec)
    const shapes = layout(spec)
    expect(form.layers).toHaveLength(shapes.length)
    shapes.forEach((s, l) => {
      expect(form.layers[l].W).toHaveLength(s.units)
      expect(form.layers[l].W[0]).toHaveLength(s.inputs)
      expect(form.layers[l].W[s.units - 1][s.inputs - 1]).toBe(params[s.wOffset + s.units * s.inputs - 1])
      expect(form.layers[l].W[1][0]).toBe(params[s.wOffset + s.inputs])
      expect(form.layers[l].b).toEqual(Array.from(params.subarray(s.bOffset, s.bOffset + s.units)))
    })
  })

  it('round-trips through JSON text with bit-identical params', () => {
    const back = fromJsonForm(JSON.parse(JSON.stringify(toJsonFormV1(spec, params))))
    expect(back.spec).toEqual(spec)
    expect(bits(back.params)).toEqual(bits(params.map((v) => (Object.is(v, -0) ? 0 : v)))) // JSON writes -0 as 0
  })

  const valid = (): { layers: { W: unknown[][], b: unknown[] }[] } & Record<string, unknown> =>
    JSON.parse(JSON.stringify(toJsonFormV1(spec, params)))

  it('names the path of a bad value', () => {
    const v = valid(); v.layers[1].W[2][4] = 'x'
    expect(() => fromJsonForm(v)).toThrow('layers[1].W[2][4]: expected a finite number')
    const big = valid(); big.layers[2].b[0] = 1e39
    expect(() => fromJsonForm(big)).toThrow('layers[2].b[0]: expected a finite number')
    const nul = valid(); nul.layers[0].W[0][0] = null
    expect(() => fromJsonForm(nul)).toThrow('layers[0].W[0][0]: expected a finite number')
  })

  it('names the shape that does not match the network', () => {
    const rows = valid(); rows.layers[0].W.push(rows.layers[0].W[0])
    expect(() => fromJsonForm(rows)).toThrow("layers[0].W has 6 rows; the network's layer 0 has 5 units")
    const cols = valid(); cols.layers[1].W[2].pop()
    expect(() => fromJsonForm(cols)).toThrow("layers[1].W[2] has 4 columns; the network's layer 1 has 5 inputs")
    const bias = valid(); bias.layers[2].b.pop()
    expect(() => fromJsonForm(bias)).toThrow("layers[2].b has 2 values; the network's layer 2 has 3 units")
    const count = valid(); count.layers.pop()
    expect(() => fromJsonForm(count)).toThrow('layers has 2 entries; the network has 3 layers')
    const sparse = valid(); sparse.layers[0].b = new Array(5)
    expect(() => fromJsonForm(sparse)).toThrow('layers[0].b[0]: expected a finite number')
  })

  it('rejects the wrong format, version or network', () => {
    expect(() => fromJsonForm(null)).toThrow('a model must be a JSON object')
    expect(() => fromJsonForm({ ...valid(), format: 'onnx' })).toThrow('format: expected "backprop.model"')
    expect(() => fromJsonForm({ ...valid(), version: 3 })).toThrow('unsupported model version 3')
    expect(() => fromJsonForm({ ...valid(), network: { ...spec, inputs: -1 } })).toThrow('network: inputs must be a positive integer')
    expect(() => fromJsonForm({ ...valid(), network: 'x' })).toThrow('network: expected a network definition object')
  })
})
