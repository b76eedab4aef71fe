// The scores a sweep ranks its trials by (src/sweeps/held-out-scores.ts), against scikit-learn 1.2's own
// functions on the same rows (the expected values were computed with accuracy_score, balanced_accuracy_score,
// f1_score, roc_auc_score and log_loss on these probabilities): a softmax over three classes, one sigmoid unit,
// and the scores that are undefined on their rows (scikit-learn's NaN), which are left out.
import { describe, expect, it } from 'vitest'
import { heldOutScores } from '../../src/sweeps/held-out-scores.js'
import type { Dataset } from '../../src/nn/dataset.js'
import type { NetworkSpec } from '../../src/nn/spec.js'

const softmax: NetworkSpec = { inputs: 1, layers: [], output: { units: 3, activation: 'softmax' } }
const sigmoid: NetworkSpec = { inputs: 1, layers: [], output: { units: 1, activation: 'sigmoid' } }
const identity: NetworkSpec = { inputs: 1, layers: [], output: { units: 1, activation: 'identity' } }

function rowsOf (y: number[][]): Dataset {
  return { x: new Float32Array(y.length), y: Float32Array.from(y.flat()), rows: y.length, inputs: 1, outputs: y[0].length }
}
const oneHot = (labels: number[], K: number): number[][] => labels.map((k) => Array.from({ length: K }, (_, j) => (j === k ? 1 : 0)))

describe('a sweep\'s held-out scores', () => {
  it('a softmax over three classes: scikit-learn\'s accuracy, balanced accuracy, macro and weighted F1, one-vs-rest ROC AUC and log loss', () => {
    const y = [0, 0, 0, 1, 1, 2, 0, 1]
    const p = Float32Array.from([0.7, 0.2, 0.1, 0.5, 0.4, 0.1, 0.2, 0.5, 0.3, 0.1, 0.8, 0.1, 0.3, 0.3, 0.4, 0.2, 0.2, 0.6, 0.6, 0.1, 0.3, 0.4, 0.45, 0.15])
    const s = heldOutScores(softmax, p, rowsOf(oneHot(y, 3)))
    expect(s.accuracy).toBe(0.75)
    expect(s.balanced_accuracy).toBeCloseTo(0.8055555555555555, 12)
    expect(s.f1_macro).toBeCloseTo(0.7301587301587301, 12)
    expect(s.f1_weighted).toBeCloseTo(0.761904761904762, 12)
    expect(s.roc_auc_ovr).toBeCloseTo(0.88125, 12)
    expect(s.log_loss).toBeCloseTo(0.7383169038539898, 6)
    // scikit-learn's roc_auc scorer refuses three classes (multi_class must be chosen): not given
    expect(s.roc_auc).toBeUndefined()
  })

  it('one sigmoid unit: the same scores of p(class 1), roc_auc among them', () => {
    const y = [0, 1, 1, 0, 1, 0, 0, 1, 1]
    const p = Float32Array.from([0.1, 0.7, 0.4, 0.35, 0.9, 0.6, 0.2, 0.8, 0.55])
    const s = heldOutScores(sigmoid, p, rowsOf(y.map((v) => [v])))
    expect(s.accuracy).toBeCloseTo(0.7777777777777778, 12)
    expect(s.balanced_accuracy).toBeCloseTo(0.775, 12)
    expect(s.f1_macro).toBeCloseTo(0.7750000000000001, 12)
    expect(s.f1_weighted).toBeCloseTo(0.7777777777777779, 12)
    expect(s.roc_auc).toBeCloseTo(0.9, 12)
    expect(s.roc_auc_ovr).toBeCloseTo(0.9, 12)
    expect(s.log_loss).toBeCloseTo(0.43054272871083604, 6)
  })

  it('leaves out what is undefined on the rows: a ROC AUC with a class absent, R² of one row', () => {
    // class 2 has no row here: its one-vs-rest area is undefined, so roc_auc_ovr is (scikit-learn raises)
    const s = heldOutScores(softmax, Float32Array.from([0.7, 0.2, 0.1, 0.2, 0.7, 0.1]), rowsOf(oneHot([0, 1], 3)))
    expect(s.roc_auc_ovr).toBeUndefined()
    expect(s.accuracy).toBe(1)
    const one = heldOutScores(identity, Float32Array.from([3.5]), rowsOf([[4]]))
    expect(one).toEqual({ mean_squared_error: 0.25, mean_absolute_error: 0.5 })
    expect(Object.keys(heldOutScores(identity, Float32Array.from([3.5, 1]), rowsOf([[4], [2]])))).toEqual(['r2', 'mean_squared_error', 'mean_absolute_error'])
  })
})
