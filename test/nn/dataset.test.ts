import { readFileSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import { checkDatasetFits, classLabels, datasetFromRows, oneHot, splitRows, takeRows, type Dataset } from '../../src/nn/dataset.js'
import { Rng } from '../../src/nn/random.js'
import type { NetworkSpec } from '../../src/nn/spec.js'

function loadIris (): { features: number[][], labels: number[], names: string[] } {
  const lines = readFileSync(new URL('../fixtures/iris.csv', import.meta.url), 'utf8').trim().split(/\r?\n/).slice(1)
  const names: string[] = []
  const features: number[][] = []
  const labels: number[] = []
  for (const line of lines) {
    const cells = line.split(',')
    const name = cells.pop()!
    if (!names.includes(name)) names.push(name)
    features.push(cells.map(Number))
    labels.push(names.indexOf(name))
  }
  return { features, labels, names }
}

const net = (inputs: number, units: number, activation: 'softmax' | 'sigmoid' | 'identity'): NetworkSpec =>
  ({ inputs, layers: [{ units: 3, activation: 'relu' }], output: { units, activation } })

describe('datasetFromRows', () => {
  it('copies rows into row-major float32 matrices', () => {
    const d = datasetFromRows([[1, 2, 3], [4, 5, 6]], [[0.5], [-1]])
    expect(d.rows).toBe(2)
    expect(d.inputs).toBe(3)
    expect(d.outputs).toBe(1)
    expect(Array.from(d.x)).toEqual([1, 2, 3, 4, 5, 6])
    expect(Array.from(d.y)).toEqual([0.5, -1])
  })

  it('loads the iris fixture with every value intact', () => {
    const { features, labels, names } = loadIris()
    expect(names).toEqual(['setosa', 'versicolor', 'virginica'])
    const d = datasetFromRows(features, labels.map((k) => [0, 1, 2].map((j) => (j === k ? 1 : 0))))
    expect([d.rows, d.inputs, d.outputs]).toEqual([150, 4, 3])
    expect(d.x[149 * 4 + 3]).toBe(Math.fround(features[149][3]))
  })

  it('names the row and column of a bad cell', () => {
    const rows = [[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, NaN]]
    expect(() => datasetFromRows(rows, [[0], [0], [0], [0]])).toThrow('features row 3, column 2: expected a finite number, got NaN')
    expect(() => datasetFromRows([[1]], [[Infinity]])).toThrow('targets row 0, column 0: expected a finite number, got Infinity')
    expect(() => datasetFromRows([[1, '2' as unknown as number]], [[0]])).toThrow('features row 0, column 1: expected a finite number, got "2"')
    expect(() => datasetFromRows([[1e39]], [[0]])).toThrow('features row 0, column 0')
  })

  it('rejects ragged rows, mismatched row counts and empty sets', () => {
    expect(() => datasetFromRows([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3]], [[0], [0], [0]]))
      .toThrow('features row 2 has 3 columns; expected 4 like row 0')
    expect(() => datasetFromRows([[1], [2]], [[0]])).toThrow('targets has 1 row; features has 2')
    expect(() => datasetFromRows([], [])).toThrow('features is empty: a dataset needs at least one row')
    expect(() => datasetFromRows([[1], 'x' as unknown as number[]], [[0], [0]])).toThrow('features row 1: expected an array of numbers')
    expect(() => datasetFromRows([[]], [[0]])).toThrow(RangeError)
  })
})

describe('oneHot', () => {
  it('sets exactly the labelled column of each row', () => {
    expect(Array.from(oneHot([2, 0, 1], 3))).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0])
  })

  it('names the row of a bad label', () => {
    const labels = [0, 1, 2, 0, 1, 2, 0, 5]
    expect(() => oneHot(labels, 3)).toThrow('targets row 7: label 5 is out of range 0..2')
    expect(() => oneHot([0, 1.5], 3)).toThrow('targets row 1: label 1.5 is not an integer class index')
    expect(() => oneHot([-1], 3)).toThrow('targets row 0: label -1 is out of range 0..2')
  })
})

