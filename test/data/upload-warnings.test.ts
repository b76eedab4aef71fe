// What float32 storage does to integers past 2^24, and which categorical columns look like ids: the facts the
// upload's warnings and the softmax head's refusal are made of.
import { describe, expect, it } from 'vitest'
import { idLikeWarning, mergedIntegers } from '../../src/data/upload-warnings.js'
import { buildDataset } from '../../src/data/build-dataset.js'

const of = (values: Array<number | null>) => mergedIntegers(values.length, (r) => values[r])

describe('mergedIntegers', () => {
  it('finds distinct integers past 2^24 that float32 makes one (a trial\'s class codes and Unix timestamps)', () => {
    expect(of([100000001, 100000002, 100000003, 100000001])).toEqual({ first: 100000001, second: 100000002, stored: 100000000, distinct: 3, storedDistinct: 1 })
    expect(of([1700000000, 1700000001, 1700000063, 1700000127, null])).toEqual({ first: 1700000000, second: 1700000001, stored: 1700000000, distinct: 4, storedDistinct: 2 })
    expect(of([-16777216, -16777217])).toMatchObject({ distinct: 2, storedDistinct: 1 })
  })

  it('leaves alone integers float32 holds exactly, inexact ones that stay distinct, and decimals', () => {
    expect(of([16777216, 16777215, -16777216, 0, 1])).toBeNull() // 2^24 itself is exact
    expect(of([123456789, 987654321])).toBeNull() // changed in their last digits, still two values: a quantity's float32 rounding
    expect(of([5.1, 5.1000001, 5.10000001])).toBeNull() // closer than float32's 7 digits: noise, not things
    expect(of([100000001.5, 100000002.5, 100000001])).toBeNull() // no two integers merged
  })
})

describe('idLikeWarning', () => {
  it('says so for a column with a different category in nearly every row, and not for a few categories or a repeated many', () => {
    expect(idLikeWarning('visit_date', 442, 442)).toMatch(/^column "visit_date" has 442 categories in 442 rows with a value, a different one in nearly every row/)
    expect(idLikeWarning('note', 150, 150)).toMatch(/Drop the column, or derive numbers from it/)
    expect(idLikeWarning('id', 19, 19)).toBeNull() // too few to say
    expect(idLikeWarning('city', 40, 80)).toBeNull() // two rows a category on average
  })
})

describe('buildDataset warnings', () => {
  it('warns of a feature\'s merged integers with the way this upload declares a column categorical, and drops a merged target\'s class values', () => {
    const built = buildDataset({
      features: [[1700000000, 'a'], [1700000001, 'b'], [1700000063, 'a'], [1700000127, 'b']],
      targets: [100000001, 100000002, 100000003, 100000001],
      featureNames: ['ts', 'kind'],
      targetNames: ['y']
    })
    expect(built.warnings).toEqual([
      expect.stringMatching(/^column "ts": integers past 16,777,216 do not fit the float32 a dataset stores them as: 1700000000 and 1700000001 are both stored as 1700000000 \(4 distinct values in the upload, 2 as stored\)\. If they are codes or ids, declare the column categorical \("categorical": \["ts"\]\)/),
      expect.stringMatching(/^target column "y": .*100000001 and 100000002 are both stored as 100000000 \(3 distinct values in the upload, 1 as stored\)\. If they are class labels, upload them as labels \(as strings\)/)
    ])
    expect(built.targetValues).toBeUndefined()
    expect(built.targetMerged).toMatchObject({ first: 100000001, second: 100000002 })
    // nothing to say: no member at all
    const plain = buildDataset({ features: [[1], [2]], targets: [0, 1] })
    expect(plain.warnings).toBeUndefined()
    expect(plain.targetValues).toEqual([0, 1])
  })
})
