// k-fold splits: disjoint folds that cover every row, seeded, and stratified on an unbalanced set.
import { describe, expect, it } from 'vitest'
import { assignFolds, foldRows } from '../../src/sweeps/folds.js'

describe('assignFolds', () => {
  // 97 rows: 70 of class 0, 20 of class 1, 7 of class 2 (unbalanced, and no count divisible by 5)
  const labels = Int32Array.from({ length: 97 }, (_, r) => (r < 70 ? 0 : r < 90 ? 1 : 2))

  it('folds are disjoint and together cover every row exactly once', () => {
    const fold = assignFolds(97, 5, 11, labels)
    const seen = new Int32Array(97)
    for (let f = 0; f < 5; f++) {
      const { train, test } = foldRows(fold, f)
      expect(train.length + test.length).toBe(97)
      expect(new Set([...train, ...test]).size).toBe(97) // train and test do not overlap
      for (const r of test) seen[r]++
    }
    expect([...seen].every((n) => n === 1)).toBe(true)
  })

  it('stratified: each class is spread over the folds within one row, and so are fold sizes', () => {
    const fold = assignFolds(97, 5, 11, labels)
    for (const [cls, n] of [[0, 70], [1, 20], [2, 7]]) {
      const perFold = [0, 1, 2, 3, 4].map((f) => labels.filter((c, r) => c === cls && fold[r] === f).length)
      expect(perFold.reduce((s, v) => s + v, 0)).toBe(n)
      expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1)
    }
    const sizes = [0, 1, 2, 3, 4].map((f) => fold.filter((x) => x === f).length)
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
  })

  it('the same seed gives the same folds; another seed other folds', () => {
    expect(assignFolds(97, 5, 11, labels)).toEqual(assignFolds(97, 5, 11, labels))
    expect(assignFolds(97, 5, 12, labels)).not.toEqual(assignFolds(97, 5, 11, labels))
  })

  it('without labels (regression) the folds are still disjoint, covering and balanced in size', () => {
    const fold = assignFolds(10, 3, 0)
    expect([0, 1, 2].map((f) => foldRows(fold, f).test.length).sort()).toEqual([3, 3, 4])
  })

  it('refuses fewer rows than folds, and k < 2', () => {
    expect(() => assignFolds(2, 3, 0)).toThrow(/3 folds need at least 3 rows/)
    expect(() => assignFolds(10, 1, 0)).toThrow(/integer ≥ 2/)
  })
})
