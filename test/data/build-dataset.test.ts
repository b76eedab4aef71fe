import { describe, it, expect } from 'vitest'
import { buildDataset } from '../../src/data/build-dataset.js'

describe('buildDataset', () => {
  it('builds float32 matrices, names and statistics from labelled rows', () => {
    const built = buildDataset({ features: [[1, 2], [3, 4], [5, 6]], targets: ['no', 'yes', 'no'], featureNames: ['a', 'b'] })
    expect(built.dataset).toMatchObject({ rows: 3, inputs: 2, outputs: 2 })
    expect(Array.from(built.dataset.y)).toEqual([1, 0, 0, 1, 1, 0])
    expect(built.classes).toEqual(['no', 'yes'])
    expect(built.featureNames).toEqual(['a', 'b'])
    expect(built.targetNames).toEqual(['class0'])
    expect(built.featureStats[1]).toMatchObject({ mean: 4, min: 2, max: 6 })
  })

  it('turns the core checks into 400 problems that locate the cell', () => {
    try {
      buildDataset({ features: [[1, 2], [3, 1e39]], targets: [1, 2] })
      expect.unreachable()
    } catch (err) {
      expect((err as Error).message).toMatch(/features\[1\]\[1\]: expected a finite number that fits a 32-bit float \(at most ±3\.4e38\), got 1e\+39/)
      expect(err).toMatchObject({ statusCode: 400, problem: { field: 'features[1][1]', row: 1, column: 1 } })
    }
    expect(() => buildDataset({ features: [[1], [2]], targets: [1] })).toThrow(/targets has 1 row; features has 2/)
    expect(() => buildDataset({ features: [[1], [2]], targets: [1, 2], featureNames: ['a', 'b'] })).toThrow(/featureNames has 2 names; the data has 1 column/)
    // a repeated name is named, with both places
    try {
      buildDataset({ features: [[1, 2, 3]], targets: [1], featureNames: ['a', 'b', 'a'] })
      expect.unreachable()
    } catch (err) {
      expect((err as Error).message).toBe('featureNames has the name "a" twice (0 and 2): give every column a name of its own')
      expect(err).toMatchObject({ statusCode: 400, problem: { field: 'featureNames[2]' } })
    }
    // and a column declared categorical twice
    try {
      buildDataset({ features: [[1, 2]], targets: [1], featureNames: ['a', 'b'], categorical: ['a', 'a'] })
      expect.unreachable()
    } catch (err) {
      expect((err as Error).message).toBe('categorical names "a" twice (0 and 1): name each column once')
      expect(err).toMatchObject({ statusCode: 400, problem: { field: 'categorical[1]' } })
    }
  })

  it('reads string columns as categories and null as missing, refused unless a strategy is given', () => {
    const built = buildDataset({ features: [[1, 'red'], [null, 'blue'], [3, null]], targets: [1, 2, 3], missing: { strategy: 'median' } })
    expect(built.columns.map((c) => c.kind)).toEqual(['numeric', 'categorical'])
    expect(built.columns[1].categories).toEqual(['blue', 'red'])
    expect(built.columns.map((c) => c.missing)).toEqual([1, 1])
    expect(built.featureStats[0]).toMatchObject({ mean: 2, min: 1, max: 3 })
    expect(() => buildDataset({ features: [[1], [null]], targets: [1, 2] })).toThrow(/features\[1\]\[0\]: the cell is missing; fill it in, or choose a missing-value strategy/)
    expect(() => buildDataset({ features: [[1], [2], ['x']], targets: [1, 2, 3] })).toThrow(/features\[2\]\[0\]: expected a number like the rest of column "x0", got "x"/)
  })

  it('trims category and class names as a CSV upload does: " red" and "red" are one category, " a" and "a" one class', () => {
    const built = buildDataset({ features: [[' red'], ['red '], ['red'], ['blue']], targets: [' a', 'a', 'b ', 'b'] })
    expect(built.columns[0].categories).toEqual(['blue', 'red'])
    expect(Array.from(built.dataset.x)).toEqual(Array.from(buildDataset({ features: [['red'], ['red'], ['red'], ['blue']], targets: ['a', 'a', 'b', 'b'] }).dataset.x))
    expect(built.classes).toEqual(['a', 'b'])
    // a JSON string of spaces would be a category named "", which a CSV reads as a missing cell: refused
    expect(() => buildDataset({ features: [['red'], ['  '], ['blue']], targets: [1, 2, 3], missing: { strategy: 'most_frequent' } }))
      .toThrow('features[1][0]: "  " is an empty category name; a missing value is null in JSON')
  })

  it('enforces the row limit with a 413', () => {
    expect(() => buildDataset({ features: [[1], [2], [3]], targets: [1, 2, 3] }, { maxRows: 2, maxClasses: 10, maxCategories: 10 })).toThrow(expect.objectContaining({ statusCode: 413 }))
  })
})
