// Search spaces: grid × random draws in a fixed order, seeded; values written into a copy of the base job.
import { describe, expect, it } from 'vitest'
import { applyParams, expandSearchSpace, randomConfigurations, trialCount } from '../../src/sweeps/search-space.js'
import { meanStd, rankTrials } from '../../src/sweeps/ranking.js'

describe('expandSearchSpace', () => {
  it('a grid is the cartesian product in ParameterGrid order: fields sorted by path, the last varying fastest', () => {
    // scikit-learn 1.2: list(ParameterGrid({'training.epochs': [1, 2], 'network.layers.0.units': [4, 8]}))
    // → units 4 epochs 1, units 4 epochs 2, units 8 epochs 1, units 8 epochs 2 ('n' < 't'), whatever the dict's order
    const space = { 'training.epochs': { type: 'grid' as const, values: [1, 2] }, 'network.layers.0.units': { type: 'grid' as const, values: [4, 8] } }
    expect(trialCount(space, 1)).toBe(4)
    const trials = expandSearchSpace(space, 1, 0)
    expect(trials.map((t) => [t['network.layers.0.units'], t['training.epochs']])).toEqual([[4, 1], [4, 2], [8, 1], [8, 2]])
    // the results keep the request's field order
    expect(Object.keys(trials[0])).toEqual(['training.epochs', 'network.layers.0.units'])
    // code points, as Python's sorted(): 'Z' (90) < '_' (95) < 'a' (97)
    const mixed = { a: { type: 'grid' as const, values: [1, 2] }, _b: { type: 'grid' as const, values: [1, 2] }, Zc: { type: 'grid' as const, values: [1, 2] } }
    expect(expandSearchSpace(mixed, 1, 0).map((t) => `${t.Zc}${t._b}${t.a}`)).toEqual(['111', '112', '121', '122', '211', '212', '221', '222'])
  })

  it('random fields are drawn `trials` times per grid point, inside their ranges, the same for a seed', () => {
    const space = {
      lr: { type: 'loguniform' as const, low: 1e-4, high: 1e-1 },
      b: { type: 'grid' as const, values: ['x', 'y'] },
      u: { type: 'uniform' as const, low: -1, high: 1 },
      k: { type: 'randint' as const, low: 3, high: 6 },
      c: { type: 'choice' as const, values: ['relu', 'tanh'] }
    }
    const trials = expandSearchSpace(space, 50, 7)
    expect(trials).toHaveLength(100)
    expect(trialCount(space, 50)).toBe(100)
    for (const t of trials) {
      expect(t.lr).toBeGreaterThanOrEqual(1e-4); expect(t.lr).toBeLessThan(1e-1)
      expect(t.u).toBeGreaterThanOrEqual(-1); expect(t.u).toBeLessThan(1)
      expect([3, 4, 5]).toContain(t.k)
      expect(['relu', 'tanh']).toContain(t.c)
      expect(Object.keys(t)).toEqual(['lr', 'b', 'u', 'k', 'c'])
    }
    // log-uniform: about a third of draws in each decade
    const decades = [1e-3, 1e-2].map((edge) => trials.filter((t) => (t.lr as number) < edge).length)
    expect(decades[0]).toBeGreaterThan(20); expect(decades[0]).toBeLessThan(50)
    expect(new Set(trials.map((t) => t.k)).size).toBe(3)
    expect(expandSearchSpace(space, 50, 7)).toEqual(trials)
    expect(expandSearchSpace(space, 50, 8)).not.toEqual(trials)
  })
})

describe('discrete random fields', () => {
  const space = {
    g: { type: 'grid' as const, values: [1, 2] },
    c: { type: 'choice' as const, values: ['relu', 'tanh', 'relu'] },
    k: { type: 'randint' as const, low: 0, high: 3 }
  }

  it('count their distinct configurations; a continuous field makes them endless', () => {
    expect(randomConfigurations(space)).toEqual({ count: 6, product: 'c: 2 values × k: 3 integers' })
    expect(randomConfigurations({ ...space, u: { type: 'uniform' as const, low: 0, high: 1 } }).count).toBe(Infinity)
    expect(randomConfigurations({ g: space.g }).count).toBe(1)
    // objects are one value whatever the order of their keys
    const optimizers = { type: 'choice' as const, values: [{ type: 'adam', learningRate: 0.1 }, { learningRate: 0.1, type: 'adam' }, { type: 'sgd', learningRate: 0.1 }] }
    expect(randomConfigurations({ 'training.optimizer': optimizers }).count).toBe(2)
  })

  it('never repeat a draw within a grid point, up to every configuration once, the same for a seed', () => {
    for (const seed of [0, 1, 2, 3]) {
      const trials = expandSearchSpace(space, 6, seed)
      expect(trials).toHaveLength(12)
      for (const g of [1, 2]) {
        const drawn = trials.filter((t) => t.g === g).map((t) => `${String(t.c)} ${String(t.k)}`)
        expect(new Set(drawn).size).toBe(6)
      }
      expect(expandSearchSpace(space, 6, seed)).toEqual(trials)
    }
    // with replacement, 4 draws of 6 configurations repeat one in 72% of seeds: none does here
    for (let seed = 0; seed < 50; seed++) {
      const drawn = expandSearchSpace({ c: space.c, k: space.k }, 4, seed).map((t) => JSON.stringify(t))
      expect(new Set(drawn).size).toBe(4)
    }
    expect(() => expandSearchSpace(space, 7, 0)).toThrow(RangeError)
  })
})

