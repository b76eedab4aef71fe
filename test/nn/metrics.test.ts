import { describe, it, expect } from 'vitest'
import { accuracy, argmaxRows, confusionMatrix, evaluate, mae, mse, perClass, r2 } from '../../src/nn/metrics.js'
import { datasetFromRows } from '../../src/nn/dataset.js'
import type { NetworkSpec } from '../../src/nn/spec.js'

const i32 = (...v: number[]): Int32Array => Int32Array.from(v)
const f64 = (...v: number[]): Float64Array => Float64Array.from(v)
const net = (units: number, activation: 'softmax' | 'sigmoid' | 'identity'): NetworkSpec =>
  ({ inputs: 1, layers: [], output: { units, activation } })

describe('classification metrics', () => {
  it('accuracy counts exact matches', () => {
    expect(accuracy(i32(0, 1, 2, 1), i32(0, 2, 2, 1))).toBe(3 / 4)
    expect(() => accuracy(i32(0), i32(0, 1))).toThrow(RangeError)
    expect(() => accuracy(i32(), i32())).toThrow(RangeError)
  })

  it('confusion matrix has rows = truth, columns = prediction', () => {
    // (truth, pred): (0,0) (2,1) (2,2) (1,1) (1,0)
    expect(confusionMatrix(i32(0, 1, 2, 1, 0), i32(0, 2, 2, 1, 1), 3)).toEqual([[1, 0, 0], [1, 1, 0], [0, 1, 1]])
    expect(() => confusionMatrix(i32(3), i32(0), 3)).toThrow('row 0')
  })

  it('per-class precision, recall and F1 by hand', () => {
    const { precision, recall, f1 } = perClass([[1, 0, 0], [1, 1, 0], [0, 1, 1]])
    expect(precision).toEqual([1 / 2, 1 / 2, 1])
    expect(recall).toEqual([1, 1 / 2, 1 / 2])
    expect(f1[0]).toBeCloseTo(2 * 0.5 * 1 / 1.5, 15)
    expect(f1[1]).toBeCloseTo(0.5, 15)
    expect(f1[2]).toBeCloseTo(2 * 1 * 0.5 / 1.5, 15)
  })

  it('matches the scikit-learn precision_score/recall_score documentation example (average=None)', () => {
    const truth = i32(0, 1, 2, 0, 1, 2)
    const pred = i32(0, 2, 1, 0, 0, 1)
    const { precision, recall } = perClass(confusionMatrix(pred, truth, 3))
    expect(precision[0]).toBeCloseTo(2 / 3, 12)
    expect(precision.slice(1)).toEqual([0, 0])
    expect(recall).toEqual([1, 0, 0])
  })

  it('reports 0, not NaN, for a class never predicted nor present', () => {
    const s = perClass([[3, 0], [0, 0]])
    expect(s).toEqual({ precision: [1, 0], recall: [1, 0], f1: [1, 0] })
  })

  it('argmaxRows takes the first maximum of each row', () => {
    expect(Array.from(argmaxRows(f64(0.1, 0.7, 0.2, 0.5, 0.5, 0, -1, -3, -2), 3, 3))).toEqual([1, 0, 0])
    expect(() => argmaxRows(f64(1, 2, 3), 2, 2)).toThrow(RangeError)
  })
})

