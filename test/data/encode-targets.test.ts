import { describe, it, expect } from 'vitest'
import { encodeTargets } from '../../src/data/encode-targets.js'

const options = { maxClasses: 1000, name: 'y', locate: (r: number) => ({ text: `targets[${r}]`, problem: { field: `targets[${r}]`, row: r } }) }

describe('encodeTargets', () => {
  it('one-hot encodes string labels over classes in natural order', () => {
    const e = encodeTargets(['b', '10', 'a', '2', 'b'], options)
    expect(e.classes).toEqual(['2', '10', 'a', 'b'])
    expect(e.width).toBe(4)
    expect(Array.from(e.y.subarray(0, 4))).toEqual([0, 0, 0, 1])
    expect(Array.from(e.y.subarray(12, 16))).toEqual([1, 0, 0, 0])
  })

  it('keeps numbers as one output with their distinct values, and arrays as several outputs', () => {
    const numbers = encodeTargets([1.5, 2, -3, 2], options)
    expect(Array.from(numbers.y)).toEqual([1.5, 2, -3, 2])
    expect(numbers.values).toEqual([-3, 1.5, 2])
    expect(encodeTargets([0.1, 0.2], options).values).toEqual([0.1, 0.2])
    const arrays = encodeTargets([[1, 2], [3, 4]], options)
    expect(arrays).toMatchObject({ width: 2 })
    expect(Array.from(arrays.y)).toEqual([1, 2, 3, 4])
  })

  it('names the index of a target of another kind, and a missing target', () => {
    expect(() => encodeTargets([1, 2, 'x'], options)).toThrow(/targets\[2\]: the target is a string \(class label\) but the first row's is a number/)
    expect(() => encodeTargets(['a', null as unknown as string], options)).toThrow(/targets\[1\]: a target must be a number, a string or an array of numbers, got null/)
    expect(() => encodeTargets([1, 1e39], options)).toThrow(/targets\[1\]: expected a finite number that fits a 32-bit float/)
  })

  it('keeps a single class (rows to score a model with; training on them is refused at admission)', () => {
    expect(encodeTargets(['a', 'a'], options)).toMatchObject({ classes: ['a'], width: 1, y: new Float32Array([1, 1]) })
  })

  it('refuses empty labels and more classes than the cap', () => {
    expect(() => encodeTargets(['a', ' '], options)).toThrow(/targets\[1\]: the class label is empty/)
    expect(() => encodeTargets(['a', 'b', 'c'], { ...options, maxClasses: 2 })).toThrow(/targets\[2\]: column "y" has more than 2 distinct class labels \(MAX_CLASSES\)/)
  })
})
