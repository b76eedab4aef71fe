// Class weights: scikit-learn's "balanced" over the training rows, weights by label, applied to the
// training rows' one-hot targets; the softmax head's loss and delta on such rows are the weight times a
// plain row's, checked against finite differences of the loss itself.
import { describe, expect, it } from 'vitest'
import { checkClassWeight, classWeightsOf, weightTargets } from '../../src/data/class-weights.js'
import { gradcheck } from '../../src/nn/gradcheck.js'
import { datasetFromRows } from '../../src/nn/dataset.js'
import { headOf, sigmoidTarget } from '../../src/nn/heads.js'

const oneHot = (labels: number[], K: number): Float32Array => {
  const y = new Float32Array(labels.length * K)
  labels.forEach((c, r) => { y[r * K + c] = 1 })
  return y
}

describe('classWeightsOf', () => {
  it('"balanced" is rows / (classes × rows of the class), over the training rows only', () => {
    // classes a, b, c: 6, 3 and 1 of 10 rows (scikit-learn: compute_class_weight('balanced') = 10/18, 10/9, 10/3)
    const y = oneHot([0, 0, 0, 0, 0, 0, 1, 1, 1, 2], 3)
    expect([...classWeightsOf('balanced', ['a', 'b', 'c'], y, null)]).toEqual([10 / 18, 10 / 9, 10 / 3])
    // the held-out rows (here 0, 1 and 9) count for nothing: 4, 3 and 0 of 7 rows; an absent class weighs 1
    expect([...classWeightsOf('balanced', ['a', 'b', 'c'], y, [2, 3, 4, 5, 6, 7, 8])]).toEqual([7 / 12, 7 / 9, 1])
    expect([...classWeightsOf({ c: 5, a: 0.5 }, ['a', 'b', 'c'], y, null)]).toEqual([0.5, 1, 5])
    // a class named as what every object inherits, left out, weighs 1: it had read Object's constructor, NaN in training (a hostile trial)
    expect([...classWeightsOf({ c: 5 }, ['constructor', 'toString', 'c'], y, null)]).toEqual([1, 1, 5])
  })

  it('scales the training rows\' targets by their class\'s weight, a copy, the others as they were', () => {
    const data = datasetFromRows([[0], [1], [2]], [[1, 0], [0, 1], [0, 1]])
    const weighted = weightTargets(data, Float64Array.from([3, 0.5]), [0, 2])
    expect([...weighted.y]).toEqual([3, 0, 0, 1, 0, 0.5])
    expect([...data.y]).toEqual([1, 0, 0, 1, 0, 1])
  })

  it('one sigmoid unit on two classes: "balanced" counts its 0/1 column, and its targets take sigmoidTarget\'s encoding (weight 1 leaves them be)', () => {
    const y = Float32Array.from([0, 0, 0, 1, 0, 0, 0, 1])
    expect([...classWeightsOf('balanced', ['no', 'yes'], y, null, 1)]).toEqual([8 / 12, 8 / 4])
    const data = datasetFromRows([[0], [1], [2], [3]], [[0], [1], [0], [1]])
    const weighted = weightTargets(data, Float64Array.from([0.25, 3]), null)
    expect([...weighted.y]).toEqual([-0.25, 4, -0.25, 4])
    expect(weighted.weighted).toBe(true)
    expect(weighted.y.map(Number).map((t) => sigmoidTarget(t)[0])).toEqual(Float32Array.from([0, 1, 0, 1]))
    expect([...weightTargets(data, Float64Array.from([1, 2]), [0, 1]).y]).toEqual([0, 3, 0, 1]) // row 3 held out: as it was
  })

  it('is refused for a head that is no classifier, several sigmoid units, targets without classes, and labels that are no class', () => {
    expect(() => checkClassWeight('balanced', 'identity', undefined)).toThrow('training.classWeight: class weights weigh a classifier\'s classes; this network\'s output is identity')
    expect(() => checkClassWeight('balanced', 'sigmoid', ['a', 'b', 'c'], 3)).toThrow('training.classWeight: class weights weigh one sigmoid unit\'s two classes, or a softmax\'s; this output has 3 sigmoid units, each a label of its own: use {"activation": "softmax"} for one class per row')
    expect(() => checkClassWeight({ yes: 4 }, 'sigmoid', ['no', 'yes'], 1)).not.toThrow()
    // a positive weight rides on its target as 1 + w in float32: 1e-8 would read as 1
    expect(() => checkClassWeight({ yes: 1e-4, no: 2 }, 'sigmoid', ['no', 'yes'], 1))
      .toThrow('training.classWeight.yes: a sigmoid unit\'s positive class "yes" weighs at least 0.001 (its weight rides on its 0/1 target, in float32), got 0.0001: weigh the other class up instead, {"no": 20000}, or use a 2-unit softmax')
    expect(() => checkClassWeight({ yes: 1e-8 }, 'sigmoid', ['no', 'yes'], 1)).toThrow(/got 1e-8: use a 2-unit softmax, whose class weights keep their digits$/)
    expect(() => checkClassWeight({ no: 1e-8 }, 'sigmoid', ['no', 'yes'], 1)).not.toThrow()
    expect(() => checkClassWeight('balanced', 'softmax', undefined)).toThrow(/the targets are not classes/)
    expect(() => checkClassWeight({ setosa: 2, versicolour: 3 }, 'softmax', ['setosa', 'versicolor', 'virginica']))
      .toThrow('training.classWeight.versicolour: "versicolour" is not a class of the dataset (did you mean "versicolor"?); its classes are "setosa", "versicolor", "virginica"')
    expect(() => checkClassWeight({ setosa: 0 }, 'softmax', ['setosa', 'versicolor'])).toThrow('training.classWeight.setosa: a weight is a finite number > 0, got 0')
    expect(() => checkClassWeight({ setosa: 1e39 }, 'softmax', ['setosa', 'versicolor'])).toThrow('training.classWeight.setosa: a weight is at most 1000000 (weights are relative: scale them all down), got 1e+39')
    expect(() => checkClassWeight({}, 'softmax', ['setosa', 'versicolor'])).toThrow(/name at least one class and its weight/)
    expect(() => checkClassWeight({ setosa: 2 }, 'softmax', ['setosa', 'versicolor'])).not.toThrow()
  })
})

