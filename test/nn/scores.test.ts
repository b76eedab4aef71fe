// scikit-learn's own documented examples (sklearn.metrics docstrings, 1.5) and hand-counted cases.
import { describe, it, expect } from 'vitest'
import { binaryRocAuc, classificationReport, logLoss, rocAuc } from '../../src/nn/classification-scores.js'
import { regressionScores } from '../../src/nn/regression-scores.js'
import { multiLabelScores } from '../../src/nn/multilabel-scores.js'
import { confusionMatrix } from '../../src/nn/metrics.js'

describe('classification scores', () => {
  it('log_loss(["spam","ham","ham","spam"], [[.1,.9],[.9,.1],[.8,.2],[.35,.65]]) = 0.21616 (sklearn\'s example)', () => {
    // classes sorted: ham = 0, spam = 1
    expect(logLoss([0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65], Int32Array.from([1, 0, 0, 1]), 2)).toBeCloseTo(0.21616, 5)
  })

  it('log_loss clips a zero probability instead of answering Infinity', () => {
    expect(logLoss([1, 0], Int32Array.from([1]), 2)).toBeCloseTo(-Math.log(Number.EPSILON), 6)
  })

  it('roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75 (sklearn\'s example); ties count ½', () => {
    expect(rocAuc([0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8], Int32Array.from([0, 0, 1, 1]), 2)).toBeCloseTo(0.75, 12)
    expect(binaryRocAuc([0.5, 0.5], (r) => r === 1, 2)).toBe(0.5)
    expect(binaryRocAuc([0.2, 0.3], () => true, 2)).toBeNull()
  })

  it('one-vs-rest macro AUC is the mean of the per-class AUCs (hand-counted)', () => {
    // 3 classes, 4 rows; class 0's column ranks its positive (row 0) above all 3 others: 1; class 1's: row 1 (0.5)
    // against 0.2, 0.1, 0.3 → 1; class 2's: positives rows 2, 3 (0.6, 0.3) vs 0.1, 0.2 → 1
    const probs = [0.7, 0.2, 0.1, 0.3, 0.5, 0.2, 0.2, 0.2, 0.6, 0.4, 0.3, 0.3]
    expect(rocAuc(probs, Int32Array.from([0, 1, 2, 2]), 3)).toBeCloseTo(1, 12)
    // swap class 1's scores of rows 0 and 1: its positive (0.2) loses to 0.5 and 0.3 and ties 0.2 → ½ / 3 = 1/6
    const worse = [0.7, 0.5, 0.1, 0.3, 0.2, 0.2, 0.2, 0.2, 0.6, 0.4, 0.3, 0.3]
    expect(rocAuc(worse, Int32Array.from([0, 1, 2, 2]), 3)).toBeCloseTo((1 + 1 / 6 + 1) / 3, 12)
    expect(rocAuc(probs, Int32Array.from([0, 0, 2, 2]), 3)).toBeNull() // class 1 has no rows: undefined
  })

  it('classification_report on a hand-counted confusion matrix', () => {
    // truth 0,0,1,1,1,2 predicted 0,1,1,1,1,0: supports 2, 3, 1
    const cm = confusionMatrix(Int32Array.from([0, 1, 1, 1, 1, 0]), Int32Array.from([0, 0, 1, 1, 1, 2]), 3)
    expect(cm).toEqual([[1, 1, 0], [0, 3, 0], [1, 0, 0]])
    const r = classificationReport(cm)
    expect(r.perClass.map((c) => c.precision)).toEqual([0.5, 0.75, 0])
    expect(r.perClass.map((c) => c.recall)).toEqual([0.5, 1, 0])
    expect(r.perClass[1].f1).toBeCloseTo(6 / 7, 12)
    expect(r.perClass.map((c) => c.support)).toEqual([2, 3, 1])
    expect(r.macroAvg.precision).toBeCloseTo(1.25 / 3, 12)
    expect(r.macroAvg.f1).toBeCloseTo((0.5 + 6 / 7) / 3, 12)
    expect(r.weightedAvg.recall).toBeCloseTo((2 * 0.5 + 3 * 1) / 6, 12)
    expect(r.weightedAvg.f1).toBeCloseTo((2 * 0.5 + 3 * 6 / 7) / 6, 12)
    expect(r.macroAvg.support).toBe(6)
  })

  it('macro-averages over the classes that occur among the true or predicted labels, as scikit-learn does by default', () => {
    // precision_recall_fscore_support([0,0,1], [0,1,1], average='macro') = (0.75, 0.75, 0.6667): class 2 never occurs
    const absent = classificationReport(confusionMatrix(Int32Array.from([0, 1, 1]), Int32Array.from([0, 0, 1]), 3))
    expect(absent.perClass[2]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 })
    expect([absent.macroAvg.precision, absent.macroAvg.recall, absent.macroAvg.f1]).toEqual([0.75, 0.75, expect.closeTo(2 / 3, 12)])
    // ([0,0,1,1], [0,2,1,1]) = (0.6667, 0.5, 0.5556): class 2 has no rows but was predicted, so it counts, as 0s
    const predicted = classificationReport(confusionMatrix(Int32Array.from([0, 2, 1, 1]), Int32Array.from([0, 0, 1, 1]), 4))
    expect(predicted.macroAvg.precision).toBeCloseTo(2 / 3, 12)
    expect(predicted.macroAvg.recall).toBeCloseTo(0.5, 12)
    expect(predicted.macroAvg.f1).toBeCloseTo(5 / 9, 12)
    expect(predicted.macroAvg.support).toBe(4)
  })
})

