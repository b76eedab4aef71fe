import { describe, it, expect } from 'vitest'
import { columnStats } from '../../src/data/column-stats.js'
import { normalizationFrom, normalizeRows, denormalizeRows } from '../../src/data/normalize.js'

const m = Float32Array.from([1, 10, 7, 2, 20, 7, 3, 60, 7]) // 3 rows × 3 columns; the last is constant
const stats = columnStats(m, 3, 3)

describe('normalize', () => {
  it('standard gives columns of mean 0 and std 1, and maps a constant column to 0', () => {
    const out = normalizeRows(m, normalizationFrom('standard', stats))
    const after = columnStats(out, 3, 3)
    expect(after[0].mean).toBeCloseTo(0, 6)
    expect(after[0].std).toBeCloseTo(1, 6)
    expect(after[1].std).toBeCloseTo(1, 6)
    expect(Array.from(out.filter((_, i) => i % 3 === 2))).toEqual([0, 0, 0])
  })

  it('minmax maps each column onto [0, 1]', () => {
    const out = normalizeRows(m, normalizationFrom('minmax', stats))
    expect(Array.from(out.filter((_, i) => i % 3 === 1))).toEqual([0, Math.fround(0.2), 1])
    expect(Array.from(out.filter((_, i) => i % 3 === 0))).toEqual([0, 0.5, 1])
  })

  it('none is the identity, and denormalize inverts normalize', () => {
    expect(Array.from(normalizeRows(m, normalizationFrom('none', stats)))).toEqual(Array.from(m))
    const norm = normalizationFrom('standard', stats)
    const back = denormalizeRows(normalizeRows(m, norm), norm)
    back.forEach((v, i) => expect(v).toBeCloseTo(m[i], 4))
  })

  it('reads each value as the float32 a dataset stores it as: a prediction\'s 5.1 as the training rows\' 5.1', () => {
    const norm = { kind: 'standard' as const, offset: [5], scale: [0.7] }
    const stored = normalizeRows(Float32Array.from([5.1]), norm)
    expect(normalizeRows([5.1], norm)).toEqual(stored)
    expect(normalizeRows([5.1], norm)[0]).toBe(Math.fround((Math.fround(5.1) - 5) / 0.7))
    expect(normalizeRows([5.1], norm)[0]).not.toBe(Math.fround((5.1 - 5) / 0.7))
  })

  it('refuses a matrix that is not whole rows', () => {
    expect(() => normalizeRows(new Float32Array(4), normalizationFrom('none', stats))).toThrow(/whole number of rows of 3/)
  })
})
