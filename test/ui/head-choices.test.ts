// The job form's output heads for a dataset (ui/src/head-choices.ts): numbers that read as class codes are offered as
// classes, numbers that read as a quantity are not (the API takes such a job anyway, with a warning).
import { describe, expect, it } from 'vitest'
import { headChoices } from '../../ui/src/head-choices.js'
import type { Dataset } from '../../ui/src/types.js'

const dataset = (rows: number, targetValues?: number[], classes?: string[]): Dataset => ({
  id: 'ds_x', name: 'x', rows, inputs: 4, outputs: classes?.length ?? 1, featureNames: ['a', 'b', 'c', 'd'], targetNames: ['y'],
  ...(classes ? { classes } : {}), ...(targetValues ? { targetValues } : {}), createdAt: '', columns: [], targetColumns: [], bytes: 0
})
const values = (heads: ReturnType<typeof headChoices>): string[] => heads.map((h) => h.value)

describe('the job form\'s output heads', () => {
  it('offers a numeric target\'s values as classes only when they read as codes: whole numbers with 5 rows a value or more', () => {
    // digits: 10 codes over 1,797 rows, classes first
    expect(values(headChoices(dataset(1797, Array.from({ length: 10 }, (_, i) => i))))).toEqual(['softmax', 'identity'])
    // two codes: a sigmoid unit too
    expect(values(headChoices(dataset(100, [0, 1])))).toEqual(['softmax', 'sigmoid', 'identity'])
    // many codes with enough rows each: offered after regression
    expect(values(headChoices(dataset(3000, Array.from({ length: 30 }, (_, i) => i))))).toEqual(['identity', 'softmax'])
    // diabetes' progression: 214 whole numbers over 442 rows reads as a quantity
    expect(values(headChoices(dataset(442, Array.from({ length: 214 }, (_, i) => 25 + i))))).toEqual(['identity'])
    // fractions are never classes
    expect(values(headChoices(dataset(500, [0.5, 1.5, 2.5])))).toEqual(['identity'])
  })

  it('labels are classes: a softmax over them, and one sigmoid unit for two', () => {
    expect(values(headChoices(dataset(150, undefined, ['setosa', 'versicolor', 'virginica'])))).toEqual(['softmax'])
    expect(values(headChoices(dataset(150, undefined, ['no', 'yes'])))).toEqual(['softmax', 'sigmoid'])
    // one class: nothing to tell apart, and no head the API would take (it was "softmax over 1 classes", refused on submit)
    expect(headChoices(dataset(2, undefined, ['x']))).toEqual([])
  })
})
