/**
 * Missing values: the strategies (scikit-learn's SimpleImputer names) and the imputer a model stores,
 * fitted on the training rows only. Values live in "code" form here: a numeric column holds its
 * numbers, a categorical one the index of its category; NaN is a missing cell. Pure.
 */
import type { FeatureColumn } from './feature-columns.js'

export const MISSING_STRATEGIES = ['error', 'mean', 'median', 'most_frequent', 'constant'] as const
export type MissingStrategy = (typeof MISSING_STRATEGIES)[number]

/** How missing feature cells are filled; `fillValue` is for `constant` (default 0). */
export interface MissingValues {
  readonly strategy: MissingStrategy
  readonly fillValue?: number
}

/**
 * A fitted imputer: the value (code) that replaces a missing cell of each raw column. A categorical
 * column's value is a category index, or -1 for "no category" (all zeros once one-hot encoded).
 */
export interface Imputer {
  readonly strategy: Exclude<MissingStrategy, 'error'>
  readonly fillValue?: number
  readonly statistics: number[]
}

/** Mean, median or the most frequent non-missing value of column c over the given rows (x is rows × width codes). */
function statistic (strategy: Imputer['strategy'], x: Float32Array, width: number, c: number, rowsOf: ArrayLike<number>, fill: number): number {
  const values: number[] = []
  for (let i = 0; i < rowsOf.length; i++) {
    const v = x[rowsOf[i] * width + c]
    if (!Number.isNaN(v)) values.push(v)
  }
  if (strategy === 'constant') return fill
  // a column with no value among the training rows: nothing to learn from, so the constant
  if (values.length === 0) return fill
  if (strategy === 'mean') return values.reduce((s, v) => s + v, 0) / values.length
  values.sort((a, b) => a - b)
  if (strategy === 'median') {
    const m = values.length >> 1
    return values.length % 2 === 1 ? values[m] : (values[m - 1] + values[m]) / 2
  }
  // most_frequent: the smallest of the most frequent values, as scikit-learn breaks ties
  let best = values[0]; let bestCount = 0
  for (let i = 0; i < values.length;) {
    let j = i
    while (j < values.length && values[j] === values[i]) j++
    if (j - i > bestCount) { best = values[i]; bestCount = j - i }
    i = j
  }
  return best
}

/**
 * The most frequent category (its index) of categorical column c over the given rows, -1 with none. A tie
 * goes to the one scikit-learn's SimpleImputer(strategy='most_frequent') fills: the smallest value in its
 * sort order, numbers by value (a column of codes) and text by code point ('Red' before 'red'), not this
 * service's natural order of categories.
 */
function mostFrequentCategory (x: Float32Array, width: number, c: number, rowsOf: ArrayLike<number>, categories: readonly string[]): number {
  const counts = new Float64Array(categories.length)
  for (let i = 0; i < rowsOf.length; i++) {
    const v = x[rowsOf[i] * width + c]
    if (!Number.isNaN(v)) counts[v]++
  }
  const numbers = categories.every((k) => k.trim() !== '' && Number.isFinite(Number(k)))
  const before = (a: number, b: number): boolean => (numbers ? Number(categories[a]) < Number(categories[b]) : categories[a] < categories[b])
  let best = -1
  for (let k = 0; k < counts.length; k++) {
    if (counts[k] === 0) continue
    if (best < 0 || counts[k] > counts[best] || (counts[k] === counts[best] && before(k, best))) best = k
  }
  return best
}

/**
 * Fits the imputer on the training rows. mean and median need numbers: a categorical column takes its
 * most frequent category instead; `constant` leaves a categorical cell with no category (all zeros).
 */
export function fitImputer (missing: MissingValues, columns: readonly FeatureColumn[], x: Float32Array, trainRows: ArrayLike<number>): Imputer | undefined {
  if (missing.strategy === 'error') return undefined
  const strategy = missing.strategy
  const fill = missing.fillValue ?? 0
  const statistics = columns.map((col, c) => {
    if (col.kind === 'numeric') return statistic(strategy, x, columns.length, c, trainRows, fill)
    return strategy === 'constant' ? -1 : mostFrequentCategory(x, columns.length, c, trainRows, col.categories ?? [])
  })
  return { strategy, ...(missing.fillValue === undefined ? {} : { fillValue: missing.fillValue }), statistics }
}