describe('applyParams', () => {
  const base = { datasetId: 'd', network: { layers: [{ units: 4, activation: 'tanh' }], output: { activation: 'softmax' } }, training: { epochs: 5 } }

  it('sets nested fields and array entries in a copy, creating objects on the way', () => {
    const job = applyParams(base, { 'network.layers.0.units': 16, 'training.optimizer.learningRate': 0.1, 'training.epochs': 9 })
    expect(job).toEqual({ datasetId: 'd', network: { layers: [{ units: 16, activation: 'tanh' }], output: { activation: 'softmax' } }, training: { epochs: 9, optimizer: { learningRate: 0.1 } } })
    expect(base.network.layers[0].units).toBe(4)
  })

  it('sets own members only: a step named __proto__ or constructor reaches no prototype (the schema refuses such paths too)', () => {
    const job = applyParams(base, { 'training.__proto__.polluted': 1, 'training.constructor.prototype.polluted': 2 })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
    const training = job.training as Record<string, unknown>
    expect(Object.getPrototypeOf(training)).toBe(Object.prototype)
    expect(Object.hasOwn(training, '__proto__')).toBe(true)
    expect((Object.getOwnPropertyDescriptor(training, '__proto__')?.value as Record<string, unknown>).polluted).toBe(1)
  })

  it('a path past an array or through a number says where', () => {
    expect(() => applyParams(base, { 'network.layers.3.units': 1 })).toThrow(/network.layers has 1 entry; '3'/)
    expect(() => applyParams(base, { 'training.epochs.x': 1 })).toThrow(/training.epochs is 5/)
  })
})

describe('rankTrials', () => {
  it('ranks by mean in the direction as rank_test_score (method min), the first trial of a tie first; incomplete trials are not ranked', () => {
    const trials = [
      { trial: 0, scores: [0.75, 1] }, // mean 0.875, std 0.125 (exact in binary)
      { trial: 1, scores: [0.875, 0.875] }, // mean 0.875, std 0
      { trial: 2, scores: [0.99, null] },
      { trial: 3, scores: [0.5, 0.7] }
    ]
    // scikit-learn 1.2: GridSearchCV's rank_test_score for means [0.875, 0.875, 0.6] is [1, 1, 3], best_index_ 0
    const up = rankTrials(trials, true)
    expect(up.map((t) => t.trial)).toEqual([0, 1, 3])
    expect(up[0].mean).toBe(0.875)
    expect(up[0].std).toBe(0.125)
    expect(up.map((t) => t.rank)).toEqual([1, 1, 3])
    const down = rankTrials(trials, false)
    expect(down.map((t) => t.trial)).toEqual([3, 0, 1])
    expect(down.map((t) => t.rank)).toEqual([1, 2, 2])
  })
})

describe('meanStd', () => {
  it('is numpy.mean and numpy.std to the bit: its pairwise sums, not left to right', () => {
    // numpy 1.24: np.mean / np.std of 10 folds' accuracies (left to right the first mean reads 0.9600000000000002)
    const cases: Array<[number[], number, number]> = [
      [[1, 0.9333333333333333, 1, 0.8666666666666667, 0.9333333333333333, 1, 0.9333333333333333, 0.9333333333333333, 1, 1], 0.96, 0.044221663871405324],
      [[...Array(5).fill(0.9333333333333333), ...Array(5).fill(1)], 0.9666666666666668, 0.033333333333333326],
      [[0.8, 0.9333333333333333, 1, 1, 0.9333333333333333, 0.8666666666666667, 1, 0.9333333333333333, 1, 0.9333333333333333], 0.9400000000000001, 0.06289320754704401]
    ]
    for (const [folds, mean, std] of cases) expect(meanStd(folds)).toEqual({ mean, std })
  })
})
