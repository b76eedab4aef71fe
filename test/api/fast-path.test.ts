import { describe, it, expect } from 'vitest'
import { isModelRefParams, isPredictBody } from '../../src/api/fast-path.js'
import { ModelRefParams } from '../../src/schemas/common.js'
import { PredictRequest, MAX_PREDICT_ROWS } from '../../src/schemas/model.js'

// the fast check may only accept what zod accepts; for the ordinary valid bodies it must accept them
const bodies: Array<[unknown, boolean]> = [
  [{ inputs: [[1, 2, 3]] }, true],
  [{ inputs: [[0.5], [-1e30]] }, true],
  [{ inputs: [[]] }, true],
  [{ inputs: Array.from({ length: MAX_PREDICT_ROWS }, () => [1]) }, true],
  [{ inputs: Array.from({ length: MAX_PREDICT_ROWS + 1 }, () => [1]) }, false],
  [{ inputs: [] }, false],
  [{ inputs: [[1, '2']] }, false],
  [{ inputs: [[1, null]] }, false],
  [{ inputs: [[1, Infinity]] }, false],
  [{ inputs: [[1, Number.NaN]] }, false],
  [{ inputs: [1, 2] }, false],
  [{ inputs: [[1]], extra: true }, false],
  [{}, false],
  [[{ inputs: [[1]] }], false],
  [null, false],
  ['{"inputs":[[1]]}', false]
]

describe('the prediction body fast path', () => {
  for (const [body, ok] of bodies) {
    it(`${JSON.stringify(body)?.slice(0, 40)}: ${ok ? 'accepted' : 'left to zod'}, and zod agrees`, () => {
      expect(isPredictBody(body)).toBe(ok)
      if (ok) expect(PredictRequest.safeParse(body).success).toBe(true)
      else if (!PredictRequest.safeParse(body).success) expect(isPredictBody(body)).toBe(false)
    })
  }
})

describe('the model reference params fast path', () => {
  const cases: Array<[unknown, boolean]> = [
    [{ id: 'mdl_0123' }, true], [{ id: 'iris@latest' }, true], [{ id: 'x'.repeat(200) }, true],
    [{ id: '' }, false], [{ id: 'x'.repeat(201) }, false], [{ id: 3 }, false], [{}, false], [{ id: 'a', other: 'b' }, false], [null, false]
  ]
  for (const [params, ok] of cases) {
    it(`${JSON.stringify(params)?.slice(0, 40)}: ${ok ? 'accepted' : 'left to zod'}, and zod agrees`, () => {
      expect(isModelRefParams(params)).toBe(ok)
      if (ok) expect(ModelRefParams.safeParse(params).success).toBe(true)
      else if (!ModelRefParams.safeParse(params).success) expect(isModelRefParams(params)).toBe(false)
    })
  }
})