describe('checkDatasetFits', () => {
  const d = datasetFromRows([[1, 2, 3], [4, 5, 6]], [[1, 0], [0, 1]])

  it('accepts a dataset that matches the network', () => {
    expect(() => checkDatasetFits(net(3, 2, 'softmax'), d)).not.toThrow()
    expect(() => checkDatasetFits(net(3, 2, 'sigmoid'), d)).not.toThrow()
    expect(() => checkDatasetFits(net(3, 2, 'identity'), d)).not.toThrow()
  })

  it('rejects the wrong input or output width', () => {
    expect(() => checkDatasetFits(net(4, 2, 'softmax'), d)).toThrow('the network expects 4 inputs per row; the dataset has 3')
    expect(() => checkDatasetFits(net(3, 3, 'softmax'), d)).toThrow('the network produces 3 outputs per row; the dataset has 2 target columns')
  })

  it('needs one-hot rows for softmax and names the row', () => {
    const twoOnes = datasetFromRows([[1], [2]], [[1, 0], [1, 1]])
    expect(() => checkDatasetFits(net(1, 2, 'softmax'), twoOnes)).toThrow('targets row 1 is not one-hot')
    const noOne = datasetFromRows([[1], [2]], [[0, 0], [1, 0]])
    expect(() => checkDatasetFits(net(1, 2, 'softmax'), noOne)).toThrow('targets row 0 is not one-hot')
    // soft labels are not one class per row; one class weighted (data/class-weights.ts) is
    const soft = datasetFromRows([[1], [2]], [[1, 0], [0.5, 0.5]])
    expect(() => checkDatasetFits(net(1, 2, 'softmax'), soft)).toThrow('targets row 1 is not one-hot: it has 2 non-zero values')
    const negative = datasetFromRows([[1], [2]], [[1, 0], [-1, 0]])
    expect(() => checkDatasetFits(net(1, 2, 'softmax'), negative)).toThrow('targets row 1, column 0')
    expect(() => checkDatasetFits(net(1, 2, 'softmax'), datasetFromRows([[1], [2]], [[2.5, 0], [0, 0.5]]))).not.toThrow()
  })

  it('needs sigmoid targets in [0, 1]; identity takes any finite value', () => {
    const big = datasetFromRows([[1], [2]], [[0.3], [1.5]])
    expect(() => checkDatasetFits(net(1, 1, 'sigmoid'), big)).toThrow('targets row 1, column 0: a sigmoid target must lie in [0, 1], got 1.5')
    expect(() => checkDatasetFits(net(1, 1, 'identity'), big)).not.toThrow()
  })

  it('catches non-finite values and inconsistent shapes in a hand-built dataset', () => {
    const bad: Dataset = { x: Float32Array.of(1, NaN), y: Float32Array.of(0, 1), rows: 2, inputs: 1, outputs: 1 }
    expect(() => checkDatasetFits(net(1, 1, 'identity'), bad)).toThrow('features row 1, column 0: expected a finite number, got NaN')
    const short: Dataset = { x: Float32Array.of(1), y: Float32Array.of(0, 1), rows: 2, inputs: 1, outputs: 1 }
    expect(() => checkDatasetFits(net(1, 1, 'identity'), short)).toThrow('features hold 1 values')
  })
})