describe('regression metrics', () => {
  // the scikit-learn r2_score / mean_squared_error documentation examples, with the arithmetic done here
  const pred1 = f64(2.5, 0.0, 2, 8)
  const truth1 = f64(3, -0.5, 2, 7)
  // multi-output, row-major 3 rows × 2 outputs
  const truth2 = f64(0.5, 1, -1, 1, 7, -6)
  const pred2 = f64(0, 2, -1, 2, 8, -5)

  it('mse and mae, one output', () => {
    expect(mse(pred1, truth1, 4, 1)).toBeCloseTo((0.25 + 0.25 + 0 + 1) / 4, 15)
    expect(mae(pred1, truth1, 4, 1)).toBeCloseTo((0.5 + 0.5 + 0 + 1) / 4, 15)
  })

  it('r2, one output', () => {
    const mean = (3 - 0.5 + 2 + 7) / 4
    const ssTot = [3, -0.5, 2, 7].reduce((s, t) => s + (t - mean) ** 2, 0)
    expect(r2(pred1, truth1, 4, 1)).toBeCloseTo(1 - 1.5 / ssTot, 12)
    expect(r2(pred1, truth1, 4, 1)).toBeCloseTo(0.9486, 4) // the value printed in sklearn's docs
  })

  it('multi-output: mse/mae average all cells; r2 is the uniform average of per-output r2', () => {
    expect(mse(pred2, truth2, 3, 2)).toBeCloseTo((0.25 + 1 + 0 + 1 + 1 + 1) / 6, 15)
    expect(mae(pred2, truth2, 3, 2)).toBeCloseTo((0.5 + 1 + 0 + 1 + 1 + 1) / 6, 15)
    // output 0: SS_res = 1.25, SS_tot = 217/6; output 1: SS_res = 3, SS_tot = 98/3
    expect(r2(pred2, truth2, 3, 2)).toBeCloseTo(((1 - 1.25 / (217 / 6)) + (1 - 3 / (98 / 3))) / 2, 12)
  })

  it('r2 of a constant truth is 1 when exact, 0 otherwise (sklearn force_finite)', () => {
    expect(r2(f64(2, 2), f64(2, 2), 2, 1)).toBe(1)
    expect(r2(f64(2, 3), f64(2, 2), 2, 1)).toBe(0)
    expect(r2(f64(1, 2), f64(1, 2), 2, 1)).toBe(1)
    expect(r2(f64(2, 1), f64(1, 2), 2, 1)).toBe(1 - 2 / 0.5)
  })

  it('rejects mismatched shapes', () => {
    expect(() => mse(f64(1, 2), f64(1), 2, 1)).toThrow(RangeError)
    expect(() => r2(f64(), f64(), 0, 1)).toThrow(RangeError)
  })
})

describe('evaluate', () => {
  it('scores a softmax head as classification', () => {
    const data = datasetFromRows([[0], [0], [0], [0]], [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]])
    const out = Float32Array.of(0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.6, 0.3, 0.1, 0.1, 0.8)
    const e = evaluate(net(3, 'softmax'), out, data)
    expect(e.kind).toBe('classification')
    if (e.kind !== 'classification') return
    expect(e.accuracy).toBe(3 / 4)
    expect(e.confusion).toEqual([[1, 0, 0], [0, 1, 0], [0, 1, 1]])
    expect(e.precision).toEqual([1, 1 / 2, 1])
    expect(e.recall).toEqual([1, 1, 1 / 2])
  })

  it('thresholds a single sigmoid unit at 0.5 into two classes', () => {
    const data = datasetFromRows([[0], [0], [0], [0], [0]], [[1], [0], [1], [0], [1]])
    const e = evaluate(net(1, 'sigmoid'), Float32Array.of(0.9, 0.6, 0.4, 0.1, 0.5), data)
    if (e.kind !== 'classification') throw new Error('expected classification')
    // (truth, pred): (1,1) (0,1) (1,0) (0,0) (1,1)
    expect(e.confusion).toEqual([[1, 1], [1, 2]])
    expect(e.accuracy).toBe(3 / 5)
  })

  it('scores multi-label sigmoid by per-label accuracy at 0.5', () => {
    const data = datasetFromRows([[0], [0]], [[1, 0, 1], [0, 0, 1]])
    const e = evaluate(net(3, 'sigmoid'), Float32Array.of(0.7, 0.2, 0.4, 0.6, 0.1, 0.9), data)
    if (e.kind !== 'classification') throw new Error('expected classification')
    // cells right: row 0 → 1,1,0; row 1 → 0,1,1
    expect(e.accuracy).toBe(4 / 6)
    expect(e.confusion).toEqual([[2, 1], [1, 2]])
    expect(e.precision).toEqual([1 / 2, 0, 1])
    expect(e.recall).toEqual([1, 0, 1 / 2])
  })

  it('scores an identity head as regression', () => {
    const data = datasetFromRows([[0], [0], [0], [0]], [[3], [-0.5], [2], [7]])
    const out = Float64Array.of(2.5, 0, 2, 8)
    const e = evaluate(net(1, 'identity'), out, data)
    expect(e).toEqual({ kind: 'regression', mse: mse(out, data.y, 4, 1), mae: mae(out, data.y, 4, 1), r2: r2(out, data.y, 4, 1) })
    expect(e.kind === 'regression' && e.mse).toBeCloseTo(1.5 / 4, 12)
  })

  it('rejects outputs of the wrong size', () => {
    const data = datasetFromRows([[0], [0]], [[1], [2]])
    expect(() => evaluate(net(1, 'identity'), Float32Array.of(1), data)).toThrow(RangeError)
    expect(() => evaluate(net(2, 'identity'), Float32Array.of(1, 2), data)).toThrow('the network produces 2 outputs')
  })
})
