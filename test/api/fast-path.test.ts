import { describe, it, expect } from 'vitest'
import type { ZodType } from 'zod'
import { isDatasetJson, isModelRefParams, isPredictBody } from '../../src/api/fast-path.js'
import { CreateDatasetJson } from '../../src/schemas/dataset.js'
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

/** Each case: the plain check's verdict, and zod accepts what it accepts (with `unchanged`: as the same value). */
function agreesWithZod (check: (data: unknown) => boolean, schema: ZodType, cases: Array<[unknown, boolean]>, unchanged = false): void {
  for (const [data, ok] of cases) {
    it(`${JSON.stringify(data)?.slice(0, 50)}: ${ok ? 'accepted' : 'left to zod'}, and zod agrees`, () => {
      expect(check(data)).toBe(ok)
      const zod = schema.safeParse(data)
      if (ok) {
        expect(zod.success).toBe(true)
        if (unchanged) expect(zod.data).toEqual(data)
      } else if (!zod.success) {
        expect(check(data)).toBe(false)
      }
    })
  }
}

describe('the prediction body fast path', () => {
  agreesWithZod(isPredictBody, PredictRequest, bodies)
})

describe('the model reference params fast path', () => {
  const cases: Array<[unknown, boolean]> = [
    [{ id: 'mdl_0123' }, true], [{ id: 'iris@latest' }, true], [{ id: 'x'.repeat(200) }, true],
    [{ id: '' }, false], [{ id: 'x'.repeat(201) }, false], [{ id: 3 }, false], [{}, false], [{ id: 'a', other: 'b' }, false], [null, false]
  ]
  agreesWithZod(isModelRefParams, ModelRefParams, cases)
})

describe('the JSON dataset fast path', () => {
  const ok = { features: [[1, 2], [3, 4]], targets: ['a', 'b'] }
  const cases: Array<[unknown, boolean]> = [
    [ok, true],
    [{ ...ok, targets: [1.5, -2] }, true],
    [{ ...ok, targets: [[1, 2], [3, 4]] }, true],
    [{ ...ok, name: 'iris', featureNames: ['a', 'b'], targetNames: ['y'] }, true],
    [{ ...ok, name: ' iris ' }, false], // zod trims it: left to zod, which changes it
    [{ ...ok, name: '' }, false],
    [{ ...ok, extra: 1 }, false],
    [{ ...ok, features: [] }, false],
    [{ ...ok, features: [[1, '2']] }, true], // a category
    [{ ...ok, features: [[1, null]] }, true], // a missing cell
    [{ ...ok, features: [[1, true]] }, false],
    [{ ...ok, features: [[1, 'x'.repeat(201)]] }, false],
    [{ ...ok, missing: { strategy: 'mean' } }, false], // left to zod, which accepts it
    [{ ...ok, features: [1, 2] }, false],
    [{ ...ok, targets: [] }, false],
    [{ ...ok, targets: ['', 'b'] }, false],
    [{ ...ok, targets: ['x'.repeat(201), 'b'] }, false],
    [{ ...ok, targets: [[], [1]] }, false],
    [{ ...ok, targets: [true, false] }, false],
    [{ ...ok, featureNames: ['a', ''] }, false],
    [{ features: ok.features }, false],
    [[ok], false],
    [null, false],
    ['a,b\n1,2', false]
  ]
  agreesWithZod(isDatasetJson, CreateDatasetJson, cases, true)
})
