import { describe, it, expect } from 'vitest'
import { readPredictBody, wasReadFromBytes } from '../../src/api/predict-body.js'
import { PredictRequest, MAX_PREDICT_ROWS } from '../../src/schemas/model.js'

/** The rows as plain arrays, to compare with JSON.parse (the reader's rows are Float64Arrays). */
const read = (text: string, maxRows = MAX_PREDICT_ROWS): { inputs: number[][] } | undefined => {
  const body = readPredictBody(Buffer.from(text), maxRows)
  return body && { inputs: body.inputs.map((row) => Array.from(row)) }
}

/** Number by number with Object.is: -0 and 0 differ, as they do for the network. */
function expectSameAsJsonParse (text: string): void {
  const got = read(text)
  expect(got, text).toBeDefined()
  const want = JSON.parse(text) as { inputs: number[][] }
  expect(got!.inputs.length).toBe(want.inputs.length)
  want.inputs.forEach((row, r) => {
    expect(got!.inputs[r].length).toBe(row.length)
    row.forEach((v, c) => { if (!Object.is(got!.inputs[r][c], v)) expect.fail(`${text.slice(0, 60)}: [${r}][${c}] ${got!.inputs[r][c]} ≠ ${v}`) })
  })
  expect(PredictRequest.safeParse(got).success).toBe(true)
}

/** A seeded generator, so a failure names a reproducible case. */
function lcg (seed: number): () => number {
  let s = seed >>> 0
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296 }
}

/** A JSON number of 1..16 digits below 2^53 with k decimals (what the reader converts itself). */
function decimal (rand: () => number): string {
  const digits = 1 + Math.floor(rand() * 16)
  let s = String(1 + Math.floor(rand() * 8))
  for (let d = 1; d < digits; d++) s += String(Math.floor(rand() * 10))
  const decimals = Math.floor(rand() * (digits + 1))
  if (decimals === digits) s = `0.${s}`
  else if (decimals > 0) s = `${s.slice(0, digits - decimals)}.${s.slice(digits - decimals)}`
  return (rand() < 0.3 ? '-' : '') + s
}

describe('reading the prediction body from its bytes', () => {
  it('reads what clients send with the values JSON.parse gives', () => {
    expectSameAsJsonParse('{"inputs":[[1,2,3]]}')
    expectSameAsJsonParse('{"inputs": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}') // Python's json.dumps
    expectSameAsJsonParse('{\n  "inputs": [\n    [\n      0,\n      -0,\n      -0.0,\n      0.1,\n      255\n    ]\n  ]\n}\n')
    expectSameAsJsonParse(JSON.stringify({ inputs: [Array.from({ length: 784 }, (_, i) => (i * 37) % 256)] }))
    expectSameAsJsonParse('{"inputs":[[9007199254740991,-8999999999999999,0.000000000000001,123456789.012345,0.1234567890123456,0.0000000000000000000001]]}')
    expectSameAsJsonParse(`{"inputs":${JSON.stringify(Array.from({ length: MAX_PREDICT_ROWS }, () => [1]))}}`)
  })

  it('converts random decimals of up to 16 digits exactly as JSON.parse does', () => {
    const rand = lcg(7)
    for (let t = 0; t < 200; t++) {
      const rows = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => Array.from({ length: 1 + Math.floor(rand() * 60) }, () => decimal(rand)))
      expectSameAsJsonParse(`{"inputs":[${rows.map((r) => `[${r.join(',')}]`).join(',')}]}`)
    }
  })

  it('marks the bodies it built, and only those', () => {
    const body = readPredictBody(Buffer.from('{"inputs":[[1]]}'), 1)
    expect(wasReadFromBytes(body)).toBe(true)
    expect(body!.inputs[0]).toBeInstanceOf(Float64Array)
    expect(wasReadFromBytes(read('{"inputs":[[1]]}'))).toBe(false)
    expect(wasReadFromBytes(JSON.parse('{"inputs":[[1]]}'))).toBe(false)
    expect(wasReadFromBytes(null)).toBe(false)
  })

  // left to JSON.parse and the schema: malformed bodies, other shapes, numbers it does not convert
  const general = [
    '', ' ', '{}', '[]', 'null', '{"inputs":[]}', '{"inputs":[[]]}', '{"inputs":[[1],[]]}', '{"inputs":[1,2]}',
    '{"inputs":[[1,2]],"x":1}', '{"x":1,"inputs":[[1]]}', '{"inputs":[[1,2]]}x', '{"inputs":[[1,2]]}{}',
    '{"inputs":[[1,"2"]]}', '{"inputs":[[1,null]]}', '{"inputs":[[1,true]]}', '{"inputs":[[1,NaN]]}', '{"inputs":[[1,Infinity]]}',
    '{"inputs":[[01]]}', '{"inputs":[[1.]]}', '{"inputs":[[.5]]}', '{"inputs":[[+1]]}', '{"inputs":[[-]]}', '{"inputs":[[--1]]}',
    '{"inputs":[[1,]]}', '{"inputs":[[,1]]}', '{"inputs":[[1 2]]}', '{"inputs":[[1]],}', '{"inputs":[[1]]',
    '{"inputs":[[1e3]]}', '{"inputs":[[1E-3]]}', '{"inputs":[[9007199254740992]]}', '{"inputs":[[9007199254740993]]}', '{"inputs":[[0.12345678901234567890123]]}', '{"inputs":[[0.30000000000000004]]}',
    '{"inp\\u0075ts":[[1]]}', '{\'inputs\':[[1]]}', '\uFEFF{"inputs":[[1]]}', '{"inputs":[[1]]}\u00a0', '{"inputs":[[[1]]]}'
  ]
  for (const text of general) {
    it(`leaves ${JSON.stringify(text)} to JSON.parse`, () => { expect(read(text)).toBeUndefined() })
  }

  it('reads rows wider than its scratch buffer, and narrow ones after them', () => {
    for (const width of [5000, 70_000, 3]) {
      const row = Array.from({ length: width }, (_, i) => (i % 7) - 3.5)
      expectSameAsJsonParse(JSON.stringify({ inputs: [row, row.slice(1)] }))
    }
  })

  it('leaves more rows than the limit to the schema', () => {
    expect(read('{"inputs":[[1],[2]]}', 2)).toBeDefined()
    expect(read('{"inputs":[[1],[2],[3]]}', 2)).toBeUndefined()
  })

  it('never accepts a cut or altered body that JSON.parse would read differently', () => {
    const text = '{"inputs": [[5.1, -3.5, 0, 1e2], [6, 0.25, -0, 7]]}'
    const rand = lcg(11)
    const variants = [...Array.from({ length: text.length }, (_, n) => text.slice(0, n))]
    for (let t = 0; t < 3000; t++) {
      const at = Math.floor(rand() * text.length)
      const byte = String.fromCharCode(32 + Math.floor(rand() * 95))
      variants.push(rand() < 0.5 ? text.slice(0, at) + byte + text.slice(at + 1) : text.slice(0, at) + byte + text.slice(at))
    }
    for (const variant of variants) {
      const got = read(variant)
      if (got === undefined) continue
      let want: unknown
      try { want = JSON.parse(variant) } catch { expect.fail(`accepted ${variant}, which JSON.parse rejects`) }
      expect(got, variant).toEqual(want)
      expectSameAsJsonParse(variant)
    }
  })
})