describe('regression scores', () => {
  it('sklearn\'s examples: y_true [3, −0.5, 2, 7], y_pred [2.5, 0, 2, 8]', () => {
    const { average } = regressionScores([2.5, 0, 2, 8], [3, -0.5, 2, 7], 4, 1)
    expect(average.mse).toBeCloseTo(0.375, 12)
    expect(average.rmse).toBeCloseTo(0.6123724356957945, 12)
    expect(average.mae).toBeCloseTo(0.5, 12)
    expect(average.r2).toBeCloseTo(0.9486081370449679, 12)
  })

  it('multioutput: raw values per output and their uniform average (sklearn\'s examples)', () => {
    const truth = [0.5, 1, -1, 1, 7, -6], pred = [0, 2, -1, 2, 8, -5]
    const { perOutput, average } = regressionScores(pred, truth, 3, 2)
    expect(perOutput.map((o) => o.mse)).toEqual([expect.closeTo(0.41666667, 7), expect.closeTo(1, 12)])
    expect(average.mse).toBeCloseTo(0.708333, 5)
    expect(perOutput.map((o) => o.mae)).toEqual([0.5, 1])
    // by hand: 1 − 1.25 / 36.1667 and 1 − 3 / 32.6667 (sklearn prints 0.965…, 0.908…, average 0.936…)
    expect(perOutput[0].r2).toBeCloseTo(1 - 1.25 / (217 / 6), 12)
    expect(perOutput[1].r2).toBeCloseTo(1 - 3 / (98 / 3), 12)
    expect(average.r2).toBeCloseTo((1 - 1.25 / (217 / 6) + 1 - 3 / (98 / 3)) / 2, 12)
    expect(String(average.r2).slice(0, 5)).toBe('0.936') // sklearn's docstring: 0.936...
  })
})

describe('multi-label scores', () => {
  // computed with scikit-learn (1.2.1, the Debian package of this machine) on the same arrays, rows × 3 labels:
  // accuracy_score, hamming_loss, precision_recall_fscore_support(average=None|micro|macro|weighted|samples,
  // zero_division=0), roc_auc_score(average=None|macro) and multilabel_confusion_matrix of (p ≥ 0.5)
  const y = [[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0], [1, 0, 0], [0, 1, 1], [1, 1, 1], [0, 0, 1]]
  const p = [[0.9, 0.2, 0.6], [0.3, 0.7, 0.4], [0.8, 0.4, 0.1], [0.1, 0.2, 0.3], [0.45, 0.5, 0.2], [0.2, 0.9, 0.8], [0.7, 0.6, 0.55], [0.6, 0.1, 0.35]]

  it('equal scikit-learn\'s on a multilabel-indicator target', () => {
    const s = multiLabelScores(p.flat(), y.flat(), 8, 3)
    expect(s.accuracy).toBe(0.625)
    expect(s.hammingLoss).toBeCloseTo(0.20833333333333334, 15)
    expect(s.perLabel.map((l) => [l.precision, l.recall, l.f1, l.support])).toEqual([[0.75, 0.75, 0.75, 4], [0.75, 0.75, 0.75, 4], [1, 0.75, expect.closeTo(0.85714286, 8), 4]])
    expect(s.perLabel.map((l) => l.confusionMatrix)).toEqual([[[3, 1], [1, 3]], [[3, 1], [1, 3]], [[4, 0], [1, 3]]])
    expect(s.perLabel.map((l) => l.rocAuc)).toEqual([0.9375, 0.9375, 0.9375])
    const close = (a: { precision: number, recall: number, f1: number }, b: number[]): void => [a.precision, a.recall, a.f1].forEach((v, i) => expect(v).toBeCloseTo(b[i], 12))
    close(s.microAvg, [0.8181818181818182, 0.75, 0.7826086956521738])
    close(s.macroAvg, [0.8333333333333334, 0.75, 0.7857142857142857])
    close(s.weightedAvg, [0.8333333333333334, 0.75, 0.7857142857142857])
    close(s.samplesAvg, [0.625, 0.5625, 0.5833333333333333])
    expect([s.microAvg.support, s.samplesAvg.support]).toEqual([12, 12])
    expect(s.rocAuc).toBe(0.9375)
  })

  it('a label whose target is constant has no ROC AUC, and neither has the macro average (scikit-learn raises)', () => {
    const constant = y.map(([a, b]) => [a, b, 0])
    const s = multiLabelScores(p.flat(), constant.flat(), 8, 3)
    expect(s.perLabel[2].rocAuc).toBeNull()
    expect(s.rocAuc).toBeNull()
    // a label never true and predicted 4 times: precision 0 (4 false positives), recall 0/0 → 0
    expect(s.perLabel[2]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0 })
  })
})
