import { describe, it, expect } from 'vitest'
import { encodeTargets } from '../../src/data/encode-targets.js'

describe('encodeTargets', () => {
  it('one-hot encodes string labels over classes in natural order', () => {
    const e = encodeTargets(['b', '10', 'a', '2', 'b'])
    expect(e.classes).toEqual(['2', '10', 'a', 'b'])
    expect(Array.from(e.labels!)).toEqual([3, 1, 2, 0, 3])
    expect(e.rows[0]).toEqual([0, 0, 0, 1])
    expect(e.rows[3]).toEqual([1, 0, 0, 0])
  })

  it('keeps numbers as one regression output and arrays as several outputs', () => {
    expect(encodeTargets([1.5, 2, -3])).toEqual({ rows: [[1.5], [2], [-3]] })
    expect(encodeTargets([[1, 2], [3, 4]])).toEqual({ rows: [[1, 2], [3, 4]] })
  })

  it('names the index of a target of another kind', () => {
    expect(() => encodeTargets([1, 2, 'x'])).toThrow(/targets\[2\] is a string \(class label\) but targets\[0\] is a number/)
    expect(() => encodeTargets(['a', null as unknown as string])).toThrow(/targets\[1\] must be a number, a string or an array/)
  })

  it('refuses a single class and empty labels', () => {
    expect(() => encodeTargets(['a', 'a'])).toThrow(/at least two classes/)
    expect(() => encodeTargets(['a', ' '])).toThrow(/targets\[1\] is an empty class label/)
  })
})
