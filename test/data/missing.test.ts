// The imputer's statistics per strategy (scikit-learn SimpleImputer's names), fitted on the given
// training rows only, against values worked out by hand.
import { describe, it, expect } from 'vitest'
import { fitImputer } from '../../src/data/missing.js'
import type { FeatureColumn } from '../../src/data/feature-columns.js'

// codes, rows × 2: n numeric (NaN missing), c categorical over a, b, c (indices, NaN missing)
const columns: FeatureColumn[] = [{ name: 'n', kind: 'numeric', missing: 2 }, { name: 'c', kind: 'categorical', categories: ['a', 'b', 'c'], missing: 1 }]
const rows = [[1, 2], [NaN, 2], [4, 0], [4, NaN], [10, 1], [NaN, 1], [100, 0]]
const x = Float32Array.from(rows.flat())
const all = [0, 1, 2, 3, 4, 5, 6]

describe('fitImputer', () => {
  it('error fits nothing', () => {
    expect(fitImputer({ strategy: 'error' }, columns, x, all)).toBeUndefined()
  })

  it('mean, median and most_frequent of a numeric column skip missing cells; a categorical column takes its most frequent category', () => {
    // n present: 1, 4, 4, 10, 100; c present: 2, 2, 0, 1, 1, 0 → ties between 0, 1 and 2 go to the smallest code, "a"
    expect(fitImputer({ strategy: 'mean' }, columns, x, all)).toEqual({ strategy: 'mean', statistics: [119 / 5, 0] })
    expect(fitImputer({ strategy: 'median' }, columns, x, all)!.statistics).toEqual([4, 0])
    expect(fitImputer({ strategy: 'most_frequent' }, columns, x, all)!.statistics).toEqual([4, 0])
    // an even count: the median is the mean of the middle two
    expect(fitImputer({ strategy: 'median' }, columns, x, [0, 2, 4, 6])!.statistics[0]).toBe(7)
  })

  it('breaks a tie between categories as scikit-learn does: text by code point, numbers by value, not by the categories\' natural order', () => {
    // natural order puts "red" before "Red" and "2" before "10"; SimpleImputer fills "Red" (code point 82 < 114), and 2 for numbers
    const tie = (categories: string[]): number => {
      const cols: FeatureColumn[] = [{ name: 'c', kind: 'categorical', categories, missing: 1 }]
      return fitImputer({ strategy: 'most_frequent' }, cols, Float32Array.of(0, 1, 0, 1, NaN), [0, 1, 2, 3, 4])!.statistics[0]
    }
    expect(tie(['red', 'Red'])).toBe(1)
    expect(tie(['2', '10'])).toBe(0)
    expect(tie(['b', 'a'])).toBe(1)
  })

  it('constant fills numeric cells with fillValue (default 0) and leaves a categorical cell with no category (all zeros)', () => {
    expect(fitImputer({ strategy: 'constant', fillValue: -1 }, columns, x, all)).toEqual({ strategy: 'constant', fillValue: -1, statistics: [-1, -1] })
    expect(fitImputer({ strategy: 'constant' }, columns, x, all)!.statistics).toEqual([0, -1])
  })

  it('is fitted on the training rows given, not on every row', () => {
    // rows 4 and 6 (n = 10, 100) held out: n's mean is (1 + 4 + 4) / 3, c's most frequent among 2, 2, 0 is "c"
    const train = [0, 1, 2, 3, 5]
    expect(fitImputer({ strategy: 'mean' }, columns, x, train)!.statistics).toEqual([3, 2])
    expect(fitImputer({ strategy: 'median' }, columns, x, train)!.statistics).toEqual([4, 2])
  })

  it('a column with no value among the training rows takes the constant (0, or no category)', () => {
    expect(fitImputer({ strategy: 'mean' }, columns, x, [1, 5])!.statistics).toEqual([0, 1])
    expect(fitImputer({ strategy: 'median' }, columns, x, [3])!.statistics).toEqual([4, -1])
  })
})