describe('classLabels', () => {
  it('takes the argmax for softmax, thresholds one sigmoid unit, and is null otherwise', () => {
    const soft = datasetFromRows([[0], [0], [0]], [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    expect(Array.from(classLabels(net(1, 3, 'softmax'), soft)!)).toEqual([2, 0, 1])
    const bin = datasetFromRows([[0], [0], [0]], [[0], [1], [0.5]])
    expect(Array.from(classLabels(net(1, 1, 'sigmoid'), bin)!)).toEqual([0, 1, 1])
    expect(classLabels(net(1, 1, 'identity'), bin)).toBeNull()
    expect(classLabels(net(1, 3, 'sigmoid'), soft)).toBeNull()
  })
})

describe('splitRows', () => {
  const count = (labels: ArrayLike<number>, index: Int32Array, k: number): number =>
    Array.from(index).filter((r) => labels[r] === k).length

  it('partitions the rows: disjoint, complete, sorted', () => {
    const { train, holdout } = splitRows(37, 0.25, new Rng(1))
    expect(holdout.length).toBe(10)
    const all = [...train, ...holdout].sort((a, b) => a - b)
    expect(all).toEqual(Array.from({ length: 37 }, (_, i) => i))
    expect(Array.from(train)).toEqual([...train].sort((a, b) => a - b))
  })

  it('stratifies iris: each class split in the same proportion', () => {
    const { labels } = loadIris()
    const { train, holdout } = splitRows(150, 0.2, new Rng(7), Int32Array.from(labels))
    for (const k of [0, 1, 2]) {
      expect(count(labels, holdout, k)).toBe(10)
      expect(count(labels, train, k)).toBe(40)
    }
  })

  // scikit-learn 1.2.1's sizes (a trial found ours one row short where n·fraction has a fraction): for each case,
  // np.bincount(y[test]) of StratifiedShuffleSplit(1, test_size=f, random_state=s).split(X, y), the same for 20 seeds,
  // and len(test) of ShuffleSplit(1, test_size=f, random_state=0).split(X) without labels
  it('holds out as many rows of each class as scikit-learn\'s StratifiedShuffleSplit, and of all as its ShuffleSplit', () => {
    const stratified: Array<[number[], number, number[]]> = [
      [[1131, 126], 0.2, [227, 25]],
      [[1131, 126], 0.3, [340, 38]],
      [[50, 50, 50], 0.1, [5, 5, 5]],
      [[178, 182, 177, 183, 181, 182, 181, 179, 174, 180], 0.1, [18, 18, 18, 18, 18, 18, 18, 18, 18, 18]],
      [[40, 33, 27], 0.15, [6, 5, 4]],
      [[7, 5, 3], 0.25, [2, 1, 1]],
      [[212, 357], 0.2, [42, 72]]
    ]
    for (const [counts, fraction, expected] of stratified) {
      const labels = Int32Array.from(counts.flatMap((c, k) => Array<number>(c).fill(k)))
      const { holdout } = splitRows(labels.length, fraction, new Rng(5), labels)
      expect(counts.map((_, k) => count(labels, holdout, k))).toEqual(expected)
    }
    const unstratified: Array<[number, number, number]> = [[331, 0.1, 34], [331, 0.2, 67], [331, 0.3, 100], [37, 0.25, 10], [442, 0.15, 67], [10, 0.3, 3]]
    for (const [rows, fraction, expected] of unstratified) expect(splitRows(rows, fraction, new Rng(5)).holdout.length).toBe(expected)
  })

  it('keeps at least one row of every class of ≥ 2 rows on each side', () => {
    const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2])
    for (const fraction of [0.01, 0.99]) {
      const { train, holdout } = splitRows(labels.length, fraction, new Rng(3), labels)
      for (const k of [0, 1]) {
        expect(count(labels, train, k)).toBeGreaterThanOrEqual(1)
        expect(count(labels, holdout, k)).toBeGreaterThanOrEqual(1)
      }
      expect(count(labels, train, 2)).toBe(1)
    }
  })

  it('is deterministic for a seed, differs across seeds, and advances the rng', () => {
    const a = splitRows(100, 0.3, new Rng(42))
    const b = splitRows(100, 0.3, new Rng(42))
    const c = splitRows(100, 0.3, new Rng(43))
    expect(Array.from(a.holdout)).toEqual(Array.from(b.holdout))
    expect(Array.from(a.holdout)).not.toEqual(Array.from(c.holdout))
    const rng = new Rng(42)
    const before = rng.getState()
    splitRows(100, 0.3, rng)
    expect(rng.getState()).not.toEqual(before)
    rng.setState(before)
    expect(Array.from(splitRows(100, 0.3, rng).holdout)).toEqual(Array.from(a.holdout))
  })

  it('rejects fractions outside (0, 1) and labels of the wrong length', () => {
    expect(() => splitRows(10, 0, new Rng(1))).toThrow(RangeError)
    expect(() => splitRows(10, 1, new Rng(1))).toThrow(RangeError)
    expect(() => splitRows(10, 0.5, new Rng(1), new Int32Array(9))).toThrow('labels has 9 entries; the dataset has 10 rows')
  })
})

describe('takeRows', () => {
  it('gathers the indexed rows of x and y, in index order, into fresh buffers', () => {
    const d = datasetFromRows([[1, 2], [3, 4], [5, 6]], [[10], [20], [30]])
    const t = takeRows(d, Int32Array.from([2, 0, 2]))
    expect([t.rows, t.inputs, t.outputs]).toEqual([3, 2, 1])
    expect(Array.from(t.x)).toEqual([5, 6, 1, 2, 5, 6])
    expect(Array.from(t.y)).toEqual([30, 10, 30])
    t.x[0] = -1
    expect(d.x[4]).toBe(5)
    expect(() => takeRows(d, Int32Array.from([0, 3]))).toThrow('row index 3 at position 1 is out of range 0..2')
  })
})