describe('one sigmoid unit trained on weighted rows', () => {
  it('has the gradient of the weighted loss (finite differences), and that loss is each row\'s weight times its plain loss', () => {
    const spec = { inputs: 3, layers: [{ units: 5, activation: 'tanh' as const }], output: { units: 1, activation: 'sigmoid' as const } }
    const x = Float64Array.from([0.3, -1.2, 0.8, 1.1, 0.4, -0.5, -0.7, 0.9, 0.2, 0.05, -0.3, 1.4])
    // a positive weighing 2.5 (1 + 2.5), a negative weighing 0.25, a plain positive, a plain soft target
    const y = Float64Array.from([3.5, -0.25, 1, 0.3])
    const { maxRelError } = gradcheck(spec, x, y, 4)
    expect(maxRelError).toBeLessThan(1e-6)
    const head = headOf(spec)
    const z = Float64Array.from([0.7, -1.3, 0.2, 2.1]), a = z.map((v) => 1 / (1 + Math.exp(-v)))
    const plain = (t: number, k: number): number => head.loss(z.subarray(k, k + 1), a.subarray(k, k + 1), Float64Array.of(t), 1, 1)
    expect(head.loss(z, a, y, 4, 1)).toBeCloseTo(2.5 * plain(1, 0) + 0.25 * plain(0, 1) + plain(1, 2) + plain(0.3, 3), 12)
    const dz = new Float64Array(4)
    head.delta(dz, a, y, 4, 1)
    expect([...dz]).toEqual([2.5 * (a[0] - 1), 0.25 * a[1], a[2] - 1, a[3] - 0.3])
    // the best constant of weighted targets: the weighted share of positives, its entropy times the mean weight
    const p = 3.5 / 3.75
    expect(head.constantLoss(Float64Array.from([3.5, -0.25, 1]), 3, 1)).toBeCloseTo(-(3.75 / 3) * (p * Math.log(p) + (1 - p) * Math.log(1 - p)), 12)
  })
})

describe('a softmax trained on weighted rows', () => {
  it('has the gradient of the weighted loss (finite differences)', () => {
    const spec = { inputs: 3, layers: [{ units: 5, activation: 'tanh' as const }], output: { units: 3, activation: 'softmax' as const } }
    const x = Float64Array.from([0.3, -1.2, 0.8, 1.1, 0.4, -0.5, -0.7, 0.9, 0.2, 0.05, -0.3, 1.4])
    // rows of classes 0, 2, 1, 2 weighted 2.5, 0.25, 1 and 0.25
    const y = Float64Array.from([2.5, 0, 0, 0, 0, 0.25, 0, 1, 0, 0, 0, 0.25])
    const { maxRelError } = gradcheck(spec, x, y, 4)
    expect(maxRelError).toBeLessThan(1e-6)
  })
})
